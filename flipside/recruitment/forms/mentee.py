"""The staff mentee's application form: role, department and seniority, what they hope to
understand, and the students they teach (so they are never paired with one)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from flipside.lib.forms import ModelChoicesField, SafeCharField

from ..models import Application, Programme, Seniority, Topic
from .application import ApplicationForm, GridCheckboxes


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
    topics = ModelChoicesField(
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
