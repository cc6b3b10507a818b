"""The application form's answers both roles give (where they are based, when and how they
could meet, preferences, conflicts of interest, eligibility), and its widgets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import SafeCharField
from flipside.schemes.models import Site

from ..models import (
    AVAILABILITY_SLOTS,
    PARTS_OF_DAY,
    WEEKDAYS,
    Application,
    MeetingMode,
    Preference,
)
from ..selectors import access_needs_of

CONFLICTS_MAX_LINES = 20
CONFLICT_MAX_CHARACTERS = 150  # a line: one name or email address


class GridCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes laid out as a table: a row per ``rows`` entry and a column per ``columns``
    entry; the choice in a cell is ``code(row, column)``. Cells without a choice stay empty."""

    template_name = "recruitment/_grid_widget.html"

    def __init__(
        self,
        *,
        rows: Sequence[tuple[Any, Any]],
        columns: Sequence[tuple[Any, Any]],
        code: Callable[[Any, Any], str],
        caption: Any,
    ) -> None:
        super().__init__()
        self.rows, self.columns, self.code, self.caption = list(rows), list(columns), code, caption

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        options = {
            str(option["value"]): option
            for _group, group_options, _index in context["widget"]["optgroups"]
            for option in group_options
        }
        context["widget"]["grid"] = {
            "caption": self.caption,
            "columns": [label for _key, label in self.columns],
            "rows": [
                (label, [options.get(self.code(key, column)) for column, _c in self.columns])
                for key, label in self.rows
            ],
        }
        return context


def availability_field() -> forms.MultipleChoiceField:
    choices = [
        (f"{day}-{part}", format_lazy(_("{day} {part}"), day=day_label, part=part_label))
        for day, day_label in WEEKDAYS
        for part, part_label in PARTS_OF_DAY
    ]
    return forms.MultipleChoiceField(
        label=_("When could you usually meet?"),
        help_text=_(
            "Tick every time of the week that usually suits you. Meetings last about an hour."
        ),
        choices=choices,
        widget=GridCheckboxes(
            rows=WEEKDAYS,
            columns=PARTS_OF_DAY,
            code=lambda day, part: f"{day}-{part}",
            caption=_("Times you could usually meet, by day of the week"),
        ),
    )


def conflicts_help(examples: Any) -> Any:
    return format_lazy(
        _(
            "One name or email address a line, up to {lines} people: for example {examples}. "
            "This is kept private: only the scheme's coordinators see it."
        ),
        lines=CONFLICTS_MAX_LINES,
        examples=examples,
    )


