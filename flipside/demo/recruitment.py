"""The demo's recruitment: programmes, topics and a rubric, next year's open calls with
applications at every step of review, the accepted applications of the cohort being
matched, and Pride's closed year's calls with every member's accepted application, a few
unsuccessful ones and the mentor applicants' equality-monitoring answers. Everything goes
through the recruitment services where the site itself would; calls long closed are written
as rows, so no email of a past year is queued.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils import timezone

from flipside.accounts.models import User
from flipside.lib.dates import LONDON
from flipside.privacy.services import save_equality_answers
from flipside.recruitment import services as recruitment
from flipside.recruitment.models import (
    AVAILABILITY_SLOTS,
    Application,
    Call,
    Programme,
    RubricCriterion,
    Topic,
)
from flipside.schemes.models import Cohort, Membership, Role, Site

from .clock import clock
from .organisation import Demo
from .signins import APPLICANT

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
# Every applicant writes their own statement: one of these experiences and one of these
# reasons, never the same pair twice (six and five give 30 different statements).
EXPERIENCES = [
    "On placement I have often been the only Black student on the ward, and I have learned a lot "
    "about how small comments shape whether you feel you belong.",
    "As the first in my family at university, and someone who commutes two hours a day, I see "
    "how timetabling and assessment choices land differently on students like me.",
    "I have spoken at our society's events about names and accents, and about how often mine is "
    "mispronounced by tutors.",
    "I wear a hijab on placement, and I have seen how the assumptions of patients and staff "
    "change the way I am taught.",
    "I grew up caring for a parent and still work most weekends, so I notice which parts of the "
    "course assume everyone has free evenings.",
    "I came to medical school through a widening-participation route and was the only person "
    "from my school to get a place.",
]
REASONS = [
    "I want senior staff to hear that honestly and to work out together what would help the "
    "next students.",
    "I am calm, I listen, and I would enjoy helping a senior colleague see the course through "
    "my eyes.",
    "I would like to turn frustration into practical change that lasts after I graduate.",
    "I am used to explaining difficult things kindly, and I would bring examples rather than "
    "complaints.",
    "Mentoring someone with the power to change things feels like the most useful thing I "
    "could do this year.",
]


def statement(n: int) -> str:
    """The ``n``th applicant's statement: different for every ``n`` below 30."""
    return f"{EXPERIENCES[n % len(EXPERIENCES)]} {REASONS[n % len(REASONS)]}"


def add_recruitment(demo: Demo) -> None:
    programmes = _catalogue(demo)
    _open_calls(demo, programmes)
    _matched_applications(demo)
    _closed_year(demo, {p.name: p for p in programmes})


def _catalogue(demo: Demo) -> list[Programme]:
    """The programmes students study, and each scheme's topics and rubric."""
    programmes = [
        Programme.objects.create(organisation=demo.organisation, name=name, years=years)
        for name, years in PROGRAMMES
    ]
    for scheme, names in ((demo.pride, PRIDE_TOPICS), (demo.race, RACE_TOPICS)):
        for order, name in enumerate(names):
            Topic.objects.create(scheme=scheme, name=name, order=order)
        for order, (name, description) in enumerate(RUBRIC):
            RubricCriterion.objects.create(
                scheme=scheme, name=name, description=description, max_score=5, order=order
            )
    return programmes


# --- Next year's open calls ---------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    """What next year's application forms offer, and the demo whose people fill them in."""

    demo: Demo
    programmes: list[Programme]
    topics: list[Topic]


# The free times next year's applicants choose among.
SLOTS = ["mon-pm", "tue-pm", "wed-am", "thu-eve", "fri-am"]


