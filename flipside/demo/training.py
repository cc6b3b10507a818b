"""The demo's training: support services, a handbook and ground rules for each scheme that
almost everyone has read and accepted, training sessions that have happened for this year's
cohorts and are planned for next year's, Pride's closed year's sessions with their
registers, and an anonymous concern."""

from __future__ import annotations

import datetime

from django.utils import timezone

from flipside.accounts.models import User
from flipside.lib.dates import LONDON
from flipside.schemes.models import Cohort, Organisation, Role, Scheme, Stage
from flipside.training import services as training
from flipside.training.models import (
    AgreementAcceptance,
    Booking,
    HandbookAcknowledgement,
    SupportService,
    TrainingSession,
)

from .clock import clock
from .organisation import Demo

HANDBOOK = """Welcome to {scheme}. This handbook explains how the scheme works and how we
look after each other. Read it before your first meeting and come back to it whenever you
need to.

## Roles

**Student mentors** share their lived experience and help a senior member of staff see the
faculty through their eyes. **Staff mentees** listen, ask, reflect and act. **Coordinators**
run the scheme and support both of you.

## Confidentiality and its limits

What is said in your conversations stays between the two of you. The exceptions: if someone
is at risk of harm, if a law may have been broken, or if a patient's safety is at stake. Then
talk to your coordinator first; together you will decide what must be shared, and with whom.

## Psychological safety

- Either of you may pause a conversation or change the subject at any time.
- Disagreement is welcome; contempt is not.
- Speak for yourself, not for everyone who shares your background.
- Mentees: you are here to learn, not to assess. Nothing said may be used in any assessment.

## Boundaries

Meet in a private, neutral place or online. Keep to the time you agreed. You do not have to
answer any question, and neither of you should contact the other outside the scheme about
the scheme.

## If a conversation goes wrong

Stop, take a breath, and say so. If it still feels wrong afterwards, use **Get support** in
Flipside: you can raise a concern with the coordinators, anonymously if you prefer. Support
services are listed on the same page.

## How payment works

Student mentors are paid the London Living Wage for meetings, training and reflection events.
Record your time after each meeting; the coordinators approve it each month.

## How ideas for change are taken forward

Write down ideas for change as they come up. The faculty's equality committee considers every
idea, decides what to do with it, and reports back on the "you said, we did" board.
"""

GROUND_RULES = """We agree to:

1. **Keep confidences**, within the limits set out in the handbook.
2. **Treat each other with respect**, especially when we disagree.
3. **Keep assessment out of it**: the mentee will not assess, examine or supervise the mentor
   while the scheme lasts, and nothing said will be used in any assessment.
4. **Pause when either of us asks**, without needing to give a reason.
5. **Turn up**: at least four meetings in the year, and say early if plans change.
"""

TRAINING_DESCRIPTION = (
    "How to mentor, psychological safety, and what to do if a conversation goes wrong."
)
CONCERN = (
    "A consultant made a remark about my accent in front of patients. I did not know what to do."
)
SUPPORT_SERVICES = [
    (
        "Student Wellbeing Service",
        "Confidential support for any student.",
        "wellbeing@northbridge.example",
    ),
    ("Staff Employee Assistance Programme", "Free, confidential, 24 hours a day.", "0800 000 0000"),
    (
        "Report + Support",
        "Report harassment or discrimination, anonymously if you wish.",
        "https://reportandsupport.northbridge.example",
    ),
    ("Samaritans", "Someone to talk to, day or night.", "116 123"),
]


def add_training(demo: Demo) -> None:
    _support_services(demo.organisation)
    for scheme in (demo.pride, demo.race):
        _handbook_and_ground_rules(scheme, by=demo.coordinator)
    now = timezone.now()
    for cohort in demo.cohorts:
        if cohort.stage not in (Stage.CLOSED, Stage.PLANNING):
            _sessions(cohort, by=demo.coordinator, now=now)
    _closed_year(demo)


def _support_services(organisation: Organisation) -> None:
    for order, (name, description, contact) in enumerate(SUPPORT_SERVICES):
        SupportService.objects.create(
            organisation=organisation,
            name=name,
            description=description,
            contact=contact,
            order=order,
        )


def _handbook_and_ground_rules(scheme: Scheme, *, by: User) -> None:
    handbook = training.publish_handbook(
        scheme, title=f"{scheme.name} handbook", body=HANDBOOK.format(scheme=scheme.name),
        significant=True, summary="First version.", by=by,
    )  # fmt: skip
    rules = training.publish_agreement(scheme, body=GROUND_RULES, by=by)
    for cohort in scheme.cohorts.exclude(stage=Stage.CLOSED):
        members = list(cohort.memberships.filter(role__in=[Role.MENTOR, Role.MENTEE]))
        # Almost everyone has read the handbook and accepted the ground rules.
        for n, membership in enumerate(members):
            if n % 7 != 6:
                HandbookAcknowledgement.objects.create(user=membership.user, version=handbook)
            if n % 9 != 8:
                AgreementAcceptance.objects.create(user=membership.user, version=rules)


