"""The demo organisation, schemes and people that ``make run`` shows a new visitor.

Everything goes through the scheme services, so the demo's audit log reads like a real year.
Names come from a seeded Faker, so every fresh database gets the same people.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import OrderedDict
from io import TextIOBase
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from faker import Faker

from flipside.accounts.models import User
from flipside.privacy import audit

from . import services
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


def _advance(cohort: Cohort, *, to: str, by: User) -> Cohort:
    """Walk forward one stage at a time, as a coordinator would."""
    while cohort.stage != to:
        target = cohort.next_stage
        assert target is not None  # noqa: S101 - ``to`` is always a later stage
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
) -> Cohort:
    cohort = services.create_cohort(
        scheme, by=by, label=label, starts_on=starts_on, ends_on=ends_on,
        min_meetings=4, meeting_minutes=60,
    )  # fmt: skip
    if members:
        # People join while the cohort recruits.
        cohort = _advance(cohort, to=Stage.RECRUITING, by=by)
        for user, role, site in members:
            services.add_member(cohort, user=user, role=role, site=site, by=by)
    return _advance(cohort, to=stage, by=by)


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
    organisation, sites = _organisation(by)
    faculty = sites[FACULTY]
    observer = (demo[OBSERVER], Role.OBSERVER, faculty)

    pride = services.create_scheme(organisation, by=by, **PRIDE)
    race = services.create_scheme(organisation, by=by, **RACE_EQUALITY)
    for scheme in (pride, race):
        services.assign_scheme_coordinator(scheme, user=by, by=by)

    cohorts = [
        _cohort(
            pride, by=by, label="2025/26", stage=Stage.CLOSED,
            starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2026, 7, 31),
            members=_students(people, 5, faculty) + _staff(people, [faculty] * 5),
        ),
        _cohort(
            pride, by=by, label="2026/27", stage=Stage.RUNNING,
            starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 7, 31),
            members=[(demo[MENTOR], Role.MENTOR, faculty), (demo[MENTEE], Role.MENTEE, faculty)]
            + _students(people, 4, faculty) + _staff(people, [faculty] * 4) + [observer],
        ),
        _cohort(
            race, by=by, label="2026/27", stage=Stage.MATCHING,
            starts_on=datetime.date(2026, 10, 1), ends_on=datetime.date(2027, 9, 30),
            # Mentees come from the faculty and both partner Trusts, five from each.
            members=_students(people, 15, faculty) + _staff(people, list(sites.values()) * 5)
            + [observer],
        ),
        _cohort(
            race, by=by, label="2027/28", stage=Stage.RECRUITING,
            starts_on=datetime.date(2027, 10, 1), ends_on=datetime.date(2028, 9, 30),
            members=[],
        ),
    ]  # fmt: skip
    for cohort in cohorts:
        _report(stdout, cohort)
    _email(cohorts[2], by)
    _recruitment(organisation, pride, race, cohorts[3], by, people, demo[APPLICANT], sites)
    _matching_applications(cohorts[2], organisation, race)
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
    from flipside.accounts.services import invite_person
    from flipside.notifications.models import DeliveryAttempt, OutboxMessage

    invite_person(
        cohort, email="late.applicant@students.northbridge.example", role=Role.MENTOR, by=by
    )
    bounced = invite_person(cohort, email="k.obi@nhs.example", role=Role.MENTEE, by=by)
    message = OutboxMessage.objects.filter(to=bounced.email).get()
    error = "SMTPRecipientsRefused: {'k.obi@nhs.example': (550, b'5.1.1 Mailbox unavailable')}"
    now = timezone.now()
    for attempt in range(3):
        at = now - datetime.timedelta(minutes=60 - attempt * 20)
        DeliveryAttempt.objects.create(
            message=message,
            worker="demo",
            started_at=at,
            finished_at=at,
            succeeded=False,
            error=error,
        )
    message.status, message.attempts, message.last_error = OutboxMessage.Status.FAILED, 3, error
    message.save(update_fields=["status", "attempts", "last_error"])


def is_seeded() -> bool:
    """Whether every demo sign-in exists, so printing them would not mislead."""
    emails = [email for _, email in DEMO_SIGNINS]
    return User.objects.filter(email__in=emails).count() == len(emails)


PROGRAMMES = [("MBBS Medicine", 5), ("BSc Biomedical Science", 3), ("MPharm Pharmacy", 4)]
PRIDE_TOPICS = [
    "Coming out at medical school",
    "Being trans or non-binary on placement",
    "LGBTQ+ patients and inclusive language",
    "Homophobia in clinical settings",
    "Finding LGBTQ+ role models",
]
RACE_TOPICS = [
    "Racism on clinical placement",
    "The awarding gap",
    "Being the only one in the room",
    "Microaggressions from staff and patients",
    "Religion and belief at medical school",
    "Names, accents and belonging",
    "Commuting and living at home",
    "First in my family at university",
]
RUBRIC = [
    ("Reflection on lived experience", "Draws on their own experience with insight."),
    ("Readiness to share and listen", "Open, constructive, able to hold honest conversations."),
    ("Commitment", "Can give the time: four meetings and two reflection events."),
]
MENTOR_ELIGIBILITY = [
    "I am a student in the Faculty of Medicine.",
    "I identify as Black, Asian or from a minority ethnic background.",
    "I can take part in training and meet my mentee at least four times.",
]
MENTEE_ELIGIBILITY = ["I hold a senior teaching, clinical or leadership role."]
STATEMENTS = [
    "On placement I have often been the only Black student on the ward, and I have learned a lot "
    "about how small comments shape whether you feel you belong. I want senior staff to hear "
    "that honestly and to work out together what would help the next students.",
    "As the first in my family at university, and someone who commutes two hours a day, I see "
    "how timetabling and assessment choices land differently on students like me. I am calm, "
    "I listen, and I would enjoy helping a senior colleague see the course through my eyes.",
    "I have spoken at our society's events about names and accents and how often mine is "
    "mispronounced by tutors. I would like to turn frustration into practical change.",
]


def _recruitment(
    organisation: Organisation, pride: Scheme, race: Scheme, cohort: Cohort, by: User,
    people: People, applicant: User, sites: dict[str, Site],
) -> None:  # fmt: skip
    """Programmes, topics and a rubric, and open calls for next year's Race Equality cohort
    with applications at every step, so the recruitment pages have something to show."""
    from flipside.privacy.services import save_equality_answers
    from flipside.recruitment import services as recruitment
    from flipside.recruitment.models import Programme, RubricCriterion, Topic

    programmes = [
        Programme.objects.create(organisation=organisation, name=name, years=years)
        for name, years in PROGRAMMES
    ]
    for scheme, names in ((pride, PRIDE_TOPICS), (race, RACE_TOPICS)):
        for order, name in enumerate(names):
            Topic.objects.create(scheme=scheme, name=name, order=order)
        for order, (name, description) in enumerate(RUBRIC):
            RubricCriterion.objects.create(
                scheme=scheme, name=name, description=description, max_score=5, order=order
            )
    now = timezone.now()
    opens, closes = now - datetime.timedelta(days=21), now + datetime.timedelta(days=70)
    mentor_call = recruitment.create_call(
        cohort, by=by, role=Role.MENTOR, title="Call for student mentors 2027/28",
        introduction=(
            "Are you a Black, Asian or minority ethnic student in the Faculty of Medicine? "
            "Mentor a senior member of staff for a year: four conversations about your "
            "experience, paid at the London Living Wage, with training and support."
        ),
        eligibility=MENTOR_ELIGIBILITY, opens_at=opens, closes_at=closes, places=15,
        word_limit=250,
    )  # fmt: skip
    recruitment.create_call(
        cohort, by=by, role=Role.MENTEE, title="Call for interest: staff mentees 2027/28",
        introduction=(
            "Senior staff in the faculty and our partner NHS Trusts: be mentored by a student "
            "and hear what studying medicine is like for students from minoritised groups."
        ),
        eligibility=MENTEE_ELIGIBILITY, opens_at=opens, closes_at=closes, places=15,
        word_limit=250,
    )  # fmt: skip
    topics = list(race.topics.all())
    slots = ["mon-pm", "tue-pm", "wed-am", "thu-eve", "fri-am"]
    faculty = sites[FACULTY]

    def apply(user: User, n: int, *, submit: bool = True) -> Any:
        application = recruitment.start_application_as(mentor_call, user=user)
        recruitment.save_answers(
            application, by=user,
            answers={
                "programme": programmes[n % 2], "year": 1 + n % 3, "site": faculty,
                "statement": STATEMENTS[n % len(STATEMENTS)], "topics": topics[n % 4 : n % 4 + 3],
                "availability": slots[n % 3 : n % 3 + 3], "mode": "either",
                "eligibility_confirmed": True,
            },
        )  # fmt: skip
        return recruitment.submit_application(application, by=user) if submit else application

    # The applicant demo sign-in has a draft to finish; eight others have applied.
    apply(applicant, 0, submit=False)
    applied = [apply(people.student(), n) for n in range(8)]
    for n, application in enumerate(applied[:5]):
        scores = {c.pk: 2 + (n * 5 + i * 3) % 4 for i, c in enumerate(race.rubric.all())}
        recruitment.score_application(application, reviewer=by, scores=scores)
    recruitment.decide(applied[:3], outcome="shortlisted", by=by)
    recruitment.add_note(
        applied[0], author=by, text="Strong on placement experience; invite to interview."
    )
    for user in [a.applicant for a in applied[:4]]:
        save_equality_answers(
            user, cohort, answers={"ethnicity": "black", "first_generation": "yes"}, consent=True,
            asked=["ethnicity", "first_generation"],
        )  # fmt: skip


# --- Accepted applications for the cohort being matched -----------------------------------


class StudentAnswers(NamedTuple):
    programme: str
    year: int
    topics: list[int]  # indices into RACE_TOPICS
    availability: list[str]
    mode: str
    preferences: list[str] = []
    placement: str = ""


class StaffAnswers(NamedTuple):
    job_title: str
    department: str
    seniority: str
    topics: list[int]  # indices into RACE_TOPICS: what they hope to understand
    availability: list[str]
    mode: str
    teaching: list[tuple[str, int]]  # (programme, year)
    preferences: list[str] = []


MBBS, BIOMED, PHARMACY = (name for name, _years in PROGRAMMES)
# The Race Equality 2026/27 students, in the order they joined. Everyone studies at the
# faculty; most would meet either way, and their free times overlap in several patterns.
MATCHING_STUDENTS = [
    StudentAnswers(MBBS, 3, [0, 3, 5], ["mon-pm", "tue-pm", "thu-eve"], "either",
                   ["other_site"], placement="Cardiology"),
    StudentAnswers(MBBS, 1, [1, 6, 7], ["tue-am", "tue-pm", "wed-eve", "fri-am"], "either"),
    StudentAnswers(BIOMED, 2, [1, 2, 4], ["mon-am", "wed-am", "wed-pm"], "in_person",
                   ["same_site"]),
    StudentAnswers(MBBS, 4, [0, 3], ["tue-pm", "wed-pm", "thu-pm", "thu-eve"], "either",
                   ["not_my_programme"], placement="Respiratory Medicine"),
    StudentAnswers(PHARMACY, 2, [4, 5, 7], ["mon-eve", "tue-eve", "wed-eve", "thu-eve"],
                   "online"),
    StudentAnswers(MBBS, 5, [0, 2, 3, 5], ["mon-am", "mon-pm", "fri-pm"], "either",
                   placement="Renal Medicine"),
    StudentAnswers(BIOMED, 1, [6, 7], ["tue-pm", "wed-pm", "thu-pm"], "either", ["other_site"]),
    StudentAnswers(MBBS, 2, [1, 3, 4], ["wed-am", "thu-am", "fri-am", "fri-pm"], "either"),
    StudentAnswers(PHARMACY, 3, [2, 5], ["mon-pm", "tue-pm", "wed-pm", "thu-pm"], "in_person"),
    StudentAnswers(MBBS, 3, [0, 1], ["thu-eve", "fri-pm", "fri-eve"], "either",
                   ["not_my_programme"]),
    StudentAnswers(BIOMED, 3, [3, 5, 6], ["mon-pm", "wed-am", "wed-pm"], "either"),
    StudentAnswers(MBBS, 4, [0, 2, 4], ["tue-am", "tue-pm", "thu-am", "thu-pm", "fri-am"],
                   "online", placement="Obstetrics and Gynaecology"),
    StudentAnswers(PHARMACY, 1, [1, 7], ["mon-am", "tue-pm", "fri-am"], "either"),
    StudentAnswers(MBBS, 1, [2, 3, 6, 7], ["mon-pm", "wed-eve", "thu-eve", "fri-eve"], "either",
                   ["same_site", "not_my_programme"]),
    StudentAnswers(MBBS, 5, [0, 3, 5], ["mon-pm", "tue-pm", "wed-pm", "thu-pm", "fri-am",
                                        "fri-pm"], "in_person", placement="Renal Medicine"),
]  # fmt: skip
# The student at MATCHING_CONFLICT[0] names the staff member at MATCHING_CONFLICT[1]: their
# personal tutor. (Student 0's placement is in the department of staff member 1.)
MATCHING_CONFLICT = (9, 7)
# The staff, in the order they joined: a row for the faculty, then one for each Trust, and
# again. Most teach, assess or examine some students, so some pairs are ruled out.
MATCHING_STAFF = [
    StaffAnswers("Director of Medical Education", "Medical Education", "leader", [1, 2],
                 ["mon-pm", "tue-pm", "wed-pm"], "either", [(MBBS, 1), (MBBS, 2)]),
    StaffAnswers("Consultant Cardiologist", "Cardiology", "consultant", [0, 3],
                 ["tue-pm", "thu-eve", "fri-am"], "either", [(MBBS, 3), (MBBS, 4)]),
    StaffAnswers("Consultant in Emergency Medicine", "Emergency Medicine", "consultant", [0, 3],
                 ["mon-eve", "wed-eve", "thu-eve"], "either", [(MBBS, 4), (MBBS, 5)]),
    StaffAnswers("Head of the School of Pharmacy", "Pharmacy", "professor", [4, 5, 7],
                 ["mon-am", "tue-pm", "wed-am"], "either", [(PHARMACY, 3), (PHARMACY, 4)],
                 ["not_my_programme"]),
    StaffAnswers("Consultant General Surgeon", "Surgery", "consultant", [0, 2],
                 ["tue-am", "thu-am", "thu-pm"], "in_person", [(MBBS, 5)]),
    StaffAnswers("GP Partner and Clinical Tutor", "General Practice", "clinician", [6, 7],
                 ["mon-pm", "wed-pm", "fri-pm"], "either", [(MBBS, 2)], ["not_my_programme"]),
    StaffAnswers("Programme Director, Biomedical Science", "Biomedical Sciences",
                 "senior_academic", [1, 2], ["mon-am", "wed-am", "wed-pm"], "either",
                 [(BIOMED, 1), (BIOMED, 2)]),
    StaffAnswers("Consultant Paediatrician", "Paediatrics", "consultant", [3, 5],
                 ["tue-pm", "wed-pm", "thu-pm"], "either", [(MBBS, 4)]),
    StaffAnswers("Director of Nursing", "Nursing and Patient Experience", "leader", [2, 3],
                 ["tue-am", "wed-am", "fri-am"], "online", []),
    StaffAnswers("Dean of Undergraduate Medicine", "Medical Education", "leader", [1, 7],
                 ["mon-pm", "thu-eve", "fri-pm"], "either", [(MBBS, 5)], ["other_site"]),
    StaffAnswers("Consultant Anaesthetist", "Anaesthetics", "consultant", [0, 4],
                 ["mon-eve", "tue-eve", "thu-eve"], "online", [(MBBS, 3)]),
    StaffAnswers("Consultant Psychiatrist", "Psychiatry", "consultant", [3, 4, 5],
                 ["mon-pm", "tue-pm", "wed-pm"], "either", [(MBBS, 4)]),
    StaffAnswers("Lead for Clinical Pharmacology Teaching", "Clinical Pharmacology",
                 "academic", [1], ["tue-pm", "thu-pm", "fri-pm"], "in_person",
                 [(PHARMACY, 2), (MBBS, 2)], ["same_site"]),
    StaffAnswers("Clinical Director, Emergency Department", "Emergency Medicine", "leader",
                 [0, 2], ["wed-eve", "thu-eve", "fri-eve"], "either", []),
    StaffAnswers("Chief Medical Officer", "Trust Executive", "leader", [2, 6],
                 ["mon-am", "tue-am", "fri-am"], "either", []),
]  # fmt: skip
HOPES = [
    "I teach and assess students every week, but I rarely hear what it is like to be on the "
    "receiving end. I want to understand what gets in the way for students of colour.",
    "Our department's feedback looks fine on paper, yet I know some students feel they do not "
    "belong on our wards. I would like to learn what we are missing.",
    "I chair meetings where decisions about assessment are made. I want to understand how "
    "those decisions land for students from minoritised groups.",
    "I want to hear honestly about students' experience of placements, including the things "
    "they feel unable to raise with us.",
    "As a leader I set the tone for my team. I hope to understand what everyday exclusion "
    "looks like from a student's point of view, and what I could change.",
]


def _matching_applications(cohort: Cohort, organisation: Organisation, scheme: Scheme) -> None:
    """Closed calls and an accepted application for each mentor and mentee of the cohort
    being matched, so matching has everyone's answers to work with."""
    from flipside.recruitment.models import AVAILABILITY_SLOTS, Application, Call, Programme

    programmes = {p.name: p for p in Programme.objects.filter(organisation=organisation)}
    topics = list(scheme.topics.all())
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    opens, closes = now - datetime.timedelta(days=150), now - datetime.timedelta(days=110)
    decided = closes + datetime.timedelta(days=12)

    def closed_call(role: str, title: str, introduction: str, eligibility: list[str]) -> Call:
        return Call.objects.create(
            cohort=cohort, role=role, title=title, introduction=introduction,
            eligibility=eligibility, opens_at=opens, closes_at=closes, places=15, word_limit=250,
            created_at=opens - datetime.timedelta(days=7),
        )  # fmt: skip

    mentor_call = closed_call(
        Role.MENTOR, "Call for student mentors 2026/27",
        "Are you a Black, Asian or minority ethnic student in the Faculty of Medicine? Mentor a "
        "senior member of staff from the faculty or one of our partner NHS Trusts: four "
        "conversations over the year about your experience, paid at the London Living Wage, "
        "with training and support.",
        MENTOR_ELIGIBILITY,
    )  # fmt: skip
    mentee_call = closed_call(
        Role.MENTEE, "Call for interest: staff mentees 2026/27",
        "Senior staff in the faculty, Northbridge Teaching Hospitals and Riverside Community "
        "Health: be mentored by a student for a year and hear what studying medicine is like "
        "for students from minoritised groups.",
        MENTEE_ELIGIBILITY,
    )  # fmt: skip

    def accepted(
        call: Call, membership: Any, n: int, topic_numbers: list[int], **answers: Any
    ) -> None:
        # Submitted over the weeks the calls were open; all decided on the same day.
        submitted = opens + datetime.timedelta(days=3 + (n * 5) % 35, hours=n % 9)
        slots = answers.pop("slots")
        application = Application.objects.create(
            call=call, applicant=membership.user, status=Application.Status.ACCEPTED,
            created_at=submitted - datetime.timedelta(days=1 + n % 3), submitted_at=submitted,
            decided_at=decided, site=membership.site, eligibility_confirmed=True,
            availability=[slot for slot in AVAILABILITY_SLOTS if slot in slots],
            **answers,
        )  # fmt: skip
        application.topics.set([topics[i] for i in topic_numbers])

    members = cohort.memberships.select_related("user", "site").order_by("pk")
    students = list(members.filter(role=Role.MENTOR))
    staff = list(members.filter(role=Role.MENTEE))
    for n, (membership, s) in enumerate(zip(students, MATCHING_STUDENTS, strict=True)):
        named = staff[MATCHING_CONFLICT[1]].user if n == MATCHING_CONFLICT[0] else None
        accepted(
            mentor_call, membership, n, s.topics, programme=programmes[s.programme],
            year=s.year, department=s.placement, statement=STATEMENTS[n % len(STATEMENTS)],
            slots=s.availability, mode=s.mode, preferences=s.preferences,
            conflicts=named.display_name if named else "",
        )  # fmt: skip
    for n, (membership, m) in enumerate(zip(staff, MATCHING_STAFF, strict=True)):
        teaching = sorted(
            ({"programme": programmes[name].pk, "year": year} for name, year in m.teaching),
            key=lambda t: (t["programme"], t["year"]),
        )
        accepted(
            mentee_call, membership, n, m.topics, job_title=m.job_title,
            department=m.department, seniority=m.seniority, hopes=HOPES[n % len(HOPES)],
            slots=m.availability, mode=m.mode, teaching=teaching, preferences=m.preferences,
        )  # fmt: skip


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