def _open_calls(demo: Demo, programmes: list[Programme]) -> None:
    """Open calls for next year's Race Equality cohort with applications at every step, so the
    recruitment pages have something to show."""
    by = demo.coordinator
    mentor_call, mentee_call = _calls_for_next_year(demo.race_recruiting, by=by)
    form = _Form(demo=demo, programmes=programmes, topics=list(demo.race.topics.all()))
    # Both calls have applications at every step: a draft (the applicant demo sign-in's, for
    # mentors), then submitted, scored, shortlisted and decided ones, and one withdrawn.
    _apply_as_student(mentor_call, demo.signins[APPLICANT], 0, form, submit=False)
    students = [
        _apply_as_student(mentor_call, demo.people.student(), n, form) for n in range(1, 12)
    ]
    _apply_as_staff(mentee_call, 0, form, submit=False)
    staff = [_apply_as_staff(mentee_call, n, form) for n in range(1, len(RECRUITING_STAFF))]
    for applications in (students, staff):
        _review(applications, by=by, rubric=list(demo.race.rubric.all()))
    recruitment.add_note(
        students[0], author=by, text="Strong on placement experience; invite to interview."
    )
    for user in [a.applicant for a in students[:4]]:
        save_equality_answers(
            user, demo.race_recruiting, answers={"ethnicity": "black", "first_generation": "yes"},
            consent=True, asked=["ethnicity", "first_generation"],
        )  # fmt: skip


def _calls_for_next_year(cohort: Cohort, *, by: User) -> tuple[Call, Call]:
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
    mentee_call = recruitment.create_call(
        cohort, by=by, role=Role.MENTEE, title="Call for interest: staff mentees 2027/28",
        introduction=(
            "Senior staff in the faculty and our partner NHS Trusts: be mentored by a student "
            "and hear what studying medicine is like for students from minoritised groups."
        ),
        eligibility=MENTEE_ELIGIBILITY, opens_at=opens, closes_at=closes, places=15,
        word_limit=250,
    )  # fmt: skip
    return mentor_call, mentee_call


# What a few applicants say would help them take part (most say nothing); stored encrypted.
ACCESS_NEEDS = [
    "",
    "Step-free access to meeting rooms, please.",
    "",
    "Captions in online meetings: I am hard of hearing.",
]


def _apply_as_student(
    call: Call, user: User, n: int, form: _Form, *, submit: bool = True
) -> Application:
    application = recruitment.start_application_as(call, user=user)
    recruitment.save_answers(
        application, by=user,
        answers={
            "programme": form.programmes[n % 2], "year": 1 + n % 3, "site": form.demo.faculty,
            "statement": statement(FIRST_NEW + n), "topics": form.topics[n % 4 : n % 4 + 3],
            "availability": SLOTS[n % 3 : n % 3 + 3], "mode": "either",
            "eligibility_confirmed": True, "access_needs": ACCESS_NEEDS[n % len(ACCESS_NEEDS)],
        },
    )  # fmt: skip
    return recruitment.submit_application(application, by=user) if submit else application


def _apply_as_staff(call: Call, n: int, form: _Form, *, submit: bool = True) -> Application:
    sites = list(form.demo.sites.values())
    site = sites[n % len(sites)]
    user = form.demo.people.staff(site)
    job_title, department, seniority = RECRUITING_STAFF[n]
    teaching = [{"programme": form.programmes[0].pk, "year": 1 + n % 5}] if n % 2 else []
    application = recruitment.start_application_as(call, user=user)
    recruitment.save_answers(
        application, by=user,
        answers={
            "job_title": job_title, "department": department, "seniority": seniority,
            "site": site, "hopes": hopes(FIRST_NEW + n), "topics": form.topics[n % 5 : n % 5 + 2],
            "teaching": teaching, "availability": SLOTS[n % 2 : n % 2 + 3], "mode": "either",
            "eligibility_confirmed": True,
        },
    )  # fmt: skip
    return recruitment.submit_application(application, by=user) if submit else application