def _sessions(cohort: Cohort, *, by: User, now: datetime.datetime) -> None:
    """A month ago for a cohort past training (mentors' attendance marked), in about six
    weeks for one still recruiting; a running cohort has also had a concern raised."""
    past = cohort.stage in (Stage.MATCHING, Stage.RUNNING)
    start = now - datetime.timedelta(days=30) if past else now + datetime.timedelta(days=40)
    start = start.replace(hour=14, minute=0, second=0, microsecond=0)
    session = TrainingSession.objects.create(
        cohort=cohort, title="Mentor training: sharing your story safely",
        description=TRAINING_DESCRIPTION,
        audience="mentors", required=True, starts_at=start, minutes=150,
        location="Room 2.14, Medical School", facilitator="Dr Amara Okafor", capacity=20,
    )  # fmt: skip
    TrainingSession.objects.create(
        cohort=cohort, title="Mentee briefing: listening and learning",
        description="What reverse mentoring asks of senior staff.", audience="mentees",
        required=False, starts_at=start + datetime.timedelta(days=2), minutes=60,
        online_url="https://teams.northbridge.example/briefing", capacity=30,
    )  # fmt: skip
    if past:
        _attendance(session, cohort)
    if cohort.stage == Stage.RUNNING:
        training.raise_concern(
            cohort.scheme, by=by, cohort=cohort, anonymous=True, subject="Comment on placement",
            body=CONCERN,
        )  # fmt: skip


def _attendance(session: TrainingSession, cohort: Cohort) -> None:
    mentors = cohort.memberships.filter(role=Role.MENTOR).select_related("user")
    for n, membership in enumerate(mentors):
        attendance = "absent" if n % 8 == 7 else "present"
        Booking.objects.create(
            session=session, user=membership.user, attendance=attendance,
            marked_at=session.starts_at,
        )  # fmt: skip


# --- Pride's closed year --------------------------------------------------------------------


def _closed_year(demo: Demo) -> None:
    """Pride 2025/26's training in July 2025: the required mentor session and a second date
    for those who missed it, and the mentees' optional briefing, each with its register
    marked through the training services. Everyone in the year read the handbook and
    accepted the ground rules before they were paired."""
    cohort, by = demo.pride_closed, demo.coordinator
    members = cohort.memberships.select_related("user").order_by("pk")
    mentors = [m.user for m in members.filter(role=Role.MENTOR)]
    mentees = [m.user for m in members.filter(role=Role.MENTEE)]
    first = _past_session(
        cohort, "Mentor training: sharing your story safely", datetime.date(2025, 7, 1), 14,
        audience="mentors", required=True, minutes=150, location="Room 2.14, Medical School",
        facilitator="Dr Amara Okafor", capacity=20, description=TRAINING_DESCRIPTION,
    )  # fmt: skip
    second = _past_session(
        cohort, "Mentor training: sharing your story safely (second date)",
        datetime.date(2025, 7, 15), 10, audience="mentors", required=True, minutes=150,
        location="Room 2.14, Medical School", facilitator="Dr Amara Okafor", capacity=20,
        description=TRAINING_DESCRIPTION,
    )  # fmt: skip
    briefing = _past_session(
        cohort, "Mentee briefing: listening and learning", datetime.date(2025, 7, 3), 12,
        audience="mentees", required=False, minutes=60, capacity=30,
        online_url="https://teams.northbridge.example/briefing",
        description="What reverse mentoring asks of senior staff.",
    )  # fmt: skip
    # Most mentors came on the first date; one booked on it missed it and came on the
    # second, with the three who could only make the second.
    missed = mentors[7] if len(mentors) > 7 else None
    register = [(first, m, "absent" if m == missed else "present") for m in mentors[:9]]
    register += [(second, m, "present") for m in [*mentors[9:], *([missed] if missed else [])]]
    # Eleven mentees booked the briefing; two of them could not come in the end.
    register += [
        (briefing, m, "absent" if n in (4, 8) else "present") for n, m in enumerate(mentees[:11])
    ]
    for session, user, _attendance in register:
        Booking.objects.create(
            session=session, user=user, booked_at=session.starts_at - datetime.timedelta(days=12)
        )
    for session, user, attendance in register:
        with clock(session.starts_at + datetime.timedelta(minutes=session.minutes)):
            training.mark_attendance(session, user=user, attendance=attendance, by=by)
    handbook = demo.pride.handbook_versions.order_by("-number").first()
    rules = demo.pride.agreement_versions.order_by("-number").first()
    for user in mentors + mentees:
        if handbook is not None:
            HandbookAcknowledgement.objects.create(user=user, version=handbook)
        if rules is not None:
            AgreementAcceptance.objects.create(user=user, version=rules)


def _past_session(
    cohort: Cohort, title: str, day: datetime.date, hour: int, **values: object
) -> TrainingSession:
    starts = datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)
    return TrainingSession.objects.create(
        cohort=cohort, title=title, starts_at=starts.astimezone(datetime.UTC), **values
    )
