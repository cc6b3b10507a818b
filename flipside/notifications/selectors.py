"""Reads for the email pages: a coordinator's outbox, one message, and a scheme's wording."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from flipside.schemes.models import Scheme

from . import permissions
from .kinds import KINDS, MessageKind
from .models import OutboxMessage, TemplateOverride
from .rendering import fill, render

Status = OutboxMessage.Status


def outbox_messages(
    schemes: list[Scheme],
    *,
    status: str = "",
    kind: str = "",
    recipient: str = "",
    scheme: Scheme | None = None,
) -> QuerySet[OutboxMessage]:
    """The emails about ``schemes`` (those the person may see, from
    ``permissions.schemes_with_mail_access``), newest first, narrowed by any filters given.
    Filtering by the fetched schemes' ids keeps the planner away from the permission
    subqueries, repeated in each of the page's three queries."""
    messages = OutboxMessage.objects.filter(scheme__in=schemes)
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    if recipient:
        messages = messages.filter(to__icontains=recipient)
    if scheme is not None:
        messages = messages.filter(scheme=scheme)
    # The list never shows bodies; leaving them out keeps a page of 50 light.
    return messages.defer("body_text", "body_html", "attachments").order_by("-created_at", "-id")


# What a row of the outbox shows, fetched as plain named rows: cheaper than model instances.
OUTBOX_ROW_FIELDS = (
    "pk", "created_at", "kind", "to", "subject", "status", "attempts", "sent_at",
    "next_attempt_at",
)  # fmt: skip


def status_counts(messages: QuerySet[OutboxMessage]) -> list[tuple[str, str, int]]:
    """(value, label, number) for every status, zeros included, in one query."""
    rows = messages.order_by().values("status").annotate(n=Count("id"))
    found = {row["status"]: row["n"] for row in rows}
    return [(status.value, str(status.label), found.get(status.value, 0)) for status in Status]


def kind_label(key: str) -> str:
    kind = KINDS.get(key)
    return str(kind.label) if kind else key


def with_kind_labels(messages: Any) -> list[tuple[Any, str]]:
    return [(message, kind_label(message.kind)) for message in messages]


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
