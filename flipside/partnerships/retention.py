"""Partnerships' retention rules (``privacy.retention``; decision 0035): private journals go a
period after their pair ends; meetings are anonymised a period after the cohort closes."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet

from flipside.lib.dates import add_months
from flipside.matching.models import Pair
from flipside.privacy import deletion
from flipside.privacy.inventory import Keep
from flipside.privacy.retention import Action, Rule, Schedules, register_rule
from flipside.schemes.models import Stage

from .models import JournalEntry, Meeting

SCHEME = "pair__cohort__scheme"
PARTNERS = ("pair__mentor", "pair__mentee")


def journals_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[JournalEntry]:
    """A pair ends when a coordinator ends it early or when its cohort closes."""

    def cutoff(months: int) -> Q:
        before = add_months(now, -months)
        return Q(pair__status=Pair.Status.ENDED, pair__ended_at__lt=before) | Q(
            pair__cohort__stage=Stage.CLOSED, pair__cohort__stage_changed_at__lt=before
        )

    return JournalEntry.objects.filter(
        schedules.due("journals_months", scheme=SCHEME, cutoff=cutoff)
    )


# What anonymising a meeting removes: who proposed, cancelled, recorded and answered it,
# and where it was. Its date, length, mode and outcome stay: the cohort's figures.
PEOPLE_LINKS = ("proposed_by", "cancelled_by", "recorded_by", "answered_by")
NAMED = Q(place__gt="") | Q(
    *[Q(**{f"{link}__isnull": False}) for link in PEOPLE_LINKS], _connector=Q.OR
)


def meetings_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[Meeting]:
    def cutoff(months: int) -> Q:
        return Q(pair__cohort__stage_changed_at__lt=add_months(now, -months))

    return Meeting.objects.filter(NAMED, pair__cohort__stage=Stage.CLOSED).filter(
        schedules.due("participants_months", scheme=SCHEME, cutoff=cutoff)
    )


def anonymise_meetings(ids: list[Any]) -> int:
    # A plain update sends no signal: the pair's facts count what stays (held, minutes).
    return Meeting.objects.filter(pk__in=ids).update(
        place="", **{link: None for link in PEOPLE_LINKS}
    )


def register() -> None:
    deletion.register_anonymiser("partnerships.Meeting", anonymise_meetings)
    register_rule(
        Rule(
            key="partnerships.journals",
            retention=Keep.JOURNAL,
            label="partnerships.JournalEntry",
            action=Action.DELETED,
            due=journals_due,
            scheme=SCHEME,
            people=("author",),
            ends="Deleted.",
        )
    )
    register_rule(
        Rule(
            key="partnerships.meetings",
            retention=Keep.PARTICIPANT,
            label="partnerships.Meeting",
            action=Action.ANONYMISED,
            due=meetings_due,
            scheme=SCHEME,
            people=PARTNERS,
            ends="Anonymised: who proposed, recorded and answered it and where it was removed; "
            "its date, length and outcome kept.",
        )
    )
