"""Forms for the coordinators' side: set-up lists, calls, the application list, scoring,
notes, decisions and staff-list uploads."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.dates import LONDON
from flipside.lib.forms import (
    DateField,
    FilterForm,
    SafeCharField,
    TimeInput,
    london_time,
    search_field,
)
from flipside.schemes.models import Role

from .. import spreadsheets
from ..models import Application, Call, Programme, RubricCriterion, Topic
from ..review_selectors import BLIND_SORTS, REVIEW_STATES, SORTS
from ..services import DECISIONS
from ..setup import Row

Status = Application.Status
CHECKBOX = "notifications/_checkbox_field.html"


# --- Set-up lists -------------------------------------------------------------------------


class RowForm(forms.Form):
    """One row of a set-up list. ``id`` is empty on the blank row for adding."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    value_fields: ClassVar[tuple[str, ...]] = ()

    def row(self, *, remove: bool) -> Row:
        values = {name: self.cleaned_data.get(name) for name in self.value_fields}
        return Row(self.cleaned_data.get("id"), values, remove=remove)


def position_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=gettext_lazy("Position"),
        min_value=0,
        max_value=999,
        required=False,
    )


class TopicForm(RowForm):
    name = SafeCharField(label=gettext_lazy("Topic"), max_length=120)
    order = position_field()
    value_fields = ("name", "order")


class ProgrammeForm(RowForm):
    name = SafeCharField(label=gettext_lazy("Programme"), max_length=120)
    years = forms.IntegerField(
        label=gettext_lazy("Years"),
        min_value=1,
        max_value=8,
        initial=5,
    )
    value_fields = ("name", "years")


class CriterionForm(RowForm):
    name = SafeCharField(label=gettext_lazy("Criterion"), max_length=120)
    description = SafeCharField(
        label=gettext_lazy("What reviewers look for"), max_length=300, required=False
    )
    max_score = forms.IntegerField(
        label=gettext_lazy("Highest score"),
        min_value=1,
        max_value=10,
        initial=5,
    )
    order = position_field()
    value_fields = ("name", "description", "max_score", "order")


class RowFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
            form.fields["DELETE"].template_name = CHECKBOX  # type: ignore[attr-defined]

    def rows(self) -> list[Row]:
        return [
            form.row(remove=bool(form.cleaned_data.get("DELETE")))
            for form in self.forms
            if form.has_changed() or form.cleaned_data.get("id")
        ]


def _formset(form: type[forms.Form], max_num: int) -> type[RowFormSet]:
    factory = forms.formset_factory(
        form,
        formset=RowFormSet,
        extra=1,
        can_delete=True,
        can_delete_extra=False,
        max_num=max_num,
        validate_max=True,
        absolute_max=max_num + 1,
    )
    return cast(type[RowFormSet], factory)


TopicFormSet = _formset(TopicForm, 60)
ProgrammeFormSet = _formset(ProgrammeForm, 60)
RubricFormSet = _formset(CriterionForm, 15)


def topic_initial(topics: list[Topic]) -> list[dict[str, Any]]:
    return [{"id": t.pk, "name": t.name, "order": t.order} for t in topics]


def programme_initial(programmes: list[Programme]) -> list[dict[str, Any]]:
    return [{"id": p.pk, "name": p.name, "years": p.years} for p in programmes]


def rubric_initial(criteria: list[RubricCriterion]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "name": c.name,
            "description": c.description,
            "max_score": c.max_score,
            "order": c.order,
        }
        for c in criteria
    ]


# --- Calls --------------------------------------------------------------------------------


def _date_field(label: Any) -> DateField:
    return DateField(label=label)


def _time_field(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        widget=TimeInput(),
        help_text=gettext_lazy("UK time. For example, 09:00 for 9am or 17:30 for 5:30pm."),
    )


