"""The emails partnerships sends: meetings proposed, arranged, changed, cancelled and
recorded; reminders; coordinators' nudges; reflection events (registered with the outbox by
this app). None carries what a pair talked about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from flipside.notifications.kinds import COHORT, FIRST_NAME, LINK, MessageKind, Placeholder

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PARTNER = Placeholder("partner", _("the partner's name"), "Dr Amara Okafor")
WHEN = Placeholder("when", _("the day and time"), "Tuesday 12 January 2027, 14:00")
WHERE = Placeholder("where", _("the place, online link or phone"), "Room 2.14, Medical School")
EVENT = Placeholder("event", _("the event's title"), "Mid-point reflection")
TIMES = Placeholder("times", _("the times offered, one a line"), "Tuesday 12 January 2027, 14:00")
HELD = Placeholder("held", _("meetings held so far"), "2")
EXPECTED = Placeholder("expected", _("meetings expected by now"), "3")


def _kind(key: str, label: StrOrPromise, placeholders: tuple[Placeholder, ...], *,
          essential: bool) -> MessageKind:  # fmt: skip
    """No kind here carries a secret: every link opens a page that needs its reader's own
    sign-in."""
    return MessageKind(key, label, essential=essential, placeholders=placeholders, secret=False)


def kinds() -> list[MessageKind]:
    meeting = (FIRST_NAME, PARTNER, WHEN, WHERE, COHORT, LINK)
    event = (FIRST_NAME, EVENT, WHEN, WHERE, COHORT, LINK)
    return [
        _kind("meeting_proposed", _("Partner proposed meeting times"),
              (FIRST_NAME, PARTNER, TIMES, COHORT, LINK), essential=True),
        _kind("meeting_arranged", _("Meeting arranged (with calendar invitation)"), meeting,
              essential=True),
        _kind("meeting_changed", _("Meeting moved (with updated invitation)"), meeting,
              essential=True),
        _kind("meeting_cancelled", _("Meeting cancelled (calendar entry removed)"), meeting,
              essential=True),
        _kind("meeting_recorded", _("Partner recorded a meeting: please confirm"), meeting,
              essential=False),
        _kind("meeting_reminder", _("Reminder: meeting tomorrow"), meeting, essential=False),
        _kind("meeting_record_reminder", _("Reminder: record yesterday's meeting"), meeting,
              essential=False),
        _kind("pair_behind", _("Reminder: your pair is behind with meetings"),
              (FIRST_NAME, PARTNER, HELD, EXPECTED, COHORT, LINK), essential=False),
        _kind("pair_nudge", _("A coordinator's nudge to meet (wording edited when sent)"),
              (FIRST_NAME, PARTNER, HELD, EXPECTED, COHORT, LINK), essential=False),
        _kind("event_invitation", _("Invitation to a reflection event (with calendar file)"),
              event, essential=True),
        _kind("event_changed", _("Reflection event changed (with updated invitation)"), event,
              essential=True),
        _kind("event_cancelled", _("Reflection event cancelled"), event, essential=True),
        _kind("event_reminder", _("Reminder: reflection event coming up"), event,
              essential=False),
    ]  # fmt: skip
