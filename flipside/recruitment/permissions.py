"""Who may see and change calls and applications.

Applicants reach only their own applications. Coordinators of a cohort reach its calls and
its applications once submitted (never drafts), with reviewers' scores and notes. Nobody else
reaches any of it: another person's application looks exactly like a missing one (404).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db.models import QuerySet

from flipside.lib.denied import Hidden
from flipside.lib.sql import fetch, partial
from flipside.schemes.models import Cohort, Scheme
from flipside.schemes.permissions import Action, can, managed_cohorts

from .models import Application, Call


def managed_calls(user: Any) -> QuerySet[Call]:
    return Call.objects.filter(cohort__in=managed_cohorts(user).values("pk"))


def get_call(user: Any, call_id: int) -> Call:
    """The call, if the person coordinates its cohort: decided from their roles, read once
    a request, rather than by a subquery of managed cohorts."""
    call = Call.objects.select_related("cohort__scheme__organisation").filter(pk=call_id).first()
    if call is None or not can(user, Action.MANAGE, call.cohort):
        raise Hidden
    return call


# The call's row, then one row a status: its submitted applications counted by status (the
# list's figures), read in the same round trip. Only the counts' rows have a status.
_LISTED_CALL_SQL = """
SELECT k.id, k.cohort_id, k.role, k.title, k.places, k.blind_review,
    c.scheme_id, c.label, s.name, s.organisation_id,
    (SELECT SUM(r.max_score) FROM recruitment_rubriccriterion r WHERE r.scheme_id = c.scheme_id),
    NULL
FROM recruitment_call k
JOIN schemes_cohort c ON c.id = k.cohort_id
JOIN schemes_scheme s ON s.id = c.scheme_id
WHERE k.id = %s
UNION ALL
SELECT COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, a.status
FROM recruitment_application a
WHERE a.call_id = %s AND a.status <> %s
GROUP BY a.status
"""


class ListedCall(NamedTuple):
    call: Call
    counts: dict[str, int]  # the call's submitted applications by status
    out_of: int  # the rubric's total: the highest total a reviewer can give


def get_listed_call(user: Any, call_id: int) -> ListedCall:
    """``get_call`` for the call's applications list, which asks on every request: one plain
    SQL query for what the list shows of the call, its cohort and scheme (the other columns
    deferred, as ``lib.sql.partial`` builds them), with the list's figures: the counts by
    status and the rubric's total."""
    found = fetch(_LISTED_CALL_SQL, [call_id, call_id, Application.Status.DRAFT], (None,) * 12)
    calls = [row for row in found if row[11] is None]
    if not calls:
        raise Hidden
    pk, cohort_id, role, title, places, blind, scheme_id, label, name, org_id, total, _ = calls[0]
    scheme = partial(Scheme, {"id": scheme_id, "name": name, "organisation_id": org_id})
    cohort = partial(Cohort, {"id": cohort_id, "scheme_id": scheme_id, "label": label})
    cohort.scheme = scheme
    call = partial(
        Call,
        {
            "id": pk,
            "cohort_id": cohort_id,
            "role": role,
            "title": title,
            "places": places,
            "blind_review": bool(blind),
        },
    )
    call.cohort = cohort
    if not can(user, Action.MANAGE, cohort):
        raise Hidden
    counts = {row[11]: int(row[0]) for row in found if row[11] is not None}
    return ListedCall(call, counts, int(total or 0))


def reviewable_applications(user: Any) -> QuerySet[Application]:
    return Application.objects.submitted().filter(call__in=managed_calls(user).values("pk"))


def get_application_for_review(user: Any, application_id: int) -> Application:
    application = (
        reviewable_applications(user)
        .select_related("call__cohort__scheme", "applicant", "site", "programme")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Hidden
    return application


def get_own_application(user: Any, application_id: int) -> Application:
    application = (
        Application.objects.select_related(
            "call__cohort__scheme__organisation", "site", "programme"
        )
        .filter(pk=application_id, applicant=user)
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if application is None:
        raise Hidden
    return application


def get_public_call(token: str) -> Call:
    call = Call.objects.select_related("cohort__scheme__organisation").filter(token=token).first()
    if call is None:
        raise Hidden
    return call
