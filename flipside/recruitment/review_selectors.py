"""Reads for the coordinators' recruitment pages: calls with their figures, the list of
applications, and one application laid out for review.

Under blind review an applicant is "Applicant 12" (the application's id) everywhere here,
and their name and email are neither shown nor searched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.dates import LONDON
from flipside.schemes.models import Cohort

from . import permissions
from .models import PARTS_OF_DAY, WEEKDAYS, Application, Call, Programme, Review, RubricCriterion
from .services import public_url

Status = Application.Status
# The states a coordinator sees, in the order applications move through them.
REVIEW_STATES = [s for s in Status if s != Status.DRAFT]
SORTS: dict[str, Any] = {
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
    "name": gettext_lazy("Name, A to Z"),
    "status": gettext_lazy("Status"),
    "score": gettext_lazy("Highest average score"),
}
BLIND_SORTS = {key: label for key, label in SORTS.items() if key != "name"}


def applicant_label(application: Application) -> str:
    if application.call.blind_review:
        return _("Applicant %(id)s") % {"id": application.pk}
    return application.applicant.display_name or application.applicant.email


# --- Calls --------------------------------------------------------------------------------


@dataclass
class CallSummary:
    call: Call
    link: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def received(self) -> int:
        return sum(self.counts.values())

    @property
    def accepted(self) -> int:
        return self.counts.get(Status.ACCEPTED, 0)

    @property
    def over_places(self) -> bool:
        return self.accepted > self.call.places

    def states(self) -> list[tuple[str, str, int]]:
        return [(s.value, str(s.label), self.counts.get(s, 0)) for s in REVIEW_STATES]


def cohort_calls(cohort: Cohort) -> list[CallSummary]:
    """The cohort's calls (mentors first) with how many applications are in each state."""
    return call_summaries(list(cohort.calls.order_by("role", "pk")))


def call_summary(call: Call) -> CallSummary:
    return call_summaries([call])[0]


