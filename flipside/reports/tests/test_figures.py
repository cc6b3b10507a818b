"""The figures of the cohort and scheme reports, from data made through the apps' own
services and models: small counts hidden, rounding, exact counts of things, statistics as
``paired_change`` gives them, written answers only from the threshold, and a readable report
for a cohort with nothing in it yet."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import World, join, make_cohort, make_scheme, make_user
from flipside.ideas.models import Status
from flipside.ideas.tests.builders import accepted, an_idea, moved
from flipside.matching.models import Pair
from flipside.partnerships.models import Meeting, ReflectionEvent
from flipside.payments.models import Line
from flipside.payments.tests.test_runs import make_line
from flipside.recruitment.models import Application, Call
from flipside.reports import disclosure, figures, statistics
from flipside.reports.disclosure import Dimension
from flipside.reports.shapes import Part, Report, Table
from flipside.schemes.models import Cohort, Role, Stage
from flipside.surveys.tests.helpers import answer, mentors, scheduled

pytestmark = pytest.mark.django_db

PARTS = ["funnel", "meetings", "pay", "attendance", "surveys", "change", "free-text", "ideas",
         "themes", "equality"]  # fmt: skip


def part(report: Report, key: str) -> Part:
    return next(p for p in report.parts if p.key == key)


def table(report: Report, key: str) -> Table:
    return next(t for t in report.tables if t.key == key)


def texts(row: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(str(cell) for cell in row)


def row(t: Table, label: str) -> tuple[str, ...]:
    return next(texts(r) for r in t.rows if str(r[0]) == label)


def applications(cohort: Cohort, role: str, n: int) -> None:
    now = timezone.now()
    call = Call.objects.create(
        cohort=cohort, role=role, title="Call", introduction="Join us",
        opens_at=now - datetime.timedelta(days=9), closes_at=now + datetime.timedelta(days=9),
    )  # fmt: skip
    for _ in range(n):
        Application.objects.create(call=call, applicant=make_user(), status="submitted")
    Application.objects.create(call=call, applicant=make_user(), status="draft")  # not counted


def pair_with(cohort: Cohort, held: int, *, status: str = "active") -> Pair:
    """A pair of two new people that held ``held`` confirmed meetings in the past hours."""
    ended = timezone.now() if status == "ended" else None
    mentor, mentee = join(cohort, Role.MENTOR), join(cohort, Role.MENTEE)
    pair = Pair.objects.create(
        cohort=cohort, mentor=mentor, mentee=mentee, status=status, ended_at=ended
    )
    for h in range(held):
        Meeting.objects.create(
            pair=pair, status=Meeting.Status.HELD, record="confirmed", held_minutes=60,
            starts_at=timezone.now() - datetime.timedelta(hours=h + 1),
        )  # fmt: skip
    return pair


def test_a_cohort_with_no_data_yet_gives_every_part_saying_what_is_missing(db: Any) -> None:
    cohort = make_cohort(stage=Stage.PLANNING)

    report = figures.cohort_report(cohort)

    assert [p.key for p in report.parts] == PARTS
    for key in PARTS[:-1]:
        assert part(report, key).missing, key
    assert "Completion is counted once the cohort closes" in " ".join(
        part(report, "funnel").missing
    )
    assert "No survey has been scheduled yet." in part(report, "surveys").missing
    assert "No idea for change has been recorded yet." in part(report, "ideas").missing
    everyone = [str(r[3]) for r in table(report, "funnel").rows]
    assert everyone == ["<10"] * 5  # completion is left out until the cohort closes
    assert row(table(report, "meetings-summary"), "Meetings held in all")[1] == "0"
    assert cohort.scheme.name in report.title and report.method


def test_the_funnel_rounds_counts_of_ten_or_more_and_hides_smaller_ones(db: Any) -> None:
    cohort = make_cohort(stage=Stage.CLOSED)
    applications(cohort, Role.MENTOR, 13)
    applications(cohort, Role.MENTEE, 12)
    pair_with(cohort, 4)
    pair_with(cohort, 1, status="ended")

    funnel = table(figures.cohort_report(cohort), "funnel")

    assert row(funnel, "Applied") == ("Applied", "15", "10", "25")
    assert row(funnel, "Paired") == ("Paired", "<10", "<10", "<10")
    assert row(funnel, "Completed")[3] == "<10"  # counted, as the cohort has closed
    assert funnel.chart is not None and funnel.chart.column == "everyone"
    assert figures.funnel_of(cohort).met_minimum == (1, 1)
    assert figures.funnel_of(cohort).completed == (1, 1)  # the pair ended early is not


def test_meetings_per_pair_are_bucketed_from_the_kept_facts(db: Any) -> None:
    cohort = make_cohort(min_meetings=2)
    held = [0, 1, 2, 2, 3, 7] + [2] * 10
    for n in held:
        pair_with(cohort, n)

    report = figures.cohort_report(cohort)

    labels = ("0", "1", "2", "3", "4", "5 or more")
    expected = disclosure.suppress_list(
        {"0": 1, "1": 1, "2": 12, "3": 1, "5 or more": 1},
        dimension=Dimension("meetings held", labels, special=False),
    )
    spread = table(report, "meetings-per-pair")
    assert [str(r[1]) for r in spread.rows] == [*map(str, expected.cells), str(expected.total)]
    summary = table(report, "meetings-summary")
    assert row(summary, "Meetings held in all")[1] == str(sum(held))
    assert row(summary, "Average meetings per pair")[1] == f"{sum(held) / len(held):.1f}"
    met = figures.pair_meetings_of(cohort)
    assert met.on_time == 14 and sorted(met.held) == sorted(held)
    assert any(r[1] == "15" for r in map(texts, summary.rows))  # 14 pairs met it: shown as 15


def test_a_disputed_meeting_does_not_count_towards_the_minimum(db: Any) -> None:
    cohort = make_cohort(min_meetings=1)
    pair = pair_with(cohort, 0)
    when = timezone.now() - datetime.timedelta(hours=2)
    Meeting.objects.create(
        pair=pair, status=Meeting.Status.HELD, record="disputed", held_minutes=60, starts_at=when
    )

    assert figures.pair_meetings_of(cohort).on_time == 0
    assert figures.pair_meetings_of(cohort).held == [0]


def test_pay_adds_approved_lines_by_kind_and_leaves_out_those_waiting(world: World) -> None:
    make_line(world.cohort, world.mentor, hours="2.00", kind=Line.Kind.MEETING)  # £29.60
    make_line(world.cohort, world.mentor, hours="0.50", kind=Line.Kind.PREPARATION)  # £7.40
    make_line(world.cohort, world.mentor, hours="1.50", kind=Line.Kind.TRAINING)  # £22.20
    make_line(world.cohort, world.mentor, hours="5", status=Line.Status.SUBMITTED)
    make_line(world.other_cohort, world.mentor, hours="5")

    # One mentor's pay is that mentor's: the report hides it, and says why.
    report = figures.cohort_report(world.cohort)
    assert row(table(report, "pay"), "Total")[3:] == ("–", "–", "–", "–")
    assert any("one person's pay" in m for m in part(report, "pay").missing)
    assert "£59.20" not in " ".join(part(report, "pay").paragraphs)

    # With ten mentors paid the same lines' sums are shown.
    lines = figures.pay_lines_of(world.cohort)
    pay = figures.pay_part(figures.budget_of(world.cohort), lines, 10).tables[0]

    meetings = row(pay, "Meetings")
    assert meetings[3:] == ("2.50", "£37.00", "0.00", "£0.00")
    assert row(pay, "Training")[3:5] == ("1.50", "£22.20")
    assert row(pay, "Other agreed work")[3:5] == ("0.00", "£0.00")
    assert row(pay, "Total")[3:5] == ("4.00", "£59.20")


def test_survey_response_rates_count_people_under_the_rules(world: World) -> None:
    survey = scheduled(world)
    people = mentors(world, 12)
    for person in people:
        answer(survey, person)
    survey.refresh_from_db()

    surveys = table(figures.cohort_report(world.cohort), "surveys")

    (line,) = map(texts, surveys.rows)
    assert line[2] == "10"  # 12 people answered
    assert line[1] == str(disclosure.count(survey.invited_people))
    assert surveys.chart is not None and surveys.chart.unit == "%"


def _pre_and_post(world: World, before: list[int], after: list[int]) -> None:
    pre, post = scheduled(world, "pre"), scheduled(world, "post")
    for person, b, a in zip(mentors(world, len(before)), before, after, strict=False):
        answer(pre, person, score=b, text=f"Before, from {b}")
        if a:
            answer(post, person, score=a, text=f"After, up to {a}")


def test_the_change_table_matches_paired_change_on_the_same_answers(world: World) -> None:
    before = [2, 2, 3, 1, 3, 2, 4]
    after = [4, 3, 5, 3, 3, 4, 5]
    _pre_and_post(world, before, after)

    report = figures.cohort_report(world.cohort)

    change = table(report, "change-mentor")
    expected = statistics.paired_change(dict(enumerate(before)), dict(enumerate(after)))
    line = row(change, "I feel heard by senior staff at this institution.")
    assert line[1] == "7"
    assert line[2] == f"{expected.hl_estimate:+.2f}"
    assert line[3] == f"{expected.ci_low:+.2f} to {expected.ci_high:+.2f}"
    assert line[5] == f"{expected.rank_biserial:+.2f}" and line[6] == f"{expected.p_value:.3g}"
    assert f"p = {line[6]}" in expected.note  # the table and its sentence give the same p
    assert expected.method in report.method
    assert any(expected.note in note for note in change.notes)
    # The 0-10 question (score + 3) is paired too; free text is not a scale.
    assert len(change.rows) == 5


def test_a_scale_where_every_answer_is_the_same_says_so(world: World) -> None:
    _pre_and_post(world, [3] * 6, [3] * 6)

    change = table(figures.cohort_report(world.cohort), "change-mentor")

    line = change.rows[0]
    assert str(line[1]) == "6" and all(str(c) == "–" for c in line[2:])
    expected = statistics.paired_change(dict.fromkeys(range(6), 3), dict.fromkeys(range(6), 3))
    assert not expected.analysable and any(expected.note in n for n in change.notes)


def test_pre_answers_without_post_answers_say_what_is_missing(world: World) -> None:
    _pre_and_post(world, [2, 3, 4, 2, 3], [0, 0, 0, 0, 0])

    report = figures.cohort_report(world.cohort)

    change = part(report, "change")
    assert not change.tables
    assert any("post survey has no answers yet" in m for m in change.missing)


def test_written_answers_show_from_five_people_without_pseudonyms(world: World) -> None:
    pre = scheduled(world, "pre")
    people = mentors(world, 5)
    for n, person in enumerate(people[:4]):
        answer(pre, person, text=f"Answer {n}")

    hidden = part(figures.cohort_report(world.cohort, confidential=True), "free-text")
    assert not hidden.tables and "fewer than 5 people" in " ".join(hidden.missing)

    answer(pre, people[4], text="Answer 4")
    shown = part(figures.cohort_report(world.cohort, confidential=True), "free-text")
    (written,) = shown.tables
    assert [r[0] for r in written.rows] == [f"Answer {n}" for n in range(5)]
    assert [c.key for c in written.columns] == ["answer"]
    pseudonyms = set(pre.responses.values_list("pseudonym", flat=True))
    cells = {str(c) for t in shown.tables for r in t.rows for c in r}
    assert not cells & pseudonyms and not any("Mentor" in c for c in cells)
    # Without ``written`` (observers, the PDF, the bundle) no written answer is in the report.
    left_out = figures.cohort_report(world.cohort)
    assert not part(left_out, "free-text").tables
    everything = {str(c) for t in left_out.tables for r in t.rows for c in r}
    assert not any(text.startswith("Answer ") for text in everything)


def test_ideas_are_counted_by_status_and_done_ones_show_their_outcome(world: World) -> None:
    first = an_idea(world, title="Diverse images")
    an_idea(world, title="Quiet room", area="estates", level="organisational")
    third = an_idea(world, title="Named pronouns")
    done = accepted(world, first, world.org_coordinator)
    moved(done, world.org_coordinator, Status.IN_PROGRESS, Status.DONE, outcome="Images added.")
    moved(third, world.coordinator, Status.NOT_TAKEN, reason="Done elsewhere already.")

    report = figures.cohort_report(world.cohort)

    by_status = dict(map(texts, table(report, "ideas-by-status").rows))
    assert by_status["Proposed"] == "1" and by_status["Done"] == "1"
    assert by_status["Not taken forward"] == "1" and by_status["All ideas"] == "3"
    assert dict(map(texts, table(report, "ideas-by-area").rows))["Estates"] == "1"
    assert table(report, "ideas-outcomes").rows == (("Diverse images", "Images added."),)


def test_themes_are_the_notes_of_events_already_held(world: World) -> None:
    now = timezone.now()
    ReflectionEvent.objects.create(cohort=world.cohort, title="Mid-point", notes="Belonging.",
                                   starts_at=now - datetime.timedelta(days=3))  # fmt: skip
    ReflectionEvent.objects.create(cohort=world.cohort, title="End", notes="Not yet",
                                   starts_at=now + datetime.timedelta(days=3))  # fmt: skip

    themes = table(figures.cohort_report(world.cohort, confidential=True), "themes")

    assert [(r[0], r[2]) for r in themes.rows] == [("Mid-point", "Belonging.")]
    # The notes are promised to the cohort's coordinators: observers' reports and the
    # documents keep the events and their ideas, not the notes.
    shared = figures.cohort_report(world.cohort)
    assert [c.key for c in table(shared, "themes").columns] == ["event", "date", "ideas"]
    assert [texts(r) for r in table(shared, "themes").rows] == [("Mid-point", texts(
        table(shared, "themes").rows[0])[1], "0")]  # fmt: skip
    assert [r[2].value for r in table(shared, "themes").rows] == [0]  # a number, for files
    assert "Belonging." not in {str(c) for t in shared.tables for r in t.rows for c in r}
    assert any("coordinators only" in m for m in part(shared, "themes").missing)


def test_the_scheme_report_has_a_row_per_cohort_oldest_first(db: Any) -> None:
    scheme = make_scheme()
    later = make_cohort(scheme, label="2027/28", starts_on=datetime.date(2027, 9, 1),
                        ends_on=datetime.date(2028, 7, 31))  # fmt: skip
    earlier = make_cohort(scheme, label="2026/27", stage=Stage.CLOSED)
    applications(later, Role.MENTOR, 12)
    pair_with(earlier, 3)

    report = figures.scheme_report(scheme)

    assert [p.key for p in report.parts][-1] == "equality"
    funnel = table(report, "years-funnel")
    assert [r[0] for r in funnel.rows] == ["2026/27", "2027/28"]
    assert texts(funnel.rows[1])[1] == "10" and texts(funnel.rows[1])[-1] == "Not yet"
    meetings = table(report, "years-meetings")
    assert [texts(r)[2] for r in meetings.rows] == ["3", "0"]
    assert meetings.chart is not None and meetings.chart.kind == "line"


def _cohort_with_pairs(n: int) -> Cohort:
    cohort = make_cohort()
    for _ in range(n):
        pair_with(cohort, 2)
    return cohort


def test_the_cohort_report_costs_the_same_queries_for_one_pair_and_five(db: Any) -> None:
    small, large = _cohort_with_pairs(1), _cohort_with_pairs(5)
    figures.cohort_report(small), figures.cohort_report(large)  # settings made once

    with CaptureQueriesContext(connection) as one:
        figures.cohort_report(small)
    with CaptureQueriesContext(connection) as five:
        figures.cohort_report(large)

    assert len(one) == len(five)


def test_the_notes_state_the_thresholds_in_force(db: Any, settings: Any) -> None:
    cohort = make_cohort(make_scheme())
    default = figures.cohort_report(cohort)
    assert "below 10 are shown as \u201c<10\u201d" in " ".join(default.method)
    settings.REPORT_SMALL_COUNT, settings.REPORT_MIN_PERCENT_BASE = 20, 40
    raised = figures.cohort_report(cohort)
    assert "below 20 are shown as \u201c<20\u201d" in " ".join(raised.method)
    assert "of 40 people or more" in " ".join(raised.method)
    notes = {note for t in raised.tables for note in t.notes}
    assert any("<20" in note for note in notes) and not any("<10" in note for note in notes)
