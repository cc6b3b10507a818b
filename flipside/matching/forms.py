"""Forms for matching: settings, rules and capacities, starting and comparing runs, adjusting a
draft proposal, and ending or making pairs. Each lists its fields; people are chosen only from
the cohort's own mentors and mentees."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.forms import FilterForm, SafeCharField, search_field
from flipside.lib.picker import PersonField
from flipside.lib.text import isolate
from flipside.schemes.models import Cohort
from flipside.schemes.selectors import PICKABLE, members, picker_url

from .models import FirstContact, Pair, PairRule, Run

CHECKBOX = "notifications/_checkbox_field.html"
WEIGHTS = ["weight_topics", "weight_availability", "weight_mode_site", "weight_preferences"]
# The keys ``MatchingSettings.weights()`` uses, in the same order as WEIGHTS.
WEIGHT_KEYS = ["topics", "availability", "mode_site", "preferences"]
OPTIONS = ["avoid_same_department", "require_meetable", "first_contact"]


def pick(form: forms.Form, cohort: Cohort, **fields: str) -> None:
    """Point each person picker (field name → ``mentor``, ``mentee`` or ``participant``) at
    the cohort's people of that kind: whom it searches and whom it accepts."""
    for name, kind in fields.items():
        field: Any = form.fields[name]
        field.people_from(partial(members, cohort, PICKABLE[kind]))
        field.search_url = picker_url(cohort, kind)


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: `` name="value"``, ``name`` alone for True, False
    left out; every value escaped."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class ProposalSelect(forms.Select):
    """A list of up to a page of pairs (twice on the run page): the markup of Django's
    select.html and select_option.html, byte for byte, built in Python rather than with one
    template include an option."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = "".join(
            f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
            f"{conditional_escape(option['label'])}</option>\n"
            for _group, choices, _index in widget["optgroups"]
            for option in choices
        )
        # Safe: name, attributes and options escaped above.
        return SafeString(  # nosec B703
            f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
            f"{options}\n</select>"
        )


class ProposalField(forms.ModelChoiceField):  # type: ignore[type-arg]
    widget = ProposalSelect

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", gettext_lazy("Choose a pair"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return pair_label(obj.mentor.display_name, obj.mentee.display_name, obj.score)


def pair_label(mentor: str, mentee: str, score: int) -> str:
    return _("%(mentor)s with %(mentee)s (score %(score)s)") % {
        "mentor": isolate(mentor),
        "mentee": isolate(mentee),
        "score": score,
    }


class RangeInput(forms.NumberInput):
    input_type = "range"


class WeightField(forms.IntegerField):
    """A weight from 0 to 10 as a slider; a range input submits its value without JavaScript."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            min_value=0,
            max_value=10,
            widget=RangeInput(attrs={"step": 1, "data-weight": True}),
            **kwargs,
        )
        # Set after __init__, which would reset a class attribute to None.
        self.template_name = "matching/_range_field.html"


