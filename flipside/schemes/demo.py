"""The demo organisation, schemes and people that ``make run`` shows a new visitor.

Everything goes through the scheme services, so the demo's audit log reads like a real year.
Names come from a seeded Faker, so every fresh database gets the same people.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from io import TextIOBase
from unittest import mock

from django.db import transaction
from django.utils import timezone
from faker import Faker

from flipside.accounts.models import User
from flipside.privacy import audit

from . import demo_recruitment, services
from .models import Cohort, Organisation, OrganisationCoordinator, Role, Scheme, Site, Stage

# Published in the README and printed by ``demo_signins``: it guards nothing of value.
DEMO_PASSWORD = "flipside-demo-2026"  # noqa: S105

COORDINATOR = "coordinator@demo.flipside.test"
MENTOR = "mentor@demo.flipside.test"
MENTEE = "mentee@demo.flipside.test"
OBSERVER = "observer@demo.flipside.test"
APPLICANT = "applicant@demo.flipside.test"
DEMO_SIGNINS = [
    ("Coordinator", COORDINATOR),
    ("Student mentor", MENTOR),
    ("Staff mentee", MENTEE),
    ("Observer", OBSERVER),
    ("Applicant", APPLICANT),
]
# email: (display name, pronouns)
DEMO_PEOPLE = {
    COORDINATOR: ("Dr Amara Okafor", ""),
    MENTOR: ("Sam Rivera", "they/them"),
    MENTEE: ("Professor Helen Carter", "she/her"),
    OBSERVER: ("Professor Mark Whitfield", "he/him"),
    APPLICANT: ("Priya Shah", "she/her"),
}

ORGANISATION = "Faculty of Medicine, University of Northbridge"
FACULTY = "Faculty of Medicine"
NORTHBRIDGE_TRUST = "Northbridge Teaching Hospitals NHS Foundation Trust"
RIVERSIDE_TRUST = "Riverside Community Health NHS Trust"
SITES = [
    (FACULTY, Site.Kind.UNIVERSITY),
    (NORTHBRIDGE_TRUST, Site.Kind.NHS_TRUST),
    (RIVERSIDE_TRUST, Site.Kind.NHS_TRUST),
]

PRIDE = {
    "name": "Pride Reverse Mentoring",
    "centres": "LGBTQ+ students",
    "description": (
        "LGBTQ+ students mentor senior academics in the Faculty of Medicine, turning the usual "
        "hierarchy around. Each pair meets at least four times over the year to talk about what "
        "studying medicine is like for LGBTQ+ people and what the faculty could do better. "
        "Student mentors are paid the London Living Wage for their time."
    ),
}
RACE_EQUALITY = {
    "name": "Race Equality Reverse Mentoring",
    "centres": "Black, Asian and minority ethnic students",
    "description": (
        "Each year 15 Black, Asian and minority ethnic students mentor senior staff from the "
        "faculty and our partner NHS Trusts. Pairs talk about students' experience of teaching, "
        "assessment and placements, and bring ideas for change to the faculty's race equality "
        "group at the end of the year."
    ),
}

# Reserved ".example" domains: demo email can never reach a real person.
STUDENT_DOMAIN = "students.northbridge.example"
STAFF_DOMAINS = {Site.Kind.UNIVERSITY: "northbridge.example", Site.Kind.NHS_TRUST: "nhs.example"}
# Titles mark seniority: the mentees are senior academics and clinicians.
STAFF_TITLES = {Site.Kind.UNIVERSITY: ("Professor", "Dr"), Site.Kind.NHS_TRUST: ("Dr", "Dr", "")}


Member = tuple[User, str, Site]


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", plain.lower())


class People:
    """Makes plausible, unique demo people; the same ones, in the same order, every run."""

    # Name styles weighted roughly like a UK medical school's students and staff.
    LOCALES = OrderedDict(
        [("en_GB", 0.5), ("en_IN", 0.14), ("en_PK", 0.08), ("yo_NG", 0.08), ("ig_NG", 0.06),
         ("tw_GH", 0.06), ("en_IE", 0.08)]
    )  # fmt: skip

    def __init__(self) -> None:
        self.fake = Faker(list(self.LOCALES))
        self.fake.seed_instance(2026)

    def create(self, email: str, display_name: str, pronouns: str = "") -> User:
        return User.objects.create_user(
            email, DEMO_PASSWORD, display_name=display_name, pronouns=pronouns
        )

    def _email(self, first: str, last: str, domain: str) -> str:
        local = f"{_ascii(first)}.{_ascii(last)}"
        email, number = f"{local}@{domain}", 1
        while User.objects.filter(email=email).exists():
            number += 1
            email = f"{local}{number}@{domain}"
        return email

    def _new(self, domain: str, titles: tuple[str, ...] = ("",)) -> User:
        fake = self.fake[self.fake["en_GB"].random_element(self.LOCALES)]
        female = fake.boolean()
        first = fake.first_name_female() if female else fake.first_name_male()
        last = fake.last_name()
        own = "she/her" if female else "he/him"
        pronouns = fake.random_element(("", "", own, own, own, "they/them"))
        title = fake.random_element(titles)
        name = f"{title} {first} {last}".strip()
        return self.create(self._email(first, last, domain), name, pronouns)

    def student(self) -> User:
        return self._new(STUDENT_DOMAIN)

    def staff(self, site: Site) -> User:
        kind = Site.Kind(site.kind)
        return self._new(STAFF_DOMAINS[kind], STAFF_TITLES[kind])


# When each stage of a cohort began; the demo's history reads like a real year.
Dates = dict[str, datetime.datetime]


@contextmanager
def _clock(at: datetime.datetime | None) -> Iterator[None]:
    """Do what is inside as if it were ``at``: the services stamp stage changes and the audit
    log with ``timezone.now()``, and a past year's history should carry that year's dates.
    (Patching is confined to loading the demo, which refuses to run in production.)"""
    if at is None:
        yield
        return
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _advance(cohort: Cohort, *, to: str, by: User, dates: Dates) -> Cohort:
    """Walk forward one stage at a time, as a coordinator would, each on its date."""
    while cohort.stage != to:
        target = cohort.next_stage
        assert target is not None  # noqa: S101 - ``to`` is always a later stage
        with _clock(dates.get(target)):
            cohort = services.change_cohort_stage(
                cohort, to=target, by=by, expected=cohort.stage, notify=False
            )
    return cohort


def _cohort(
    scheme: Scheme,
    *,
    by: User,
    label: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    stage: str,
    members: list[Member],
    dates: Dates,
) -> Cohort:
    created = dates[Stage.PLANNING]
    with _clock(created):
        cohort = services.create_cohort(
            scheme, by=by, label=label, starts_on=starts_on, ends_on=ends_on,
            min_meetings=4, meeting_minutes=60,
        )  # fmt: skip
    # The field's default is bound to the real clock.
    Cohort.objects.filter(pk=cohort.pk).update(created_at=created)
    if members:
        # People join while the cohort recruits.
        cohort = _advance(cohort, to=Stage.RECRUITING, by=by, dates=dates)
        with _clock(dates[Stage.RECRUITING]):
            for user, role, site in members:
                services.add_member(cohort, user=user, role=role, site=site, by=by)
    return _advance(cohort, to=stage, by=by, dates=dates)


def _dated(*days: datetime.date | int) -> Dates:
    """Dates for the stages from planning on: a calendar date (at 9 in the morning, London
    time, and never later than now) or a number of days ago."""
    now = timezone.now()
    dates: Dates = {}
    for stage, day in zip(Stage.values, days, strict=False):
        if isinstance(day, int):
            at = (now - datetime.timedelta(days=day)).replace(minute=0, second=0, microsecond=0)
        else:
            # In UTC, like the real clock: the audit log hashes the time as it is stored.
            london = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
            at = london.astimezone(datetime.UTC)
        # A demo loaded early keeps its history in the past, one minute apart at least.
        dates[stage] = min(at, now - datetime.timedelta(minutes=len(days) - len(dates)))
    return dates


def _students(people: People, count: int, site: Site) -> list[Member]:
    return [(people.student(), Role.MENTOR, site) for _ in range(count)]


def _staff(people: People, sites: list[Site]) -> list[Member]:
    return [(people.staff(site), Role.MENTEE, site) for site in sites]


def _report(stdout: TextIOBase | None, cohort: Cohort) -> None:
    if stdout is None:
        return
    roles = list(cohort.memberships.values_list("role", flat=True))
    stdout.write(
        f"{cohort} ({cohort.get_stage_display()}): "
        f"{roles.count(Role.MENTOR)} mentors, {roles.count(Role.MENTEE)} mentees\n"
    )


def _organisation(coordinator: User) -> tuple[Organisation, dict[str, Site]]:
    organisation = Organisation.objects.create(name=ORGANISATION)
    sites = {
        name: Site.objects.create(organisation=organisation, name=name, kind=kind)
        for name, kind in SITES
    }
    OrganisationCoordinator.objects.create(organisation=organisation, user=coordinator)
    audit.record(None, "organisation.created", organisation, coordinator=COORDINATOR)
    return organisation, sites


def seed(stdout: TextIOBase | None = None) -> bool:
    """Create the demo unless it exists already; True if it created anything."""
    if Organisation.objects.filter(name=ORGANISATION).exists():
        return False
    with transaction.atomic():
        _create(stdout)
    return True


def _create(stdout: TextIOBase | None) -> None:
    people = People()
    demo = {email: people.create(email, *DEMO_PEOPLE[email]) for email in DEMO_PEOPLE}
    by = demo[COORDINATOR]
    # The faculty set up both schemes before recruiting their first cohorts.
    with _clock(_dated(datetime.date(2025, 1, 13))[Stage.PLANNING]):
        organisation, sites = _organisation(by)
        pride = services.create_scheme(organisation, by=by, **PRIDE)
        race = services.create_scheme(organisation, by=by, **RACE_EQUALITY)
        for scheme in (pride, race):
            services.assign_scheme_coordinator(scheme, user=by, by=by)
    faculty = sites[FACULTY]
    observer = (demo[OBSERVER], Role.OBSERVER, faculty)
    date = datetime.date

    cohorts = [
        _cohort(
            pride, by=by, label="2025/26", stage=Stage.CLOSED,
            starts_on=date(2025, 9, 1), ends_on=date(2026, 7, 31),
            members=_students(people, 5, faculty) + _staff(people, [faculty] * 5),
            dates=_dated(date(2025, 2, 3), date(2025, 3, 3), date(2025, 6, 16),
                         date(2025, 7, 21), date(2025, 9, 1), date(2026, 7, 31)),
        ),
        _cohort(
            pride, by=by, label="2026/27", stage=Stage.RUNNING,
            starts_on=date(2026, 9, 1), ends_on=date(2027, 7, 31),
            members=[(demo[MENTOR], Role.MENTOR, faculty), (demo[MENTEE], Role.MENTEE, faculty)]
            + _students(people, 4, faculty) + _staff(people, [faculty] * 4) + [observer],
            dates=_dated(date(2026, 2, 2), date(2026, 3, 2), date(2026, 6, 15),
                         date(2026, 7, 20), date(2026, 9, 1)),
        ),
        _cohort(
            race, by=by, label="2026/27", stage=Stage.MATCHING,
            starts_on=date(2026, 10, 1), ends_on=date(2027, 9, 30),
            # Mentees come from the faculty and both partner Trusts, five from each.
            members=_students(people, 15, faculty) + _staff(people, list(sites.values()) * 5)
            + [observer],
            # Days ago: recruiting just before its calls opened, training after the decisions,
            # and matching since its training sessions.
            dates=_dated(170, 158, 96, 7),
        ),
        _cohort(
            race, by=by, label="2027/28", stage=Stage.RECRUITING,
            starts_on=date(2027, 10, 1), ends_on=date(2028, 9, 30),
            members=[], dates=_dated(35, 22),
        ),
    ]  # fmt: skip
    for cohort in cohorts:
        _report(stdout, cohort)
    _email(cohorts[2], by)
    demo_recruitment.open_calls(
        organisation, pride, race, cohorts[3], by=by, people=people, applicant=demo[APPLICANT],
        sites=sites, faculty=faculty,
    )  # fmt: skip
    demo_recruitment.matched_applications(cohorts[2], organisation, race)
    _training([pride, race], cohorts, by, organisation)
    _pairs(cohorts[0], by)
    _pairs(cohorts[1], by)


def _pairs(cohort: Cohort, by: User) -> None:
    """Pride's pairs: last year's (remembered only as past pairs once it closed) and this
    year's running ones, each mentor with the mentee who joined in the same place."""
    from flipside.matching.loader import person_digest
    from flipside.matching.models import Pair, PastPair

    def people(role: str) -> list[User]:
        rows = cohort.memberships.filter(role=role).select_related("user").order_by("id")
        return [m.user for m in rows]

    organisation_id = cohort.scheme.organisation_id
    started = timezone.make_aware(datetime.datetime.combine(cohort.starts_on, datetime.time(9)))
    for mentor, mentee in zip(people(Role.MENTOR), people(Role.MENTEE), strict=False):
        PastPair.objects.create(
            organisation_id=organisation_id,
            mentor_digest=person_digest(organisation_id, mentor.email),
            mentee_digest=person_digest(organisation_id, mentee.email),
        )
        if cohort.stage != Stage.CLOSED:
            Pair.objects.create(
                cohort=cohort, mentor=mentor, mentee=mentee, started_at=started, created_by=by
            )


