"""The figures of a cohort's report and of a scheme's report across its years, as
``shapes.Report``s that every way of printing prints the same.

Every count of people (applicants, members, pairs, people at a session, survey respondents)
goes through ``disclosure``; counts of things that are not people (meetings, ideas, hours,
money) are shown exactly (``exact``). Each part says in ``missing`` what it cannot show yet.

The cost of a report in queries does not grow with the cohort: figures are aggregated by the
database or read as one list, and only survey answers are decrypted one response at a time.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from flipside.ideas.models import Area, Idea, Level, Status
from flipside.matching.models import Pair
from flipside.partnerships.models import EventReply, Meeting, ReflectionEvent
from flipside.payments.budget import Budget, budget_of
from flipside.payments.models import Line, PaymentRun
from flipside.recruitment.models import Application
from flipside.schemes.models import Cohort, Role, Scheme, Stage
from flipside.surveys.models import Kind, Question, Response, Survey
from flipside.surveys.models import Stage as SurveyStage
from flipside.surveys.services.answers import open_texts
from flipside.training.models import Booking, TrainingSession
from flipside.training.readiness import readiness_counts

from . import disclosure, equality, statistics
from .disclosure import Dimension, Shown, count, percentage
from .shapes import Cell, Chart, Column, Part, Report, Table

SCALE_KINDS = (Kind.LIKERT5, Kind.LIKERT7, Kind.SCALE10)
ROLES = Dimension("role", ("mentors", "mentees"), special=False)


def rules(text: str) -> str:
    """``text`` with the small-number thresholds in force put in its ``{small}``, ``{step}``,
    ``{base}``, ``{mean}`` and ``{survey}`` (an installation may raise any of them)."""
    return text.format(
        small=disclosure.threshold("REPORT_SMALL_COUNT"),
        step=disclosure.threshold("REPORT_ROUND_TO"),
        base=disclosure.threshold("REPORT_MIN_PERCENT_BASE"),
        mean=disclosure.threshold("REPORT_MIN_MEAN_N"),
        survey=disclosure.threshold("SURVEY_MIN_RESPONSES"),
    )


def funnel_note() -> str:
    return rules(
        "Counts of people below {small} are shown as \u201c<{small}\u201d and others rounded to "
        "the nearest {step}; a dash (\u2013) hides a figure that could otherwise be worked out "
        "from its total."
    )


def exact(n: int) -> Shown:
    """A count of things that are not people (meetings, sessions, ideas), shown as it is."""
    return Shown(str(n), n, False)


def money(amount: Decimal) -> Shown:
    """An amount of money, to the penny; its value (for a chart) in whole pounds."""
    return Shown(f"\u00a3{amount:,.2f}", int(amount.quantize(Decimal(1))), False)


def hours(amount: Decimal) -> Shown:
    return Shown(f"{amount:,.2f}", int(amount.quantize(Decimal(1))), False)


def _day(when: datetime.date | datetime.datetime) -> str:
    if isinstance(when, datetime.datetime):
        when = timezone.localtime(when).date()
    return f"{when.day} {when:%B %Y}"


def _role_cells(mentors: int, mentees: int) -> tuple[Shown, Shown, Shown]:
    """A row of mentors, mentees and everyone, protected as one line with its total."""
    shown = disclosure.suppress_list({"mentors": mentors, "mentees": mentees}, dimension=ROLES)
    return shown.cells[0], shown.cells[1], shown.total


# --- Funnel ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    """People at each step, as (student mentors, staff mentees); ``completed`` is None
    until the cohort closes."""

    applied: tuple[int, int]
    accepted: tuple[int, int]
    trained: tuple[int, int]
    paired: tuple[int, int]
    met_minimum: tuple[int, int]
    completed: tuple[int, int] | None


def funnel_of(cohort: Cohort) -> Funnel:
    applied = dict(
        Application.objects.filter(call__cohort=cohort)
        .submitted()
        .values("call__role")
        .annotate(n=Count("applicant", distinct=True))
        .values_list("call__role", "n")
    )
    ready = {c.role: c for c in readiness_counts(cohort)}
    met = Q(facts__held__gte=cohort.min_meetings)
    done = Q(status=Pair.Status.ACTIVE)
    people = Pair.objects.filter(cohort=cohort).aggregate(
        mentors=Count("mentor", distinct=True),
        mentees=Count("mentee", distinct=True),
        met_mentors=Count("mentor", distinct=True, filter=met),
        met_mentees=Count("mentee", distinct=True, filter=met),
        done_mentors=Count("mentor", distinct=True, filter=done),
        done_mentees=Count("mentee", distinct=True, filter=done),
    )
    closed = cohort.stage == Stage.CLOSED
    return Funnel(
        applied=(applied.get(Role.MENTOR, 0), applied.get(Role.MENTEE, 0)),
        accepted=(ready[Role.MENTOR].total, ready[Role.MENTEE].total),
        trained=(ready[Role.MENTOR].ready, ready[Role.MENTEE].ready),
        paired=(people["mentors"], people["mentees"]),
        met_minimum=(people["met_mentors"], people["met_mentees"]),
        completed=(people["done_mentors"], people["done_mentees"]) if closed else None,
    )


FUNNEL_STEPS = (
    ("applied", "Applied", "People who submitted an application."),
    ("accepted", "Accepted", "Mentors and mentees in the cohort."),
    ("trained", "Trained", "Members ready to be paired: trained, handbook read, rules agreed."),
    ("paired", "Paired", "Members in at least one pair."),
    ("met_minimum", "Met the minimum", "Members of a pair that held the minimum of meetings."),
    ("completed", "Completed", "Members of a pair not ended early, once the cohort closed."),
)


def funnel_part(cohort: Cohort, funnel: Funnel) -> Part:
    rows = []
    for key, label, _description in FUNNEL_STEPS:
        figures = getattr(funnel, key)
        if figures is not None:
            rows.append((label, *_role_cells(*figures)))
    missing = []
    if funnel.completed is None:
        missing.append(
            "Completion is counted once the cohort closes: pairs not ended early are then "
            "counted as completed."
        )
    if not any(any(getattr(funnel, key) or ()) for key, _l, _d in FUNNEL_STEPS):
        missing.append("No one has applied or joined yet: the funnel fills in as people do.")
    table = Table(
        key="funnel",
        title="From application to completion",
        columns=(
            Column("step", "Step", "; ".join(f"{label}: {d}" for _k, label, d in FUNNEL_STEPS)),
            Column("mentors", "Student mentors", "Student mentors at this step."),
            Column("mentees", "Staff mentees", "Staff mentees at this step."),
            Column("everyone", "Everyone", "Mentors and mentees at this step."),
        ),
        rows=tuple(rows),
        chart=Chart("everyone"),
        notes=(funnel_note(),),
    )
    return Part(
        "funnel",
        "Participation",
        paragraphs=(
            "How many people applied, joined the cohort, were trained, were paired, met the "
            f"minimum of {cohort.min_meetings} meetings and completed the year.",
        ),
        tables=(table,),
        missing=tuple(missing),
    )


# --- Meetings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairMeetings:
    held: list[int]  # held meetings of each pair (kept facts)
    on_time: int  # pairs that met the minimum by the deadline
    deadline: datetime.date


def pair_meetings_of(cohort: Cohort) -> PairMeetings:
    deadline = min(cohort.ends_on, timezone.localdate())
    before = timezone.make_aware(
        datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time())
    )
    counted = Q(meetings__status=Meeting.Status.HELD, meetings__starts_at__lt=before) & ~Q(
        meetings__record=Meeting.Record.DISPUTED
    )
    rows = list(
        Pair.objects.filter(cohort=cohort)
        .annotate(kept=Coalesce("facts__held", 0), by_then=Count("meetings", filter=counted))
        .values_list("kept", "by_then")
    )
    on_time = sum(1 for _kept, by_then in rows if by_then >= cohort.min_meetings)
    return PairMeetings([kept for kept, _b in rows], on_time, deadline)


def meetings_part(cohort: Cohort, found: PairMeetings) -> Part:
    top = max(5, cohort.min_meetings + 1)
    labels = [str(n) for n in range(top)] + [f"{top} or more"]
    buckets = Counter(labels[min(n, top)] for n in found.held)
    spread = disclosure.suppress_list(
        buckets, dimension=Dimension("meetings held", tuple(labels), special=False)
    )
    distribution = Table(
        key="meetings-per-pair",
        title="Pairs by the number of meetings held",
        columns=(
            Column("meetings", "Meetings held", "Held meetings not disputed by a partner."),
            Column("pairs", "Pairs", "Pairs that held this many meetings."),
        ),
        rows=(*((label, cell) for label, cell in spread.items()), ("All pairs", spread.total)),
        chart=Chart("pairs"),
        notes=(funnel_note(),),
    )
    pairs = len(found.held)
    on_time = count(found.on_time)
    summary = Table(
        key="meetings-summary",
        title="Meetings held and the minimum",
        columns=(Column("measure", "Measure"), Column("value", "Figure")),
        rows=(
            ("Meetings held in all", exact(sum(found.held))),
            ("Average meetings per pair", disclosure.mean(found.held)),
            (f"Pairs that met the minimum by {_day(found.deadline)}", on_time),
            ("Share of pairs that met the minimum on time", percentage(on_time, pairs)),
        ),
        notes=(
            rules(
                "An average is shown for {mean} pairs or more, a share for {base} pairs or more."
            ),
        ),
    )
    missing = () if pairs else ("No pairs yet: meetings are counted once pairs are made.",)
    return Part(
        "meetings",
        "Meetings",
        paragraphs=(
            f"The cohort's minimum is {cohort.min_meetings} meetings per pair. A meeting "
            "counts once held and not disputed by a partner.",
        ),
        tables=(distribution, summary),
        missing=missing,
    )


# --- Pay -------------------------------------------------------------------------------------

# Timesheet kinds of work, and the forecast parts they are set against.
PAY_KINDS = (
    ("Meetings", (Line.Kind.MEETING, Line.Kind.PREPARATION), ("Meetings", "Preparation")),
    ("Training", (Line.Kind.TRAINING,), ("Training",)),
    ("Reflection events", (Line.Kind.EVENT,), ("Reflection events",)),
    ("Other agreed work", (Line.Kind.OTHER, Line.Kind.ADJUSTMENT), ()),
)
ZERO = Decimal("0.00")


def pay_lines_of(cohort: Cohort) -> dict[str, dict[str, Decimal]]:
    """Approved hours and amounts by kind, apart for paid lines and lines not paid yet."""
    paid = Q(payment_run__status=PaymentRun.Status.PAID)
    total = F("amount") + F("holiday")
    rows = (
        Line.objects.filter(cohort=cohort, status=Line.Status.APPROVED)
        .values("kind")
        .annotate(
            approved_hours=Coalesce(Sum("hours", filter=~paid), ZERO),
            approved=Coalesce(Sum(total, filter=~paid), ZERO),
            paid_hours=Coalesce(Sum("hours", filter=paid), ZERO),
            paid=Coalesce(Sum(total, filter=paid), ZERO),
        )
    )
    return {
        str(row["kind"]): {k: Decimal(str(v)) for k, v in row.items() if k != "kind"}
        for row in rows
    }


def paid_mentors(cohort: Cohort) -> int:
    """How many mentors have approved time: below ``REPORT_SMALL_COUNT`` their pay is not
    shown in reports, as a total of one or two people's pay is their pay."""
    return (
        Line.objects.filter(cohort=cohort, status=Line.Status.APPROVED)
        .values("mentor_id")
        .distinct()
        .count()
    )


