"""The demo's ideas for change: the closed Pride cohort's in every status, the running one's
new ideas, and the board showing them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import response_text
from flipside.accounts.models import User
from flipside.demo.ideas import DEAN
from flipside.demo.signins import MENTEE, MENTOR
from flipside.ideas.models import Idea, IdeaChange, Status
from flipside.privacy.audit import verify_chain
from flipside.schemes.models import Cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings: Any) -> Cohort:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    return Cohort.objects.select_related("scheme").get(
        scheme__name="Pride Reverse Mentoring", label="2025/26"
    )


def test_the_closed_cohort_has_ideas_in_every_status(seeded: Cohort) -> None:
    ideas = Idea.objects.filter(cohort=seeded)
    assert set(ideas.values_list("status", flat=True)) == set(Status.values)
    assert ideas.filter(merged_into__isnull=False).count() == 1
    assert ideas.filter(event__isnull=False).exists()
    assert ideas.exclude(outcome="").filter(status="done").exists()
    assert ideas.exclude(reason="").filter(status="not_taken").exists()
    assert ideas.filter(proposers__named=True).exists()
    assert ideas.filter(owner__email=DEAN[1]).exists()
    assert ideas.filter(owner__email=MENTEE).exists()
    for idea in ideas.filter(merged_into__isnull=True):
        assert IdeaChange.objects.filter(idea=idea).exists()
    # Dated in the year it happened, not when the demo was loaded.
    assert all(
        c.at.date() <= seeded.ends_on + __import__("datetime").timedelta(days=60)
        for c in IdeaChange.objects.filter(idea__cohort=seeded)
    )
    assert verify_chain() == []


def test_the_running_cohort_has_new_ideas_and_the_board_shows_the_closed_ones(
    seeded: Cohort,
) -> None:
    running = Idea.objects.filter(cohort__label="2026/27", cohort__scheme=seeded.scheme)
    assert running.count() >= 2 and set(running.values_list("status", flat=True)) == {"proposed"}
    client = Client()
    client.force_login(User.objects.get(email=MENTOR))
    page = response_text(client.get(reverse("ideas:board", args=[seeded.scheme.organisation_id])))
    assert "Say who wrote the reading list" in page
    assert "Pronouns on module rosters" not in page  # still waiting for triage
    client.force_login(User.objects.get(email=MENTEE))
    mine = response_text(client.get(reverse("ideas:mine")))
    assert "Diverse patient images in anatomy teaching" in mine  # she owns it
