from __future__ import annotations

import datetime
import smtplib
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from conftest import World, make_user, sent_mail
from flipside.notifications import outbox, preferences
from flipside.notifications.models import DeliveryAttempt, OutboxMessage

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


class ServerDown(BaseEmailBackend):
    """A mail server that refuses every connection."""

    def open(self) -> bool:
        raise ConnectionRefusedError("Connection refused")

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("Connection refused")


class RejectsMessages(BaseEmailBackend):
    """A mail server that accepts connections but fails every message."""

    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Server closed the connection")


STAGE_VALUES = {
    "cohort": "C",
    "scheme": "S",
    "stage": "Training",
    "next_step": "x",
    "link": "https://x/",
}


def queue(world: World, n: int = 1, kind: str = "invitation") -> list[OutboxMessage]:
    values = {
        "cohort": "C",
        "scheme": "S",
        "role": "R",
        "inviter": "I",
        "link": "https://x/",
        "expires_on": "1 Jan",
    }
    return [
        outbox.enqueue(kind, to=f"person{i}@example.ac.uk", values=values, scheme=world.scheme)  # type: ignore[misc]
        for i in range(n)
    ]


def test_a_change_that_rolls_back_leaves_no_email(world: World) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(world)
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert sent_mail() == []


def test_the_worker_sends_each_message_once_with_its_stable_message_id(world: World) -> None:
    [message] = queue(world)
    assert outbox.process_batch("w1") == 1
    assert outbox.process_batch("w1") == 0
    [sent] = mail.outbox
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert sent.to == ["person0@example.ac.uk"]
    message.refresh_from_db()
    assert message.status == Status.SENT and message.sent_at is not None
    assert message.deliveries.get().succeeded


def test_a_failing_mail_server_means_retries_with_growing_waits_then_failed(
    world: World, settings: Any
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RejectsMessages"
    [message] = queue(world)
    start = timezone.now()
    waits = []
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(outbox.MAX_ATTEMPTS):
            assert outbox.process_batch("w1") == 1
            message.refresh_from_db()
            if message.status == Status.FAILED:
                break
            assert message.status == Status.PENDING
            waits.append(message.next_attempt_at - timezone.now())
            assert outbox.process_batch("w1") == 0  # not due yet
            clock.move_to(message.next_attempt_at)
    assert message.status == Status.FAILED
    assert message.attempts == outbox.MAX_ATTEMPTS
    assert "SMTPServerDisconnected" in message.last_error
    assert waits == sorted(waits) and waits[0] == datetime.timedelta(minutes=1)
    assert (
        DeliveryAttempt.objects.filter(message=message, succeeded=False).count()
        == outbox.MAX_ATTEMPTS
    )
    assert mail.outbox == []


def test_mail_server_down_loses_nothing_and_everything_goes_after_recovery(
    world: World, settings: Any
) -> None:
    messages = queue(world, 25)
    settings.EMAIL_BACKEND = f"{__name__}.ServerDown"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        while outbox.process_batch("w1"):
            pass
        assert outbox.counts() == {"pending": 25, "sending": 0, "sent": 0, "failed": 0}
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        clock.shift(datetime.timedelta(minutes=2))
        while outbox.process_batch("w1"):
            pass
    assert outbox.counts() == {"pending": 0, "sending": 0, "sent": 25, "failed": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.to for m in messages)


def test_two_workers_never_claim_the_same_message(world: World) -> None:
    queue(world, 10)
    first = outbox.claim("w1", limit=6)
    second = outbox.claim("w2", limit=6)
    assert len(first) == 6 and len(second) == 4
    assert not set(first) & set(second)


def test_a_dead_workers_claims_are_taken_over_when_the_lease_expires(world: World) -> None:
    [message] = queue(world)
    assert outbox.claim("dead-worker") == [message.pk]
    assert outbox.claim("w2") == []
    with time_machine.travel(timezone.now() + outbox.lease() + datetime.timedelta(seconds=1)):
        assert outbox.claim("w2") == [message.pk]
        assert outbox.process_batch("w2") == 0  # already claimed by w2 above; nothing new
        assert outbox.deliver(message.pk, "w2", mail.get_connection()) is True
    assert len(mail.outbox) == 1


def test_a_worker_that_lost_its_claim_does_not_send(world: World) -> None:
    [message] = queue(world)
    outbox.claim("slow-worker")
    with time_machine.travel(timezone.now() + outbox.lease() + datetime.timedelta(seconds=1)):
        outbox.claim("w2")
        assert outbox.deliver(message.pk, "slow-worker", mail.get_connection()) is None
    assert mail.outbox == []


def test_people_who_turned_optional_email_off_get_only_essential_email(world: World) -> None:
    preferences.set_optional_email(world.mentor, enabled=False, by=world.mentor)
    skipped = outbox.enqueue(
        "stage_changed", to=world.mentor.email, user=world.mentor, values=STAGE_VALUES
    )
    kept = outbox.enqueue(
        "password_reset", to=world.mentor.email, user=world.mentor, values={"link": "x"}
    )
    assert skipped is None and kept is not None


def test_optional_email_carries_a_one_click_unsubscribe_link(world: World) -> None:
    message = outbox.enqueue(
        "stage_changed", to=world.mentee.email, user=world.mentee, values=STAGE_VALUES
    )
    assert message is not None
    link = message.headers["List-Unsubscribe"].strip("<>")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body_text and link in message.body_html
    essential = outbox.enqueue(
        "password_reset", to=world.mentee.email, user=world.mentee, values={"link": "x"}
    )
    assert essential is not None and "List-Unsubscribe" not in essential.headers


def test_values_are_escaped_in_html_but_kept_as_typed_in_text(world: World) -> None:
    person = make_user("<i>Ada&Co</i> Lovelace")
    message = outbox.enqueue(
        "password_reset", to=person.email, user=person, values={"link": "https://x/"}
    )
    assert message is not None
    assert "Hello <bdi>&lt;i&gt;Ada&amp;Co&lt;/i&gt;</bdi>," in message.body_html
    assert "Hello <i>Ada&Co</i>," in message.body_text


def test_counts_add_up_to_everything_created(world: World, settings: Any) -> None:
    queue(world, 7)
    settings.EMAIL_BACKEND = f"{__name__}.RejectsMessages"
    outbox.process_batch("w1", limit=3)
    counts = outbox.counts()
    assert sum(counts.values()) == OutboxMessage.objects.count() == 7
    assert counts["pending"] == 7 and counts["sent"] == 0


def test_calendar_invites_reach_mail_programs_intact(world: World) -> None:
    from flipside.notifications.calendar import Event, calendar_attachment

    start = datetime.datetime(2027, 3, 28, 10, tzinfo=datetime.UTC)
    event = Event(
        uid="meeting-1@flipside.test", starts_at=start, ends_at=start + datetime.timedelta(hours=1),
        summary="Reverse mentoring meeting", organiser_email="coordinator@example.ac.uk",
        attendee_emails=("mentor@example.ac.uk",),
    )  # fmt: skip
    attachment = calendar_attachment([event], method="REQUEST")
    queue_values = {"link": "https://x/"}
    outbox.enqueue(
        "password_reset", to="mentor@example.ac.uk", values=queue_values, attachments=[attachment]
    )
    [sent] = sent_mail()
    raw = sent.message().as_string()
    parts = [p for p in sent.message().walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 2  # offered as an invite and as a file
    for part in parts:
        assert part.get_param("method") == "REQUEST"
        assert part["Content-Type"].count("charset") == 1
        assert "BEGIN:VEVENT" in part.get_payload(decode=True).decode()
    assert 'filename="invite.ics"' in raw
