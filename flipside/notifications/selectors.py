"""Reads for the email pages: a coordinator's outbox, one message, and a scheme's wording."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import router
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from flipside.lib.sql import Listing, fetch, field_of
from flipside.schemes.models import Scheme

from . import permissions
from .kinds import KINDS, MessageKind
from .models import OutboxMessage, TemplateOverride
from .rendering import fill, render

Status = OutboxMessage.Status


class MessageRow(NamedTuple):
    """What a row of the outbox shows (never a body)."""

    pk: int
    created_at: datetime.datetime
    kind: str
    to: str
    subject: str
    status: str
    attempts: int
    sent_at: datetime.datetime | None
    next_attempt_at: datetime.datetime


_ROW_COLUMNS = (
    'm.id, m.created_at, m.kind, m."to", m.subject, m.status, m.attempts, m.sent_at, '
    "m.next_attempt_at"
)
_ROW_FIELDS = tuple(
    field_of(OutboxMessage, name)
    for name in (
        "id", "created_at", "kind", "to", "subject", "status", "attempts", "sent_at",
        "next_attempt_at",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Emails:
    """Emails found for the outbox page: ``source`` (``FROM … WHERE …`` over ``m``, the
    outbox's table) and its parameters."""

    source: str
    params: list[Any]


def outbox_messages(
    schemes: list[Scheme],
    *,
    status: str = "",
    kind: str = "",
    recipient: str = "",
    scheme: Scheme | None = None,
) -> Emails:
    """The emails about ``schemes`` (those the person may see, from
    ``permissions.mail_schemes``), narrowed by any filters given. The page reads them on
    every request, so in plain SQL (decision 0012); filtering by the fetched schemes' ids
    keeps the planner away from the permission subqueries."""
    ids = [s.pk for s in schemes if scheme is None or s.pk == scheme.pk]
    if not ids:
        return Emails("notifications_outboxmessage m WHERE 1 = 0", [])
    where = [f"m.scheme_id IN ({', '.join(['%s'] * len(ids))})"]
    params: list[Any] = list(ids)
    if status:
        where.append("m.status = %s")
        params.append(status)
    if kind:
        where.append("m.kind = %s")
        params.append(kind)
    if recipient:
        # The ORM's case-insensitive match (it differs between databases), compiled only
        # when someone searches.
        found = OutboxMessage.objects.filter(to__icontains=recipient).values("pk")
        sql, found_params = found.query.get_compiler(router.db_for_read(OutboxMessage)).as_sql()
        where.append(f"m.id IN ({sql})")
        params.extend(found_params)
    return Emails(f"notifications_outboxmessage m WHERE {' AND '.join(where)}", params)


def message_rows(emails: Emails) -> Listing[MessageRow]:
    """The emails found, newest first, a page at a time (for ``Paginator``)."""
    return Listing(
        select=_ROW_COLUMNS,
        source=emails.source,
        params=emails.params,
        order="m.created_at DESC, m.id DESC",
        row=MessageRow,
        fields=_ROW_FIELDS,
        using=router.db_for_read(OutboxMessage),
    )


def status_counts(emails: Emails) -> list[tuple[str, str, int]]:
    """(value, label, number) for every status, zeros included, in one query (which the
    (scheme, status) index answers alone)."""
    sql = f"SELECT m.status, COUNT(*) FROM {emails.source} GROUP BY m.status"  # noqa: S608 - fixed fragments and placeholders  # nosec B608
    found = dict(fetch(sql, emails.params, (None, None), using=router.db_for_read(OutboxMessage)))
    return [(status.value, str(status.label), found.get(status.value, 0)) for status in Status]


def kind_label(key: str) -> str:
    kind = KINDS.get(key)
    return str(kind.label) if kind else key


def with_kind_labels(messages: Any) -> list[tuple[Any, str]]:
    """Each message with its kind's label, each label translated once."""
    labels: dict[str, str] = {}
    rows = []
    for message in messages:
        label = labels.get(message.kind)
        if label is None:
            label = labels[message.kind] = kind_label(message.kind)
        rows.append((message, label))
    return rows


def readable_body(message: OutboxMessage) -> str | None:
    """The plain-text body a coordinator may read, or None when it must stay hidden.

    The recipient's own unsubscribe link is blanked: it would let whoever reads it turn off
    that person's email.
    """
    if not permissions.can_read_body(message) or message.content_purged_at is not None:
        return None
    body = message.body_text
    unsubscribe = message.headers.get("List-Unsubscribe", "").strip("<>")
    if unsubscribe:
        body = body.replace(unsubscribe, _("[the recipient's unsubscribe link]"))
    return body


# --- A scheme's wording ------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    kind: MessageKind
    subject: str
    body: str
    override: TemplateOverride | None

    @property
    def is_own(self) -> bool:
        return self.override is not None


@dataclass(frozen=True)
class Preview:
    subject: str
    text: str
    html_body: str  # filled wording; the page renders it as the email does, escaped


def rewordable_kinds() -> list[MessageKind]:
    return [kind for kind in KINDS.values() if kind.overridable]


def default_wording(kind: MessageKind) -> tuple[str, str]:
    """The built-in subject and text body, with placeholders left as ``{{ name }}``.

    The text templates switch autoescaping off, so each value comes out exactly as given.
    """
    braces = {name: "{{ " + name + " }}" for name in kind.placeholder_names}
    subject = render_to_string(f"emails/{kind.key}_subject.txt", braces)
    body = render_to_string(f"emails/{kind.key}_body.txt", braces)
    return " ".join(subject.split()), body.strip()


def scheme_wordings(scheme: Scheme) -> list[Wording]:
    """Every kind a scheme may reword, with the scheme's own wording where it has some."""
    overrides = {o.kind: o for o in TemplateOverride.objects.filter(scheme=scheme)}
    wordings = []
    for kind in rewordable_kinds():
        override = overrides.get(kind.key)
        subject, body = (override.subject, override.body) if override else ("", "")
        wordings.append(Wording(kind, subject, body, override))
    return wordings


def wording_for(scheme: Scheme, kind: MessageKind) -> Wording:
    override = TemplateOverride.objects.filter(scheme=scheme, kind=kind.key).first()
    if override is not None:
        return Wording(kind, override.subject, override.body, override)
    subject, body = default_wording(kind)
    return Wording(kind, subject, body, None)


def preview(kind: MessageKind, *, subject: str, body: str) -> Preview:
    """Unsaved wording filled with each placeholder's sample value."""
    samples = kind.samples()
    rendered = render(kind.key, samples, override=TemplateOverride(subject=subject, body=body))
    return Preview(subject=rendered.subject, text=rendered.text, html_body=fill(body, samples))
