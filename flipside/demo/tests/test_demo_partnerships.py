"""The demo's partnerships: talking points for both schemes and the running Pride cohort's
half-year of meetings, pauses, points used and reflection events."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from flipside.demo import seed as demo
from flipside.matching.models import Pair
from flipside.partnerships.models import (
    EventReply,
    Meeting,
    MeetingOption,
    Pause,
    ReflectionEvent,
    TalkingPoint,
    TalkingPointUse,
)
from flipside.partnerships.selectors import progress_for
from flipside.schemes.models import Cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings: Any) -> Cohort:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    return Cohort.objects.select_related("scheme").get(
        scheme__name="Pride Reverse Mentoring", label="2026/27"
    )


def test_both_schemes_have_a_library_of_talking_points_by_theme(seeded: Cohort) -> None:
    for name in ("Pride Reverse Mentoring", "Race Equality Reverse Mentoring"):
        published = TalkingPoint.objects.filter(
            scheme__name=name, status=TalkingPoint.Status.PUBLISHED
        )
        assert 10 <= published.count() <= 14, name
        themes = set(published.values_list("theme", flat=True))
        assert 4 <= len(themes) <= 5, name
        assert all(text.strip() for text in published.values_list("text", flat=True))
    pride = set(TalkingPoint.objects.filter(scheme=seeded.scheme).values_list("status", flat=True))
    assert pride == set(TalkingPoint.Status.values)  # something for the coordinator to decide
    waiting = TalkingPoint.objects.get(scheme=seeded.scheme, status=TalkingPoint.Status.SUGGESTED)
    assert waiting.suggested_by is not None


def test_the_running_pride_cohort_has_meetings_in_every_state(seeded: Cohort) -> None:
    meetings = Meeting.objects.filter(pair__cohort=seeded)
    assert set(meetings.values_list("status", flat=True)) == set(Meeting.Status.values)
    assert set(meetings.values_list("record", flat=True)) == set(Meeting.Record.values)
    now = timezone.now()
    for meeting in meetings.filter(status__in=["held", "not_held"]):
        assert meeting.starts_at is not None and meeting.recorded_at is not None
        assert meeting.starts_at < now and meeting.recorded_at <= now
    proposed = meetings.get(status=Meeting.Status.PROPOSED)
    assert MeetingOption.objects.filter(meeting=proposed, starts_at__gt=now).count() == 3
    assert meetings.filter(status=Meeting.Status.ACCEPTED, starts_at__gt=now).exists()
    assert TalkingPointUse.objects.filter(pair__cohort=seeded).exists()
    assert Meeting.talking_points.through.objects.filter(meeting__pair__cohort=seeded).exists()
    # One seeding for the rest of the cohort's year, which takes seconds to load.
    check_pairs_show_a_spread_of_progress(seeded)
    check_the_demo_mentor_and_mentee_have_a_meeting_to_record_and_one_arranged(seeded)
    check_reflection_events_mid_point_held_and_end_to_come(seeded)


def check_pairs_show_a_spread_of_progress(seeded: Cohort) -> None:
    pairs = list(Pair.objects.filter(cohort=seeded).select_related("cohort"))
    statuses = Counter(p.status for p in progress_for(pairs).values())
    assert statuses["on_track"] >= 2
    assert statuses["behind"] + statuses["at_risk"] >= 1
    assert statuses["no_contact"] == 1
    assert statuses["paused"] == 1
    assert Pause.objects.filter(pair__cohort=seeded, resumed_at__isnull=True).count() == 1


def check_the_demo_mentor_and_mentee_have_a_meeting_to_record_and_one_arranged(
    seeded: Cohort,
) -> None:
    pair = Pair.objects.get(cohort=seeded, mentor__email=demo.MENTOR, mentee__email=demo.MENTEE)
    now = timezone.now()
    arranged = Meeting.objects.filter(pair=pair, status=Meeting.Status.ACCEPTED)
    to_record = arranged.filter(starts_at__lt=now)
    assert to_record.filter(record="").exists()
    past = to_record.get()
    assert past.ends_at is not None and past.ends_at < now
    assert past.starts_at is not None and now - past.starts_at < datetime.timedelta(days=7)
    assert arranged.filter(starts_at__gt=now).exists()


def check_reflection_events_mid_point_held_and_end_to_come(seeded: Cohort) -> None:
    now = timezone.now()
    midpoint = ReflectionEvent.objects.get(cohort=seeded, kind=ReflectionEvent.Kind.MIDPOINT)
    end = ReflectionEvent.objects.get(cohort=seeded, kind=ReflectionEvent.Kind.END)
    assert midpoint.starts_at < now < end.starts_at
    assert midpoint.notes and not end.notes
    register = Counter(
        EventReply.objects.filter(event=midpoint).values_list("attendance", flat=True)
    )
    assert register["present"] > register["absent"] > 0 and not register["unmarked"]
    assert set(EventReply.objects.filter(event=end).values_list("attendance", flat=True)) == {
        "unmarked"
    }
    # Themes are anonymised: no member's name appears in the notes.
    for name in seeded.memberships.values_list("user__display_name", flat=True):
        assert name not in midpoint.notes
