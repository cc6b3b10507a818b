"""Equality monitoring: the scheme's optional questions and the explicit consent to store them.

Privacy owns equality data, so the form lives here; recruitment shows it to applicants."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import FilterForm, SafeCharField

from .audit_log import CHANGES, PEOPLE
from .equality import CATEGORIES, QUESTIONS, consent_wording

# Labels for the self-description boxes.
IN_OWN_WORDS: dict[str, Any] = {
    "ethnicity": _("Your ethnic group, in your own words"),
    "sexual_orientation": _("Your sexual orientation, in your own words"),
    "gender_identity": _("Your gender identity, in your own words"),
}


class EqualityForm(forms.Form):
    """The scheme's equality questions, each optional, and an explicit, un-ticked consent."""

    def __init__(self, *args: Any, asked: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked = asked
        for key in asked:
            question = QUESTIONS[key]
            self.fields[key] = forms.ChoiceField(
                label=question.label,
                choices=question.choices(),
                widget=forms.RadioSelect,
                required=False,
            )
            if question.self_describe:
                self.fields[f"{key}_description"] = SafeCharField(
                    label=IN_OWN_WORDS.get(key, _("In your own words")),
                    help_text=_("Only if you chose “I'd prefer to describe myself”."),
                    max_length=200,
                    required=False,
                    widget=forms.TextInput(
                        attrs={"data-self-describe-for": key, "autocomplete": "off"}
                    ),
                )
        self.fields["consent"] = forms.BooleanField(
            label=consent_wording(asked),
            required=False,
            help_text=_("If you do not tick this box, we store none of your answers."),
            template_name="notifications/_checkbox_field.html",
        )

    @staticmethod
    def category(key: str) -> Any:
        return CATEGORIES.get(key, QUESTIONS[key].label)

    def answers(self) -> dict[str, str]:
        return {key: value for key, value in self.cleaned_data.items() if key != "consent"}


class AuditFilterForm(FilterForm):
    """The audit log's search and filters, kept in the address. A value not on offer (or a
    date that is not one) is ignored, not an error."""

    q = SafeCharField(
        label=_("Search"),
        help_text=_("Part of a person's email address or of a record's name."),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Entries"), required=False)
    group = forms.ChoiceField(label=_("What was done"), required=False)
    actor = SafeCharField(
        label=_("Done by"),
        help_text=_("Part of their email address."),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    object_type = SafeCharField(
        label=_("Record type"),
        help_text=_("For example matching.pair or training.concern."),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    object_id = SafeCharField(
        label=_("Record number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def __init__(
        self, *args: Any, groups: list[tuple[str, str]], people: bool, **kwargs: Any
    ) -> None:
        """``groups``: the action groups in the person's part of the log; ``people``: whether
        they may read sign-ins and refusals (organisation coordinators)."""
        super().__init__(*args, **kwargs)
        group = cast(forms.ChoiceField, self.fields["group"])
        group.choices = [("", _("Anything")), *groups]
        kinds = [("", _("All entries")), (CHANGES, _("Changes to records"))]
        if people:
            kinds.append((PEOPLE, _("Sign-ins and refused pages of your people")))
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds
