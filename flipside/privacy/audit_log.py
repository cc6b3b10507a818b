"""The audit log page's reads: which entries a coordinator may see, their filters, and each
entry in plain English (decision 0034)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.schemes.models import Membership, OrganisationCoordinator, Role, SchemeCoordinator
from flipside.schemes.permissions import roles_of

from .audit import LEGACY_ACTIONS
from .models import AuditEntry

# The entries about people rather than a place: sign-ins, failures, lockouts, sign-outs and
# refused pages. They have no organisation, scheme or cohort.
PEOPLE = "people"
CHANGES = "changes"

# Phrases for the actions whose code reads awkwardly; any other reads "<object> <verb>".
PHRASES: dict[str, str] = {
    "accounts.session.signed_in": "Signed in",
    "accounts.session.signed_out": "Signed out",
    "accounts.session.sign_in_failed": "Sign-in failed (wrong address or password)",
    "accounts.session.locked_out": "Locked out after too many failed sign-ins",
    "accounts.second_factor.failed": "Wrong second-factor code",
    "accounts.second_factor.reset": "Second factor reset",
    "privacy.access.refused": "Refused a page",
    "privacy.audit_log.viewed": "Searched the audit log",
    "privacy.audit_log.exported": "Downloaded the audit log",
}


@dataclass(frozen=True)
class Viewer:
    """What part of the log a person may read: by organisation, scheme and cohort id."""

    organisations: frozenset[int]
    schemes: frozenset[int]
    cohorts: frozenset[int]

    def may_read(self) -> bool:
        return bool(self.organisations or self.schemes or self.cohorts)


def viewer(user: Any) -> Viewer:
    roles = roles_of(user)
    return Viewer(roles.organisations, roles.schemes, roles.member_of(Role.COORDINATOR))


def _people_of(organisations: frozenset[int]) -> QuerySet[User]:
    """Everyone who holds a role in these organisations: members of their cohorts and their
    scheme and organisation coordinators."""
    return User.objects.filter(
        Q(
            pk__in=Membership.objects.filter(cohort__scheme__organisation__in=organisations).values(
                "user_id"
            )
        )
        | Q(
            pk__in=SchemeCoordinator.objects.filter(scheme__organisation__in=organisations).values(
                "user_id"
            )
        )
        | Q(
            pk__in=OrganisationCoordinator.objects.filter(organisation__in=organisations).values(
                "user_id"
            )
        )
    )


def visible_entries(who: Viewer, *, kind: str = "") -> QuerySet[AuditEntry]:
    """The entries ``who`` may read, newest first. Organisation coordinators read their
    organisations' entries and the people events of anyone with a role in them; scheme and
    cohort coordinators read their schemes' and cohorts' entries only."""
    places = (
        Q(organisation_id__in=who.organisations)
        | Q(scheme_id__in=who.schemes)
        | Q(cohort_id__in=who.cohorts)
    )
    people = Q(pk__in=[])
    if who.organisations:
        ids = _people_of(who.organisations).values("pk")
        as_text = (
            _people_of(who.organisations).annotate(text=Cast("pk", CharField())).values("text")
        )
        people = Q(organisation__isnull=True) & (
            Q(actor_id__in=ids) | Q(object_type="accounts.user", object_id__in=as_text)
        )
    shown = {CHANGES: places, PEOPLE: people}.get(kind, places | people)
    return AuditEntry.objects.filter(shown).order_by("-id")


def groups(who: Viewer) -> list[tuple[str, str]]:
    """The ``<app>.<object>`` groups of the actions in the person's part of the log."""
    codes = visible_entries(who).order_by().values_list("action", flat=True).distinct()
    found = {_group(LEGACY_ACTIONS.get(code, code)) for code in codes}
    return sorted(((group, _group_label(group)) for group in found), key=lambda g: g[1])


def _group(code: str) -> str:
    return code.rsplit(".", 1)[0]


def _group_label(group: str) -> str:
    app, _dot, thing = group.partition(".")
    return f"{thing.replace('_', ' ').capitalize()} ({app})"


def filtered(entries: QuerySet[AuditEntry], filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    if text := filters.get("q"):
        entries = entries.filter(Q(actor_label__icontains=text) | Q(object_label__icontains=text))
    if group := filters.get("group"):
        legacy = [old for old, new in LEGACY_ACTIONS.items() if _group(new) == group]
        entries = entries.filter(Q(action__startswith=group + ".") | Q(action__in=legacy))
    if actor := filters.get("actor"):
        entries = entries.filter(actor_label__icontains=actor)
    if (start := _midnight(filters.get("start"))) is not None:
        entries = entries.filter(at__gte=start)
    if (end := _midnight(filters.get("end"), days=1)) is not None:
        entries = entries.filter(at__lt=end)
    if object_type := filters.get("object_type"):
        entries = entries.filter(object_type=object_type)
    if object_id := filters.get("object_id"):
        entries = entries.filter(object_id=object_id)
    return entries


def _midnight(day: datetime.date | None, *, days: int = 0) -> datetime.datetime | None:
    """The start of ``day`` (plus ``days``) in UK time; None for no day, or one at the edge
    of the calendar (year 1 or 9999), which filters nothing."""
    if day is None:
        return None
    try:
        start = datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time())
        return timezone.make_aware(start)
    except (OverflowError, ValueError):
        return None


def described(action: str) -> str:
    """An action in plain English: "Pair ended", "Signed in"."""
    code = LEGACY_ACTIONS.get(action, action)
    if code in PHRASES:
        return _(PHRASES[code])
    parts = code.split(".")
    if len(parts) != 3:
        return code
    thing, verb = parts[1].replace("_", " "), parts[2].replace("_", " ")
    return f"{thing.capitalize()} {verb}"


HEADINGS = [
    "Time (UTC)",
    "Who",
    "What",
    "Action code",
    "Record type",
    "Record id",
    "Record",
    "Details",
    "Entry",
]


def csv_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    """The heading, then one row per entry, read in chunks so a long log streams."""
    yield HEADINGS
    for entry in entries.iterator(chunk_size=500):
        yield [
            entry.at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
            entry.actor_label,
            described(entry.action),
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_label,
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True) if entry.details else "",
            entry.pk,
        ]