class CallForm(forms.Form):
    """A call for mentors or mentees. The role is chosen once, when the call is made."""

    role = forms.ChoiceField(
        label=gettext_lazy("Who is this call for?"),
        choices=[(Role.MENTOR, Role.MENTOR.label), (Role.MENTEE, Role.MENTEE.label)],
        widget=forms.RadioSelect,
    )
    title = SafeCharField(
        label=gettext_lazy("Title"),
        max_length=200,
        help_text=gettext_lazy(
            "Applicants see this first. For example, “Become a student mentor”."
        ),
    )
    introduction = SafeCharField(
        label=gettext_lazy("Introduction"),
        single_line=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
        help_text=gettext_lazy("What the scheme is, what taking part involves and what it offers."),
    )
    eligibility = SafeCharField(
        label=gettext_lazy("Eligibility statements"),
        single_line=False,
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One per line. Applicants must confirm each one, for example “I am a current student "
            "of the faculty”."
        ),
    )
    opens_on = _date_field(gettext_lazy("Opening date"))
    opens_time = _time_field(gettext_lazy("Opening time"))
    closes_on = _date_field(gettext_lazy("Closing date"))
    closes_time = _time_field(gettext_lazy("Closing time"))
    places = forms.IntegerField(
        label=gettext_lazy("Places"),
        min_value=1,
        max_value=500,
        help_text=gettext_lazy("How many people you can accept."),
    )
    word_limit = forms.IntegerField(
        label=gettext_lazy("Word limit for the statement"),
        min_value=50,
        max_value=1000,
        help_text=gettext_lazy("From 50 to 1,000 words. Applies to student mentors' statements."),
    )
    blind_review = forms.BooleanField(
        label=gettext_lazy(
            "Blind review: hide applicants' names and email addresses from reviewers"
        ),
        required=False,
        template_name=CHECKBOX,
        help_text=gettext_lazy(
            "Reviewers see “Applicant 12” instead, in lists, pages and downloads."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self, *args: Any, call: Call | None = None, roles: Sequence[str], **kwargs: Any
    ) -> None:
        if call is not None:
            kwargs.setdefault("initial", _call_initial(call))
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        if call is not None:
            del self.fields["role"]
            self.fields["version"].required = True
        else:
            role_field.choices = [(v, label) for v, label in role_field.choices if v in roles]  # type: ignore[attr-defined]

    def clean_eligibility(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["eligibility"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > 15:
            raise ValidationError(_("Keep to 15 statements or fewer."))
        if any(len(line) > 300 for line in lines):
            raise ValidationError(_("Keep each statement under 300 characters."))
        return lines

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for prefix in ("opens", "closes"):
            date, time = cleaned.get(f"{prefix}_on"), cleaned.get(f"{prefix}_time")
            if date and time:
                try:
                    cleaned[f"{prefix}_at"] = london_time(date, time)
                except ValidationError as error:
                    self.add_error(f"{prefix}_time", error)
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_on", _("The call must close after it opens."))
        return cleaned

    def values(self) -> dict[str, Any]:
        names = [
            "title",
            "introduction",
            "eligibility",
            "opens_at",
            "closes_at",
            "places",
            "word_limit",
            "blind_review",
        ]
        if "role" in self.fields:
            names.append("role")
        return {name: self.cleaned_data[name] for name in names}


def _call_initial(call: Call) -> dict[str, Any]:
    opens, closes = call.opens_at.astimezone(LONDON), call.closes_at.astimezone(LONDON)
    return {
        "title": call.title,
        "introduction": call.introduction,
        "eligibility": "\n".join(call.eligibility),
        "opens_on": opens.date(),
        "opens_time": opens.time(),
        "closes_on": closes.date(),
        "closes_time": closes.time(),
        "places": call.places,
        "word_limit": call.word_limit,
        "blind_review": call.blind_review,
        "version": call.version,
    }


def new_call_initial(today: datetime.date) -> dict[str, Any]:
    return {
        "opens_on": today + datetime.timedelta(days=1),
        "opens_time": datetime.time(9),
        "closes_on": today + datetime.timedelta(days=29),
        "closes_time": datetime.time(12),
        "places": 10,
        "word_limit": 250,
    }


# --- Applications -------------------------------------------------------------------------


class ApplicationFilterForm(FilterForm):
    """Filters for the list; a value that is not on offer is ignored, not an error."""

    q = search_field(gettext_lazy("Search"), max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *((s.value, s.label) for s in REVIEW_STATES)],
    )
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=[])

    def __init__(self, *args: Any, blind: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = list((BLIND_SORTS if blind else SORTS).items())  # type: ignore[attr-defined]
        self.fields["q"].help_text = (
            _("Words in their answers, or an applicant number.")
            if blind
            else _("A name, an email address or words in their answers.")
        )


OUTCOME_LABELS: dict[str, Any] = {
    Status.SHORTLISTED: gettext_lazy("Shortlist"),
    Status.ACCEPTED: gettext_lazy("Accept"),
    Status.WAITLISTED: gettext_lazy("Put on the waiting list"),
    Status.DECLINED: gettext_lazy("Do not offer a place"),
}


class IdListField(forms.Field):
    """Ids of ticked rows; anything that is not a plausible id is refused."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if len(values) > 500:
            raise ValidationError(_("Choose at most 500 applications at a time."))
        if not all(isinstance(v, str) and v.isdecimal() and 0 < len(v) < 18 for v in values):
            raise ValidationError(_("Choose applications from the list."))
        return sorted({int(v) for v in values})


class BulkDecisionForm(forms.Form):
    applications = IdListField(
        label=gettext_lazy("Applications"),
        error_messages={"required": gettext_lazy("Tick at least one application.")},
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision for the ticked applications"),
        choices=[("", gettext_lazy("Choose a decision")), *OUTCOME_LABELS.items()],
        error_messages={"required": gettext_lazy("Choose a decision.")},
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=list(OUTCOME_LABELS.items()))


def decision_choices(status: str) -> list[tuple[str, Any]]:
    """The decisions open from ``status``, in the order the buttons show them."""
    allowed = DECISIONS.get(status, set())
    return [(value, label) for value, label in OUTCOME_LABELS.items() if value in allowed]


class ScoreForm(forms.Form):
    """One whole-number score per rubric criterion, from 0 to its highest score."""

    def __init__(self, *args: Any, criteria: list[RubricCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            hint = _("From 0 to %(max)s.") % {"max": criterion.max_score}
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=criterion.name,
                min_value=0,
                max_value=criterion.max_score,
                help_text=f"{criterion.description} {hint}".strip(),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def clean(self) -> dict[str, Any]:
        if not self.criteria:
            raise ValidationError(_("This scheme has no scoring criteria yet."))
        return super().clean() or {}

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"score_{c.pk}"] for c in self.criteria}


class NoteForm(forms.Form):
    text = SafeCharField(
        label=gettext_lazy("Add a private note"),
        single_line=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}),
        help_text=gettext_lazy(
            "Only coordinators of this cohort see notes. The applicant never does."
        ),
    )


# --- Staff lists --------------------------------------------------------------------------


class ImportStaffForm(forms.Form):
    """A CSV or .xlsx staff list. Valid only if every row is."""

    file = forms.FileField(
        label=gettext_lazy("Staff list"),
        help_text=gettext_lazy(
            "A CSV or Excel (.xlsx) file. The first row holds the headings: “email”, and “name” "
            "if you like. Up to 2,000 people and 2 MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": f".csv,.xlsx,text/csv,{spreadsheets.XLSX}"}
        ),
    )

    def __init__(self, *args: Any, already_in: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.already_in = already_in
        self.people: list[spreadsheets.Person] = []
        self.problems: list[spreadsheets.Problem] = []

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > spreadsheets.MAX_BYTES:
            raise ValidationError(_("The file is larger than 2 MB. Split it into smaller lists."))
        try:
            self.people = spreadsheets.read_people(upload.read())
        except spreadsheets.SpreadsheetError as error:
            raise ValidationError(str(error)) from error
        self.problems = spreadsheets.check_people(self.people, already_in=self.already_in)
        if self.problems:
            raise ValidationError(
                _("Nobody was invited: fix the problems listed below and upload the file again.")
            )
        return upload
