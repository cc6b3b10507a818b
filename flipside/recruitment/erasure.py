"""How erasure handles applications (see flipside/privacy/erasure.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from flipside.privacy import erasure as E

from .models import Application, EmailVerification, Review, ReviewNote, no_access_needs

E.declare(
    "recruitment.Application",
    E.ANONYMISE,
    why="Every answer in their applications is deleted; that they applied, to which call, and "
    "the outcome are kept so the cohort's figures stay right.",
    rows=lambda uid: Application.objects.filter(applicant_id=uid),
    clear={
        "availability": [],
        "mode": "",
        "access_needs_ciphertext": no_access_needs,
        "preferences": [],
        "conflicts": "",
        "eligibility_confirmed": False,
        "programme": None,
        "year": None,
        "statement": "",
        "other_topics": "",
        "job_title": "",
        "department": "",
        "seniority": "",
        "hopes": "",
        "teaching": [],
    },
    noun="applications",
)
E.declare(
    "recruitment.Application_topics",
    E.DELETE,
    why="The topics they chose in their applications are deleted.",
    rows=lambda uid: Application.topics.through.objects.filter(application__applicant_id=uid),
    noun="topics chosen",
)
E.declare(
    "recruitment.Review",
    E.DELETE,
    why="Reviewers' scores of their applications are deleted.",
    rows=lambda uid: Review.objects.filter(application__applicant_id=uid),
    noun="reviews of their applications",
)
E.declare(
    "recruitment.ReviewNote",
    E.DELETE,
    why="Reviewers' notes on their applications are deleted.",
    rows=lambda uid: ReviewNote.objects.filter(application__applicant_id=uid),
    noun="notes on their applications",
)
E.declare(
    "recruitment.EmailVerification",
    E.DELETE,
    why="Checks of their email address when applying are deleted.",
    rows=lambda uid: EmailVerification.objects.filter(
        email__iexact=get_user_model().objects.get(pk=uid).email
    ),
    noun="email address checks",
)
