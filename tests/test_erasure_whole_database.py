"""Erasing the demo's student mentor, who has a bit of everything, leaves their name, address and
ids in no text column of any table but the few the law keeps; their partner's pages and the
cohort's report still work and count the same; the audit log still verifies."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import response_text
from flipside.accounts.models import User
from flipside.demo.signins import COORDINATOR, MENTEE, MENTOR
from flipside.ideas.models import IdeaChange
from flipside.lib import background
from flipside.matching.models import Pair
from flipside.notifications.models import OutboxMessage
from flipside.partnerships.models import JournalEntry, ReflectionEvent
from flipside.partnerships.services.journal import add_entry
from flipside.payments.models import Employment, Line
from flipside.privacy import audit, crypto, erasure
from flipside.privacy.models import AuditEntry, DeletionRecord, EqualityRecord
from flipside.privacy.services import save_equality_answers
from flipside.recruitment.models import Application
from flipside.recruitment.services import add_note

pytestmark = pytest.mark.django_db

#: The only columns where the erased person's identifiers may remain, and why (the law keeps
#: them: docs/privacy/erasure.md).
ALLOWED = {
    ("payments.Employment", "payroll_number"): (
        "HMRC's record keeping for pay needs the payroll reference with each payment"
    ),
}


def _text_columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField))
    ]


def find_everywhere(needles: list[str]) -> list[tuple[str, str, Any, str]]:
    """Every (table, column, row, needle) where a needle appears, case-insensitive, in any
    text, char or JSON column of any installed table (Django's and third parties' too)."""
    found = []
    lowered = [n.lower() for n in needles if n]
    for model in apps.get_models(include_auto_created=True):
        for f in _text_columns(model):
            for pk, value in model._base_manager.values_list("pk", f.attname).iterator():
                if value is None:
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                text = text.lower()
                for needle in lowered:
                    if needle in text:
                        found.append((model._meta.label, f.name, pk, needle))
    # Encrypted columns are opened and searched too: whoever holds the keys could read them.
    for label, (model, column) in crypto.ENCRYPTED.items():
        for pk, token in model._base_manager.values_list("pk", column).iterator():
            text = json.dumps(crypto.decrypt(token), ensure_ascii=False).lower() if token else ""
            for needle in lowered:
                if needle in text:
                    found.append((label, column, pk, needle))
    return found


@pytest.fixture
def demo(settings: Any) -> dict[str, Any]:
    """The demo, with the student mentor given what the demo leaves out: a journal, equality
    answers and consent, a reviewer's note, an idea naming them, emails about them, a signed-in
    session, a failed sign-in and an authenticator app."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    sam = User.objects.get(email=MENTOR)
    helen = User.objects.get(email=MENTEE)
    coordinator = User.objects.get(email=COORDINATOR)
    pair = Pair.objects.filter(mentor=sam, mentee=helen).select_related("cohort").get()
    cohort = pair.cohort
    add_entry(pair, sam, "Helen listened today. Sam Rivera, note to self: follow up.")
    add_entry(pair, helen, f"Sam Rivera ({sam.email}) explained the exam timetable.")
    save_equality_answers(
        sam, cohort, answers={"ethnicity": "mixed"}, consent=True, asked=["ethnicity"]
    )
    application = Application.objects.filter(applicant=sam).first()
    assert application is not None
    add_note(application, author=coordinator, text=f"Strong interview; SAM RIVERA ({sam.email}).")
    IdeaChange.objects.filter(pk=IdeaChange.objects.order_by("id").values("pk")[:1]).update(
        note="Sam Rivera suggested it; Rivera's friends agree."
    )
    event = ReflectionEvent.objects.filter(cohort=cohort).first()
    if event is not None:
        ReflectionEvent.objects.filter(pk=event.pk).update(notes="Sam Rivera led the table.")
    OutboxMessage.objects.create(
        kind="test",
        to=helen.email,
        user=helen,
        subject="Your meeting with Sam Rivera",
        body_text=f"Sam Rivera ({sam.email}) has proposed a meeting.",
    )
    AccessAttempt.objects.create(
        username=sam.email.upper(),
        ip_address="192.0.2.1",
        user_agent="test",
        failures_since_start=1,
    )
    TOTPDevice.objects.create(user=sam, name="Phone", confirmed=True)
    client = Client()
    client.force_login(sam)
    payroll = list(Employment.objects.filter(user=sam).values_list("payroll_number", flat=True))
    return {
        "sam": sam,
        "helen": helen,
        "coordinator": coordinator,
        "pair": pair,
        "cohort": cohort,
        "payroll": [p for p in payroll if p],
        "session": client,
    }


def _report(coordinator: User, cohort: Any) -> str:
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("reports:cohort", args=[cohort.pk]))
    assert response.status_code == 200
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response_text(response))
    page = re.sub(r'<section class="report__part" id="equality".*?</section>', "", page, flags=re.S)
    return re.sub(r"\s+", " ", page)