def pay_hidden(mentors: int) -> bool:
    return 0 < mentors < disclosure.threshold("REPORT_SMALL_COUNT")


def pay_part(budget: Budget, lines: dict[str, dict[str, Decimal]], mentors: int = 0) -> Part:
    hide = pay_hidden(mentors)
    forecast = {part.label: (part.hours, amount) for part, amount in budget.parts}
    rows: list[tuple[Cell, ...]] = []
    sums = [ZERO] * 6
    for label, kinds, parts in PAY_KINDS:
        planned = [forecast[p] for p in parts if p in forecast]
        got = [lines.get(k, {}) for k in kinds]
        figures = [
            sum((h for h, _a in planned), ZERO),
            sum((a for _h, a in planned), ZERO),
            *(sum((g.get(f, ZERO) for g in got), ZERO) for f in
              ("approved_hours", "approved", "paid_hours", "paid")),
        ]  # fmt: skip
        sums = [s + f for s, f in zip(sums, figures, strict=True)]
        rows.append((label, *_pay_cells(figures, hide=hide)))
    if budget.holiday:
        sums[1] += budget.holiday
        rows.append(("Holiday pay (forecast)", "", money(budget.holiday), "", "", "", ""))
    rows.append(("Total", *_pay_cells(sums, hide=hide)))
    table = Table(
        key="pay",
        title="Hours and pay against the budget",
        columns=(
            Column("work", "Kind of work"),
            Column("forecast_hours", "Forecast hours", "Hours the cohort's plan expects."),
            Column("forecast", "Forecast", "The plan priced at today's rate."),
            Column("approved_hours", "Approved hours, not paid yet"),
            Column("approved", "Approved, not paid yet", "Holiday pay included."),
            Column("paid_hours", "Paid hours"),
            Column("paid", "Paid", "Holiday pay included."),
        ),
        rows=tuple(rows),
    )
    missing = []
    if budget.value is None:
        missing.append(
            "The cohort's rate has no value in force today, so the forecast has no price."
        )
    if not lines:
        missing.append("No timesheet line has been approved yet: pay shows once lines are.")
    remaining = budget.forecast - budget.committed
    said = "left" if remaining >= 0 else "over the forecast"
    spent = (
        f"Approved and paid so far: {money(budget.committed)} of a forecast "
        f"{money(budget.forecast)} ({money(abs(remaining))} {said})."
    )
    if hide:
        spent = f"The forecast is {money(budget.forecast)}."
        missing.append(
            rules(
                "Hours and pay approved or paid are shown once at least {small} mentors have "
                "approved time: with fewer, a total could be one person's pay. The cohort's "
                "pay pages show them to its coordinators."
            )
        )
    return Part(
        "pay",
        "Hours and pay",
        paragraphs=(spent,),
        tables=(table,),
        missing=tuple(missing),
    )