# What happens to the applications of next year's calls, in the order they came in; the rest
# are still waiting for a decision.
REVIEW_STEPS = ["shortlisted"] * 3 + ["accepted", "waitlisted", "declined", "withdrawn"]
# Staff applying to next year's call: job title, department, seniority.
RECRUITING_STAFF = [
    ("Senior Lecturer in Anatomy", "Anatomy", "senior_academic"),
    ("Consultant Obstetrician", "Obstetrics and Gynaecology", "consultant"),
    ("Head of Nursing Education", "Nursing", "leader"),
    ("Professor of Public Health", "Population Health", "professor"),
    ("Consultant Geriatrician", "Care of Older People", "consultant"),
    ("Lecturer in Clinical Skills", "Clinical Skills", "academic"),
    ("Associate Medical Director", "Trust Executive", "leader"),
    ("GP and Clinical Tutor", "General Practice", "clinician"),
    ("Reader in Medical Education", "Medical Education", "senior_academic"),
]


def _review(applications: list[Application], *, by: User, rubric: list[RubricCriterion]) -> None:
    """Score every application that reaches a decision (not the withdrawn one), then take them
    through ``REVIEW_STEPS`` with the recruitment services, so the accepted join the cohort and
    everyone decided is emailed, as on the site."""
    for n, application in enumerate(applications[: len(REVIEW_STEPS) - 1]):
        scores = {c.pk: 2 + (n * 5 + i * 3) % 4 for i, c in enumerate(rubric)}
        recruitment.score_application(application, reviewer=by, scores=scores)
    for application, step in zip(applications, REVIEW_STEPS, strict=False):
        if step == "withdrawn":
            recruitment.withdraw_application(application, by=application.applicant)
        else:
            recruitment.decide([application], outcome=step, by=by)


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
# As for statements: one of five hopes and one of six intentions, a different pair each.
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
INTENTIONS = [
    "I would like to leave the year with one change I can make in my own department.",
    "I am ready to listen more than I talk.",
    "I hope to become a better ally to the students I teach.",
    "I want to be challenged, even when it is uncomfortable.",
    "I will take what I learn back to our education committee.",
    "I hope the conversations change how I give feedback on placement.",
]


def hopes(n: int) -> str:
    """The ``n``th member of staff's hopes: different for every ``n`` below 30."""
    return f"{HOPES[n % len(HOPES)]} {INTENTIONS[n % len(INTENTIONS)]}"


# Statements and hopes 0-14 are the matched cohort's; next year's applicants write the next ones.
FIRST_NEW = len(MATCHING_STUDENTS)


def _matched_applications(demo: Demo) -> None:
    """Closed calls and an accepted application for each mentor and mentee of the cohort
    being matched, so matching has everyone's answers to work with."""
    cohort = demo.race_matching
    programmes = {p.name: p for p in Programme.objects.filter(organisation=demo.organisation)}
    topics = list(demo.race.topics.all())
    mentor_call, mentee_call = _closed_calls(cohort)
    members = cohort.memberships.select_related("user", "site").order_by("pk")
    students = list(members.filter(role=Role.MENTOR))
    staff = list(members.filter(role=Role.MENTEE))
    for n, (membership, s) in enumerate(zip(students, MATCHING_STUDENTS, strict=True)):
        named = staff[MATCHING_CONFLICT[1]].user if n == MATCHING_CONFLICT[0] else None
        _accept(
            mentor_call, membership, n, [topics[i] for i in s.topics], slots=s.availability,
            programme=programmes[s.programme], year=s.year, department=s.placement,
            statement=statement(n), mode=s.mode, preferences=s.preferences,
            conflicts=named.display_name if named else "",
        )  # fmt: skip
    for n, (membership, m) in enumerate(zip(staff, MATCHING_STAFF, strict=True)):
        teaching = sorted(
            ({"programme": programmes[name].pk, "year": year} for name, year in m.teaching),
            key=lambda t: (t["programme"], t["year"]),
        )
        _accept(
            mentee_call, membership, n, [topics[i] for i in m.topics], slots=m.availability,
            job_title=m.job_title, department=m.department, seniority=m.seniority,
            hopes=hopes(n), mode=m.mode, teaching=teaching, preferences=m.preferences,
        )  # fmt: skip