def call_summaries(calls: list[Call]) -> list[CallSummary]:
    summaries = {call.pk: CallSummary(call, public_url(call)) for call in calls}
    counted = (
        Application.objects.submitted()
        .filter(call__in=list(summaries))
        .values_list("call_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for call_id, status, n in counted:
        summaries[call_id].counts[status] = n
    return list(summaries.values())


# --- The list -----------------------------------------------------------------------------


def call_applications(
    user: Any, call: Call, *, status: str = "", q: str = "", sort: str = "newest"
) -> QuerySet[Application]:
    """Submitted applications to ``call`` the person may review, filtered and sorted."""
    applications = (
        permissions.reviewable_applications(user)
        .filter(call=call)
        .select_related("applicant", "site", "programme", "call")
        .annotate(**_review_figures())
    )
    if status:
        applications = applications.filter(status=status)
    if q:
        applications = applications.filter(_search(q, blind=call.blind_review))
    return applications.order_by(*_ordering(sort, blind=call.blind_review))


def _review_figures() -> dict[str, Any]:
    """Each application's average total and number of reviews, as subqueries: PostgreSQL
    then works them out for the page's 50 rows only, not (as with a join and GROUP BY over
    every application) before sorting the whole call's applications."""
    reviews = Review.objects.filter(application=OuterRef("pk")).order_by().values("application")
    return {
        "average": Subquery(
            reviews.annotate(a=Avg("total")).values("a"), output_field=FloatField()
        ),
        "review_count": Coalesce(Subquery(reviews.annotate(n=Count("pk")).values("n")), 0),
    }


# What a row of the list shows (the rest of an application is long text and answers).
LIST_ROW_FIELDS = (
    "call__blind_review", "call__role", "applicant__display_name", "applicant__email",
    "status", "submitted_at", "site__name", "programme__name", "year", "job_title",
)  # fmt: skip


def _search(q: str, *, blind: bool) -> Q:
    found = Q(statement__icontains=q) | Q(hopes__icontains=q) | Q(other_topics__icontains=q)
    if not blind:
        found |= Q(applicant__display_name__icontains=q) | Q(applicant__email__icontains=q)
    number = q.strip().removeprefix("Applicant ").removeprefix("applicant ")
    if number.isdecimal() and len(number) < 18:
        found |= Q(pk=int(number))
    return found


def _ordering(sort: str, *, blind: bool) -> list[Any]:
    if sort == "name" and not blind:
        return ["applicant__display_name", "pk"]
    if sort == "oldest":
        return ["submitted_at", "pk"]
    if sort == "status":
        position = Case(
            *(When(status=s, then=Value(i)) for i, s in enumerate(REVIEW_STATES)), default=99
        )
        return [position, "-submitted_at", "pk"]
    if sort == "score":
        return [F("average").desc(nulls_last=True), "submitted_at", "pk"]
    return ["-submitted_at", "-pk"]


@dataclass
class ListRow:
    application: Application
    label: str


def list_rows(applications: Any) -> list[ListRow]:
    return [ListRow(application, applicant_label(application)) for application in applications]


def neighbours(
    user: Any, application: Application, **filters: str
) -> tuple[int | None, int | None]:
    """The applications before and after this one in the list as the reviewer sorted it."""
    ids = list(call_applications(user, application.call, **filters).values_list("pk", flat=True))
    if application.pk not in ids:
        return None, None
    at = ids.index(application.pk)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)


# --- One application ----------------------------------------------------------------------


def rubric_total(call: Call) -> int:
    """The highest total a reviewer can give under the scheme's rubric."""
    return sum(call.cohort.scheme.rubric.values_list("max_score", flat=True))


def availability_grid(slots: list[str]) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Weekdays by parts of the day, each marked available or not."""
    chosen = set(slots)
    return [
        (
            str(day_label),
            [(str(part_label), f"{day}-{part}" in chosen) for part, part_label in PARTS_OF_DAY],
        )
        for day, day_label in WEEKDAYS
    ]


def availability_text(slots: list[str]) -> str:
    """For example "Tuesday afternoon; Thursday morning"."""
    return "; ".join(
        f"{day} {part}"
        for day, parts in availability_grid(slots)
        for part, available in parts
        if available
    )


def teaching_text(application: Application, programmes: dict[int, str]) -> list[str]:
    lines = []
    for entry in application.teaching or []:
        if not isinstance(entry, dict):
            continue
        name = programmes.get(entry.get("programme"), _("A programme no longer listed"))  # type: ignore[arg-type]
        year = entry.get("year")
        lines.append(
            _("%(programme)s, year %(year)s") % {"programme": name, "year": year}
            if year
            else str(name)
        )
    return lines


def programme_names(organisation_id: int) -> dict[int, str]:
    return dict(Programme.objects.filter(organisation=organisation_id).values_list("pk", "name"))


@dataclass
class ReviewerScores:
    review: Review
    scores: list[int | None]
    mine: bool


@dataclass
class Scoring:
    criteria: list[RubricCriterion]
    reviews: list[ReviewerScores]
    mine: Review | None
    average: float | None
    out_of: int

    @property
    def by_criterion(self) -> list[tuple[RubricCriterion, list[int | None]]]:
        """Each criterion with every reviewer's score for it, in the order of ``reviews``.

        The review page lists criteria down the side, so its table grows with the number of
        reviewers (a few), not with the rubric (which may be long), and keeps its totals.
        """
        return [(c, [row.scores[n] for row in self.reviews]) for n, c in enumerate(self.criteria)]


def scoring(application: Application, user: Any) -> Scoring:
    criteria = list(application.call.cohort.scheme.rubric.all())
    reviews = list(application.reviews.select_related("reviewer").order_by("updated_at", "pk"))
    rows = [
        ReviewerScores(
            review,
            [review.scores.get(str(c.pk)) for c in criteria],
            review.reviewer_id == user.pk,
        )
        for review in reviews
    ]
    average = sum(r.total for r in reviews) / len(reviews) if reviews else None
    mine = next((r.review for r in rows if r.mine), None)
    return Scoring(criteria, rows, mine, average, sum(c.max_score for c in criteria))


# --- Export -------------------------------------------------------------------------------


def export_rows(call: Call, applications: QuerySet[Application]) -> list[list[Any]]:
    """One row per application, headings first. Never any equality-monitoring answer; nor
    access needs, which can reveal health or disability."""
    mentors = call.role == "mentor"
    programmes = programme_names(call.cohort.scheme.organisation_id)
    headings = [_("ID"), _("Name"), _("Email"), _("Status"), _("Submitted (UK time)"), _("Site")]
    if mentors:
        headings += [_("Programme"), _("Year")]
    else:
        headings += [_("Job title"), _("Department"), _("Seniority"), _("Teaches")]
    headings += [_("Meeting"), _("Available")]
    if mentors:
        headings += [_("Topics"), _("Other topics"), _("Statement")]
    else:
        headings += [_("Hopes")]
    headings += [_("Reviews"), _("Average score")]
    rows: list[list[Any]] = [headings]
    # Labels are translated once for the whole export, not once per row (exports run to
    # thousands of rows). Each gives what the model's get_FOO_display() would.
    statuses = _labels(Application.Status.choices)
    seniorities = _labels(Application._meta.get_field("seniority").choices)
    modes = _labels(Application._meta.get_field("mode").choices)
    slots = [
        (f"{day}-{part}", f"{day_label} {part_label}")
        for day, day_label in WEEKDAYS
        for part, part_label in PARTS_OF_DAY
    ]
    blind_label = _("Applicant %(id)s")
    for a in applications.prefetch_related("topics") if mentors else applications:
        row: list[Any] = [
            a.pk,
            blind_label % {"id": a.pk}
            if call.blind_review
            else (a.applicant.display_name or a.applicant.email),
            "" if call.blind_review else a.applicant.email,
            statuses.get(a.status, a.status),
            a.submitted_at.astimezone(LONDON) if a.submitted_at else "",
            a.site.name if a.site else "",
        ]
        if mentors:
            row += [a.programme.name if a.programme else "", a.year or ""]
        else:
            row += [
                a.job_title,
                a.department,
                seniorities.get(a.seniority, a.seniority),
                "; ".join(teaching_text(a, programmes)),
            ]
        chosen = set(a.availability)
        available = "; ".join(text for slot, text in slots if slot in chosen)
        row += [modes.get(a.mode, a.mode), available]
        if mentors:
            row += ["; ".join(t.name for t in a.topics.all()), a.other_topics, a.statement]
        else:
            row += [a.hopes]
        average = getattr(a, "average", None)
        row += [getattr(a, "review_count", 0), round(average, 1) if average is not None else ""]
        rows.append(row)
    return rows


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices or []}
