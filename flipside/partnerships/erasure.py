"""How erasure handles pairs' meetings, journals and events (see flipside/privacy/erasure.py)."""

from __future__ import annotations

from django.db.models import Q

from flipside.privacy import erasure as E

from .models import (
    CalendarFeed,
    EventReply,
    JournalEntry,
    Meeting,
    MeetingOption,
    Pause,
    ReminderSent,
    TalkingPoint,
    TalkingPointUse,
)


def _their_meetings(uid: int) -> Q:
    return Q(pair__mentor_id=uid) | Q(pair__mentee_id=uid)


E.declare(
    "partnerships.Meeting",
    E.ANONYMISE,
    why="Meetings of their pairs are kept with an erased person in their place, so their "
    "partner's history and the cohort's figures stay right.",
    rows=lambda uid: Meeting.objects.filter(_their_meetings(uid)),
    noun="meetings",
)
E.declare(
    "partnerships.MeetingOption",
    E.KEEP,
    why="Times offered for their meetings are kept with the meetings.",
    rows=lambda uid: MeetingOption.objects.filter(
        meeting__in=Meeting.objects.filter(_their_meetings(uid))
    ),
    noun="times offered",
)
E.declare(
    "partnerships.Meeting_talking_points",
    E.KEEP,
    why="Talking points chosen for their meetings are kept with the meetings.",
)
E.declare(
    "partnerships.PairFacts",
    E.KEEP,
    why="Figures about their pairs are kept; they name no one.",
)
E.declare(
    "partnerships.Pause",
    E.KEEP,
    why="Pauses of their pairs are kept.",
    rows=lambda uid: Pause.objects.filter(Q(paused_by_id=uid) | _their_meetings(uid)),
    noun="pauses",
)
E.declare(
    "partnerships.JournalEntry",
    E.DELETE,
    why="Their private journal is deleted.",
    rows=lambda uid: JournalEntry.objects.filter(author_id=uid),
    noun="journal entries",
)
E.declare(
    "partnerships.TalkingPointUse",
    E.KEEP,
    why="Talking points their pairs used are kept.",
    rows=lambda uid: TalkingPointUse.objects.filter(_their_meetings(uid)),
    noun="talking points used",
)
E.declare(
    "partnerships.TalkingPoint",
    E.KEEP,
    why="Talking points they suggested are kept, suggested by an erased person.",
    rows=lambda uid: TalkingPoint.objects.filter(suggested_by_id=uid),
    noun="talking points suggested",
)
E.declare(
    "partnerships.EventReply",
    E.ANONYMISE,
    why="Their replies to events and their attendance are kept as an erased person's, so "
    "the cohort's figures stay right.",
    rows=lambda uid: EventReply.objects.filter(user_id=uid),
    noun="event replies",
)
E.declare(
    "partnerships.CalendarFeed",
    E.DELETE,
    why="Their calendar link is deleted, so it stops working.",
    rows=lambda uid: CalendarFeed.objects.filter(user_id=uid),
    noun="calendar links",
)
E.declare(
    "partnerships.ReminderSent",
    E.DELETE,
    why="Records of reminders sent to them are deleted.",
    rows=lambda uid: ReminderSent.objects.filter(user_id=uid),
    noun="reminders sent",
)
