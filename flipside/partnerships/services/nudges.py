"""Coordinators' nudges: their own wording, sent through the outbox to both partners of each
pair, respecting each person's email choices. A nudge form carries a token: submitting it
twice sends nothing more, and a pair nudged in the last hour is not nudged again."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.matching.models import Pair
from flipside.notifications import outbox
from flipside.notifications.models import OutboxMessage, TemplateOverride
from flipside.notifications.rendering import render
from flipside.notifications.services import check_wording
from flipside.privacy import audit
from flipside.schemes.models import Cohort

from ..models import ReminderSent
from . import PartnershipError

KIND = "pair_nudge"
AGAIN_AFTER = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Nudged:
    pairs: int  # pairs nudged now
    emailed: int  # people emailed (the others turned optional email off)
    skipped: int  # pairs already nudged with this form, or in the last hour


def _key(pair: Pair, token: str) -> str:
    return f"nudge:{pair.pk}:{token}"[:120]


def _recently_nudged(pairs: list[Pair]) -> set[int]:
    since = timezone.now() - AGAIN_AFTER
    keys = ReminderSent.objects.filter(
        kind=KIND, sent_at__gte=since, user_id__in=[p.mentor_id for p in pairs]
    ).values_list("subject", flat=True)
    found = set()
    for key in keys:
        parts = key.split(":")
        if len(parts) >= 2 and parts[1].isdigit():
            found.add(int(parts[1]))
    return found


def _send(pair: Pair, person: Any, partner: Any, *, cohort: Cohort, held: int, expected: int,
          subject: str, body: str) -> OutboxMessage | None:  # fmt: skip
    values = {
        "partner": partner.display_name,
        "held": str(held),
        "expected": str(expected),
        "cohort": str(cohort),
        "link": settings.SITE_URL + reverse("partnerships:workspace", args=[pair.pk]),
    }
    message = outbox.enqueue(KIND, to=person.email, user=person, scheme=cohort.scheme,
                             values=values)  # fmt: skip
    if message is None:
        return None
    # The coordinator's wording, as written on the form, in place of the scheme's.
    unsubscribe = message.headers.get("List-Unsubscribe", "").strip("<>")
    rendered = render(
        KIND,
        {"first_name": person.first_name, **values},
        scheme_id=cohort.scheme_id,
        unsubscribe_url=unsubscribe,
        override=TemplateOverride(subject=subject, body=body),
    )
    message.subject, message.body_text, message.body_html = (
        rendered.subject, rendered.text, rendered.html,
    )  # fmt: skip
    message.save(update_fields=["subject", "body_text", "body_html"])
    return message


def nudge_pairs(
    cohort: Cohort,
    pairs: Iterable[Pair],
    *,
    by: Any,
    subject: str,
    body: str,
    token: str,
    expected: int,
) -> Nudged:
    """Email both partners of each active pair the coordinator's wording. ``pairs`` carry
    ``held`` (``board.with_facts``) and both partners."""
    problems = check_wording(KIND, subject=subject, body=body)
    if not subject.strip() or not body.strip():
        problems.insert(0, _("Write a subject and a message."))
    if problems:
        raise PartnershipError(" ".join(problems))
    if not token:
        raise PartnershipError(_("This form has expired. Open it again and send."))
    targets = [p for p in pairs if p.status == Pair.Status.ACTIVE and p.cohort_id == cohort.pk]
    nudged = emailed = skipped = 0
    with transaction.atomic():
        recent = _recently_nudged(targets)
        for pair in targets:
            if pair.pk in recent:
                skipped += 1
                continue
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(kind=KIND, subject=_key(pair, token),
                                                user_id=pair.mentor_id)  # fmt: skip
            except IntegrityError:  # this very form, sent twice
                skipped += 1
                continue
            held = getattr(pair, "held", 0)
            for person, partner in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
                sent = _send(pair, person, partner, cohort=cohort, held=held, expected=expected,
                             subject=subject, body=body)  # fmt: skip
                emailed += sent is not None
            nudged += 1
            audit.record(by, "partnerships.pair.nudged", pair)
    return Nudged(pairs=nudged, emailed=emailed, skipped=skipped)