def _email(cohort: Cohort, by: User) -> None:
    """Invitations still waiting for an answer, and one email a mail server refused, so the
    outbox shows every state (the worker started by ``make run`` sends the waiting ones)."""
    from flipside.accounts.models import Invitation
    from flipside.accounts.services import invite_person
    from flipside.notifications.models import DeliveryAttempt, OutboxMessage
    from flipside.notifications.outbox import MAX_ATTEMPTS, backoff

    invite_person(
        cohort, email="late.applicant@students.northbridge.example", role=Role.MENTOR, by=by
    )
    # Queued three hours ago, tried at once and then after each of the outbox's waits, until
    # it gave up: as the worker does it.
    queued = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=3)
    with _clock(queued):
        bounced = invite_person(cohort, email="k.obi@nhs.example", role=Role.MENTEE, by=by)
    Invitation.objects.filter(pk=bounced.pk).update(created_at=queued)
    message = OutboxMessage.objects.filter(to=bounced.email).get()
    error = "SMTPRecipientsRefused: {'k.obi@nhs.example': (550, b'5.1.1 Mailbox unavailable')}"
    at = queued + datetime.timedelta(seconds=4)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        finished = at + datetime.timedelta(seconds=2)
        DeliveryAttempt.objects.create(
            message=message, worker="demo", started_at=at, finished_at=finished,
            succeeded=False, error=error,
        )  # fmt: skip
        at = finished + backoff(attempt)
    message.status, message.last_error = OutboxMessage.Status.FAILED, error
    message.attempts, message.created_at, message.next_attempt_at = MAX_ATTEMPTS, queued, finished
    message.save(
        update_fields=["status", "attempts", "last_error", "created_at", "next_attempt_at"]
    )