def _pay_cells(figures: Sequence[Decimal], *, hide: bool = False) -> tuple[Shown, ...]:
    """Forecast hours and money, then approved and paid ones (hidden if ``hide``)."""
    return tuple(
        disclosure.HIDDEN if hide and i >= 2 else hours(f) if i % 2 == 0 else money(f)
        for i, f in enumerate(figures)
    )


# --- Attendance ------------------------------------------------------------------------------


Attended = list[tuple[str, datetime.datetime, int, int]]


def attendance_of(cohort: Cohort) -> tuple[Attended, Attended]:
    """Each training session's places booked and people present, then each reflection
    event's people who said they would come and people present."""
    booked = Q(bookings__status=Booking.Status.BOOKED)
    sessions = list(
        TrainingSession.objects.filter(cohort=cohort, cancelled_at__isnull=True)
        .annotate(
            booked=Count("bookings", filter=booked),
            came=Count("bookings", filter=booked & Q(bookings__attendance="present")),
        )
        .order_by("starts_at", "pk")
        .values_list("title", "starts_at", "booked", "came")
    )
    events = list(
        ReflectionEvent.objects.filter(cohort=cohort, cancelled_at__isnull=True)
        .annotate(
            booked=Count("replies", filter=Q(replies__answer=EventReply.Answer.YES)),
            came=Count("replies", filter=Q(replies__attendance=EventReply.Attendance.PRESENT)),
        )
        .order_by("starts_at", "pk")
        .values_list("title", "starts_at", "booked", "came")
    )
    return sessions, events


