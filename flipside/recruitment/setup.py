"""Recruitment set-up: a scheme's topics and scoring rubric, the organisation's programmes,
and inviting a whole staff list. Each write runs in a transaction and is audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from flipside.accounts.models import Invitation
from flipside.accounts.services import AccountsError, invite_person
from flipside.lib.names import fold
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Organisation, Role, Scheme

from .models import Application, Call, Programme, Review, RubricCriterion, Topic
from .services import RecruitmentError
from .spreadsheets import Person

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Row:
    """One row of a set-up list as the coordinator left it; ``id`` is None for a new row."""

    id: int | None
    values: dict[str, Any]
    remove: bool = False


def save_topics(scheme: Scheme, *, rows: list[Row], by: Any) -> list[Topic]:
    return _save_rows(
        scheme.topics.all(),
        rows,
        by=by,
        noun="topic",
        new=lambda values: Topic(scheme=scheme, **values),
        in_use=_topic_in_use,
    )


def save_programmes(organisation: Organisation, *, rows: list[Row], by: Any) -> list[Programme]:
    return _save_rows(
        organisation.programmes.all(),
        rows,
        by=by,
        noun="programme",
        new=lambda values: Programme(organisation=organisation, **values),
        in_use=_programme_in_use,
    )


def save_rubric(scheme: Scheme, *, rows: list[Row], by: Any) -> list[RubricCriterion]:
    return _save_rows(
        scheme.rubric.all(),
        rows,
        by=by,
        noun="rubric_criterion",
        new=lambda values: RubricCriterion(scheme=scheme, **values),
        in_use=_criterion_in_use,
    )


def _save_rows(
    existing: models.QuerySet[M],
    rows: list[Row],
    *,
    by: Any,
    noun: str,
    new: Callable[[dict[str, Any]], M],
    in_use: Callable[[Any], str | None],
) -> list[M]:
    _refuse_repeated_names([row for row in rows if not row.remove])
    try:
        with transaction.atomic():
            current = {obj.pk: obj for obj in existing.select_for_update()}
            if any(row.id is not None and row.id not in current for row in rows):
                raise RecruitmentError(
                    _(
                        "This list changed while you were editing it. Nothing was saved: reload "
                        "the page and make your changes again."
                    )
                )
            # Removals first, so a name can pass to another row in the same save; new rows
            # with no position go after every row that has one.
            for row in rows:
                if row.remove and row.id is not None:
                    _remove(current.pop(row.id), by=by, noun=noun, in_use=in_use)
            for row in rows:
                if row.id is not None and not row.remove:
                    values = {k: v for k, v in row.values.items() if k != "order" or v is not None}
                    _update(current[row.id], values, by=by, noun=noun)
            next_order = _next_order(existing)
            for row in rows:
                if row.id is None and not row.remove:
                    values = dict(row.values)
                    if "order" in values and values["order"] is None:
                        values["order"], next_order = next_order, next_order + 1
                    obj = new(values)
                    obj.save()
                    audit.record(by, f"recruitment.{noun}.added", obj, **_plain(values))
    except IntegrityError as error:
        raise RecruitmentError(_("Two rows cannot have the same name.")) from error
    return list(existing.all())


def _refuse_repeated_names(rows: list[Row]) -> None:
    seen: set[str] = set()
    for row in rows:
        name = fold(str(row.values.get("name", "")))
        if name in seen:
            raise RecruitmentError(
                _("“%(name)s” is in the list twice. Give each row its own name.")
                % {"name": row.values["name"]}
            )
        seen.add(name)


def _next_order(existing: models.QuerySet[Any]) -> int:
    if "order" not in {field.name for field in existing.model._meta.fields}:
        return 0
    highest = existing.aggregate(highest=Max("order"))["highest"]
    return 1 if highest is None else highest + 1


def _remove(obj: Any, *, by: Any, noun: str, in_use: Callable[[Any], str | None]) -> None:
    problem = in_use(obj)
    if problem:
        raise RecruitmentError(problem)
    audit.record(by, f"recruitment.{noun}.removed", obj, name=str(obj))
    obj.delete()


def _update(obj: Any, values: dict[str, Any], *, by: Any, noun: str) -> None:
    changes = {
        field: [getattr(obj, field), value]
        for field, value in values.items()
        if getattr(obj, field) != value
    }
    if not changes:
        return
    for field, value in values.items():
        setattr(obj, field, value)
    obj.save()
    audit.record(by, f"recruitment.{noun}.updated", obj, changes=changes)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if isinstance(value, str | int)}


# Removing something applicants chose (or reviewers scored) would quietly change their
# answers, so it is refused; renaming is allowed.
def _topic_in_use(topic: Topic) -> str | None:
    if Application.objects.filter(topics=topic).exists():
        return _("Applicants chose “%(name)s”, so it cannot be removed. Rename it instead.") % {
            "name": topic.name
        }
    return None


def _programme_in_use(programme: Programme) -> str | None:
    applications = Application.objects.filter(
        call__cohort__scheme__organisation=programme.organisation_id
    )
    studying = applications.filter(programme=programme).exists()
    teaching = any(
        isinstance(entry, dict) and entry.get("programme") == programme.pk
        for taught in applications.exclude(teaching=[]).values_list("teaching", flat=True)
        for entry in (taught or [])
    )
    if studying or teaching:
        return _("Applicants named “%(name)s”, so it cannot be removed. Rename it instead.") % {
            "name": programme.name
        }
    return None


def _criterion_in_use(criterion: RubricCriterion) -> str | None:
    if Review.objects.filter(scores__has_key=str(criterion.pk)).exists():
        return _("Reviewers have scored “%(name)s”, so it cannot be removed.") % {
            "name": criterion.name
        }
    return None


# --- Staff lists and exports --------------------------------------------------------------


def invite_staff_list(cohort: Cohort, *, people: list[Person], by: Any) -> list[Invitation]:
    """Invite everyone on a checked staff list as a staff mentee: all of them, or nobody."""
    invitations = []
    with transaction.atomic():
        for person in people:
            try:
                invitation = invite_person(cohort, email=person.email, role=Role.MENTEE, by=by)
            except AccountsError as error:
                raise RecruitmentError(
                    _("Line %(line)s: %(problem)s Nobody was invited.")
                    % {"line": person.line, "problem": error}
                ) from error
            invitations.append(invitation)
        audit.record(by, "recruitment.staff_list.imported", cohort, invited=len(invitations))
    return invitations


def record_export(call: Call, *, fmt: str, rows: int, by: Any) -> None:
    """Downloads of applicants' personal data are audited like changes are."""
    with transaction.atomic():
        audit.record(by, "recruitment.applications.exported", call, format=fmt, rows=rows)
