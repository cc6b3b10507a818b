"""The demo's surveys: the closed Pride cohort's pre, post and closing feedback answered by
its mentors and mentees, with pairs linked; the running cohort's pre survey open, waiting
for the demo mentor."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import response_text
from flipside.accounts.models import User
from flipside.demo.signins import COORDINATOR, MENTOR
from flipside.schemes.models import Cohort
from flipside.surveys import offers
from flipside.surveys.checks import check_responses
from flipside.surveys.models import Response, Survey
from flipside.surveys.results import pairs_linked
from flipside.surveys.selectors import surveys_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings: Any) -> dict[str, Cohort]:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    cohorts = Cohort.objects.select_related("scheme").filter(scheme__name="Pride Reverse Mentoring")
    return {c.stage: c for c in cohorts}


def test_the_closed_cohort_has_pre_post_and_closing_answers_paired(
    seeded: dict[str, Cohort],
) -> None:
    closed = seeded["closed"]
    surveys = Survey.objects.filter(series__cohort=closed)
    stages = {(s.series.audience, s.stage) for s in surveys.select_related("series")}
    assert stages == {(a, s) for a in ("mentor", "mentee") for s in ("pre", "post", "closing")}
    for survey in surveys:
        assert Response.objects.filter(survey=survey).count() >= 2
    post = surveys.filter(stage="post")
    assert all(pairs_linked(s) >= 1 for s in post)
    assert check_responses().problems == ()


def test_the_demo_mentor_has_an_open_survey_waiting(seeded: dict[str, Cohort]) -> None:
    sam = User.objects.get(email=MENTOR)
    rows = surveys_for(sam, timezone.localdate())
    assert rows and not any(row.answered for row in rows)
    assert rows[0].survey.series.cohort == seeded["running"]
    memberships = list(sam.memberships.select_related("cohort"))
    offered = offers.participant_offers(sam, memberships)
    assert any(offer.links for offer in offered.values())
    client = Client()
    client.force_login(sam)
    page = response_text(client.get(reverse("surveys:answer", args=[rows[0].survey.pk])))
    assert "Send answers" in page


def test_the_coordinator_sees_results_without_names(seeded: dict[str, Cohort]) -> None:
    client = Client()
    client.force_login(User.objects.get(email=COORDINATOR))
    survey = Survey.objects.get(series__cohort=seeded["closed"], series__audience="mentee",
                                stage="post")  # fmt: skip
    page = response_text(client.get(reverse("surveys:results", args=[survey.pk])))
    assert "Response rate" in page