def attendance_part(sessions: Attended, events: Attended) -> Part:
    tables = (
        _attendance_table("training", "Training sessions", "Booked", sessions),
        _attendance_table("events", "Reflection events", "Said they would come", events),
    )
    missing = []
    if not sessions:
        missing.append("No training session has been arranged yet.")
    if not events:
        missing.append("No reflection event has been arranged yet.")
    return Part(
        "attendance",
        "Training and reflection events",
        paragraphs=("Who came is never shown: only how many, by session and by event.",),
        tables=tables,
        missing=tuple(missing),
    )


def _attendance_table(
    key: str, title: str, asked: str, rows: Sequence[tuple[str, datetime.datetime, int, int]]
) -> Table:
    shown: list[tuple[Cell, ...]] = [
        (name, _day(when), count(booked), count(came), percentage(came, booked) if came <= booked
         else disclosure.HIDDEN)
        for name, when, booked, came in rows
    ]  # fmt: skip
    booked, came = sum(r[2] for r in rows), sum(r[3] for r in rows)
    if rows:
        share = percentage(came, booked) if came <= booked else disclosure.HIDDEN
        shown.append(("All", "", count(booked), count(came), share))
    return Table(
        key=f"attendance-{key}",
        title=title,
        columns=(
            Column("title", "Title"),
            Column("date", "Date"),
            Column("asked", asked, "Places taken (people may count at several)."),
            Column("attended", "Attended", "People marked present."),
            Column(
                "share", "Attended, of those expected", rules("Shown for {base} or more expected.")
            ),
        ),
        rows=tuple(shown),
        chart=Chart("attended"),
        notes=(funnel_note(),),
    )


# --- Surveys ---------------------------------------------------------------------------------


def surveys_of(cohort: Cohort) -> list[Survey]:
    return list(
        Survey.objects.filter(series__cohort=cohort)
        .select_related("instrument", "series")
        .order_by("opens_on", "pk")
    )


def _survey_name(survey: Survey) -> str:
    return f"{survey.instrument.title} ({survey.get_stage_display()})"


def surveys_part(surveys: Sequence[Survey]) -> Part:
    rows = tuple(
        (
            _survey_name(s),
            count(s.invited_people),
            count(s.answered_people),
            percentage(min(s.answered_people, s.invited_people), s.invited_people),
        )
        for s in surveys
    )
    missing = []
    if not surveys:
        missing.append("No survey has been scheduled yet.")
    elif not any(s.answered_people for s in surveys):
        missing.append("No survey has had answers yet: the response rates show once people answer.")
    table = Table(
        key="surveys",
        title="Survey response rates",
        columns=(
            Column("survey", "Survey"),
            Column("invited", "People asked"),
            Column("answered", "People who answered"),
            Column("rate", "Response rate", rules("Shown when {base} or more people were asked.")),
        ),
        rows=rows,
        chart=Chart("rate", unit="%"),
        notes=(funnel_note(),),
    )
    return Part("surveys", "Surveys", tables=(table,), missing=tuple(missing))


@dataclass(frozen=True)
class Answers:
    """A cohort's survey questions (by instrument) and responses (by survey)."""

    questions: dict[int, list[Question]]
    responses: dict[int, list[tuple[str, dict[str, Any], str]]]


def answers_of(surveys: Sequence[Survey]) -> Answers:
    questions: dict[int, list[Question]] = defaultdict(list)
    for q in Question.objects.filter(instrument__in={s.instrument_id for s in surveys}).order_by(
        "position", "pk"
    ):
        questions[q.instrument_id].append(q)
    responses: dict[int, list[tuple[str, dict[str, Any], str]]] = defaultdict(list)
    found = Response.objects.filter(survey__in=surveys).order_by("id")
    for survey_id, pseudonym, answers, ciphertext in found.values_list(
        "survey_id", "pseudonym", "answers", "ciphertext"
    ):
        responses[survey_id].append((pseudonym, answers or {}, ciphertext))
    return Answers(questions, responses)


# --- Change ----------------------------------------------------------------------------------


