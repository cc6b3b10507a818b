"""The student mentor's application form: programme and year, placement, the statement (with
its word count, counted as the browser counts it) and the topics they offer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import AccessibleBoundField, ModelChoicesField, SafeCharField
from flipside.lib.words import word_count

from ..models import Application, Programme, Topic
from .application import ApplicationForm

STATEMENT_MAX_CHARACTERS = 20_000  # far above any word limit; refuses pasted novels


class WordCountBoundField(AccessibleBoundField):
    """Also points assistive technology at the word count under the box."""

    def build_widget_attrs(self, attrs: dict, widget: forms.Widget | None = None) -> dict:  # type: ignore[type-arg]
        attrs = super().build_widget_attrs(attrs, widget)
        counter = f"{self.auto_id}_count"
        attrs["aria-describedby"] = f"{attrs.get('aria-describedby', '')} {counter}".strip()
        return attrs


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
    topics = ModelChoicesField(
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
