"""Forms of the ideas register: recording an idea (a participant's, a coordinator's), moving
it on, owners, merging, a proposer's choice to be named, the lists' filters and the board's
settings. Each lists its fields; nothing else posted changes anything."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.forms import EmailAddressField, FilterForm, SafeCharField, search_field
from flipside.lib.picker import PersonField

from .models import (
    REASON_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Area,
    Idea,
    Level,
    Source,
    Status,
)

# Who reads it is who ``permissions.Access.sees_experience`` lets reach the idea's page:
# its cohort's coordinators, its owner and every proposer (a partner who raised it with you,
# and the people whose duplicate idea is merged into it and so become its proposers).
EXPERIENCE_HINT = gettext_lazy(
    "What happened that made you think of this. Do not name or describe anyone else, not "
    "even by their role. Read by the coordinators, the idea's owner and everyone who raised "
    "the idea: your partner, if you put it forward together, and the people who raised any "
    "idea merged into it. Never shown on the board."
)
COORDINATOR_EXPERIENCE_HINT = gettext_lazy(
    "What happened that led to this idea. Do not name or describe anyone, not even by their "
    "role. Read by the coordinators, the idea's owner and the people who raised any idea "
    "merged into it. Never shown on the board."
)
OUT_OF_DATE = gettext_lazy("This page was incomplete or out of date. Reload it and try again.")


def _version() -> forms.IntegerField:
    """The version the page was drawn at (hidden): a message a person can act on if lost."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE, "min_value": OUT_OF_DATE},
    )


def _text(
    label: Any,
    *,
    hint: Any = "",
    required: bool = True,
    rows: int = 5,
    max_length: int = TEXT_MAX_LENGTH,
    missing: Any = "",
) -> SafeCharField:
    return SafeCharField(
        single_line=False,
        label=label,
        help_text=hint,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows, "spellcheck": "true", "dir": "auto"}),
        error_messages={"required": missing} if missing else None,
    )


class IdeaFields(forms.Form):
    title = SafeCharField(
        label=gettext_lazy("Title"),
        max_length=TITLE_MAX_LENGTH,
        help_text=gettext_lazy(
            "A short name for the change, such as “Diverse patient images in anatomy teaching”."
        ),
        error_messages={"required": gettext_lazy("Enter a title for the idea.")},
    )
    description = _text(
        gettext_lazy("The idea"),
        hint=gettext_lazy("What should change, and who could change it."),
        missing=gettext_lazy("Say what should change, and who could change it."),
    )
    area = forms.ChoiceField(
        label=gettext_lazy("Area"),
        choices=Area.choices,
        error_messages={
            "required": gettext_lazy("Choose the area the idea is about."),
            "invalid_choice": gettext_lazy("Choose one of the areas listed."),
        },
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Level"),
        choices=Level.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Who could make the change: one person, a department, or the whole organisation."
        ),
        error_messages={
            "required": gettext_lazy(
                "Choose who could make the change: one person, a department or the whole "
                "organisation."
            ),
            "invalid_choice": gettext_lazy("Choose one of the levels listed."),
        },
    )
    experience = _text(
        gettext_lazy("The experience behind it"), hint=EXPERIENCE_HINT, required=False
    )
    # Made when the form is drawn: the same form sent twice records one idea.
    submit_key = forms.CharField(
        widget=forms.HiddenInput, max_length=64, error_messages={"required": OUT_OF_DATE}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("submit_key", secrets.token_urlsafe(16))
        super().__init__(*args, **kwargs)

    def idea_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("title", "description", "area", "level", "experience", "submit_key")
        }