def change_part(surveys: Sequence[Survey], answers: Answers) -> tuple[Part, tuple[str, ...]]:
    """The change table of each series with a pre survey, and the methods of its tests."""
    by_series: dict[int, dict[str, Survey]] = defaultdict(dict)
    for survey in surveys:
        by_series[survey.series_id][survey.stage] = survey
    tables, missing, methods = [], [], []
    for stages in by_series.values():
        pre, post = stages.get(SurveyStage.PRE), stages.get(SurveyStage.POST)
        if pre is None:
            continue
        who = pre.series.get_audience_display().lower()
        if post is None or not answers.responses.get(post.pk):
            missing.append(
                f"The {who}' post survey has no answers yet: change shows once people have "
                "answered both the pre and the post survey."
            )
            continue
        table, used = _change_table(pre, post, answers, who)
        if table is None:
            missing.append(f"The {who}' pre and post surveys share no scale question.")
            continue
        tables.append(table)
        methods.extend(used)
    if not by_series or not any(SurveyStage.PRE in s for s in by_series.values()):
        missing.append("No pre survey has been scheduled: change needs a pre and a post survey.")
    part = Part(
        "change",
        "Change from before to after",
        paragraphs=(
            "For each scale question, people's answers before their first meeting and at the "
            "end of the year are paired (through a pseudonym, never a name). The typical "
            "change is the Hodges\u2013Lehmann estimate, with its interval; a positive change "
            "is a higher answer afterwards.",
        ),
        tables=tuple(tables),
        missing=tuple(missing),
    )
    return part, tuple(dict.fromkeys(methods))


def _scale_values(
    responses: Iterable[tuple[str, dict[str, Any], str]], key: str
) -> dict[str, float]:
    return {p: float(a[key]) for p, a, _c in responses if isinstance(a.get(key), int | float)}


def _change_table(
    pre: Survey, post: Survey, answers: Answers, who: str
) -> tuple[Table | None, list[str]]:
    after_questions = {(q.kind, q.text): q for q in answers.questions.get(post.instrument_id, [])}
    rows, notes, methods = [], [], []
    for question in answers.questions.get(pre.instrument_id, []):
        later = after_questions.get((question.kind, question.text))
        if question.kind not in SCALE_KINDS or later is None:
            continue
        result = statistics.paired_change(
            _scale_values(answers.responses.get(pre.pk, []), str(question.pk)),
            _scale_values(answers.responses.get(post.pk, []), str(later.pk)),
        )
        rows.append((question.text, *_change_cells(result)))
        notes.append(f"{question.text} {result.note}")
        if result.analysable:
            methods.append(result.method)
    if not rows:
        return None, []
    table = Table(
        key=f"change-{pre.series.audience}",
        title=f"Change in {who}' answers",
        columns=(
            Column("question", "Question"),
            Column(
                "n",
                "People with both answers",
                rules("Shown once {survey} or more people answered."),
            ),
            Column("change", "Typical change", "Hodges\u2013Lehmann, after \u2212 before."),
            Column("interval", "Interval", "Distribution-free confidence interval."),
            Column("level", "Interval level", "Its achieved confidence level."),
            Column("effect", "Rank-biserial", "How one-sided the change was, \u22121 to 1."),
            Column("p", "p-value", "Wilcoxon signed-rank test, two-sided."),
        ),
        rows=tuple(rows),
        notes=tuple(notes),
    )
    return table, methods


def _change_cells(result: statistics.PairedChange) -> tuple[Cell, ...]:
    n = disclosure.survey_count(result.n, respondents=result.n)
    if not result.analysable or result.hl_estimate is None:
        return (n, *(disclosure.NOT_SHOWN,) * 5)
    level = f"{100 * (result.ci_level or 0):.1f}%"
    return (
        n,
        f"{result.hl_estimate:+.2f}",
        f"{result.ci_low:+.2f} to {result.ci_high:+.2f}",
        level,
        f"{result.rank_biserial:+.2f}",
        disclosure.NOT_SHOWN if result.p_value is None else statistics.p_value_text(result.p_value),
    )


# --- Free text -------------------------------------------------------------------------------


def free_text_part(surveys: Sequence[Survey], answers: Answers) -> Part:
    least = disclosure.threshold("SURVEY_MIN_RESPONSES")
    tables, missing = [], []
    for survey in surveys:
        texts = [q for q in answers.questions.get(survey.instrument_id, []) if q.is_text]
        responses = answers.responses.get(survey.pk, [])
        if not texts or not responses:
            continue
        if len({p for p, _a, _c in responses}) < least:
            missing.append(
                f"{_survey_name(survey)}: fewer than {least} people have answered, so no "
                "written answer is shown."
            )
            continue
        opened = [(p, open_texts(c)) for p, _a, c in responses]
        for question in texts:
            key = str(question.pk)
            given = [(p, str(t[key]).strip()) for p, t in opened if t and t.get(key)]
            if len({p for p, _t in given}) < least:
                missing.append(
                    f"{_survey_name(survey)}, \u201c{question.text}\u201d: fewer than {least} "
                    "people wrote an answer, so none is shown."
                )
                continue
            tables.append(
                Table(
                    key=f"text-{survey.pk}-{question.pk}",
                    title=f"{question.text} ({_survey_name(survey)})",
                    columns=(Column("answer", "Answer", "Written answers, in no set order."),),
                    # Sorted, so the order tells nothing about who answered first.
                    rows=tuple((text,) for text in sorted(t for _p, t in given)),
                )
            )
        if any(t is None for _p, t in opened):
            missing.append(f"{_survey_name(survey)}: some answers could not be read.")
    if not tables and not missing:
        missing.append("No written answers yet: they show once people answer the surveys.")
    return Part(
        "free-text",
        "Written answers",
        paragraphs=(
            "Answers are shown without names or pseudonyms, grouped by question, once at "
            f"least {least} people have answered.",
        ),
        tables=tuple(tables),
        missing=tuple(missing),
    )


