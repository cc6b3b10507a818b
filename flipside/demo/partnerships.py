"""The demo's partnerships: both schemes' talking points, Pride's closed year (its pairs'
meetings from first to last, one pair ended early, one paused for a while, and both
reflection events held with their registers and the coordinator's notes of themes), and the
running Pride cohort's year so far — meetings in every state, pairs on track, behind, paused
and not yet in touch, talking points used, and its reflection events (the mid-point one held,
the end one to come).

Rows are made with the models directly and dated relative to now, so whenever the demo is
loaded the history reads as the months since the pairs started. The demo's own mentor and
mentee (the ones with sign-ins) have a meeting that has just happened and is waiting for its
record, and another arranged.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from flipside.accounts.models import User
from flipside.lib.dates import LONDON
from flipside.matching import kept
from flipside.matching.models import Pair
from flipside.partnerships import facts
from flipside.partnerships.models import (
    EventReply,
    Meeting,
    MeetingOption,
    Mode,
    Pause,
    ReflectionEvent,
    TalkingPoint,
    TalkingPointUse,
)
from flipside.partnerships.services import events as event_services
from flipside.privacy import audit
from flipside.recruitment.models import AVAILABILITY_SLOTS, Application, Call
from flipside.schemes.models import Cohort, Role, Scheme

from .clock import clock
from .organisation import Demo
from .signins import MENTOR

Status = Meeting.Status
Record = Meeting.Record

# Original talking points, by theme: questions a student mentor could open a conversation with.
PRIDE_POINTS = {
    "Getting to know each other": [
        "What brought you to medicine, and what has kept you going on the harder days?",
        "What would you like the other person to understand about your week: the parts that "
        "never show up on a timetable?",
        "What would make these meetings worth your time? Agree together what you both hope to "
        "get out of them, and how you will tell each other if something is not working.",
    ],
    "Belonging and identity": [
        "When did you first feel you belonged in the faculty, or have you not felt it yet? "
        "What made the difference?",
        "Do you feel able to be open about who you are with your year group, your tutors or "
        "a placement team? What makes that easier or harder?",
        "Which everyday words or assumptions, on forms, in lectures or in small talk, leave "
        "LGBTQ+ students out without anyone meaning to?",
    ],
    "Teaching and assessment": [
        "Think of a lecture or case that handled sexuality or gender identity well, and one "
        "that did not. What was the difference?",
        "How do the patient cases in teaching describe families and relationships? Who is "
        "missing from them?",
    ],
    "Placements and clinical environments": [
        "What happens on placement when a patient or colleague makes a homophobic or "
        "transphobic remark? What would you want a senior to do in that moment?",
        "How do you decide whether to mention a partner, or to correct someone about your "
        "name or pronouns, when you join a new ward or practice?",
    ],
    "Speaking up and change": [
        "If you could change one thing for LGBTQ+ students in the faculty by next year, what "
        "would it be, and who would need to say yes?",
        "What could the mentee do in their own role this term that students would notice?",
        "Where would a student go if something went wrong, and would they trust it? What "
        "would make them trust it more?",
    ],
}
RACE_POINTS = {
    "Getting to know each other": [
        "Tell each other about where you grew up and how you came to be here.",
        "What is something about your life as a student that surprises people when you tell them?",
        "What do each of you hope to have learnt by the end of the year?",
    ],
    "Belonging and identity": [
        "Have you ever felt you had to change how you speak, dress or wear your hair to fit "
        "in at medical school? What was that like?",
        "Who do you see in senior posts that you can picture yourself becoming, and who do "
        "you not see?",
        "Has someone mixed up your name, or mixed you up with another student? How did it "
        "land, and what would a better response have been?",
    ],
    "Teaching and assessment": [
        "How often do the images and cases in teaching show conditions on darker skin? What "
        "difference would it make if they did more often?",
        "Have you noticed differences in how students are assessed or given feedback? Talk "
        "through an example without naming anyone.",
        "What helps you ask a question in a lecture or tutorial, and what stops you?",
    ],
    "Placements and clinical environments": [
        "Have you seen or experienced racism from patients or staff on placement? What "
        "happened next, and what would good support have looked like?",
        "What makes a placement team feel welcoming on your first day?",
    ],
    "Speaking up and change": [
        "If a student reported a racist incident tomorrow, what would happen? Walk through "
        "it together, step by step.",
        "What is one change the mentee could champion at the race equality group at the end "
        "of the year?",
    ],
}
# Pride's library also shows a coordinator's other decisions.
PRIDE_RETIRED = ("Getting to know each other", "Share a film, book or song that means something "
                 "to you, and say why.")  # fmt: skip
PRIDE_DECLINED = ("Speaking up and change", "Could there be a social for all the pairs at the "
                  "end of the year?")  # fmt: skip
PRIDE_SUGGESTED = ("Belonging and identity", "What would you want a new LGBTQ+ first-year to "
                   "know in their first week?")  # fmt: skip

MIDPOINT_THEMES = (
    "Themes raised (anonymised):\n"
    "- Several students said a mentee's openness about their own career had made it easier "
    "to talk honestly.\n"
    "- Forms and registers that assume a binary gender or a single name came up in more "
    "than one pair.\n"
    "- Placements: students want to know who to go to when a remark is made on a ward, and "
    "to trust that something will happen.\n"
    "- Finding time: pairs that booked their next meeting before leaving found it easiest "
    "to keep going.\n"
    "Actions: ask the curriculum group to review case vignettes; share the placement "
    "reporting route at the next induction."
)


def add_partnerships(demo: Demo) -> None:
    points = {
        demo.pride.pk: _talking_points(demo.pride, PRIDE_POINTS, demo),
        demo.race.pk: _talking_points(demo.race, RACE_POINTS, demo),
    }
    _closed_year(demo.pride_closed, points[demo.pride.pk], demo)
    _usual_free_times(demo.pride_running)
    _pride_year(demo.pride_running, points[demo.pride.pk], demo)


# --- When people are usually free -----------------------------------------------------------

# The weekly times each of the running Pride cohort said they are usually free, in the order
# they joined (mentors, then mentees): the meeting page shows a pair's side by side.
PRIDE_FREE_TIMES = {
    Role.MENTOR: [
        ["mon-pm", "wed-pm", "thu-eve"],
        ["tue-am", "wed-eve", "fri-pm"],
        ["mon-eve", "thu-pm"],
        ["wed-am", "wed-pm", "fri-am"],
        ["tue-eve", "thu-eve"],
    ],
    Role.MENTEE: [
        ["wed-pm", "thu-eve", "fri-am"],
        ["wed-eve", "fri-pm"],
        ["mon-am", "thu-pm"],
        ["wed-pm", "fri-am"],
        ["tue-am", "thu-eve"],
    ],
}


def _usual_free_times(cohort: Cohort) -> None:
    """The running Pride cohort's calls, closed before it began, with an accepted application
    from each member holding the times they are usually free."""
    closes = datetime.datetime(cohort.starts_on.year, 6, 30, 17, 0, tzinfo=LONDON)
    opens = closes - datetime.timedelta(days=42)
    titles = {
        Role.MENTOR: "Call for LGBTQ+ student mentors",
        Role.MENTEE: "Call for interest: senior academic mentees",
    }
    for role, free_times in PRIDE_FREE_TIMES.items():
        call = Call.objects.create(
            cohort=cohort, role=role, title=f"{titles[role]} {cohort.label}",
            introduction="Closed: the cohort is running.", opens_at=opens, closes_at=closes,
            places=5, created_at=opens - datetime.timedelta(days=7),
        )  # fmt: skip
        members = cohort.memberships.filter(role=role).select_related("user").order_by("pk")
        for n, (membership, slots) in enumerate(zip(members, free_times, strict=True)):
            submitted = opens + datetime.timedelta(days=4 + 6 * n, hours=n)
            Application.objects.create(
                call=call, applicant=membership.user, status=Application.Status.ACCEPTED,
                created_at=submitted - datetime.timedelta(days=1), submitted_at=submitted,
                decided_at=closes + datetime.timedelta(days=10), site=membership.site,
                eligibility_confirmed=True,
                availability=[slot for slot in AVAILABILITY_SLOTS if slot in slots],
            )  # fmt: skip


# --- Talking points -------------------------------------------------------------------------


def _talking_points(scheme: Scheme, library: dict[str, list[str]], demo: Demo) -> list[Any]:
    created = _aware(datetime.date(2025, 1, 20), 10)
    rows = [
        TalkingPoint(scheme=scheme, theme=theme, text=text, created_at=created)
        for theme, texts in library.items()
        for text in texts
    ]
    if scheme.pk == demo.pride.pk:
        mentors = _members(demo.pride_running, Role.MENTOR)
        past_mentor = _members(demo.pride_closed, Role.MENTOR)[0]
        rows += [
            TalkingPoint(scheme=scheme, theme=PRIDE_RETIRED[0], text=PRIDE_RETIRED[1],
                         status=TalkingPoint.Status.RETIRED, created_at=created),
            TalkingPoint(scheme=scheme, theme=PRIDE_DECLINED[0], text=PRIDE_DECLINED[1],
                         status=TalkingPoint.Status.DECLINED, suggested_by=past_mentor,
                         created_at=_aware(datetime.date(2026, 3, 9), 11)),
            TalkingPoint(scheme=scheme, theme=PRIDE_SUGGESTED[0], text=PRIDE_SUGGESTED[1],
                         status=TalkingPoint.Status.SUGGESTED, suggested_by=mentors[-1],
                         created_at=timezone.now() - datetime.timedelta(days=4)),
        ]  # fmt: skip
    TalkingPoint.objects.bulk_create(rows)
    return list(
        TalkingPoint.objects.filter(scheme=scheme, status=TalkingPoint.Status.PUBLISHED).order_by(
            "pk"
        )
    )


# --- The running Pride cohort's year --------------------------------------------------------


@dataclass
class Plan:
    """The rows one pair's history needs, gathered to be created in bulk."""

    meetings: list[Meeting] = field(default_factory=list)
    options: dict[int, list[datetime.datetime]] = field(default_factory=dict)  # by index
    topics: dict[int, list[TalkingPoint]] = field(default_factory=dict)  # by index
    uses: list[TalkingPointUse] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)


