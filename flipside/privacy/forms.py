"""Equality monitoring: the scheme's optional questions and the explicit consent to store them.

Privacy owns equality data, so the form lives here; recruitment shows it to applicants."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import DateField, FilterForm, SafeCharField, search_field
from flipside.lib.picker import PersonField

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
    start = DateField(label=_("From"), required=False)
    end = DateField(label=_("To"), required=False)
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


class AccessRequestForm(forms.Form):
    """A subject access request received by email: whose, when it arrived, its reference."""

    person = PersonField(
        label=_("Whose data"),
        help_text=_("Search by name or email address: someone with a role in your organisation."),
        error_messages={"required": _("Search for the person by name or email, then choose them.")},
    )
    received_on = DateField(
        label=_("Date received"),
        help_text=_("The day the request arrived. The reply is due one month later."),
        error_messages={
            "required": _("Enter the date the request arrived."),
            "invalid": _("Enter a real date, like 14 3 2027."),
        },
    )
    reference = SafeCharField(
        label=_("Reference"),
        help_text=_("Your reference for the request, such as the email's subject or case number."),
        max_length=100,
        error_messages={"required": _("Enter the request's reference.")},
    )

    def clean_received_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return day


class PersonSearchForm(forms.Form):
    """Find the person whose records are to be erased, by name or email."""

    q = search_field(_("Name or email address"))


ERASE_WORD = "ERASE"


class ErasureForm(forms.Form):
    """The coordinator confirms by typing a word and the request's reference."""

    reference = SafeCharField(
        label=_("Request reference"),
        max_length=100,
        help_text=_("The reference of the person's erasure request, from your records."),
    )
    confirm = SafeCharField(
        label=_("Type ERASE to confirm"),
        max_length=20,
        help_text=_("This cannot be undone."),
    )

    def clean_confirm(self) -> str:
        value = str(self.cleaned_data["confirm"])
        if value.strip().upper() != ERASE_WORD:
            raise forms.ValidationError(_("Type ERASE to confirm."))
        return value
