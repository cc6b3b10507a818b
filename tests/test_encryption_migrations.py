"""The migrations that encrypted concerns and access needs: every existing row is sealed with
the keys configured at migrate time, nothing is lost, and reversing them gives the words back
in plain columns."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conftest import make_cohort, make_user
from flipside.privacy import crypto
from flipside.recruitment.tests.builders import make_call

pytestmark = pytest.mark.django_db(transaction=True)

CONCERNS = ("training", "0003_concern_encrypted")
BEFORE_CONCERNS = ("training", "0002_readiness_count")
ACCESS = ("recruitment", "0006_application_access_needs_encrypted")
BEFORE_ACCESS = ("recruitment", "0005_application_call_status_index")


def migrate(*targets: tuple[str, str]) -> Any:
    """Migrate to ``targets``; the app registry as it stands there."""
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()
    return executor.loader.project_state(list(targets)).apps


def test_existing_concerns_and_access_needs_are_encrypted_and_decrypted_back() -> None:
    cohort = make_cohort()
    call = make_call(cohort)
    old = migrate(BEFORE_CONCERNS, BEFORE_ACCESS)
    Concern = old.get_model("training", "Concern")
    Application = old.get_model("recruitment", "Application")
    words = [("Placement", "My partner said something hurtful."), ("Rota", "")]
    for subject, body in words:
        Concern.objects.create(scheme_id=cohort.scheme_id, subject=subject, body=body)
    needs = ["Step-free access, please.", ""]
    for text in needs:
        Application.objects.create(call_id=call.pk, applicant_id=make_user().pk, access_needs=text)

    new = migrate(CONCERNS, ACCESS)
    concerns = new.get_model("training", "Concern").objects.order_by("id")
    opened = [crypto.decrypt(c.ciphertext) for c in concerns]
    assert opened == [{"subject": s, "body": b} for s, b in words]
    assert all("Placement" not in c.ciphertext for c in concerns)
    applications = new.get_model("recruitment", "Application").objects.order_by("id")
    assert [crypto.decrypt(a.access_needs_ciphertext) for a in applications] == [
        {"text": t} for t in needs
    ]

    back = migrate(BEFORE_CONCERNS, BEFORE_ACCESS)
    plain = back.get_model("training", "Concern").objects.order_by("id")
    assert [(c.subject, c.body) for c in plain] == words
    applications = back.get_model("recruitment", "Application").objects.order_by("id")
    assert [a.access_needs for a in applications] == needs

    migrate(CONCERNS, ACCESS)  # leave the database as the other tests expect it