# --- Ideas and themes ------------------------------------------------------------------------


def ideas_of(cohort: Cohort) -> list[tuple[str, str, str, str, str, int | None]]:
    return list(
        Idea.objects.filter(cohort=cohort, merged_into__isnull=True)
        .order_by("created_at", "pk")
        .values_list("area", "level", "status", "title", "outcome", "event_id")
    )


def _by(key: str, title: str, label: str, choices: Any, values: Sequence[str]) -> Table:
    found = Counter(values)
    rows = tuple((name, exact(found.get(value, 0))) for value, name in choices.choices)
    return Table(
        key=f"ideas-by-{key}",
        title=title,
        columns=(Column(key, label), Column("ideas", "Ideas")),
        rows=(*rows, ("All ideas", exact(len(values)))),
        chart=Chart("ideas"),
    )


def ideas_part(ideas: Sequence[tuple[str, str, str, str, str, int | None]]) -> Part:
    outcomes = tuple(
        (title, outcome or "No outcome recorded.")
        for _a, _l, status, title, outcome, _e in ideas
        if status == Status.DONE
    )
    tables = [
        _by("area", "Ideas by area", "Area", Area, [i[0] for i in ideas]),
        _by("level", "Ideas by level", "Level", Level, [i[1] for i in ideas]),
        _by("status", "Ideas by status", "Status", Status, [i[2] for i in ideas]),
    ]
    if outcomes:
        tables.append(
            Table(
                key="ideas-outcomes",
                title="What was done",
                columns=(Column("idea", "Idea"), Column("outcome", "Outcome")),
                rows=outcomes,
            )
        )
    missing = []
    if not ideas:
        missing.append("No idea for change has been recorded yet.")
    elif not outcomes:
        missing.append("No idea has been carried through yet: outcomes show once one is done.")
    return Part(
        "ideas",
        "Ideas for change",
        paragraphs=("Duplicates merged into another idea are counted once.",),
        tables=tuple(tables),
        missing=tuple(missing),
    )


def themes_part(cohort: Cohort, ideas: Sequence[tuple[Any, ...]], *, notes: bool = True) -> Part:
    """The events held and the ideas recorded at each; with the coordinators' notes of the
    themes that came up only if ``notes`` (the notes are for the cohort's coordinators)."""
    # The notes are the coordinators' own anonymised summary ("without names or anything
    # that identifies a person", as the form asks), never what a person wrote.
    events = list(
        ReflectionEvent.objects.filter(
            cohort=cohort, cancelled_at__isnull=True, starts_at__lte=timezone.now()
        ).order_by("starts_at", "pk")
    )
    raised = Counter(i[5] for i in ideas if i[5] is not None)
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (e.title, _day(e.starts_at), e.notes.strip() or "No themes recorded.", exact(raised[e.pk]))
        for e in events
    )
    missing = []
    if not events:
        missing.append("No reflection event has been held yet: themes show once one has.")
    elif not any(e.notes.strip() for e in events):
        missing.append("The coordinators have not recorded themes from the events yet.")
    elif not notes:
        rows = tuple((title, day, n) for title, day, _notes, n in rows)
        missing.append(
            "The themes the coordinators noted at each event are shown to the cohort's "
            "coordinators only, on the report's page."
        )
    table = Table(
        key="themes",
        title="Themes from reflection events",
        columns=(
            Column("event", "Event"),
            Column("date", "Date"),
            *(
                [Column("themes", "Themes", "The coordinators' anonymised summary.")]
                if notes
                else []
            ),
            Column("ideas", "Ideas recorded there"),
        ),
        rows=rows,
    )
    return Part("themes", "Themes from reflection events", tables=(table,), missing=tuple(missing))


# --- Reports ---------------------------------------------------------------------------------


def method() -> tuple[str, ...]:
    return (
        rules(
            "Counts of people below {small} are shown as \u201c<{small}\u201d (0 included) and "
            "other counts are rounded to the nearest {step}; where a hidden count could be "
            "worked out from a total, another figure is hidden too (\u2013). Percentages are "
            "shown only of {base} people or more and are worked out from the rounded counts; "
            "averages only of {mean} values or more. Survey figures are shown only once "
            "{survey} people have answered."
        ),
        "Meetings, ideas, hours and money are not counts of people and are shown exactly.",
    )


def _subtitle(scheme: Scheme, dates: str) -> str:
    return f"{scheme.name}, {scheme.organisation.name}, {dates}"


# Written answers are a person's own words, which can point to them however few are shown,
# and the reflection events' notes are promised to the cohort's coordinators alone: only they
# read either, on the report's page.
WRITTEN_LEFT_OUT = Part(
    "free-text",
    "Written answers",
    missing=(
        "Written answers are left out here: people's own words can point to them, so only "
        "the cohort's coordinators read them, on the report's page.",
    ),
)


