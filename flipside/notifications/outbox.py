"""The email outbox: write messages with the change that causes them; workers deliver them.

Claiming uses ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL and a conditional
``UPDATE … WHERE`` on SQLite, so any number of workers on any number of hosts can run. Each
claim carries a lease; a worker that dies leaves its claims to expire and be taken over. A
worker renews its claim just before handing a message to the mail server, so only the one
message in flight when a worker dies can be delivered twice (with the same Message-ID).
"""

from __future__ import annotations

import datetime
import logging
import re
import uuid
from dataclasses import dataclass
from email.mime.text import MIMEText
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import make_msgid
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from flipside.lib.background import Verdict

from . import preferences
from .kinds import body_is_secret, get_kind
from .models import DeliveryAttempt, OutboxMessage
from .rendering import render

log = logging.getLogger(__name__)
Status = OutboxMessage.Status

MAX_ATTEMPTS = 8
FIRST_RETRY = datetime.timedelta(minutes=1)
LONGEST_WAIT = datetime.timedelta(hours=6)
# A claim this long past its lease was made by a worker that is gone, and no other took it
# over: something is wrong with the workers, not with the message.
STUCK_AFTER = datetime.timedelta(hours=1)


def lease() -> datetime.timedelta:
    """How long a claim lasts before another worker may take it over."""
    return datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    mimetype: str


def _message_id() -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "flipside.invalid"
    return make_msgid(idstring=f"flipside.{uuid.uuid4().hex}", domain=domain)


def enqueue(
    kind: str,
    *,
    to: str,
    values: dict[str, str],
    user: Any = None,
    scheme: Any = None,
    attachments: list[Attachment] | None = None,
) -> OutboxMessage | None:
    """Queue an email. Call inside the transaction of the change that causes it: if that
    change rolls back, the email never existed. Returns None when the recipient has turned
    optional email off and this kind is optional."""
    message_kind = get_kind(kind)
    headers: dict[str, str] = {}
    unsubscribe_url = ""
    if not message_kind.essential:
        if user is None or not preferences.wants_optional_email(user):
            return None
        unsubscribe_url = settings.SITE_URL + reverse(
            "notifications:unsubscribe", args=[preferences.unsubscribe_token(user)]
        )
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    if user is not None:
        values = {"first_name": user.first_name, **values}
    rendered = render(
        kind, values, scheme_id=getattr(scheme, "pk", None), unsubscribe_url=unsubscribe_url
    )
    return OutboxMessage.objects.create(
        kind=kind,
        to=to,
        user=user,
        scheme=scheme,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        headers=headers,
        attachments=[a.__dict__ for a in attachments or []],
        message_id=_message_id(),
    )


def _claimable(now: datetime.datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, lease_expires_at__lt=now
    )


def claim(worker: str, *, limit: int = 20) -> list[int]:
    """Take up to ``limit`` due messages for ``worker``; no other worker gets them."""
    now = timezone.now()
    claimed = {"status": Status.SENDING, "claimed_by": worker, "lease_expires_at": now + lease()}
    due = OutboxMessage.objects.filter(_claimable(now)).order_by("next_attempt_at", "id")
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True)[:limit])
            OutboxMessage.objects.filter(id__in=ids).update(**claimed)
        return ids
    ids = []
    for candidate in due.values_list("id", flat=True)[:limit]:
        # Conditional update: only one worker's UPDATE can match a still-claimable row.
        if OutboxMessage.objects.filter(_claimable(now), pk=candidate).update(**claimed):
            ids.append(candidate)
    return ids


def _renew(message_id: int, worker: str) -> bool:
    """Extend our claim just before sending; False if it is no longer ours."""
    return bool(
        OutboxMessage.objects.filter(
            pk=message_id, status=Status.SENDING, claimed_by=worker
        ).update(lease_expires_at=timezone.now() + lease())
    )


class _Email(EmailMultiAlternatives):
    def _create_mime_attachment(self, content: Any, mimetype: str) -> Any:
        # Django would turn "text/calendar; method=REQUEST" into a malformed subtype and
        # repeat the charset; calendar programs need the method parameter intact.
        if mimetype.startswith("text/calendar"):
            part = MIMEText(content, "calendar", "utf-8")
            for parameter in mimetype.split(";")[1:]:
                key, _, value = parameter.strip().partition("=")
                if key.lower() != "charset":
                    part.set_param(key, value)
            return part
        return super()._create_mime_attachment(content, mimetype)  # type: ignore[misc]


