"""Events that must reach the audit log from pages of the cycle (decision 0034): staff reading
someone's concern or application, and every download a coordinator makes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from flipside.privacy.models import AuditEntry
from tests.test_access_matrix import matrix_application, matrix_concern

pytestmark = pytest.mark.django_db


def entries(action: str, **filters: object) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


def test_a_coordinator_reading_a_concern_is_recorded(client: Client, world: World) -> None:
    concern = matrix_concern(world)
    client.force_login(world.coordinator)

    assert client.get(reverse("training:concern", args=[concern.pk])).status_code == 200

    (entry,) = entries("training.concern.viewed")
    assert (entry.actor, entry.object_id) == (world.coordinator, str(concern.pk))
    assert (entry.organisation_id, entry.scheme_id) == (world.organisation.pk, world.scheme.pk)


def test_the_list_of_concerns_records_whose_subjects_it_showed(
    client: Client, world: World
) -> None:
    concern = matrix_concern(world)
    client.force_login(world.org_coordinator)

    assert client.get(reverse("training:concerns")).status_code == 200

    (entry,) = entries("training.concerns.listed")
    assert (entry.actor, entry.details["concerns"]) == (world.org_coordinator, [concern.pk])


def test_a_coordinator_reading_an_application_is_recorded(client: Client, world: World) -> None:
    application = matrix_application(world)
    client.force_login(world.cohort_coordinator)

    assert client.get(reverse("recruitment:review", args=[application.pk])).status_code == 200

    (entry,) = entries("recruitment.application.viewed")
    assert (entry.actor, entry.object_id) == (world.cohort_coordinator, str(application.pk))
    assert entry.cohort_id == world.cohort.pk
