from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import (
    DateField,
    FilterForm,
    reject_control_characters,
    search_field,
)
from flipside.lib.text import validate_single_line
from flipside.privacy.equality import QUESTIONS

from .models import Cohort, Role, Scheme, Stage


class VersionedForm(forms.ModelForm):  # type: ignore[type-arg]
    """Carries the version the editor started from, to refuse overwriting a newer save."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].required = bool(self.instance.pk)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                one_line = not isinstance(field.widget, forms.Textarea)
                field.validators.append(
                    validate_single_line if one_line else reject_control_characters
                )

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


def meetings_field(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=52, help_text=help_text)


def minutes_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=15, max_value=480, step_size=5)


class SchemeForm(VersionedForm):
    equality_questions = forms.MultipleChoiceField(
        label=_("Equality monitoring questions"),
        help_text=_(
            "Applicants may answer these on a separate, optional page, with their consent. "
            "Answers are encrypted, never shown to reviewers or partners, and reported only "
            "as anonymised totals."
        ),
        choices=[(key, question.label) for key, question in QUESTIONS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    default_min_meetings = meetings_field(
        _("Minimum meetings per pair"), _("New cohorts start with this; each can change it.")
    )
    default_meeting_minutes = minutes_field(_("Usual meeting length, in minutes"))

    class Meta:
        model = Scheme
        fields = (
            "name",
            "centres",
            "description",
            "default_min_meetings",
            "default_meeting_minutes",
            "equality_questions",
        )
        labels = {
            "name": _("Scheme name"),
            "centres": _("Whose lived experience does it centre?"),
        }
        help_texts = {
            "description": _("What the scheme is for, in a few sentences. People see this."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class CohortForm(VersionedForm):
    min_meetings = meetings_field(_("Minimum meetings per pair"))
    meeting_minutes = minutes_field(_("Usual meeting length, in minutes"))

    class Meta:
        model = Cohort
        fields = ("label", "starts_on", "ends_on", "min_meetings", "meeting_minutes")
        field_classes = {"starts_on": DateField, "ends_on": DateField}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends <= starts:
            self.add_error("ends_on", _("The end date must be after the start date."))
        return cleaned

    def validate_constraints(self, exclude: Any = None) -> None:
        # Date order is reported on the field above; uniqueness by the service.
        return None


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    expected = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)


class PeopleFilterForm(FilterForm):
    """Search and filter for a cohort's people; a value not on offer is ignored, not an error."""

    q = search_field(_("Name or email"))
    role = forms.ChoiceField(
        label=_("Show"), required=False, choices=[("", _("Everyone")), *Role.choices]
    )