class WeightsForm(forms.Form):
    weight_topics = WeightField(
        label=gettext_lazy("Shared topics"),
        help_text=gettext_lazy(
            "What the student wants to talk about and the staff member hopes to understand."
        ),
    )
    weight_availability = WeightField(
        label=gettext_lazy("Times both can meet"),
        help_text=gettext_lazy("How many of their available times of the week overlap."),
    )
    weight_mode_site = WeightField(
        label=gettext_lazy("How and where they meet"),
        help_text=gettext_lazy("Both online or both in person, and at the same site."),
    )
    weight_preferences = WeightField(
        label=gettext_lazy("Their own preferences"),
        help_text=gettext_lazy(
            "For example, a student who would rather meet someone from another site."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if all(name in cleaned for name in WEIGHTS) and not any(cleaned[n] for n in WEIGHTS):
            raise ValidationError(_("Give at least one thing a weight above 0."))
        return cleaned

    def weights(self) -> dict[str, int]:
        """The weights as ``MatchingSettings.weights()`` names them."""
        return {
            key: self.cleaned_data[name] for key, name in zip(WEIGHT_KEYS, WEIGHTS, strict=True)
        }


class SettingsForm(WeightsForm):
    avoid_same_department = forms.BooleanField(
        label=gettext_lazy("Never pair a student with staff from their placement department"),
        required=False,
        template_name=CHECKBOX,
        help_text=gettext_lazy(
            "The department or clinical team the student is placed in, as each person wrote it."
        ),
    )
    require_meetable = forms.BooleanField(
        label=gettext_lazy("Never pair people who cannot meet"),
        required=False,
        template_name=CHECKBOX,
        help_text=gettext_lazy(
            "Online only with in person only, or two people who both need to meet in person "
            "at different sites."
        ),
    )
    first_contact = forms.ChoiceField(
        label=gettext_lazy("Who gets in touch first?"),
        choices=FirstContact.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("The introduction email tells both partners."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in WEIGHTS + OPTIONS}


def settings_initial(saved: Any) -> dict[str, Any]:
    return {name: getattr(saved, name) for name in [*WEIGHTS, *OPTIONS, "version"]}


class RuleForm(forms.Form):
    prefix = "rule"
    mentor = PersonField(label=gettext_lazy("Student mentor"))
    mentee = PersonField(label=gettext_lazy("Staff mentee"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Rule"),
        widget=forms.RadioSelect,
        choices=[
            (PairRule.Kind.NEVER, gettext_lazy("Never pair these two")),
            (PairRule.Kind.LOCK, gettext_lazy("Always keep these two as a pair")),
        ],
    )
    reason = SafeCharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Only coordinators see this."),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pick(self, cohort, mentor="mentor", mentee="mentee")


class CapacityForm(forms.Form):
    prefix = "capacity"
    person = PersonField(
        label=gettext_lazy("Person"),
        help_text=gettext_lazy("A student mentor or staff mentee in this cohort."),
    )
    partners = forms.IntegerField(
        label=gettext_lazy("How many partners?"),
        min_value=1,
        max_value=5,
        help_text=gettext_lazy("From 1 to 5. Everyone has 1 unless you change it."),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pick(self, cohort, person="participant")


class LockForm(forms.Form):
    """What the lock button asks for: the pair locked or unlocked. Saying which (not toggling)
    makes a double click, or a page drawn before another coordinator's change, harmless."""

    LOCK, UNLOCK = "lock", "unlock"
    lock = forms.ChoiceField(choices=[(LOCK, LOCK), (UNLOCK, UNLOCK)])


class RunForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("What should the proposal aim for?"),
        widget=forms.RadioSelect,
        initial=Run.Mode.BEST,
        choices=[
            (
                Run.Mode.BEST,
                gettext_lazy(
                    "Best overall: the highest total score. A few pairs may score much lower "
                    "than the rest."
                ),
            ),
            (
                Run.Mode.FAIREST,
                gettext_lazy(
                    "Fairest: make the lowest-scoring pair as good as it can be, then the "
                    "highest total."
                ),
            ),
        ],
    )
    include_unready = forms.BooleanField(
        label=gettext_lazy("Include people who are not ready yet"),
        required=False,
        template_name=CHECKBOX,
        help_text=gettext_lazy(
            "Otherwise only people who have finished training, read the handbook and accepted "
            "the ground rules are paired."
        ),
    )


FINISHED = {"invalid_choice": gettext_lazy("Choose a finished proposal.")}


class CompareForm(forms.Form):
    first: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("First proposal"), queryset=None, error_messages=FINISHED
    )
    second: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Second proposal"), queryset=None, error_messages=FINISHED
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        finished = Run.objects.filter(cohort=cohort, status=Run.Status.DONE)
        for name in ("first", "second"):
            self.fields[name].queryset = finished  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("first") and cleaned.get("first") == cleaned.get("second"):
            self.add_error("second", _("Choose two different proposals."))
        return cleaned


class VersionForm(forms.Form):
    """The version of the run the page showed; every change to a draft carries it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SwapForm(VersionForm):
    prefix = "swap"
    first = ProposalField(label=gettext_lazy("First pair"), queryset=None)
    second = ProposalField(label=gettext_lazy("Second pair"), queryset=None)

    def __init__(self, *args: Any, run: Run, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        proposals = run.proposals.select_related("mentor", "mentee")
        for name in ("first", "second"):
            self.fields[name].queryset = proposals  # type: ignore[attr-defined]
        self.offer([])

    def offer(self, proposals: list[Any]) -> None:
        """List only these pairs (rows of ``selectors.proposal_rows``: a run can have a
        thousand); any pair of the run is still accepted."""
        for name in ("first", "second"):
            field: Any = self.fields[name]
            field.choices = [("", field.empty_label)] + [
                (p.pk, pair_label(p.mentor_name, p.mentee_name, p.score)) for p in proposals
            ]

    def chosen(self) -> set[int]:
        """The ids of the pairs chosen on this form (submitted, or carried in initial)."""
        values = [str(self[name].value() or "") for name in ("first", "second")]
        return {int(v) for v in values if v.isdecimal() and len(v) <= 18}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("first") and cleaned.get("first") == cleaned.get("second"):
            self.add_error("second", _("Choose two different pairs."))
        return cleaned


class AddPairForm(VersionForm):
    """A pair added by hand, from the cohort's mentors and mentees. Adding someone already in
    a pair of this proposal asks for confirmation (the service checks)."""

    prefix = "add"

    mentor = PersonField(label=gettext_lazy("Student mentor"))
    mentee = PersonField(label=gettext_lazy("Staff mentee"))
    confirmed = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, run: Run, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pick(self, run.cohort, mentor="mentor", mentee="mentee")

    def person(self, name: str) -> Any:
        return self.cleaned_data[name]


class EndPairForm(forms.Form):
    reason = SafeCharField(
        label=gettext_lazy("Why is this pair ending?"),
        max_length=300,
        help_text=gettext_lazy("Only coordinators see this."),
        error_messages={"required": gettext_lazy("Say why this pair is ending.")},
    )


class NewPairForm(forms.Form):
    """Pair two of the cohort's people outside a run (re-matching)."""

    mentor = PersonField(label=gettext_lazy("Student mentor"))
    mentee = PersonField(label=gettext_lazy("Staff mentee"))

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pick(self, cohort, mentor="mentor", mentee="mentee")


class ProposalFilterForm(FilterForm):
    """Search and filter for a run's pairs; a value not on offer is ignored, not an error."""

    q = search_field(
        gettext_lazy("Name"),
        help_text=gettext_lazy("Separate names with commas to find several pairs."),
    )
    show = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=[
            ("", gettext_lazy("Every pair")),
            ("locked", gettext_lazy("Locked pairs")),
            ("not_ready", gettext_lazy("Pairs with someone not ready yet")),
        ],
    )


class PairFilterForm(FilterForm):
    """Search and filter for the pairs page; a value not on offer is ignored, not an error."""

    q = search_field(gettext_lazy("Name"))
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *Pair.Status.choices],
    )
