"""The deletion log and legal holds: ids and counts only, insert-only, and every row that was
due is either removed or held."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import make_scheme, make_user
from flipside.privacy import deletion
from flipside.privacy.models import DeletionRecord, LegalHold

pytestmark = pytest.mark.django_db


def test_a_run_logs_ids_and_counts_with_eligible_equal_to_removed_plus_held() -> None:
    run = deletion.new_run()
    record = deletion.log(
        run=run,
        reason="journal",
        label="partnerships.JournalEntry",
        action=deletion.Action.DELETED,
        ids=[7, 3, 5],
        held_ids=[9],
    )
    assert record is not None
    record.refresh_from_db()
    assert (record.ids, record.count, record.held_ids, record.held, record.eligible) == (
        [3, 5, 7],
        3,
        [9],
        1,
        4,
    )
    # Nothing due, nothing written: a daily run that finds nothing leaves no noise.
    assert deletion.log(run=run, reason="journal", label="x.Y", action="deleted", ids=[]) is None
    assert DeletionRecord.objects.count() == 1


def test_the_log_cannot_be_edited_and_the_database_refuses_a_broken_count() -> None:
    record = deletion.log(
        run=deletion.new_run(),
        reason="audit",
        label="privacy.AuditEntry",
        action="deleted",
        ids=[1],
    )
    assert record is not None
    record.count = 0
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(ValueError):
        DeletionRecord.objects.filter(pk=record.pk).update(count=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeletionRecord.objects.create(
            run="r", reason="audit", label="l", action="deleted", count=2, held=1, eligible=2
        )


def test_only_standing_holds_hold_and_a_hold_names_a_person_or_a_scheme() -> None:
    person, other, coordinator = make_user(), make_user(), make_user()
    scheme, free_scheme = make_scheme(), make_scheme()
    LegalHold.objects.create(user=person, reason="Complaint open", placed_by=coordinator)
    LegalHold.objects.create(scheme=scheme, reason="Claim", placed_by=coordinator)
    LegalHold.objects.create(
        user=other, reason="Settled", placed_by=coordinator, lifted_at=timezone.now()
    )
    assert deletion.held_user_ids() == {person.pk}
    assert deletion.held_scheme_ids() == {scheme.pk}
    assert deletion.is_held(user_id=person.pk)
    assert not deletion.is_held(user_id=other.pk)
    assert deletion.is_held(scheme_ids=[free_scheme.pk, scheme.pk])
    assert not deletion.is_held(scheme_ids=[free_scheme.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalHold.objects.create(user=person, scheme=scheme, reason="Both", placed_by=coordinator)
