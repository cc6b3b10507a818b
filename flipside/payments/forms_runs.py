"""Forms for payment runs: finding lines in a run, marking a run paid, correcting a line
already paid, and the payroll columns."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.forms import DateField, FilterForm, SafeCharField, search_field

from . import export
from .money import parse_hours
from .services.runs import REASON_MAX_LENGTH


class LineFilterForm(FilterForm):
    q = search_field(gettext_lazy("Student's name"))


class MarkPaidForm(forms.Form):
    paid_on = DateField(
        label=gettext_lazy("Date paid"),
        help_text=gettext_lazy("The day payroll paid the students, as on their payslips."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_paid_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["paid_on"]
        if not 2000 <= day.year <= 2099:
            raise forms.ValidationError(_("Enter a date between 2000 and 2099."))
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date paid cannot be in the future."))
        return day


class CorrectionForm(forms.Form):
    hours = forms.CharField(
        label=gettext_lazy("Hours to add or take off"),
        max_length=12,
        help_text=gettext_lazy(
            "For example 0.5 to pay half an hour more, or -1 to take an hour off. "
            "At most two decimal places."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = SafeCharField(
        label=gettext_lazy("Why"),
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Payroll and the student will see this."),
    )
    corrections_seen = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean_hours(self) -> Decimal:
        hours = parse_hours(self.cleaned_data["hours"])
        if hours is None:
            raise forms.ValidationError(
                _("Enter the hours as a number with at most two decimal places, such as 1.5.")
            )
        if not hours:
            raise forms.ValidationError(_("Enter hours other than 0."))
        if abs(hours) > 24:
            raise forms.ValidationError(_("Enter at most 24 hours either way."))
        return hours


NOT_USED = ""


class LayoutForm(forms.Form):
    """One row per possible column, in order: what it holds and its heading. Rows left
    empty are not exported."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self, *args: Any, columns: list[export.Column] | None = None, version: int = 1,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        initial: dict[str, Any] = {"version": version}
        for number, column in enumerate(columns or [], 1):
            initial[f"field_{number}"] = column["field"]
            initial[f"header_{number}"] = column["header"]
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        choices = [(NOT_USED, _("Not used")), *((k, str(v)) for k, v in export.FIELDS.items())]
        for number in self.numbers():
            self.fields[f"field_{number}"] = forms.ChoiceField(
                label=_("What it holds"), choices=choices, required=False
            )
            self.fields[f"header_{number}"] = SafeCharField(
                label=_("Heading"), max_length=export.HEADER_MAX_LENGTH, required=False
            )

    @staticmethod
    def numbers() -> range:
        return range(1, len(export.FIELDS) + 1)

    def rows(self) -> list[tuple[int, Any, Any]]:
        """(column number, its field, its heading) for the template."""
        return [(n, self[f"field_{n}"], self[f"header_{n}"]) for n in self.numbers()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        seen: set[str] = set()
        for number in self.numbers():
            field, header = cleaned.get(f"field_{number}"), cleaned.get(f"header_{number}")
            if not field and header:
                self.add_error(
                    f"field_{number}",
                    _("Column %(n)s: choose what it holds, or clear its heading.") % {"n": number},
                )
            elif field in seen:
                self.add_error(
                    f"field_{number}",
                    _("Column %(n)s: “%(field)s” is already in an earlier column.")
                    % {"n": number, "field": export.FIELDS[field]},
                )
            elif field:
                seen.add(field)
        if not seen and not self.errors:
            raise forms.ValidationError(_("Choose at least one column for the payroll file."))
        return cleaned

    def columns(self) -> list[tuple[str, str]]:
        return [
            (self.cleaned_data[f"field_{n}"], self.cleaned_data.get(f"header_{n}") or "")
            for n in self.numbers()
            if self.cleaned_data.get(f"field_{n}")
        ]
