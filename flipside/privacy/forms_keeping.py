"""Forms for a scheme's retention schedule and for legal holds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import SafeCharField
from flipside.lib.picker import PersonField

from .retention import PERIODS

UNITS = {"months": _("months"), "years": _("years")}


class ScheduleForm(forms.Form):
    """One whole number per period, within its bounds; ``version`` is the one the editor
    opened (0: the scheme still keeps the defaults)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for period in PERIODS:
            self.fields[period.field] = forms.IntegerField(
                label=period.retention.title,
                min_value=period.minimum,
                max_value=period.maximum,
                help_text=_("In %(unit)s, from %(min)s to %(max)s. %(why)s")
                % {
                    "unit": UNITS[period.unit],
                    "min": period.minimum,
                    "max": period.maximum,
                    "why": period.why_bounds,
                },
            )

    def values(self) -> dict[str, int]:
        return {period.field: self.cleaned_data[period.field] for period in PERIODS}


class HoldForm(forms.Form):
    """A hold on one person (found by search) or one of the organisation's schemes."""

    prefix = "hold"
    kind = forms.ChoiceField(
        label=_("What to hold"),
        choices=[("person", _("A person's records")), ("scheme", _("A whole scheme's records"))],
        widget=forms.RadioSelect,
    )
    person = PersonField(
        label=_("Person"),
        required=False,
        help_text=_("Search by name or email address. Needed when holding a person's records."),
    )
    scheme: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Scheme"),
        queryset=None,  # set per organisation
        required=False,
        help_text=_("Needed when holding a whole scheme's records."),
    )
    reason = SafeCharField(
        label=_("Reason"),
        single_line=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why the records must be kept, such as a complaint, a claim or an investigation. "
            "Do not name other people or describe anyone's health."
        ),
    )

    def __init__(
        self, *args: Any, schemes: QuerySet[Any], people: QuerySet[Any], search_url: str, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        scheme_field: Any = self.fields["scheme"]
        scheme_field.queryset = schemes
        person_field: Any = self.fields["person"]
        person_field.queryset = people
        person_field.search_url = search_url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == "person" and not data.get("person") and "person" not in self.errors:
            self.add_error("person", _("Choose the person whose records to hold."))
        if kind == "scheme" and not data.get("scheme") and "scheme" not in self.errors:
            self.add_error("scheme", _("Choose the scheme whose records to hold."))
        return data

    def target(self) -> dict[str, Any]:
        kind = self.cleaned_data["kind"]
        return (
            {"user": self.cleaned_data["person"]}
            if kind == "person"
            else {"scheme": self.cleaned_data["scheme"]}
        )