def conflict_lines(text: str) -> list[str]:
    """The names or addresses in a conflicts answer: one a line, blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class ApplicationForm(forms.Form):
    """The answers both roles give.

    Submitting (or changing a submitted application) is ``strict``: every answer the call
    needs must be there and within its limits. A draft may be saved with answers missing and
    a statement over the word limit; the page warns about both.
    """

    # Who the applicant might know too well, for the help text under ``conflicts``
    conflict_examples: Any = ""
    # Required only together with another field; ``clean`` checks them when strict.
    conditionally_required: frozenset[str] = frozenset()
    required_messages: dict[str, Any] = {
        "site": _("Choose where you are mainly based."),
        "availability": _("Tick at least one time when you could usually meet."),
        "mode": _("Choose how you would like to meet."),
        "programme": _("Choose your programme of study."),
        "year": _("Choose your year of study."),
        "statement": _("Tell us why you would be a good mentor."),
        "job_title": _("Enter your job title."),
        "department": _("Enter your department or specialty."),
        "seniority": _("Choose the description that best fits your role."),
        "hopes": _("Tell us what you hope to understand."),
        "eligibility": _("Tick every statement to confirm you can take part."),
    }

    site = forms.ModelChoiceField(
        label=_("Where are you mainly based?"),
        queryset=Site.objects.none(),
        widget=forms.RadioSelect,
    )
    availability = availability_field()
    mode = forms.ChoiceField(
        label=_("How would you like to meet?"),
        choices=MeetingMode.choices,
        widget=forms.RadioSelect,
    )
    pronouns = SafeCharField(
        label=_("Pronouns"),
        max_length=40,
        required=False,
        help_text=_("For example she/her, he/him, they/them. Leave blank if you prefer."),
    )
    access_needs = SafeCharField(
        label=_("Is there anything we should know to help you take part?"),
        single_line=False,
        max_length=2000,
        required=False,
        help_text=_(
            "For example access needs for meetings or training. Only coordinators see this."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferences = forms.MultipleChoiceField(
        label=_("What would you like in a partner?"),
        help_text=_(
            "Tick any that matter to you. We use these to suggest a partner, but cannot "
            "promise to meet them all."
        ),
        choices=Preference.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    conflicts = SafeCharField(
        label=_("Is there anyone you should not be paired with?"),
        single_line=False,
        # ``clean_conflicts`` checks the lines; this only refuses pasted novels.
        max_length=CONFLICTS_MAX_LINES * CONFLICT_MAX_CHARACTERS * 2,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    eligibility = forms.MultipleChoiceField(
        label=_("Confirm that you can take part"),
        help_text=_("Tick each statement that is true for you. You need to meet all of them."),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, application: Application, strict: bool, **kwargs: Any) -> None:
        self.application, self.strict = application, strict
        kwargs["initial"] = {**self.initial_from(application), "version": application.version}
        super().__init__(*args, **kwargs)
        self.fields["conflicts"].help_text = conflicts_help(self.conflict_examples)
        # The version the page was loaded at, so a save from a stale tab is refused.
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        for name, field in self.fields.items():
            if name in self.required_messages:
                field.error_messages["required"] = self.required_messages[name]
        call = application.call
        organisation = call.cohort.scheme.organisation
        self.fields["site"].queryset = organisation.sites.all()  # type: ignore[attr-defined]
        if call.eligibility:
            self.fields["eligibility"].choices = [  # type: ignore[attr-defined]
                (str(i), statement) for i, statement in enumerate(call.eligibility)
            ]
        else:
            del self.fields["eligibility"]

    def initial_from(self, a: Application) -> dict[str, Any]:
        eligibility = [str(i) for i in range(len(a.call.eligibility))]
        return {
            "site": a.site_id,
            "availability": a.availability,
            "mode": a.mode,
            "pronouns": a.applicant.pronouns,
            "access_needs": access_needs_of(a) or "",
            "eligibility": eligibility if a.eligibility_confirmed else [],
            "preferences": a.preferences,
            "conflicts": a.conflicts,
        }

    def full_clean(self) -> None:
        relaxed = set(self.fields) if not self.strict else self.conditionally_required
        was = {name: self.fields[name].required for name in relaxed}
        for name in relaxed:
            self.fields[name].required = False
        try:
            super().full_clean()
        finally:
            for name, required in was.items():
                self.fields[name].required = required

    def clean_preferences(self) -> list[str]:
        chosen = self.cleaned_data.get("preferences") or []
        if {Preference.SAME_SITE, Preference.OTHER_SITE} <= set(chosen):
            raise forms.ValidationError(
                _g("Choose someone at the same site or someone at a different site, not both.")
            )
        return [code for code, _label in Preference.choices if code in chosen]

    def clean_conflicts(self) -> str:
        text = self.cleaned_data.get("conflicts") or ""
        lines = conflict_lines(text)
        if len(lines) > CONFLICTS_MAX_LINES:
            raise forms.ValidationError(
                _g("You listed %(count)s people. List %(limit)s or fewer, one a line.")
                % {"count": len(lines), "limit": CONFLICTS_MAX_LINES}
            )
        too_long = [
            n
            for n, line in enumerate(text.splitlines(), 1)
            if len(line.strip()) > CONFLICT_MAX_CHARACTERS
        ]
        if too_long:
            raise forms.ValidationError(
                _g(
                    "Line %(line)s is too long. Give one name or email address a line, in "
                    "%(limit)s characters or fewer."
                )
                % {"line": too_long[0], "limit": CONFLICT_MAX_CHARACTERS}
            )
        return "\n".join(lines)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        statements = self.application.call.eligibility
        ticked = set(cleaned.get("eligibility") or [])
        # With none ticked, the field's own "required" error already says this.
        if self.strict and statements and 0 < len(ticked) < len(statements):
            self.add_error("eligibility", self.required_messages["eligibility"])
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The cleaned answers, as ``services.save_answers`` takes them."""
        data = self.cleaned_data
        statements = self.application.call.eligibility
        return {
            "site": data["site"],
            "availability": [s for s in AVAILABILITY_SLOTS if s in data["availability"]],
            "mode": data["mode"],
            "pronouns": data["pronouns"],
            "access_needs": data["access_needs"],
            "eligibility_confirmed": len(set(data.get("eligibility") or [])) == len(statements),
            "preferences": data["preferences"],
            "conflicts": data["conflicts"],
        }