def _closed_calls(cohort: Cohort) -> tuple[Call, Call]:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    opens, closes = now - datetime.timedelta(days=150), now - datetime.timedelta(days=110)

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
    return mentor_call, mentee_call


def _accept(
    call: Call,
    membership: Membership,
    n: int,
    topics: list[Topic],
    *,
    slots: list[str],
    **answers: Any,
) -> None:
    # Submitted over the weeks the call was open; all decided on the same day.
    submitted = call.opens_at + datetime.timedelta(days=3 + (n * 5) % 35, hours=n % 9)
    application = Application.objects.create(
        call=call, applicant=membership.user, status=Application.Status.ACCEPTED,
        created_at=submitted - datetime.timedelta(days=1 + n % 3), submitted_at=submitted,
        decided_at=call.closes_at + datetime.timedelta(days=12), site=membership.site,
        eligibility_confirmed=True,
        availability=[slot for slot in AVAILABILITY_SLOTS if slot in slots],
        **answers,
    )  # fmt: skip
    application.topics.set(topics)


# --- Pride's closed year ------------------------------------------------------------------

# As for statements: one of four experiences and one of five reasons (20 different ones).
PRIDE_EXPERIENCES = [
    "I came out in my first year and now help run the LGBTQ+ medical students' society, so I "
    "hear a lot about what placements are like for queer students.",
    "As a trans student I explain my name and pronouns at the start of almost every rotation, "
    "and I have learned to do it calmly.",
    "On placement I have heard jokes about gay people from patients and, once, from a member "
    "of staff, and I did not know who I could tell.",
    "I am bisexual and grew up in a religious family, so I know how much it matters whether "
    "a tutor makes it safe to be open.",
]
PRIDE_REASONS = [
    "I would like senior staff to hear what that is like, and to work out together what "
    "would help the next students.",
    "I listen well, and I would enjoy helping a senior colleague see the course through my eyes.",
    "I want to turn what I have seen into small, practical changes that last after I graduate.",
    "I can talk about difficult things kindly, with examples rather than complaints.",
    "Mentoring someone who can change things feels like the most useful thing I could do "
    "this year.",
]
PRIDE_HOPES = [
    "I teach students every week but rarely hear what it is like to be LGBTQ+ in our "
    "faculty. I want to understand what gets in the way.",
    "I would like to understand how our placements feel for students who are not sure "
    "whether it is safe to be open about who they are.",
    "I sit on the committees that write our curriculum, and I suspect our cases leave "
    "LGBTQ+ patients and students out without anyone meaning to.",
    "As a senior clinician I set the tone on my wards. I hope to learn what a student would "
    "want me to do when a homophobic remark is made.",
    "I want to hear honestly about the things LGBTQ+ students feel unable to raise with us.",
]


def pride_statement(n: int) -> str:
    """The ``n``th Pride applicant's statement: different for every ``n`` below 20."""
    experience = PRIDE_EXPERIENCES[n % len(PRIDE_EXPERIENCES)]
    return f"{experience} {PRIDE_REASONS[n % len(PRIDE_REASONS)]}"


def pride_hopes(n: int) -> str:
    """The ``n``th Pride staff applicant's hopes: different for every ``n`` below 30."""
    return f"{PRIDE_HOPES[n % len(PRIDE_HOPES)]} {INTENTIONS[n % len(INTENTIONS)]}"