def is_seeded() -> bool:
    """Whether every demo sign-in exists, so printing them would not mislead."""
    emails = [email for _, email in DEMO_SIGNINS]
    return User.objects.filter(email__in=emails).count() == len(emails)


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


def _training(
    schemes: list[Scheme], cohorts: list[Cohort], by: User, organisation: Organisation
) -> None:
    """Training that has happened for this year's cohorts and is planned for next year's,
    the handbook and ground rules, support services and two concerns."""
    from flipside.training import services as training
    from flipside.training.models import (
        AgreementAcceptance,
        Booking,
        HandbookAcknowledgement,
        SupportService,
        TrainingSession,
    )

    for order, (name, description, contact) in enumerate(SUPPORT_SERVICES):
        SupportService.objects.create(
            organisation=organisation,
            name=name,
            description=description,
            contact=contact,
            order=order,
        )
    for scheme in schemes:
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
    now = timezone.now()
    for cohort in cohorts:
        if cohort.stage in (Stage.CLOSED, Stage.PLANNING):
            continue
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
            mentors = cohort.memberships.filter(role=Role.MENTOR).select_related("user")
            for n, membership in enumerate(mentors):
                attendance = "absent" if n % 8 == 7 else "present"
                Booking.objects.create(
                    session=session, user=membership.user, attendance=attendance, marked_at=start
                )
        if cohort.stage == Stage.RUNNING:
            training.raise_concern(
                cohort.scheme, by=by, cohort=cohort, anonymous=True, subject="Comment on placement",
                body=CONCERN,
            )  # fmt: skip