def _aware(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A daytime London wall time (never in a clock-change hour) as UTC."""
    local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)
    return local.astimezone(datetime.UTC)


def _weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


class Timeline:
    """Days in the pairs' year so far: fractions of the time since they started, and days
    before or after today."""

    def __init__(self, started: datetime.datetime) -> None:
        self.now = timezone.now()
        self.started = started
        # Loaded early, the demo still shows a couple of months of history.
        self.span = max(self.now - started, datetime.timedelta(days=60))
        self.today = self.now.astimezone(LONDON).date()

    def at(self, fraction: float, hour: int, minute: int = 0) -> datetime.datetime:
        moment = self.now - self.span + self.span * fraction
        return _aware(_weekday(moment.astimezone(LONDON).date()), hour, minute)

    def days(self, offset: int, hour: int, minute: int = 0) -> datetime.datetime:
        """``offset`` days from today (negative: in the past), on a weekday."""
        day = self.today + datetime.timedelta(days=offset)
        if offset > 0:
            while day.weekday() >= 5:
                day += datetime.timedelta(days=1)
        else:
            day = _weekday(day)
        return _aware(day, hour, minute)


def _past(moment: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    return min(moment, now - datetime.timedelta(hours=1))


def _held(pair: Pair, starts: datetime.datetime, now: datetime.datetime, *, recorder: User,
          record: str, minutes: int = 60, mode: str = Mode.IN_PERSON, place: str = "",
          status: str = Status.HELD) -> Meeting:  # fmt: skip
    """A meeting arranged, then recorded by ``recorder`` and answered by the other partner
    (unless still unconfirmed)."""
    other = pair.mentee if recorder.pk == pair.mentor_id else pair.mentor
    recorded = _past(starts + datetime.timedelta(hours=20), now)
    answered = record != Record.UNCONFIRMED
    return Meeting(
        pair=pair, status=status, starts_at=starts, minutes=60, mode=mode, place=place,
        proposed_by=other, proposed_at=starts - datetime.timedelta(days=9),
        accepted_at=starts - datetime.timedelta(days=8), record=record, recorded_by=recorder,
        recorded_at=recorded,
        held_minutes=minutes if status == Status.HELD else None,
        held_mode=mode if status == Status.HELD else "",
        answered_by=other if answered else None,
        answered_at=_past(recorded + datetime.timedelta(days=1), now) if answered else None,
    )  # fmt: skip


def _arranged(
    pair: Pair, starts: datetime.datetime, *, by: User, place: str, mode: str = Mode.IN_PERSON,
    minutes: int = 60, sequence: int = 0,
) -> Meeting:  # fmt: skip
    proposed = min(starts - datetime.timedelta(days=7), timezone.now() - datetime.timedelta(days=2))
    return Meeting(
        pair=pair, status=Status.ACCEPTED, starts_at=starts, minutes=minutes, mode=mode,
        place=place, proposed_by=by, proposed_at=proposed,
        accepted_at=proposed + datetime.timedelta(days=1), sequence=sequence,
    )  # fmt: skip


def _cancelled(pair: Pair, starts: datetime.datetime | None, *, proposer: User,
               canceller: User, now: datetime.datetime) -> Meeting:  # fmt: skip
    base = starts or now
    return Meeting(
        pair=pair, status=Status.CANCELLED, starts_at=starts, proposed_by=proposer,
        proposed_at=_past(base - datetime.timedelta(days=10), now),
        accepted_at=_past(base - datetime.timedelta(days=9), now) if starts else None,
        cancelled_by=canceller, cancelled_at=_past(base - datetime.timedelta(days=2), now),
        sequence=1 if starts else 0,
    )  # fmt: skip


def _pride_year(cohort: Cohort, points: list[TalkingPoint], demo: Demo) -> None:
    pairs = list(
        Pair.objects.filter(cohort=cohort, status=Pair.Status.ACTIVE)
        .select_related("mentor", "mentee")
        .order_by("pk")
    )
    own = next(pair for pair in pairs if pair.mentor.email == MENTOR)
    others = [pair for pair in pairs if pair.pk != own.pk]
    time = Timeline(own.started_at)
    now = time.now
    by_theme: dict[str, list[TalkingPoint]] = {}
    for point in points:
        by_theme.setdefault(point.theme, []).append(point)
    knowing = by_theme["Getting to know each other"]
    belonging = by_theme["Belonging and identity"]
    placements = by_theme["Placements and clinical environments"]
    cafe, library = "Medical School café, ground floor", "Library group study room 3"
    video = "https://meet.northbridge.example/pride-pairs"

    plans: dict[int, Plan] = {}

    # The demo's own pair, on track: two meetings held and confirmed, one just held and
    # waiting for its record, and the next one arranged (moved once).
    plan = plans[own.pk] = Plan()
    plan.meetings = [
        _held(own, time.at(0.2, 12, 30), now, recorder=own.mentor, record=Record.CONFIRMED,
              minutes=55, place=cafe),
        _held(own, time.at(0.55, 17), now, recorder=own.mentee, record=Record.CONFIRMED,
              minutes=45, mode=Mode.ONLINE, place=video),
        _arranged(own, time.days(-2, 13), by=own.mentee, place=cafe),
        _arranged(own, time.days(9, 12, 30), by=own.mentor, place=library, sequence=1),
    ]  # fmt: skip
    plan.topics = {0: knowing[:2], 1: belonging[:1]}
    plan.uses = _uses(own, knowing[:2] + belonging[:1], now)

    if len(others) >= 4:
        steady, behind, silent, paused = others[:4]
        # On track, with a cancellation, a record waiting for confirmation and a proposal
        # with three times to choose from.
        plan = plans[steady.pk] = Plan()
        plan.meetings = [
            _held(steady, time.at(0.25, 10), now, recorder=steady.mentee,
                  record=Record.CONFIRMED, place="Mentee's office, Clinical Sciences Building"),
            _cancelled(steady, time.at(0.45, 16), proposer=steady.mentor,
                       canceller=steady.mentee, now=now),
            _held(steady, time.days(-10, 15), now, recorder=steady.mentor,
                  record=Record.UNCONFIRMED, minutes=70, place=cafe),
            Meeting(pair=steady, status=Status.PROPOSED, proposed_by=steady.mentee,
                    proposed_at=now - datetime.timedelta(days=1), mode=Mode.ONLINE, place=video),
        ]  # fmt: skip
        plan.options = {3: [time.days(5, 9), time.days(6, 12), time.days(8, 16, 30)]}
        plan.topics = {0: knowing[:1], 2: placements[:1]}
        plan.uses = _uses(steady, knowing[:1] + placements[:1], now)

        # Behind (and at risk as the year goes on): the one meeting held is disputed, the next
        # did not happen; a third is arranged.
        plan = plans[behind.pk] = Plan()
        plan.meetings = [
            _held(behind, time.at(0.3, 11), now, recorder=behind.mentee,
                  record=Record.DISPUTED, minutes=50, mode=Mode.PHONE),
            _held(behind, time.at(0.6, 14), now, recorder=behind.mentor,
                  record=Record.CONFIRMED, status=Status.NOT_HELD, place=cafe),
            _arranged(behind, time.days(3, 16), by=behind.mentor, place=video,
                      mode=Mode.ONLINE),
        ]  # fmt: skip

        # No contact yet: one proposal, withdrawn before anyone answered.
        plans[silent.pk] = Plan(
            meetings=[_cancelled(silent, None, proposer=silent.mentor, canceller=silent.mentor,
                                 now=time.at(0.15, 10))]
        )  # fmt: skip

        # Paused by the mentee for a busy clinical stretch, after one meeting held.
        plan = plans[paused.pk] = Plan()
        paused_at = time.at(0.7, 9)
        plan.meetings = [
            _held(paused, time.at(0.2, 8), now, recorder=paused.mentor,
                  record=Record.CONFIRMED, minutes=30, mode=Mode.PHONE),
            _cancelled(paused, time.at(0.8, 12), proposer=paused.mentor,
                       canceller=paused.mentee, now=now),
        ]  # fmt: skip
        plan.topics = {0: knowing[2:3]}
        plan.uses = _uses(paused, knowing[2:3], now)
        plan.pauses = [
            Pause(pair=paused, paused_by=paused.mentee, paused_at=paused_at,
                  reason="A busy clinical stretch; we will pick up again in the new year.")
        ]  # fmt: skip

    _create(plans)
    facts.refresh_cohort(cohort.pk)  # written in bulk, without the signals that keep them
    _events(cohort, time, pairs)


def _uses(pair: Pair, points: list[TalkingPoint], now: datetime.datetime) -> list[Any]:
    return [
        TalkingPointUse(pair=pair, point=point, marked_by=pair.mentor,
                        marked_at=now - datetime.timedelta(days=20 - n))
        for n, point in enumerate(points)
    ]  # fmt: skip


def _create(plans: dict[int, Plan]) -> None:
    meetings = [meeting for plan in plans.values() for meeting in plan.meetings]
    Meeting.objects.bulk_create(meetings)  # ids are set on both SQLite and PostgreSQL
    options, topics = [], []
    Topic = Meeting.talking_points.through
    for plan in plans.values():
        for index, times in plan.options.items():
            options += [MeetingOption(meeting=plan.meetings[index], starts_at=t) for t in times]
        for index, points in plan.topics.items():
            meeting = plan.meetings[index]
            topics += [Topic(meeting_id=meeting.pk, talkingpoint_id=p.pk) for p in points]
    MeetingOption.objects.bulk_create(options)
    Topic.objects.bulk_create(topics)
    TalkingPointUse.objects.bulk_create([use for plan in plans.values() for use in plan.uses])
    Pause.objects.bulk_create([pause for plan in plans.values() for pause in plan.pauses])


def _events(cohort: Cohort, time: Timeline, pairs: list[Pair]) -> None:
    """The mid-point reflection, held with its register and notes, and the end one to come."""
    middle = cohort.starts_on + (cohort.ends_on - cohort.starts_on) / 2
    mid_day = min(middle, time.today - datetime.timedelta(days=12))
    mid_starts = _aware(_weekday(mid_day), 17, 30)
    end_starts = _aware(_weekday(cohort.ends_on - datetime.timedelta(days=21)), 17)
    # Moving the cohort to running may have created the default events already: the demo
    # dates them (and adds the mid-point's notes) rather than adding a second pair of them.
    midpoint = _event(
        cohort, ReflectionEvent.Kind.MIDPOINT, title="Mid-point reflection",
        starts_at=mid_starts, minutes=90, location="Seminar room 2, Medical School",
        notes=MIDPOINT_THEMES, created_at=mid_starts - datetime.timedelta(days=35),
    )  # fmt: skip
    end = _event(
        cohort, ReflectionEvent.Kind.END, title="End-of-year reflection",
        starts_at=end_starts, minutes=120, location="Seminar room 2, Medical School",
        online_url="https://meet.northbridge.example/pride-reflection",
        created_at=mid_starts - datetime.timedelta(days=35),
    )  # fmt: skip
    people = [person for pair in pairs for person in (pair.mentor, pair.mentee)]
    Answer, Attendance = EventReply.Answer, EventReply.Attendance
    replies = []
    # Mid-point: most came; one said no, one said maybe and did not come.
    for n, person in enumerate(people):
        answer = Answer.NO if n == 3 else Answer.MAYBE if n == 6 else Answer.YES
        came = answer == Answer.YES and n != 8
        replies.append(
            EventReply(
                event=midpoint, user=person, answer=answer,
                answered_at=mid_starts - datetime.timedelta(days=20 - n),
                attendance=Attendance.PRESENT if came else Attendance.ABSENT,
                marked_at=mid_starts + datetime.timedelta(hours=2),
            )
        )  # fmt: skip
    # End: invitations out, a few answers so far.
    answered = time.now - datetime.timedelta(days=3)
    for n, person in enumerate(people):
        answer = Answer.YES if n in (0, 1, 2, 5) else Answer.MAYBE if n == 4 else Answer.NONE
        replies.append(
            EventReply(event=end, user=person, answer=answer,
                       answered_at=answered if answer else None)
        )  # fmt: skip
    taken = set(
        EventReply.objects.filter(event__in=[midpoint, end]).values_list("event_id", "user_id")
    )
    EventReply.objects.bulk_create(
        [reply for reply in replies if (reply.event.pk, reply.user.pk) not in taken]
    )


def _event(cohort: Cohort, kind: str, **values: Any) -> ReflectionEvent:
    event = ReflectionEvent.objects.filter(cohort=cohort, kind=kind).order_by("pk").first()
    if event is None:
        return ReflectionEvent.objects.create(cohort=cohort, kind=kind, **values)
    for name, value in values.items():
        setattr(event, name, value)
    event.save()
    return event


# --- Pride's closed year --------------------------------------------------------------------

# Each pair's meetings over the year, in order: H held (and confirmed by the partner), U held
# but never confirmed, D held but disputed by the partner, N recorded as not held, C
# cancelled. Ten pairs met the minimum of four; one met three times; the last pair ended
# early, in January, after two meetings.
CLOSED_MEETINGS = [
    "HHHHHH", "HHHCHH", "HHHHH", "HHNHHH", "HHHH", "HHCHH",
    "HHHHU", "HHHH", "HDHHHH", "HHHHH", "HHNCH", "HH",
]  # fmt: skip
ENDED_EARLY = len(CLOSED_MEETINGS) - 1  # the pair (by position) that ended early
ENDED_ON = datetime.date(2026, 1, 16)
ENDED_REASON = "The mentee left the faculty in January for a post at another university."
PAUSED = 5  # paused over the spring exams, then picked up again
CLOSED_PLACES = [
    ("Medical School café, ground floor", Mode.IN_PERSON),
    ("https://meet.northbridge.example/pride-pairs", Mode.ONLINE),
    ("Mentee's office, Clinical Sciences Building", Mode.IN_PERSON),
    ("Library group study room 3", Mode.IN_PERSON),
    ("", Mode.PHONE),
]
CLOSED_MINUTES = [60, 55, 45, 75, 60, 50, 65]
CLOSED_HOURS = [(12, 30), (17, 0), (9, 0), (13, 0), (16, 30), (11, 0)]

MIDPOINT_THEMES_CLOSED = (
    "Themes raised (anonymised):\n"
    "- Belonging on placements: several students said they decide, on every new rotation, "
    "whether it is safe to mention a partner or to correct someone.\n"
    "- Pronouns and chosen names on rotas, registers and ID badges came up in more than one "
    "pair.\n"
    "- Feeling safe to report micro-aggressions: students were unsure who to tell on a "
    "ward, and whether anything would happen.\n"
    "- Mentees said hearing about ordinary weeks, not only incidents, changed how they saw "
    "the course.\n"
    "Actions: ask placement leads how names and pronouns reach rotas; share the reporting "
    "route at the next induction."
)
END_THEMES_CLOSED = (
    "Themes raised (anonymised):\n"
    "- Pronouns on rotas: students had noticed the change agreed with placement leads in "
    "the spring.\n"
    "- Visible role models: students would like to know which senior staff are allies, and "
    "to hear from LGBTQ+ staff who choose to be open.\n"
    "- Curriculum: case studies still mostly assume heterosexual couples and cisgender "
    "patients.\n"
    "- Personal tutors do not always know where to point LGBTQ+ students for support.\n"
    "- Pairs that booked their next meeting before leaving found the conversations grew "
    "more honest over the year.\n"
    "Actions: take the idea of training for personal tutors to the education committee; "
    "share this year's themes with next year's cohort at its induction."
)


def _closed_year(cohort: Cohort, points: list[TalkingPoint], demo: Demo) -> None:
    """Pride 2025/26 from its first meetings in the autumn to its last in June: meetings as
    in ``CLOSED_MEETINGS``, talking points used, one pair paused and resumed, one ended
    early, and both reflection events held."""
    pairs = list(Pair.objects.filter(cohort=cohort).select_related("mentor", "mentee"))
    pairs.sort(key=lambda pair: pair.pk)
    now = timezone.now()
    by_theme: dict[str, list[TalkingPoint]] = {}
    for point in points:
        by_theme.setdefault(point.theme, []).append(point)
    themes = list(by_theme.values())
    first_day = cohort.starts_on + datetime.timedelta(days=21)
    last_day = cohort.ends_on - datetime.timedelta(days=35)
    plans: dict[int, Plan] = {}
    for n, (pair, codes) in enumerate(zip(pairs, CLOSED_MEETINGS, strict=False)):
        plan = plans[pair.pk] = Plan()
        last = ENDED_ON - datetime.timedelta(days=14) if n == ENDED_EARLY else last_day
        step = (last - first_day) / max(len(codes) - 1, 1)
        for k, code in enumerate(codes):
            day = _weekday(first_day + datetime.timedelta(days=2 * n % 9) + step * k)
            hour, minute = CLOSED_HOURS[(n + k) % len(CLOSED_HOURS)]
            starts = _aware(min(day, last), hour, minute)
            place, mode = CLOSED_PLACES[(n + 2 * k) % len(CLOSED_PLACES)]
            recorder = pair.mentor if (n + k) % 3 else pair.mentee
            if code == "C":
                canceller = pair.mentee if k % 2 else pair.mentor
                plan.meetings.append(
                    _cancelled(pair, starts, proposer=pair.mentor, canceller=canceller, now=now)
                )
                continue
            record = {"U": Record.UNCONFIRMED, "D": Record.DISPUTED}.get(code, Record.CONFIRMED)
            status = Status.NOT_HELD if code == "N" else Status.HELD
            plan.meetings.append(
                _held(pair, starts, now, recorder=recorder, record=record, status=status,
                      minutes=CLOSED_MINUTES[(n + k) % len(CLOSED_MINUTES)], mode=mode,
                      place=place)
            )  # fmt: skip
        # The first meeting opens with a question to get to know each other, the second
        # goes on to another theme; both are marked as used.
        later = themes[1 + n % (len(themes) - 1)]
        used = [themes[0][n % len(themes[0])], later[n % len(later)]]
        plan.topics = {0: used[:1], 1: used[1:]} if len(plan.meetings) > 1 else {0: used[:1]}
        plan.uses = [
            TalkingPointUse(pair=pair, point=point, marked_by=pair.mentor,
                            marked_at=_past(plan.meetings[i].starts_at or now, now)
                            + datetime.timedelta(hours=2))
            for i, point in enumerate(used[: len(plan.meetings)])
        ]  # fmt: skip
    if len(pairs) > PAUSED:
        paused = pairs[PAUSED]
        plans[paused.pk].pauses = [
            Pause(pair=paused, paused_by=paused.mentor,
                  paused_at=_aware(datetime.date(2026, 4, 20), 10),
                  resumed_at=_aware(datetime.date(2026, 5, 18), 9),
                  reason="Revision and exams; we will pick up again after them.")
        ]  # fmt: skip
    _create(plans)
    facts.refresh_cohort(cohort.pk)  # written in bulk, without the signals that keep them
    if len(pairs) > ENDED_EARLY:
        _end_early(pairs[ENDED_EARLY], by=demo.coordinator)
    _closed_events(cohort, pairs, by=demo.coordinator)


def _end_early(pair: Pair, *, by: User) -> None:
    """As ``matching.services.end_pair`` would on the day, without emailing the partners
    about a year long past."""
    ended = _aware(ENDED_ON, 11)
    pair.status, pair.ended_at, pair.end_reason = Pair.Status.ENDED, ended, ENDED_REASON
    pair.save(update_fields=["status", "ended_at", "end_reason"])
    kept.changed("cohort", pair.cohort_id)
    with clock(ended):
        audit.record(by, "matching.pair.ended", pair)


def _closed_events(cohort: Cohort, pairs: list[Pair], *, by: User) -> None:
    """The closed year's mid-point and end events (made when it started running): held,
    their registers marked and the coordinator's notes of themes saved, through the
    partnerships services on the evening of each."""
    people = [person for pair in pairs for person in (pair.mentor, pair.mentee)]
    ended = pairs[ENDED_EARLY] if len(pairs) > ENDED_EARLY else None
    gone = {ended.mentor_id, ended.mentee_id} if ended else set()
    Answer, Attendance = EventReply.Answer, EventReply.Attendance
    for kind, minutes, notes, no, maybe, missed in (
        (ReflectionEvent.Kind.MIDPOINT, 90, MIDPOINT_THEMES_CLOSED, {3, 16}, {9}, {5, 12, 20}),
        (ReflectionEvent.Kind.END, 120, END_THEMES_CLOSED, {7, 14}, {19}, {2, 11}),
    ):
        event = ReflectionEvent.objects.filter(cohort=cohort, kind=kind).order_by("pk").first()
        if event is None:
            continue
        event = _event(
            cohort, kind, minutes=minutes, location="Seminar room 2, Medical School",
            created_at=_aware(cohort.starts_on, 9),
        )  # fmt: skip
        starts = event.starts_at
        replies = []
        for n, person in enumerate(people):
            if person.pk in gone:
                continue  # their pair had ended before the invitations went out
            answer = Answer.NO if n in no else Answer.MAYBE if n in maybe else Answer.YES
            if n == 21:
                answer = Answer.NONE
            replies.append(
                EventReply(event=event, user=person, answer=answer,
                           answered_at=starts - datetime.timedelta(days=18 - n % 10)
                           if answer else None)
            )  # fmt: skip
        taken = set(EventReply.objects.filter(event=event).values_list("user_id", flat=True))
        EventReply.objects.bulk_create([r for r in replies if r.user.pk not in taken])
        marks: list[tuple[int, str]] = [
            (reply.pk, Attendance.ABSENT if n in missed or reply.answer != Answer.YES
             else Attendance.PRESENT)
            for n, reply in enumerate(event.replies.order_by("pk"))
        ]  # fmt: skip
        with clock(starts + datetime.timedelta(minutes=minutes)):
            event_services.mark_attendance(event, marks, by=by)
        with clock(starts + datetime.timedelta(days=1, hours=-8)):
            event_services.save_notes(event, notes=notes, version=event.version, by=by)


def _members(cohort: Cohort, role: str) -> list[User]:
    rows = cohort.memberships.filter(role=role).select_related("user").order_by("id")
    return [m.user for m in rows]
