"""Who may see and do what with pay.

Coordinators of a cohort manage its pay (settings, review, runs, budget); coordinators of an
organisation's cohorts manage its rates, payroll columns and employment records. A student
mentor sees and writes only their own timesheets. A staff mentee never reaches anything
here: pay is between the student and the scheme. Another person's object is a 404.
"""

from __future__ import annotations

from typing import Any

from flipside.lib.denied import Hidden
from flipside.schemes.models import Cohort, Membership, Organisation, Role
from flipside.schemes.permissions import (
    Action,
    cohort_with_scheme,
    get_cohort,
    managed_cohorts,
    roles_of,
)

from .models import Line, PaymentRun, Timesheet


def get_pay_cohort(user: Any, cohort_id: int) -> Cohort:
    """A cohort whose pay the person manages (its coordinators), or 404."""
    return get_cohort(user, cohort_id, Action.MANAGE)


def managed_organisations(user: Any) -> list[Organisation]:
    """Organisations in which the person coordinates at least one cohort: whose rates and
    payroll columns they may manage."""
    ids = managed_cohorts(user).values("scheme__organisation_id")
    return list(Organisation.objects.filter(pk__in=ids).order_by("name", "pk"))


def get_pay_organisation(user: Any, organisation_id: int) -> Organisation:
    for organisation in managed_organisations(user):
        if organisation.pk == organisation_id:
            return organisation
    raise Hidden


def is_mentor_of(user: Any, cohort: Cohort | int) -> bool:
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    cohort_id = cohort if isinstance(cohort, int) else cohort.pk
    return cohort_id in roles_of(user).member_of(Role.MENTOR)


def get_mentor_cohort(user: Any, cohort_id: int) -> Cohort:
    """A cohort in which the person is a student mentor (their own pay pages), or 404."""
    if not is_mentor_of(user, cohort_id):
        raise Hidden
    cohort = cohort_with_scheme(cohort_id)
    if cohort is None:
        raise Hidden
    return cohort


def get_own_timesheet(user: Any, timesheet_id: int) -> Timesheet:
    """The person's own timesheet in a cohort they still mentor in, or 404."""
    sheet = Timesheet.objects.select_related("cohort").filter(pk=timesheet_id, mentor=user).first()
    if sheet is None or not is_mentor_of(user, sheet.cohort_id):
        raise Hidden
    return sheet


def get_own_line(user: Any, line_id: int) -> Line:
    line = Line.objects.select_related("timesheet").filter(pk=line_id, mentor=user).first()
    if line is None or not is_mentor_of(user, line.cohort_id):
        raise Hidden
    return line


def get_managed_line(user: Any, line_id: int) -> Line:
    """A line of a cohort whose pay the person manages, or 404."""
    line = Line.objects.select_related("timesheet", "cohort__scheme").filter(pk=line_id).first()
    if line is None or not roles_of(user).coordinates_cohort(line.cohort):
        raise Hidden
    return line


def get_managed_run(user: Any, run_id: int) -> PaymentRun:
    run = PaymentRun.objects.select_related("cohort__scheme").filter(pk=run_id).first()
    if run is None or not roles_of(user).coordinates_cohort(run.cohort):
        raise Hidden
    return run


def mentors_of(cohort: Cohort) -> Any:
    """The cohort's student mentors' memberships (people whose pay it manages)."""
    return Membership.objects.filter(cohort=cohort, role=Role.MENTOR)
