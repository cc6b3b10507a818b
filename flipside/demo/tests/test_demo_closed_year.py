"""The demo's closed Pride year (2025/26) reads as a finished year: applications, training,
twelve pairs and their meetings, reflection events with their themes, pay paid, surveys
answered before and after, and equality monitoring, so its report shows figures."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from flipside.matching.models import Pair
from flipside.partnerships.facts import check_facts
from flipside.partnerships.models import EventReply, ReflectionEvent
from flipside.payments.checks import check_money
from flipside.payments.models import Line, PaymentRun
from flipside.privacy.models import EqualityRecord
from flipside.recruitment.models import Application
from flipside.reports import documents
from flipside.reports.figures import cohort_report
from flipside.schemes.models import Cohort, Role, Stage
from flipside.surveys.models import Survey
from flipside.surveys.results import pairs_linked
from flipside.training.models import Booking, TrainingSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(settings: Any) -> Cohort:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    return Cohort.objects.select_related("scheme").get(
        scheme__name="Pride Reverse Mentoring", label="2025/26"
    )


def test_the_closed_year_is_a_finished_year_with_a_report_of_figures(closed: Cohort) -> None:
    now = timezone.now()
    assert closed.stage == Stage.CLOSED

    # Everyone applied and was accepted; a few others applied and were not.
    applications = Application.objects.filter(call__cohort=closed)
    accepted = applications.filter(status="accepted")
    assert (
        accepted.count() == closed.memberships.filter(role__in=[Role.MENTOR, Role.MENTEE]).count()
    )
    assert applications.exclude(status="accepted").exists()
    mentors = set(
        applications.filter(call__role=Role.MENTOR).values_list("applicant_id", flat=True)
    )
    answered = set(EqualityRecord.objects.filter(cohort=closed).values_list("user_id", flat=True))
    assert answered < mentors and len(answered) >= len(mentors) - 3

    # Training happened before the year, with its registers marked.
    sessions = TrainingSession.objects.filter(cohort=closed)
    assert sessions.exists() and all(s.starts_at.date() < closed.starts_on for s in sessions)
    register = Counter(
        Booking.objects.filter(session__cohort=closed).values_list("attendance", flat=True)
    )
    assert register["present"] > register["absent"] > 0 and not register["unmarked"]

    # Twelve pairs: most met four times or more, one ended early.
    pairs = Pair.objects.filter(cohort=closed).select_related("facts")
    assert pairs.count() == 12
    assert pairs.filter(status="ended").count() == 1
    held = sorted(pair.facts.held for pair in pairs)
    assert sum(1 for n in held if n >= closed.min_meetings) >= 9 and held[0] < closed.min_meetings
    assert check_facts().problems == ()

    # Both reflection events held, registers marked and themes noted without names.
    names = list(closed.memberships.values_list("user__display_name", flat=True))
    for event in ReflectionEvent.objects.filter(cohort=closed):
        assert event.starts_at < now and event.notes
        assert not any(name in event.notes for name in names)
        marks = set(EventReply.objects.filter(event=event).values_list("attendance", flat=True))
        assert marks == {"present", "absent"}

    # Pay: every line approved and paid in runs marked paid.
    assert set(Line.objects.filter(cohort=closed).values_list("status", flat=True)) == {"approved"}
    runs = PaymentRun.objects.filter(cohort=closed)
    assert runs.count() >= 1 and set(runs.values_list("status", flat=True)) == {"paid"}
    assert not Line.objects.filter(cohort=closed, payment_run__isnull=True).exists()
    assert check_money().problems == ()

    # The same people answered before and after.
    for survey in Survey.objects.filter(series__cohort=closed, stage="post"):
        assert pairs_linked(survey) >= 8

    report = cohort_report(closed, confidential=True)
    missing = {part.key: part.missing for part in report.parts}
    for key in ("funnel", "meetings", "pay", "attendance", "surveys", "change", "themes",
                "equality"):  # fmt: skip
        assert missing[key] == (), key
    change = next(part for part in report.parts if part.key == "change")
    assert len(change.tables) == 2
    assert all(row[2] != "–" for table in change.tables for row in table.rows)


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils is not installed",
)
def test_the_closed_years_pdf_renders_every_part_on_pages_with_ink(
    closed: Cohort, tmp_path: Path
) -> None:
    """The PDF a coordinator makes of the closed year: every part of the report is in it, its
    pages rasterise (pdftoppm) and none comes out blank, and no written answer is in it."""
    report = documents.cohort_report(closed)
    content = documents.make("pdf", report)
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    # Fixed tools of the test machine on a file the test wrote: no untrusted input.
    pdftotext, pdftoppm = shutil.which("pdftotext"), shutil.which("pdftoppm")
    assert pdftotext and pdftoppm
    text = subprocess.run(  # noqa: S603
        [pdftotext, str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = " ".join(text.split())
    for part in report.parts:
        assert part.title in flat, f"{part.title} is missing from the PDF"
    assert "How these figures were made" in flat
    subprocess.run(  # noqa: S603
        [pdftoppm, "-r", "30", "-gray", str(path), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == text.count("\f") >= 3
    for page in pages:
        assert ink(page) > 0.002, f"{page.name} is blank"
    confidential = cohort_report(closed, confidential=True)
    written = [
        str(row[0])
        for part in confidential.parts
        if part.key == "free-text"
        for table in part.tables
        for row in table.rows
    ]
    assert written and not any(" ".join(t.split())[:40] in flat for t in written)


def ink(page: Path) -> float:
    """The share of a greyscale PGM page's pixels that are not white."""
    data = page.read_bytes()
    header = data.split(b"\n", 3)  # P5, width height, max value, pixels
    width, height = map(int, header[1].split())
    pixels = header[3][: width * height]
    return sum(1 for p in pixels if p < 200) / (width * height)