# The closed year's staff, in the order they joined (and then the two not taken on): job
# title, department, seniority.
CLOSED_STAFF = [
    ("Professor of Medical Education", "Medical Education", "professor"),
    ("Senior Lecturer in Anatomy", "Anatomy", "senior_academic"),
    ("Director of Clinical Placements", "Medical Education", "leader"),
    ("Reader in Population Health", "Population Health", "senior_academic"),
    ("Professor of Psychiatry", "Psychiatry", "professor"),
    ("Head of Pharmacy Education", "Pharmacy", "leader"),
    ("Senior Lecturer in Clinical Skills", "Clinical Skills", "senior_academic"),
    ("Professor of Infectious Diseases", "Infection and Immunity", "professor"),
    ("Year 3 Lead, MBBS", "Medical Education", "academic"),
    ("Associate Dean for Student Experience", "Faculty Office", "leader"),
    ("Professor of Obstetrics", "Obstetrics and Gynaecology", "professor"),
    ("Senior Lecturer in Biomedical Science", "Biomedical Sciences", "senior_academic"),
    ("Lecturer in Physiology", "Physiology", "academic"),
    ("Head of Assessment", "Medical Education", "leader"),
]
# What happened to the applications of people who did not join the closed year.
CLOSED_UNSUCCESSFUL_STUDENTS = ["declined", "declined", "waitlisted", "withdrawn"]
CLOSED_UNSUCCESSFUL_STAFF = ["declined", "withdrawn"]
CLOSED_SLOTS = ["mon-pm", "tue-pm", "wed-am", "wed-pm", "thu-eve", "fri-am", "fri-pm"]

# The mentor applicants' equality-monitoring answers, in the order they applied: most
# consented (some preferring not to say to a question or to all), two did not consent (None).
ORIENTATION, GENDER, ETHNICITY, DISABILITY, FIRST = (
    "sexual_orientation", "gender_identity", "ethnicity", "disability", "first_generation",
)  # fmt: skip
CLOSED_EQUALITY: list[dict[str, str] | None] = [
    {ORIENTATION: "gay_lesbian", GENDER: "yes", ETHNICITY: "white", DISABILITY: "no", FIRST: "no"},
    {ORIENTATION: "bisexual", GENDER: "yes", ETHNICITY: "asian", DISABILITY: "no", FIRST: "yes"},
    {ORIENTATION: "gay_lesbian", GENDER: "yes", ETHNICITY: "white", DISABILITY: "yes",
     FIRST: "no"},
    {ORIENTATION: "self_describe", f"{ORIENTATION}_description": "Queer", GENDER: "no",
     ETHNICITY: "mixed", DISABILITY: "no", FIRST: "no"},
    {ORIENTATION: "bisexual", GENDER: "yes", ETHNICITY: "black", DISABILITY: "no", FIRST: "yes"},
    None,
    {ORIENTATION: "gay_lesbian", GENDER: "prefer_not_to_say", ETHNICITY: "white",
     DISABILITY: "no", FIRST: "no"},
    {ORIENTATION: "other", GENDER: "no", ETHNICITY: "white", DISABILITY: "yes", FIRST: "unsure"},
    {ORIENTATION: "gay_lesbian", GENDER: "yes", ETHNICITY: "asian", DISABILITY: "no", FIRST: "no"},
    {},  # prefer not to say, to every question
    {ORIENTATION: "bisexual", GENDER: "yes", ETHNICITY: "white", DISABILITY: "no", FIRST: "yes"},
    {ORIENTATION: "gay_lesbian", GENDER: "yes", ETHNICITY: "mixed", DISABILITY: "no",
     FIRST: "no"},
    {ORIENTATION: "bisexual", GENDER: "no", ETHNICITY: "white", DISABILITY: "yes", FIRST: "no"},
    None,
    {ORIENTATION: "gay_lesbian", GENDER: "yes", ETHNICITY: "white", DISABILITY: "no",
     FIRST: "yes"},
    {ORIENTATION: "prefer_not_to_say", GENDER: "yes", ETHNICITY: "black", DISABILITY: "no",
     FIRST: "yes"},
]  # fmt: skip