def _email(message: OutboxMessage, backend: BaseEmailBackend) -> EmailMultiAlternatives:
    email = _Email(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": message.message_id, **message.headers},
        connection=backend,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for item in message.attachments:
        email.attach(item["filename"], item["content"], item["mimetype"])
        if item["mimetype"].startswith("text/calendar"):
            # As a body alternative too, so mail programs offer to accept or decline.
            email.attach_alternative(item["content"], item["mimetype"])
    return email


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most six hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def deliver(message_id: int, worker: str, backend: BaseEmailBackend) -> bool | None:
    """Hand one claimed message to the mail server. True if sent, False if it failed,
    None if the claim had been lost to another worker (nothing was sent)."""
    if not _renew(message_id, worker):
        return None
    message = OutboxMessage.objects.get(pk=message_id)
    started = timezone.now()
    try:
        _email(message, backend).send()
    except Exception as error:  # any failure of the mail server or network is retried
        _record_failure(message, worker, started, f"{type(error).__name__}: {error}")
        return False
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk, claimed_by=worker).update(
            status=Status.SENT, sent_at=timezone.now(), lease_expires_at=None, last_error=""
        )
        DeliveryAttempt.objects.create(
            message=message,
            worker=worker,
            started_at=started,
            finished_at=timezone.now(),
            succeeded=True,
        )
    return True


_LINK = re.compile(r"https?://[^\s\"'<>]+")
_WORD = re.compile(r"[^\s/\"'<>=?&]+")


def _could_be_secret(word: str) -> bool:
    # Tokens are long; codes are short but have digits.
    return len(word) >= 20 or (len(word) >= 6 and any(c.isdigit() for c in word))


def _without_secrets(error: str, message: OutboxMessage) -> str:
    """A mail server may quote the email back in its error, and errors are logged and shown
    on the outbox page. So the email's links (an unsubscribe link, a single-use link) are
    blanked from it, and for a kind whose body is secret, anything that could be a token or
    a code too."""
    hidden = set(_LINK.findall(message.body_text)) | set(_LINK.findall(message.body_html))
    if body_is_secret(message.kind):
        hidden |= {w for w in _WORD.findall(message.body_text) if _could_be_secret(w)}
    for text in sorted(hidden, key=len, reverse=True):
        error = error.replace(text, "[hidden]")
    return error


def _record_failure(
    message: OutboxMessage, worker: str, started: datetime.datetime, error: str
) -> None:
    error = _without_secrets(error, message)
    attempts = message.attempts + 1
    now = timezone.now()
    gave_up = attempts >= MAX_ATTEMPTS
    log.warning("Email %s to %s failed (attempt %s): %s", message.pk, message.to, attempts, error)
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk, claimed_by=worker).update(
            status=Status.FAILED if gave_up else Status.PENDING,
            attempts=attempts,
            next_attempt_at=now if gave_up else now + backoff(attempts),
            lease_expires_at=None,
            last_error=error[:2000],
        )
        DeliveryAttempt.objects.create(
            message=message,
            worker=worker,
            started_at=started,
            finished_at=now,
            succeeded=False,
            error=error[:2000],
        )


def process_batch(worker: str, *, limit: int = 20) -> int:
    """Claim and deliver one batch; the number of messages handled."""
    ids = claim(worker, limit=limit)
    if not ids:
        return 0
    backend = get_connection(fail_silently=False)
    try:
        backend.open()
    except Exception as error:  # the server is down: every claimed message waits and retries
        for message in OutboxMessage.objects.filter(pk__in=ids, claimed_by=worker):
            _record_failure(message, worker, timezone.now(), f"{type(error).__name__}: {error}")
        return len(ids)
    try:
        for message_id in ids:
            deliver(message_id, worker, backend)
    finally:
        backend.close()
    return len(ids)


def counts() -> dict[str, int]:
    """Messages in each state; created = sent + pending + sending + failed, always."""
    result = {status.value: 0 for status in Status}
    for row in OutboxMessage.objects.values("status").annotate(n=Count("id")):
        result[row["status"]] = row["n"]
    return result


def check_invariants() -> Verdict:
    """For ``selfcheck``: every message is in a known state, and none has been left claimed
    by a dead worker for over an hour."""
    counts_now = counts()
    total = OutboxMessage.objects.count()
    problems = []
    if sum(counts_now.values()) != total:
        problems.append(f"outbox: {total} messages but states add up to {sum(counts_now.values())}")
    stuck = OutboxMessage.objects.filter(
        status=Status.SENDING, lease_expires_at__lt=timezone.now() - STUCK_AFTER
    ).count()
    if stuck:
        problems.append(f"outbox: {stuck} messages claimed by a dead worker for over an hour")
    summary = "Outbox: " + ", ".join(f"{n} {state}" for state, n in counts_now.items())
    return Verdict(summary, tuple(problems))
