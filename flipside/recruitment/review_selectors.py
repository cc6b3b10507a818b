"""Reads for the coordinators' recruitment pages: calls with their figures, the list of
applications, and one application laid out for review.

Under blind review an applicant is "Applicant 12" (the application's id) everywhere here,
and their name and email are neither shown nor searched.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, overload

from django.db import connections, router
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
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.lib.dates import LONDON
from flipside.lib.sql import one_of, whole
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


# --- The list page, in plain SQL ----------------------------------------------------------
#
# The list page asks for the same few things on every request. The ORM took longer to compile
# them than the database took to answer, built five model instances a row, and worked out
# every application's review figures before sorting the call. Here one statement picks the
# page's applications (sorted and filtered as ``call_applications`` does) and only then adds
# their names and review figures (docs/decisions/0012-applications-list-in-plain-sql.md).


class ApplicationRow(NamedTuple):
    """What a row of the list shows. Under blind review ``email`` is empty and ``label`` is
    "Applicant 12"."""

    pk: int
    status: str
    submitted_at: datetime.datetime | None
    year: int | None
    job_title: str
    site: str | None
    programme: str | None
    email: str
    review_count: int
    average: float | None
    label: str


# For each sort: what the inner query selects to sort by, the ORDER BY inside (on the
# application's columns) and outside (on the columns the inner query gave the page).
_POSITION = (
    "CASE a.status "
    + " ".join("WHEN %s THEN %s" for _state in REVIEW_STATES)
    + " ELSE 99 END AS position"
)
_POSITION_PARAMS = tuple(p for i, s in enumerate(REVIEW_STATES) for p in (s.value, i))
_SCORES = (
    "LEFT JOIN (SELECT r.application_id, AVG(r.total) AS average FROM recruitment_review r "
    "JOIN recruitment_application ra ON ra.id = r.application_id WHERE ra.call_id = %s "
    "GROUP BY r.application_id) scored ON scored.application_id = a.id"
)
_SORT_SQL: dict[str, tuple[str, str, str, str]] = {
    # sort: (extra columns, extra joins, inner ORDER BY, outer ORDER BY)
    "newest": ("", "", "a.submitted_at DESC, a.id DESC", "page.submitted_at DESC, page.id DESC"),
    "oldest": ("", "", "a.submitted_at, a.id", "page.submitted_at, page.id"),
    "name": (
        ", sorter.display_name AS sort_name",
        "JOIN accounts_user sorter ON sorter.id = a.applicant_id",
        "sorter.display_name, a.id",
        "page.sort_name, page.id",
    ),
    "status": (
        ", " + _POSITION,
        "",
        "position, a.submitted_at DESC, a.id",
        "page.position, page.submitted_at DESC, page.id",
    ),
    "score": (
        ", CASE WHEN scored.average IS NULL THEN 1 ELSE 0 END AS unscored, scored.average AS score",
        _SCORES,
        "unscored, score DESC, a.submitted_at, a.id",
        "page.unscored, page.score DESC, page.submitted_at, page.id",
    ),
}

# The page's names are subqueries rather than joins: for 50 rows PostgreSQL would otherwise
# read every user to hash-join them.
_PAGE_SQL = """
SELECT page.id, page.status, page.submitted_at, page.year, page.job_title,
    (SELECT site.name FROM schemes_site site WHERE site.id = page.site_id),
    (SELECT p.name FROM recruitment_programme p WHERE p.id = page.programme_id),
    (SELECT u.display_name FROM accounts_user u WHERE u.id = page.applicant_id),
    (SELECT u.email FROM accounts_user u WHERE u.id = page.applicant_id),
    (SELECT COUNT(*) FROM recruitment_review r WHERE r.application_id = page.id),
    (SELECT AVG(r.total) FROM recruitment_review r WHERE r.application_id = page.id)
FROM (
    SELECT a.id, a.status, a.submitted_at, a.year, a.job_title, a.site_id, a.programme_id,
        a.applicant_id{columns}
    FROM recruitment_application a {joins}
    WHERE {where}
    ORDER BY {inner}
    LIMIT {limit} OFFSET {offset}
) page
ORDER BY {outer}
"""


class ApplicationList:
    """A call's submitted applications, filtered and sorted, for ``Paginator``: slicing it
    reads one page of ``ApplicationRow`` in one query, and ``count()`` counts them. The person
    must coordinate the call (``permissions.get_call``), so reviews all of them."""

    def __init__(self, call: Call, *, status: str = "", q: str = "", sort: str = "newest"):
        self.call = call
        self.sort = (
            sort if sort in _SORT_SQL and (sort != "name" or not call.blind_review) else "newest"
        )
        # The call is written into the statement (``lib.sql.whole``), as a page's bounds are:
        # the plan PostgreSQL kept for any call and status sorted all its applications.
        where = [f"a.call_id = {whole(call.pk)}",
                 f"a.status <> {one_of(Status.DRAFT.value, Status.values)}"]  # fmt: skip
        params: list[Any] = []
        if status:
            where.append("a.status = %s")
            params.append(status)
        if q:
            # The search is the ORM's (case-insensitive matching differs between databases),
            # compiled only when someone searches.
            found = Application.objects.filter(call=call).filter(
                _search(q, blind=call.blind_review)
            )
            sql, found_params = found.values("pk").query.get_compiler(self._alias).as_sql()
            where.append(f"a.id IN ({sql})")
            params.extend(found_params)
        self._where = " AND ".join(where)
        self._params = params

    @property
    def _alias(self) -> str:
        return router.db_for_read(Application)

    def count(self) -> int:
        sql = f"SELECT COUNT(*) FROM recruitment_application a WHERE {self._where}"  # noqa: S608 - fixed fragments and placeholders  # nosec B608
        with connections[self._alias].cursor() as cursor:
            cursor.execute(sql, self._params)
            return int(cursor.fetchone()[0])

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[ApplicationRow]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, index: int) -> ApplicationRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[ApplicationRow]: ...

    def __getitem__(self, index: int | slice) -> ApplicationRow | list[ApplicationRow]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        columns, joins, inner, outer = _SORT_SQL[self.sort]
        sql = _PAGE_SQL.format(
            columns=columns, joins=joins, where=self._where, inner=inner, outer=outer,
            limit=whole(stop - start), offset=whole(start),
        )  # fmt: skip
        params: list[Any] = []
        if self.sort == "status":
            params.extend(_POSITION_PARAMS)
        if self.sort == "score":
            params.append(self.call.pk)
        params += self._params
        with connections[self._alias].cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        blind = self.call.blind_review
        blind_label = _("Applicant %(id)s")
        return [
            ApplicationRow(
                pk,
                status,
                _aware(submitted_at),
                year,
                job_title,
                site,
                programme,
                "" if blind else email,
                count,
                None if average is None else float(average),
                blind_label % {"id": pk} if blind else (name or email),
            )  # fmt: skip
            for (
                pk,
                status,
                submitted_at,
                year,
                job_title,
                site,
                programme,
                name,
                email,
                count,
                average,
            ) in found  # fmt: skip
        ]


def _aware(value: datetime.datetime | str | None) -> datetime.datetime | None:
    """A moment read by a plain cursor: SQLite keeps them in UTC without a time zone."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


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
