"""Forms for applicants: starting an application, verifying their address and their answers.

The equality-monitoring form is privacy's (flipside.privacy.forms)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from flipside.accounts.forms import AcceptInvitationForm
from flipside.lib.forms import AccessibleBoundField, EmailAddressField, SafeCharField
from flipside.lib.words import word_count
from flipside.schemes.models import Site

from ..models import (
    AVAILABILITY_SLOTS,
    PARTS_OF_DAY,
    WEEKDAYS,
    Application,
    MeetingMode,
    Preference,
    Programme,
    Seniority,
    Topic,
)

STATEMENT_MAX_CHARACTERS = 20_000  # far above any word limit; refuses pasted novels
CONFLICTS_MAX_LINES = 20
CONFLICT_MAX_CHARACTERS = 150  # a line: one name or email address


class StartForm(forms.Form):
    name = SafeCharField(
        label=_("Your full name"),
        max_length=150,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = EmailAddressField(
        label=_("Email address"),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.ac.uk."),
        },
        help_text=_("We will email you a link to check the address is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class VerifyForm(AcceptInvitationForm):
    """Pronouns and a password for a new applicant; their name came with the start form."""

    display_name = None  # type: ignore[assignment]

    def __init__(self, *args: Any, email: str, name: str, **kwargs: Any) -> None:
        super().__init__(*args, email=email, **kwargs)
        self.name = name

    def clean(self) -> dict[str, Any]:
        # Password validation compares the password with the person's name and email.
        self.cleaned_data["display_name"] = self.name
        return super().clean()


# --- The application ----------------------------------------------------------------------


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


class WordCountBoundField(AccessibleBoundField):
    """Also points assistive technology at the word count under the box."""

    def build_widget_attrs(self, attrs: dict, widget: forms.Widget | None = None) -> dict:  # type: ignore[type-arg]
        attrs = super().build_widget_attrs(attrs, widget)
        counter = f"{self.auto_id}_count"
        attrs["aria-describedby"] = f"{attrs.get('aria-describedby', '')} {counter}".strip()
        return attrs


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
            "access_needs": a.access_needs,
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


class MentorApplicationForm(ApplicationForm):
    conditionally_required = frozenset({"topics"})
    field_order = [
        "programme", "year", "department", "site", "statement", "topics", "other_topics",
        "availability", "mode", "preferences", "conflicts", "pronouns", "access_needs",
        "eligibility",
    ]  # fmt: skip

    programme = forms.ModelChoiceField(
        label=_("Programme of study"),
        queryset=Programme.objects.none(),
        empty_label=_("Choose your programme"),
    )
    year = forms.TypedChoiceField(
        label=_("Year of study"), coerce=int, empty_value=None, choices=[]
    )
    department = SafeCharField(
        label=_("Current placement or clinical team"),
        max_length=150,
        required=False,
        help_text=_(
            "For example the cardiology team at your hospital, or the GP practice you are placed "
            "with. Leave blank if you are not on placement now."
        ),
    )
    statement = SafeCharField(
        label=_("Why would you be a good mentor?"),
        single_line=False,
        max_length=STATEMENT_MAX_CHARACTERS,
        help_text=_(
            "Tell us what you would like senior staff to understand, and what you would bring "
            "to the conversations."
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
        template_name="recruitment/_word_count.html",
        bound_field_class=WordCountBoundField,
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("What are you willing to talk about?"),
        help_text=_("Choose at least one, or describe other topics in the next box."),
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    other_topics = SafeCharField(
        label=_("Other topics"),
        single_line=False,
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    conflict_examples = _("someone who supervises or assesses you, a relative or a friend")

    def __init__(self, *args: Any, application: Application, strict: bool, **kwargs: Any) -> None:
        super().__init__(*args, application=application, strict=strict, **kwargs)
        organisation = application.call.cohort.scheme.organisation
        self.programmes = list(organisation.programmes.all())
        self.fields["programme"].queryset = organisation.programmes.all()  # type: ignore[attr-defined]
        most_years = max((p.years for p in self.programmes), default=1)
        self.fields["year"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose your year")),
            *((n, _g("Year %(n)s") % {"n": n}) for n in range(1, most_years + 1)),
        ]
        self.fields["topics"].queryset = application.call.cohort.scheme.topics.all()  # type: ignore[attr-defined]
        self.word_limit = application.call.word_limit

    def initial_from(self, a: Application) -> dict[str, Any]:
        return {
            **super().initial_from(a),
            "programme": a.programme_id,
            "year": a.year,
            "department": a.department,
            "statement": a.statement,
            "topics": [t.pk for t in a.topics.all()],
            "other_topics": a.other_topics,
        }

    @property
    def statement_words(self) -> int:
        return word_count(str(self["statement"].value() or ""))

    @property
    def statement_words_over(self) -> int:
        return max(0, self.statement_words - self.word_limit)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        programme, year = cleaned.get("programme"), cleaned.get("year")
        if programme and year and not 1 <= year <= programme.years:
            self.add_error(
                "year",
                _g("%(programme)s has %(years)s years: choose a year from 1 to %(years)s.")
                % {"programme": programme.name, "years": programme.years},
            )
        if not self.strict:
            return cleaned
        if not cleaned.get("topics") and not (cleaned.get("other_topics") or "").strip():
            self.add_error("topics", _g("Choose at least one topic, or describe your own."))
        words = word_count(cleaned.get("statement") or "")
        if words > self.word_limit:
            self.add_error(
                "statement",
                _g("Your statement has %(count)s words. Shorten it to %(limit)s words or fewer.")
                % {"count": words, "limit": self.word_limit},
            )
        return cleaned

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **super().answers(),
            "programme": data["programme"],
            "year": data["year"],
            "department": data["department"],
            "statement": data["statement"],
            "topics": list(data["topics"] or []),
            "other_topics": data["other_topics"],
        }


class MenteeApplicationForm(ApplicationForm):
    field_order = [
        "job_title", "department", "site", "seniority", "hopes", "topics", "teaching",
        "availability", "mode", "preferences", "conflicts", "pronouns", "access_needs",
        "eligibility",
    ]  # fmt: skip

    job_title = SafeCharField(
        label=_("Job title"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    department = SafeCharField(
        label=_("Department or specialty"),
        max_length=150,
    )
    seniority = forms.ChoiceField(
        label=_("Which best describes your role?"),
        choices=Seniority.choices,
        widget=forms.RadioSelect,
    )
    hopes = SafeCharField(
        label=_("What do you hope to understand through reverse mentoring?"),
        single_line=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("What would you most like to understand?"),
        help_text=_("Tick any that interest you most. We use these to suggest a partner."),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    teaching = forms.MultipleChoiceField(
        label=_("Which students do you teach, assess, examine or supervise?"),
        help_text=_(
            "Tick each programme and year you teach, assess, examine or supervise, are personal "
            "tutor to, or sit on progression or fitness-to-practise panels for. We use this "
            "only to avoid pairing you with one of your own students. Leave it blank if none."
        ),
        required=False,
    )
    conflict_examples = _("a student you supervise or examine, or a relative")

    def __init__(self, *args: Any, application: Application, strict: bool, **kwargs: Any) -> None:
        super().__init__(*args, application=application, strict=strict, **kwargs)
        self.fields["site"].label = _("Where do you mainly work?")
        self.fields["site"].help_text = _("The faculty, or the partner NHS Trust you work for.")
        topics = application.call.cohort.scheme.topics.all()
        if topics.exists():
            self.fields["topics"].queryset = topics  # type: ignore[attr-defined]
        else:
            del self.fields["topics"]
        programmes = list(application.call.cohort.scheme.organisation.programmes.all())
        self._set_teaching_grid(programmes)

    def _set_teaching_grid(self, programmes: list[Programme]) -> None:
        most_years = max((p.years for p in programmes), default=0)
        field = self.fields["teaching"]
        field.widget = GridCheckboxes(
            rows=[(p.pk, p.name) for p in programmes],
            columns=[(n, _g("Year %(n)s") % {"n": n}) for n in range(1, most_years + 1)],
            code=lambda programme, year: f"{programme}-{year}",
            caption=_("Programmes and years of study"),
        )
        # Setting the choices after the widget gives the widget them too.
        field.choices = [  # type: ignore[attr-defined]
            (f"{p.pk}-{year}", _g("%(programme)s year %(year)s") % {"programme": p, "year": year})
            for p in programmes
            for year in range(1, p.years + 1)
        ]

    def initial_from(self, a: Application) -> dict[str, Any]:
        return {
            **super().initial_from(a),
            "job_title": a.job_title,
            "department": a.department,
            "seniority": a.seniority,
            "hopes": a.hopes,
            "topics": [t.pk for t in a.topics.all()],
            "teaching": [f"{t['programme']}-{t['year']}" for t in a.teaching],
        }

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        teaching = [code.split("-") for code in data["teaching"]]
        topics = {"topics": list(data["topics"] or [])} if "topics" in self.fields else {}
        return {
            **super().answers(),
            **topics,
            "job_title": data["job_title"],
            "department": data["department"],
            "seniority": data["seniority"],
            "hopes": data["hopes"],
            "teaching": sorted(
                ({"programme": int(p), "year": int(y)} for p, y in teaching),
                key=lambda t: (t["programme"], t["year"]),
            ),
        }


def application_form(
    application: Application, data: Any = None, *, strict: bool = False
) -> ApplicationForm:
    form_class = MentorApplicationForm if application.role == "mentor" else MenteeApplicationForm
    return form_class(data, application=application, strict=strict)