def cohort_report(cohort: Cohort, *, confidential: bool = False) -> Report:
    """The cohort's report; with the survey's written answers and the events' notes only if
    ``confidential`` (its coordinators' page: never for observers, the PDF or the publication
    bundle)."""
    cohort = Cohort.objects.select_related("scheme__organisation").get(pk=cohort.pk)
    surveys = surveys_of(cohort)
    answers = answers_of(surveys)
    ideas = ideas_of(cohort)
    change, methods = change_part(surveys, answers)
    parts = (
        funnel_part(cohort, funnel_of(cohort)),
        meetings_part(cohort, pair_meetings_of(cohort)),
        pay_part(budget_of(cohort), pay_lines_of(cohort), paid_mentors(cohort)),
        attendance_part(*attendance_of(cohort)),
        surveys_part(surveys),
        change,
        free_text_part(surveys, answers) if confidential else WRITTEN_LEFT_OUT,
        ideas_part(ideas),
        themes_part(cohort, ideas, notes=confidential),
        equality.equality_part([cohort]),
    )
    return Report(
        title=f"{cohort.scheme.name}: report on {cohort.label}",
        subtitle=_subtitle(cohort.scheme, f"{_day(cohort.starts_on)} to {_day(cohort.ends_on)}"),
        parts=parts,
        method=(*method(), *methods),
    )


def _year_table(
    key: str, title: str, columns: Sequence[Column], rows: Sequence[tuple[Cell, ...]],
    chart: Chart | None = None, notes: tuple[str, ...] = (),
) -> Table:  # fmt: skip
    return Table(key, title, (Column("year", "Year"), *columns), tuple(rows), chart, notes)


def _everyone(figures: tuple[int, int] | None) -> Cell:
    return "Not yet" if figures is None else count(sum(figures))


def _year_changes(surveys: Sequence[Survey], answers: Answers) -> dict[tuple[str, str], Any]:
    """Each series' scale questions' change from pre to post, by (audience, question)."""
    stages: dict[int, dict[str, Survey]] = defaultdict(dict)
    for survey in surveys:
        stages[survey.series_id][survey.stage] = survey
    found = {}
    for by_stage in stages.values():
        pre, post = by_stage.get(SurveyStage.PRE), by_stage.get(SurveyStage.POST)
        if pre is None or post is None:
            continue
        after = {(q.kind, q.text): q for q in answers.questions.get(post.instrument_id, [])}
        for question in answers.questions.get(pre.instrument_id, []):
            later = after.get((question.kind, question.text))
            if question.kind in SCALE_KINDS and later is not None:
                found[(pre.series.get_audience_display(), question.text)] = (
                    statistics.paired_change(
                        _scale_values(answers.responses.get(pre.pk, []), str(question.pk)),
                        _scale_values(answers.responses.get(post.pk, []), str(later.pk)),
                    )
                )
    return found


def scheme_report(scheme: Scheme) -> Report:
    """The same measures for every cohort of the scheme, one row a year, oldest first."""
    scheme = Scheme.objects.select_related("organisation").get(pk=scheme.pk)
    cohorts = list(scheme.cohorts.order_by("starts_on", "pk"))
    funnel: list[tuple[Cell, ...]] = []
    meetings: list[tuple[Cell, ...]] = []
    pay: list[tuple[Cell, ...]] = []
    attendance: list[tuple[Cell, ...]] = []
    surveys: list[tuple[Cell, ...]] = []
    ideas: list[tuple[Cell, ...]] = []
    changes: dict[tuple[str, str], list[tuple[Cell, ...]]] = defaultdict(list)
    methods: list[str] = []
    for cohort in cohorts:
        year = cohort.label
        f = funnel_of(cohort)
        funnel.append((year, *(_everyone(getattr(f, k)) for k, _l, _d in FUNNEL_STEPS)))
        m = pair_meetings_of(cohort)
        pairs = count(len(m.held))
        on_time = count(m.on_time)
        meetings.append((year, pairs, exact(sum(m.held)), disclosure.mean(m.held), on_time,
                         percentage(on_time, len(m.held))))  # fmt: skip
        b = budget_of(cohort)
        hide = pay_hidden(paid_mentors(cohort))
        pay.append((year, money(b.forecast), *((disclosure.HIDDEN,) * 2 if hide else
                    (money(b.approved), money(b.paid)))))  # fmt: skip
        sessions, events = attendance_of(cohort)
        attendance.append((year, exact(len(sessions)), *_attended(sessions), exact(len(events)),
                           *_attended(events)))  # fmt: skip
        asked = surveys_of(cohort)
        invited = sum(s.invited_people for s in asked)
        answered = min(sum(s.answered_people for s in asked), invited)
        surveys.append((year, exact(len(asked)), count(invited), count(answered),
                        percentage(answered, invited)))  # fmt: skip
        for (who, text), result in _year_changes(asked, answers_of(asked)).items():
            changes[(who, text)].append((year, *_change_cells(result)))
            if result.analysable:
                methods.append(result.method)
        statuses = Counter(i[2] for i in ideas_of(cohort))
        done, dropped = statuses[Status.DONE], statuses[Status.NOT_TAKEN]
        total = statuses.total()
        ideas.append((year, exact(total), exact(done), exact(dropped),
                      exact(total - done - dropped)))  # fmt: skip
    return Report(
        title=f"{scheme.name}: report across the years",
        subtitle=_subtitle(scheme, _years(cohorts)),
        parts=(
            _scheme_funnel(funnel),
            _scheme_meetings(meetings),
            _scheme_pay(pay),
            _scheme_attendance(attendance),
            _scheme_surveys(surveys),
            _scheme_change(changes),
            _scheme_ideas(ideas),
            equality.equality_part(cohorts),
        ),
        method=(*method(), *dict.fromkeys(methods)),
    )