def _closed_year(demo: Demo, programmes: dict[str, Programme]) -> None:
    """Pride 2025/26's calls, closed before its training: an accepted application from
    each member, a few applications that were not, and equality-monitoring answers given
    (with consent, through the privacy services) as each mentor applied."""
    cohort = demo.pride_closed
    topics = list(demo.pride.topics.all())
    opens = datetime.datetime(2025, 3, 10, 9, 0, tzinfo=LONDON)
    closes = datetime.datetime(2025, 5, 16, 17, 0, tzinfo=LONDON)
    decided = closes + datetime.timedelta(days=14)
    calls = {
        role: Call.objects.create(
            cohort=cohort, role=role, title=f"{title} {cohort.label}", introduction=introduction,
            eligibility=eligibility, opens_at=opens, closes_at=closes, places=12,
            word_limit=250, created_at=opens - datetime.timedelta(days=7),
        )
        for role, title, introduction, eligibility in (
            (Role.MENTOR, "Call for LGBTQ+ student mentors",
             "Are you an LGBTQ+ student in the Faculty of Medicine? Mentor a senior academic "
             "for a year: four conversations about your experience, paid at the London Living "
             "Wage, with training and support.",
             ["I am a student in the Faculty of Medicine.", "I identify as LGBTQ+.",
              MENTOR_ELIGIBILITY[2]]),
            (Role.MENTEE, "Call for interest: senior academic mentees",
             "Senior academics in the faculty: be mentored by an LGBTQ+ student for a year.",
             MENTEE_ELIGIBILITY),
        )
    }  # fmt: skip
    members = cohort.memberships.select_related("user").order_by("pk")
    students = [(m.user, "accepted") for m in members.filter(role=Role.MENTOR)]
    students += [(demo.earlier.student(), s) for s in CLOSED_UNSUCCESSFUL_STUDENTS]
    staff = [(m.user, "accepted") for m in members.filter(role=Role.MENTEE)]
    staff += [(demo.earlier.staff(demo.faculty), s) for s in CLOSED_UNSUCCESSFUL_STAFF]
    mbbs, others = programmes[MBBS], [programmes[BIOMED], programmes[PHARMACY]]
    asked = list(demo.pride.equality_questions)
    for n, (user, status) in enumerate(students):
        application = _past_application(
            calls[Role.MENTOR], user, n, status, decided, site=demo.faculty,
            slots=CLOSED_SLOTS[n % 4 : n % 4 + 3],
            programme=mbbs if n % 3 else others[n % 2], year=1 + (n * 2) % 5,
            statement=pride_statement(n), mode="either" if n % 4 else "in_person",
        )  # fmt: skip
        application.topics.set([topics[n % 5], topics[(n + 2) % 5]])
        answers = CLOSED_EQUALITY[n % len(CLOSED_EQUALITY)]
        with clock(application.submitted_at):
            save_equality_answers(
                user, cohort, answers=answers or {}, consent=answers is not None, asked=asked
            )
    for n, (user, status) in enumerate(staff):
        job_title, department, seniority = CLOSED_STAFF[n % len(CLOSED_STAFF)]
        teaching = [{"programme": mbbs.pk, "year": 1 + n % 5}] if n % 3 else []
        application = _past_application(
            calls[Role.MENTEE], user, n, status, decided, site=demo.faculty,
            slots=CLOSED_SLOTS[n % 3 : n % 3 + 4],
            job_title=job_title, department=department, seniority=seniority,
            hopes=pride_hopes(n), mode="either", teaching=teaching,
        )  # fmt: skip
        application.topics.set([topics[(n + 1) % 5]])


def _past_application(
    call: Call, user: User, n: int, status: str, decided: datetime.datetime, *,
    site: Site, slots: list[str], **answers: Any,
) -> Application:  # fmt: skip
    submitted = call.opens_at + datetime.timedelta(days=2 + (n * 4) % 60, hours=n % 8)
    return Application.objects.create(
        call=call, applicant=user, status=status,
        created_at=submitted - datetime.timedelta(days=1 + n % 3), submitted_at=submitted,
        decided_at=None if status == "withdrawn" else decided, site=site,
        eligibility_confirmed=True,
        availability=[slot for slot in AVAILABILITY_SLOTS if slot in slots],
        **answers,
    )  # fmt: skip