class ParticipantIdeaForm(IdeaFields):
    way = forms.ChoiceField(
        label=gettext_lazy("Who is putting this idea forward?"),
        widget=forms.RadioSelect,
        choices=[
            (Source.PERSON, gettext_lazy("Me")),
            (Source.PAIR, gettext_lazy("My partner and me, together")),
            (
                Source.ANONYMOUS,
                gettext_lazy("Me, anonymously: only the coordinators know it came from me"),
            ),
        ],
        error_messages={
            "required": gettext_lazy("Choose who is putting this idea forward."),
            "invalid_choice": gettext_lazy("Choose one of the ways listed."),
        },
    )
    named = forms.BooleanField(
        label=gettext_lazy("Show my name on the “you said, we did” board"),
        required=False,
        help_text=gettext_lazy(
            "Off unless you tick it. You can change this later. Your partner "
            "chooses for themselves."
        ),
    )

    def __init__(self, *args: Any, partners: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partners = partners
        if not partners:
            field: Any = self.fields["way"]
            field.choices = [c for c in field.choices if c[0] != Source.PAIR]
        self.fields["way"].initial = Source.PERSON

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("way") == Source.ANONYMOUS and cleaned.get("named"):
            self.add_error(
                "named",
                _(
                    "An anonymous idea cannot show your name. Untick this, "
                    "or choose to put it forward as yourself."
                ),
            )
        return cleaned


class CoordinatorIdeaForm(IdeaFields):
    event: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Raised at a reflection event"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label=gettext_lazy("Not at an event (passed on by a participant)"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of this cohort's events.")},
    )

    def __init__(self, *args: Any, events: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["event"]
        field.queryset = events
        self.fields["experience"].help_text = COORDINATOR_EXPERIENCE_HINT


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("New status"),
        choices=Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose the idea's new status."),
            "invalid_choice": gettext_lazy("Choose one of the statuses listed."),
        },
    )
    note = _text(
        gettext_lazy("Note"),
        required=False,
        rows=3,
        hint=gettext_lazy("Shown in the idea's history and sent to the people who raised it."),
    )
    reason = _text(
        gettext_lazy("Why it is not being taken forward"),
        required=False,
        rows=3,
        max_length=REASON_MAX_LENGTH,
        hint=gettext_lazy("Needed when it is not taken forward. Shown on the board."),
    )
    outcome = _text(
        gettext_lazy("What was done"),
        required=False,
        rows=3,
        hint=gettext_lazy("Needed when it is done. Shown on the board."),
    )
    version = _version()

    def __init__(self, *args: Any, idea: Idea, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"version": idea.version})
        super().__init__(*args, **kwargs)
        step = idea.next_status
        offered = [s for s in (step, Status.NOT_TAKEN) if s]
        field: Any = self.fields["status"]
        field.choices = [(s, Status(s).label) for s in offered]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == Status.NOT_TAKEN and not cleaned.get("reason"):
            self.add_error(
                "reason",
                _("Say why the idea is not being taken forward. Its proposers will read this."),
            )
        if cleaned.get("status") == Status.DONE and not cleaned.get("outcome"):
            self.add_error(
                "outcome", _("Say what was done. Everyone who can see the board will read this.")
            )
        return cleaned


class OwnerForm(forms.Form):
    person = PersonField(
        label=gettext_lazy("Owner"),
        help_text=gettext_lazy(
            "Search by name or email address: a member of staff already "
            "known here. Someone new? Invite them below."
        ),
        error_messages={
            "required": gettext_lazy(
                "Search for the owner by name or email address, then choose them."
            )
        },
    )
    version = _version()


class InviteOwnerForm(forms.Form):
    name = SafeCharField(
        label=gettext_lazy("Their name"),
        max_length=150,
        error_messages={"required": gettext_lazy("Enter the new owner's name.")},
    )
    email = EmailAddressField(
        label=gettext_lazy("Their work email address"),
        help_text=gettext_lazy(
            "They get an email with a link to set a password. Their account "
            "reaches only the ideas they own."
        ),
        error_messages={"required": gettext_lazy("Enter the new owner's work email address.")},
    )
    version = _version()


class MergeForm(forms.Form):
    into: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Keep this idea"),
        queryset=None,  # type: ignore[arg-type]
        help_text=gettext_lazy(
            "This idea becomes a duplicate of the one you choose. Its "
            "proposers and history move with it; nothing is deleted."
        ),
        error_messages={
            "required": gettext_lazy("Choose the idea to keep."),
            "invalid_choice": gettext_lazy("Choose one of the open ideas listed."),
        },
    )
    owner = forms.TypedChoiceField(
        label=gettext_lazy("Owner to keep"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Only needed when both ideas have an owner and they differ."),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the owners listed.")},
    )
    version = _version()

    def __init__(
        self, *args: Any, idea: Idea, candidates: Any, owners: list[Any], **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {"version": idea.version})
        super().__init__(*args, **kwargs)
        into: Any = self.fields["into"]
        into.queryset = candidates
        into.label_from_instance = lambda i: f"{i.title} ({Status(i.status).label})"
        owner: Any = self.fields["owner"]
        owner.choices = [(o.pk, o.display_name) for o in owners]


class NamingForm(forms.Form):
    named = forms.BooleanField(required=False)


class BoardFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status"))]
        + [(s.value, s.label) for s in Status if s != Status.PROPOSED],
    )
    area = forms.ChoiceField(
        label=gettext_lazy("Area"),
        required=False,
        choices=[("", gettext_lazy("Any area")), *Area.choices],
    )


class RegisterFilterForm(FilterForm):
    q = search_field(gettext_lazy("Title contains"))
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Any status")),
            *Status.choices,
            ("needs_owner", gettext_lazy("Needs a new owner")),
        ],
    )
    area = forms.ChoiceField(
        label=gettext_lazy("Area"),
        required=False,
        choices=[("", gettext_lazy("Any area")), *Area.choices],
    )


class BoardSettingsForm(forms.Form):
    public_board = forms.BooleanField(
        label=gettext_lazy("Show the board on a public page"),
        required=False,
        help_text=gettext_lazy(
            "Anyone with its address can read it: ideas past triage and what "
            "happened to them, with names only where proposers chose. "
            "Turning it off and on again gives it a new address."
        ),
    )
    version = _version()
