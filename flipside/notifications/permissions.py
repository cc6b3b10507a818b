"""Who may see which emails: coordinators, for the schemes whose cohorts they run."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from flipside.lib.denied import Hidden
from flipside.lib.sql import fetch, partial
from flipside.schemes.models import Cohort, Role, Scheme
from flipside.schemes.permissions import roles_of

from .kinds import KINDS, MessageKind, body_is_secret
from .models import OutboxMessage


def schemes_with_mail_access(user: Any) -> QuerySet[Scheme]:
    """Schemes the person coordinates (directly or through their organisation) and the
    schemes of cohorts they coordinate: decided from their roles, read once a request."""
    roles = roles_of(user)
    if not roles.coordinates_anything():
        return Scheme.objects.none()
    cohorts = Cohort.objects.filter(pk__in=roles.member_of(Role.COORDINATOR))
    return Scheme.objects.filter(
        Q(pk__in=roles.schemes)
        | Q(organisation__in=roles.organisations)
        | Q(pk__in=cohorts.values("scheme_id"))
    )


def mail_schemes(user: Any) -> list[Scheme]:
    """``schemes_with_mail_access`` by name, with their names only, for the outbox page: plain
    SQL, which the page asks on every request, built from the person's roles."""
    roles = roles_of(user)
    ways = [
        ("s.id IN ({})", sorted(roles.schemes)),
        ("s.organisation_id IN ({})", sorted(roles.organisations)),
        (
            "s.id IN (SELECT c.scheme_id FROM schemes_cohort c WHERE c.id IN ({}))",
            sorted(roles.member_of(Role.COORDINATOR)),
        ),
    ]
    ways = [(condition, ids) for condition, ids in ways if ids]
    if not ways:
        return []
    where = " OR ".join(condition.format(", ".join(["%s"] * len(ids))) for condition, ids in ways)
    sql = f"SELECT s.id, s.name FROM schemes_scheme s WHERE {where} ORDER BY s.name, s.id"  # noqa: S608 - fixed fragments and placeholders  # nosec B608
    rows = fetch(sql, [pk for _condition, ids in ways for pk in ids], (None, None))
    return [partial(Scheme, {"id": pk, "name": name}) for pk, name in rows]


def visible_messages(user: Any) -> QuerySet[OutboxMessage]:
    """Emails about schemes the person coordinates. Messages about no scheme (password
    resets) are shown to nobody."""
    return OutboxMessage.objects.filter(scheme__in=schemes_with_mail_access(user).values("pk"))


def get_message(user: Any, message_id: int) -> OutboxMessage:
    message = visible_messages(user).select_related("scheme").filter(pk=message_id).first()
    if message is None:
        raise Hidden
    return message


def can_read_body(message: OutboxMessage) -> bool:
    """Whoever read a secret body (a single-use or sign-in link) could act as its recipient,
    so only kinds that declare their body is not secret may be read here."""
    return not body_is_secret(message.kind)


def get_rewordable_kind(kind_key: str) -> MessageKind:
    """A kind of email schemes may reword; unknown and fixed kinds are simply not found."""
    kind = KINDS.get(kind_key)
    if kind is None or not kind.overridable:
        raise Hidden
    return kind