def test_no_trace_of_the_erased_person_is_left_in_any_text_column(demo: dict[str, Any]) -> None:
    sam, helen, coordinator = demo["sam"], demo["helen"], demo["coordinator"]
    # What the product holds that names or identifies a person: their name as shown, first and
    # last name, their email (which is also their sign-in name, in the sign-in records), and
    # their payroll or student number.
    needles = [sam.display_name, "Sam Rivera", sam.email, *demo["payroll"]]
    assert demo["payroll"], "the demo's student mentor has a payroll number"
    before = find_everywhere(needles)
    tables_before = {label for label, *_ in before}
    assert {"accounts.User", "privacy.AuditEntry", "recruitment.ReviewNote"} <= tables_before
    assert {"notifications.OutboxMessage", "payments.Line", "axes.AccessAttempt"} <= tables_before
    assert "partnerships.JournalEntry" in tables_before
    assert JournalEntry.objects.filter(author=sam).exists()
    assert EqualityRecord.objects.filter(user=sam).exists()
    report_before = _report(coordinator, demo["cohort"])
    lines_before = list(Line.objects.filter(mentor=sam).values_list("pk", "hours", "amount"))

    outcome = erasure.erase(sam, by=coordinator, reference="DPO-2026-014")

    assert outcome.done
    left = [hit for hit in find_everywhere(needles) if (hit[0], hit[1]) not in ALLOWED]
    assert left == []
    assert set(ALLOWED) <= set(erasure.LAW_KEPT)
    # Private things are gone; the account is kept, naming no one and unusable.
    assert not JournalEntry.objects.filter(author=sam).exists()
    assert JournalEntry.objects.filter(author=helen).exists()  # the partner's own is kept
    assert not EqualityRecord.objects.filter(user=sam).exists()
    assert not TOTPDevice.objects.filter(user=sam).exists()
    sam.refresh_from_db()
    assert sam.display_name == "Erased person"
    assert not sam.is_active and not sam.has_usable_password()
    assert demo["session"].get(reverse("privacy:page")).status_code in (302, 403)
    # Pay is kept, minimised: the same lines, hours and amounts, without descriptions.
    assert list(Line.objects.filter(mentor=sam).values_list("pk", "hours", "amount")) == (
        lines_before
    )
    assert not Line.objects.filter(mentor=sam).exclude(description="").exists()
    # The partner's pages still work, with an erased person in the pair.
    client = Client()
    client.force_login(helen)
    page = client.get(reverse("partnerships:workspace", args=[demo["pair"].pk]))
    assert page.status_code == 200
    assert "Erased person" in response_text(page)
    # The cohort's report counts the same; only the name in an event's notes has gone, and
    # the equality figures no longer count the answers erasure deleted (as a withdrawal would).
    assert report_before.count("Sam Rivera") == 1
    assert _report(coordinator, demo["cohort"]) == report_before.replace(
        "Sam Rivera", "Erased person"
    )
    # The audit log still verifies, and records the erasure without the name; every figure
    # kept between changes (pair, pay, readiness counts) and every kept name still agrees
    # with the rows (the checks ``selfcheck`` runs).
    assert audit.verify_chain() == []
    # (Rows overdue for retention are the daily job's to remove, not erasure's: the demo is
    # seeded without running it.)
    problems = {
        check.key: check.check().problems
        for check in background.invariants()
        if check.key != "retention"
    }
    assert {key: found for key, found in problems.items() if found} == {}
    # The erasure's own entry lists what it redacted; entries after it (the coordinator
    # signing in to read the report) are not about the person.
    last = AuditEntry.objects.filter(action="privacy.person.erased").order_by("-id").first()
    assert last is not None
    assert last.details["reference"] == "DPO-2026-014"
    assert set(outcome.redacted_audit) == set(last.details["redacted"])
    # Every table touched is in the deletion log, with ids and counts only.
    logged = set(DeletionRecord.objects.filter(subject=sam.pk).values_list("label", "action"))
    assert ("partnerships.JournalEntry", "deleted") in logged
    assert ("payments.Line", "minimised") in logged
    assert ("accounts.User", "anonymised") in logged
    assert ("privacy.AuditEntry", "anonymised") in logged

    # A second erasure of the same person changes nothing.
    counts = {m._meta.label: m._base_manager.count() for m in apps.get_models()}
    again = erasure.erase(sam, by=coordinator, reference="DPO-2026-014")
    assert not again.done
    assert {m._meta.label: m._base_manager.count() for m in apps.get_models()} == counts


def test_tampering_with_an_entry_no_erasure_lists_still_breaks_the_chain(
    demo: dict[str, Any],
) -> None:
    sam = demo["sam"]
    outcome = erasure.erase(sam, by=demo["coordinator"], reference="R1")
    untouched = AuditEntry.objects.exclude(pk__in=outcome.redacted_audit).first()
    assert untouched is not None
    AuditEntry.objects.filter(pk=untouched.pk).update(object_label="changed")
    assert audit.verify_chain() == [untouched.pk]
