"""Builders for the coordinators' side: open calls, submitted applications and a rubric."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from conftest import make_user
from flipside.privacy import crypto
from flipside.recruitment.models import Application, Call, RubricCriterion
from flipside.schemes.models import Cohort, Role, Scheme

from .builders import make_call, make_programme, make_topics, words


def open_call(cohort: Cohort, role: str = Role.MENTOR, **fields: Any) -> Call:
    now = timezone.now()
    values = {
        "opens_at": now - datetime.timedelta(days=7),
        "closes_at": now + datetime.timedelta(days=21),
        **fields,
    }
    return make_call(cohort, role, **values)


def submitted(call: Call, applicant: Any = None, **fields: Any) -> Application:
    """A complete, submitted application, made directly (as if through the applicant's form)."""
    organisation = call.cohort.scheme.organisation
    values: dict[str, Any] = {
        "status": Application.Status.SUBMITTED,
        "submitted_at": timezone.now(),
        "site": organisation.sites.first(),
        "availability": ["tue-pm", "thu-eve"],
        "mode": "online",
        "eligibility_confirmed": True,
    }
    if call.role == Role.MENTOR:
        programme = organisation.programmes.first() or make_programme(organisation)
        values |= {"programme": programme, "year": 2, "statement": words(30)}
    else:
        values |= {
            "job_title": "Professor of Surgery",
            "department": "Surgery",
            "seniority": "professor",
            "hopes": "To understand placements.",
        }
    if "access_needs" in fields:  # stored encrypted, as the applicant's form saves it
        values["access_needs_ciphertext"] = crypto.encrypt({"text": fields.pop("access_needs")})
    application = Application.objects.create(
        call=call, applicant=applicant or make_user(), **(values | fields)
    )
    if call.role == Role.MENTOR and "topics" not in fields:
        topics = list(call.cohort.scheme.topics.all()) or make_topics(call.cohort.scheme)
        application.topics.set(topics[:2])
    return application


def make_rubric(scheme: Scheme) -> list[RubricCriterion]:
    return [
        RubricCriterion.objects.create(scheme=scheme, name="Insight", max_score=5, order=1),
        RubricCriterion.objects.create(scheme=scheme, name="Commitment", max_score=3, order=2),
    ]


def score_values(criteria: list[RubricCriterion], *scores: int) -> dict[str, str]:
    """Score form data: one value per criterion, in order."""
    return {f"score_{c.pk}": str(s) for c, s in zip(criteria, scores, strict=True)}