def _years(cohorts: Sequence[Cohort]) -> str:
    if not cohorts:
        return "no cohorts yet"
    return f"{cohorts[0].label} to {cohorts[-1].label}" if len(cohorts) > 1 else cohorts[0].label


def _attended(rows: Attended) -> tuple[Shown, Shown, Shown]:
    booked, came = sum(r[2] for r in rows), sum(r[3] for r in rows)
    share = percentage(came, booked) if came <= booked else disclosure.HIDDEN
    return count(booked), count(came), share


NO_COHORT = ("The scheme has no cohort yet: each year's figures show once one is set up.",)


def _scheme_funnel(rows: list[tuple[Cell, ...]]) -> Part:
    columns = [Column(k, label, d) for k, label, d in FUNNEL_STEPS]
    table = _year_table("years-funnel", "Participation, year on year", columns, rows,
                        Chart("accepted", kind="line"), (funnel_note(),))  # fmt: skip
    missing = () if rows else NO_COHORT
    if any("Not yet" in row for row in rows):
        missing = (*missing, "Completion is counted once a cohort closes (\u201cNot yet\u201d).")
    return Part("funnel", "Participation", tables=(table,), missing=missing)


def _scheme_meetings(rows: list[tuple[Cell, ...]]) -> Part:
    columns = [
        Column("pairs", "Pairs"),
        Column("meetings", "Meetings held"),
        Column("average", "Average per pair", rules("Shown for {mean} pairs or more.")),
        Column("on_time", "Pairs that met the minimum on time"),
        Column("share", "Share on time", rules("Shown for {base} pairs or more.")),
    ]
    table = _year_table("years-meetings", "Meetings, year on year", columns, rows,
                        Chart("meetings", kind="line"), (funnel_note(),))  # fmt: skip
    return Part("meetings", "Meetings", tables=(table,), missing=() if rows else NO_COHORT)


def _scheme_pay(rows: list[tuple[Cell, ...]]) -> Part:
    columns = [
        Column("forecast", "Forecast", "The plan priced at today's rate."),
        Column("approved", "Approved, not paid yet"),
        Column("paid", "Paid"),
    ]
    table = _year_table("years-pay", "Pay against the budget, year on year", columns, rows,
                        Chart("paid", kind="line"))  # fmt: skip
    return Part("pay", "Hours and pay", tables=(table,), missing=() if rows else NO_COHORT)


def _scheme_attendance(rows: list[tuple[Cell, ...]]) -> Part:
    columns = [
        Column("sessions", "Training sessions"),
        Column("booked", "Places booked"),
        Column("trained", "Attended training"),
        Column("training_share", "Training attended, of places booked"),
        Column("events", "Reflection events"),
        Column("coming", "Said they would come"),
        Column("came", "Attended events"),
        Column("events_share", "Events attended, of those expected"),
    ]
    table = _year_table("years-attendance", "Attendance, year on year", columns, rows,
                        notes=(funnel_note(),))  # fmt: skip
    return Part("attendance", "Training and reflection events", tables=(table,),
                missing=() if rows else NO_COHORT)  # fmt: skip


def _scheme_surveys(rows: list[tuple[Cell, ...]]) -> Part:
    columns = [
        Column("surveys", "Surveys"),
        Column("invited", "People asked", "Over all the year's surveys."),
        Column("answered", "Answers", "People who answered, over all the year's surveys."),
        Column("rate", "Response rate", rules("Shown when {base} or more were asked.")),
    ]
    table = _year_table("years-surveys", "Survey response rates, year on year", columns, rows,
                        Chart("rate", kind="line", unit="%"), (funnel_note(),))  # fmt: skip
    return Part("surveys", "Surveys", tables=(table,), missing=() if rows else NO_COHORT)


def _scheme_change(changes: dict[tuple[str, str], list[tuple[Cell, ...]]]) -> Part:
    columns = [
        Column("n", "People with both answers"),
        Column("change", "Typical change"),
        Column("interval", "Interval"),
        Column("level", "Interval level"),
        Column("effect", "Rank-biserial"),
        Column("p", "p-value"),
    ]
    tables = tuple(
        _year_table(f"years-change-{n}", f"{who}: {text}", columns, rows)
        for n, ((who, text), rows) in enumerate(changes.items(), start=1)
    )
    missing = () if tables else (
        "No year has both a pre and a post survey with scale questions yet.",
    )  # fmt: skip
    return Part("change", "Change from before to after", tables=tables, missing=missing)


def _scheme_ideas(rows: list[tuple[Cell, ...]]) -> Part:
    columns = [
        Column("ideas", "Ideas"),
        Column("done", "Done"),
        Column("not_taken", "Not taken forward"),
        Column("open", "Still open"),
    ]
    table = _year_table("years-ideas", "Ideas for change, year on year", columns, rows,
                        Chart("ideas", kind="line"))  # fmt: skip
    return Part("ideas", "Ideas for change", tables=(table,), missing=() if rows else NO_COHORT)
