"""Forms for timesheets: other agreed work, changing a line, claiming activity, submitting,
and coordinators' review (its filters and decisions)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.forms import DateField, FilterForm, SafeCharField, search_field

from .activity import Activity
from .models import Line
from .services import PayError
from .services import timesheets as services


class HoursField(forms.CharField):
    """Hours typed as text, read by the one rule for hours (``services.read_hours``): above
    0, at most 24, at most two decimal places."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Hours"))
        kwargs.setdefault("help_text", gettext_lazy("For example 1.5 for an hour and a half."))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            return services.read_hours(text)
        except PayError as error:
            raise ValidationError(str(error), code="hours") from error


def _check_day(day: datetime.date | None) -> None:
    if day is None:
        return
    if day > timezone.localdate():
        raise ValidationError(_("The date is in the future. Claim time once the work is done."))


class WorkForm(forms.Form):
    """Other agreed work, written by hand."""

    worked_on = DateField(label=gettext_lazy("Date"))
    hours = HoursField()
    description = SafeCharField(
        label=gettext_lazy("What you did"),
        max_length=300,
        help_text=gettext_lazy("For example, “Spoke at the staff induction, agreed with Cora”."),
    )

    def clean_worked_on(self) -> datetime.date | None:
        day = self.cleaned_data.get("worked_on")
        _check_day(day)
        return day

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("worked_on", "hours", "description")}


class LineForm(WorkForm):
    """A draft or queried line. A claimed activity's date and hours are its own: shown, not
    changed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, line: Line, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "worked_on": line.worked_on,
                "hours": _plain(line.hours),
                "description": line.description,
                "version": line.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.line = line
        if line.claim:
            for name in ("worked_on", "hours"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("From the activity itself.")

    def values(self) -> dict[str, Any]:
        if self.line.claim:
            return {"description": self.cleaned_data["description"]}
        return super().values()


def _plain(hours: Decimal) -> str:
    return services.hours_text(hours)


class ClaimForm(forms.Form):
    """The activity ticked on the mentor's page, by claim key. Only what the page offered
    is accepted; the service checks each one again against the database."""

    claim = forms.MultipleChoiceField(
        label=gettext_lazy("Activity to claim"),
        error_messages={
            "required": gettext_lazy("Tick the activity you want to claim."),
            "invalid_choice": gettext_lazy(
                "Something you ticked can no longer be claimed. Check the list and try again."
            ),
        },
    )

    def __init__(self, *args: Any, offered: Sequence[Activity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["claim"].choices = [(a.key, a.title) for a in offered]  # type: ignore[attr-defined]


class VersionForm(forms.Form):
    """A button that acts on what the page showed: submitting a timesheet, approving a
    line."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- Coordinators' review -------------------------------------------------------------------

SHOWN = [
    ("", gettext_lazy("Waiting for approval")),
    (Line.Status.APPROVED.value, gettext_lazy("Approved")),
    (Line.Status.QUERIED.value, gettext_lazy("Queried")),
    (Line.Status.REJECTED.value, gettext_lazy("Rejected")),
    ("all", gettext_lazy("All submitted or decided")),
]


class ReviewFilterForm(FilterForm):
    q = search_field(gettext_lazy("Mentor's name"))
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=SHOWN)

    def statuses(self) -> list[str]:
        chosen = self.filters().get("status", "")
        if chosen == "all":
            return [Line.Status.SUBMITTED, Line.Status.APPROVED, Line.Status.QUERIED,
                    Line.Status.REJECTED]  # fmt: skip
        return [chosen or Line.Status.SUBMITTED]


class DecisionForm(forms.Form):
    """A query or rejection: the message to the mentor says why."""

    message = forms.CharField(
        label=gettext_lazy("Message to the mentor"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Say what is wrong and what they can do. They see this."),
        error_messages={
            "required": gettext_lazy(
                "Write a message to the mentor: say what is wrong and what they can do."
            )
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_message(self) -> str:
        text = self.cleaned_data["message"].strip()
        if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
            raise ValidationError(_("Remove the invisible control characters from this text."))
        return text


SELECTED = re.compile(r"^([1-9][0-9]{0,17}):([1-9][0-9]{0,8})$")


class SelectedField(forms.MultipleChoiceField):
    """Ticked lines as ``"<line id>:<version the page showed>"``; the choices are the
    cohort's lines, so anything of that form is accepted here and checked by the service."""

    def valid_value(self, value: Any) -> bool:
        return bool(SELECTED.match(str(value)))


class ApproveSelectedForm(forms.Form):
    lines = SelectedField(
        error_messages={
            "required": gettext_lazy("Tick the lines you want to approve."),
            "invalid_choice": gettext_lazy("Tick the lines you want to approve."),
        }
    )

    def versions(self) -> dict[int, int]:
        found = (SELECTED.match(value) for value in self.cleaned_data["lines"])
        return {int(m[1]): int(m[2]) for m in found if m}
