"""Forms of the survey builder, the schedules and the answers. Each lists its fields, so
nothing else posted is read; the services check every value again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.forms import DateField, SafeCharField

from .models import Audience, Instrument, Kind, Question, Stage
from .standard import options

CHECKBOX = "notifications/_checkbox_field.html"
OUT_OF_DATE = gettext_lazy("This page was incomplete or out of date. Reload it and try again.")


def _version(*, min_value: int, required: bool = True) -> forms.IntegerField:
    """The version the page was drawn at (hidden): a message a person can act on if lost."""
    return forms.IntegerField(
        widget=forms.HiddenInput, min_value=min_value, required=required,
        error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE,
                        "min_value": OUT_OF_DATE},
    )  # fmt: skip


OPENS = {
    "required": gettext_lazy("Choose the date the survey opens."),
    "invalid": gettext_lazy(
        "Enter the date the survey opens as a real date, such as 1 October 2026."
    ),
}
CLOSES = {
    "required": gettext_lazy("Choose the date the survey closes."),
    "invalid": gettext_lazy(
        "Enter the date the survey closes as a real date, such as 9 October 2026."
    ),
}


def _date(label: Any, *, messages: dict[str, Any], help_text: Any = "") -> DateField:
    return DateField(label=label, help_text=help_text, error_messages=messages)


class InstrumentForm(forms.Form):
    title = SafeCharField(
        label=gettext_lazy("Title"), max_length=150,
        error_messages={"required": gettext_lazy("Enter a title for the instrument.")},
    )  # fmt: skip
    audience = forms.ChoiceField(
        label=gettext_lazy("Who answers it"), choices=Audience.choices, widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose who answers it: student mentors or staff mentees."),
            "invalid_choice": gettext_lazy("Choose student mentors or staff mentees."),
        },
    )  # fmt: skip
    introduction = SafeCharField(
        label=gettext_lazy("Introduction"), single_line=False, required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Shown on the survey's first page."),
    )  # fmt: skip
    identified = forms.BooleanField(
        label=gettext_lazy("Keep answers with respondents' names"), required=False,
        template_name=CHECKBOX,
        help_text=gettext_lazy(
            "Only if you truly need names. The first page then says so prominently. Cannot "
            "change once anyone has answered."
        ),
    )  # fmt: skip
    version = _version(min_value=0, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:  # an instrument's audience is fixed once made
            del self.fields["audience"]


def instrument_initial(instrument: Instrument) -> dict[str, Any]:
    return {
        "title": instrument.title, "introduction": instrument.introduction,
        "identified": instrument.identified, "version": instrument.version,
    }  # fmt: skip


class QuestionForm(forms.Form):
    text = SafeCharField(
        label=gettext_lazy("Question"), max_length=500,
        error_messages={"required": gettext_lazy("Enter the question.")},
    )  # fmt: skip
    help_text = SafeCharField(
        label=gettext_lazy("Hint"), max_length=500, required=False,
        help_text=gettext_lazy("Shown under the question, for example what the scale means."),
    )  # fmt: skip
    section = SafeCharField(
        label=gettext_lazy("Section heading"), max_length=150, required=False,
        help_text=gettext_lazy("Questions in a row with the same heading form one section."),
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of answer"), choices=Kind.choices,
        error_messages={
            "required": gettext_lazy("Choose the kind of answer the question takes."),
            "invalid_choice": gettext_lazy("Choose one of the kinds of answer listed."),
        },
    )  # fmt: skip
    required = forms.BooleanField(
        label=gettext_lazy("An answer is required"), required=False, template_name=CHECKBOX
    )
    choices = SafeCharField(
        label=gettext_lazy("Options"), single_line=False, required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("For “Choose one” and “Choose any”: one option a line."),
    )  # fmt: skip
    version = _version(min_value=0)

    def __init__(self, *args: Any, locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if locked:
            # People have answered: the kind cannot change and an optional question cannot
            # become required (the service refuses both). Disabled controls say so, and
            # Django keeps a disabled field's initial value whatever is posted.
            fixed = gettext_lazy("Cannot change: people have answered this instrument.")
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = fixed
            if not self.initial.get("required"):
                self.fields["required"].disabled = True
                self.fields["required"].help_text = fixed
            else:
                self.fields["required"].help_text = gettext_lazy(
                    "You can make it optional, but it cannot become required again: people "
                    "have answered this instrument."
                )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        lines = [line.strip() for line in (data.get("choices") or "").splitlines()]
        return {
            "text": data["text"], "help_text": data["help_text"], "section": data["section"],
            "kind": data["kind"], "required": data["required"],
            "choices": [line for line in lines if line],
        }  # fmt: skip


def question_initial(question: Question, version: int) -> dict[str, Any]:
    return {
        "text": question.text, "help_text": question.help_text, "section": question.section,
        "kind": question.kind, "required": question.required,
        "choices": "\n".join(question.choices), "version": version,
    }  # fmt: skip


class ScheduleForm(forms.Form):
    instrument = forms.ChoiceField(
        label=gettext_lazy("Instrument"),
        error_messages={
            "required": gettext_lazy("Choose the instrument to ask."),
            "invalid_choice": gettext_lazy("Choose one of this scheme's instruments."),
        },
    )  # fmt: skip
    stage = forms.ChoiceField(
        label=gettext_lazy("When it is asked"), choices=Stage.choices,
        error_messages={
            "required": gettext_lazy("Choose when the survey is asked."),
            "invalid_choice": gettext_lazy("Choose one of the stages listed."),
        },
    )  # fmt: skip
    opens_on = _date(gettext_lazy("Opens on"), messages=OPENS)
    closes_on = _date(
        gettext_lazy("Closes on"), messages=CLOSES,
        help_text=gettext_lazy("The last day people can answer or change their answers."),
    )  # fmt: skip

    def __init__(self, *args: Any, instruments: list[Instrument], **kwargs: Any) -> None:
        """``instruments``: the scheme's (``selectors.scheme_instruments``), read once by the
        view rather than by the field."""
        super().__init__(*args, **kwargs)
        self.instruments = {str(i.pk): i for i in instruments}
        field: Any = self.fields["instrument"]
        field.choices = [("", "---------")] + [
            (str(i.pk), f"{i.title} ({i.get_audience_display()})") for i in instruments
        ]

    def clean_instrument(self) -> Instrument:
        return self.instruments[self.cleaned_data["instrument"]]


class DatesForm(forms.Form):
    opens_on = _date(gettext_lazy("Opens on"), messages=OPENS)
    closes_on = _date(gettext_lazy("Closes on"), messages=CLOSES)
    version = _version(min_value=1)


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def answer_messages(question: Question) -> dict[str, str]:
    """What to do, naming the question, when its answer is missing or cannot be taken."""
    # Messages with parameters (a length, a value) are %-formatted: the question's own
    # "%" must survive that.
    quoted, escaped = question.text, question.text.replace("%", "%%")
    if question.is_text:
        return {
            "required": _("Enter an answer to ‘%(q)s’.") % {"q": quoted},
            "max_length": _("Use at most %%(limit_value)d characters to answer ‘%(q)s’.")
            % {"q": escaped},
        }
    if question.kind == Kind.MULTIPLE:
        required = _("Choose at least one answer to ‘%(q)s’.") % {"q": quoted}
    else:
        required = _("Choose an answer to ‘%(q)s’.") % {"q": quoted}
    offered = _("Choose one of the answers offered for ‘%(q)s’.")
    return {
        "required": required,
        "invalid_choice": offered % {"q": escaped},  # formatted again with the value
        "invalid_list": offered % {"q": quoted},
    }


def _answer_field(question: Question) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.text, "help_text": question.help_text,
        "required": question.required, "error_messages": answer_messages(question),
    }  # fmt: skip
    if question.kind == Kind.TEXT:
        return SafeCharField(single_line=False, max_length=1000, **common)
    if question.kind == Kind.NARRATIVE:
        return SafeCharField(
            single_line=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 8}),
            **common,
        )  # fmt: skip
    choices = [(str(v), label) for v, label in options(question.kind, question.choices)]
    if question.kind == Kind.MULTIPLE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)


class AnswerForm(forms.Form):
    """One field a question (``q<id>``), in order; scales and choices as radio buttons or
    checkboxes in a fieldset whose legend is the question."""

    version = _version(min_value=0, required=False)

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[field_name(question)] = _answer_field(question)

    def answers(self) -> dict[int, Any]:
        return {q.pk: self.cleaned_data.get(field_name(q)) for q in self.questions}

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields grouped under their section headings, in order."""
        grouped: list[tuple[str, list[forms.BoundField]]] = []
        for question in self.questions:
            if not grouped or grouped[-1][0] != question.section:
                grouped.append((question.section, []))
            grouped[-1][1].append(self[field_name(question)])
        return grouped


def answer_initial(values: dict[str, Any], texts: dict[str, str], version: int) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": version}
    for key, value in values.items():
        initial[f"q{key}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    for key, text in texts.items():
        initial[f"q{key}"] = text
    return initial
