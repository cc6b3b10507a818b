"""Talking points: a scheme's library of conversation starters, grouped by theme.

Coordinators add, edit, publish, retire and bring back points; partners suggest new ones
(which wait for a coordinator) and mark the ones their pair has used. Partners never learn who
suggested a point; coordinators do.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from flipside.lib.conflicts import EditConflict
from flipside.matching.models import Pair
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Scheme

from ..models import TalkingPoint, TalkingPointUse
from ..permissions import NotNow, require_can_act
from . import PartnershipError

Status = TalkingPoint.Status


class PointConflict(PartnershipError, EditConflict):
    """Someone changed the talking point after the editor opened it."""


# decision: (states it may be taken from, the state it leads to, audit verb)
DECISIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "publish": ((Status.SUGGESTED,), Status.PUBLISHED, "published"),
    "decline": ((Status.SUGGESTED,), Status.DECLINED, "declined"),
    "retire": ((Status.PUBLISHED,), Status.RETIRED, "retired"),
    "restore": ((Status.RETIRED,), Status.PUBLISHED, "restored"),
}


def _clean(theme: str, text: str) -> tuple[str, str]:
    theme, text = " ".join(theme.split()), text.strip()
    if not theme or not text:
        raise PartnershipError(_("Enter a theme and the talking point."))
    return theme[:100], text[:600]


def add_point(scheme: Scheme, *, by: Any, theme: str, text: str) -> TalkingPoint:
    """A coordinator adds a point straight to the library. A double submit adds it once."""
    theme, text = _clean(theme, text)
    with transaction.atomic():
        Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
        existing = TalkingPoint.objects.filter(
            scheme=scheme, theme=theme, text=text, status=Status.PUBLISHED
        ).first()
        if existing is not None:
            return existing
        point = TalkingPoint.objects.create(
            scheme=scheme, theme=theme, text=text, status=Status.PUBLISHED
        )
        audit.record(by, "partnerships.talking_point.added", point)
    return point


def suggest_point(cohort: Cohort, *, by: Any, theme: str, text: str) -> TalkingPoint:
    """A partner suggests a point for the scheme's library; it waits for a coordinator. The
    same suggestion sent twice is kept once."""
    theme, text = _clean(theme, text)
    with transaction.atomic():
        Scheme.objects.select_for_update().filter(pk=cohort.scheme_id).first()
        existing = TalkingPoint.objects.filter(
            scheme_id=cohort.scheme_id, theme=theme, text=text, suggested_by=by,
            status=Status.SUGGESTED,
        ).first()  # fmt: skip
        if existing is not None:
            return existing
        point = TalkingPoint.objects.create(
            scheme_id=cohort.scheme_id, theme=theme, text=text, status=Status.SUGGESTED,
            suggested_by=by,
        )  # fmt: skip
        audit.record(by, "partnerships.talking_point.suggested", point)
    return point


def update_point(
    point: TalkingPoint, *, by: Any, version: int, theme: str, text: str
) -> TalkingPoint:
    """Change a point's theme or wording, if nobody saved it since ``version``."""
    theme, text = _clean(theme, text)
    with transaction.atomic():
        changed = TalkingPoint.objects.filter(pk=point.pk, version=version).update(
            theme=theme, text=text, version=version + 1
        )
        if not changed:
            raise PointConflict(
                _("This talking point was changed while you were editing. Nothing was saved: "
                  "check what is saved now and save again if you still want your wording."),
                latest=TalkingPoint.objects.get(pk=point.pk),
            )  # fmt: skip
        point.refresh_from_db()
        audit.record(by, "partnerships.talking_point.updated", point)
    return point


def decide(point: TalkingPoint, *, by: Any, decision: str) -> TalkingPoint:
    """Publish or decline a suggestion, retire a published point or bring back a retired one.
    Taking the same decision twice changes nothing the second time."""
    if decision not in DECISIONS:
        raise PartnershipError(_("Choose what to do with the talking point."))
    sources, target, verb = DECISIONS[decision]
    with transaction.atomic():
        locked = TalkingPoint.objects.select_for_update().get(pk=point.pk)
        if locked.status == target:  # taken already (a double submit)
            return locked
        if locked.status not in sources:
            raise PartnershipError(
                _("This talking point is now “%(status)s”, so that cannot be done.")
                % {"status": locked.get_status_display()}
            )
        locked.status = target
        locked.version += 1
        locked.save(update_fields=["status", "version"])
        audit.record(by, f"partnerships.talking_point.{verb}", locked)
    return locked


def mark_used(pair: Pair, point: TalkingPoint, *, by: Any, used: bool) -> bool:
    """Mark (``used``) or unmark a point for the pair. Idempotent: the form says which state
    it wants, so a double submit leaves it there. Returns whether anything changed."""
    if point.scheme_id != pair.cohort.scheme_id:
        raise PartnershipError(_("This talking point is not in your scheme's library."))
    try:
        require_can_act(pair, by)
    except NotNow as error:
        raise PartnershipError(str(error)) from error
    with transaction.atomic():
        if not used:
            deleted, _rows = TalkingPointUse.objects.filter(pair=pair, point=point).delete()
            if deleted:
                audit.record(by, "partnerships.talking_point.unmarked", point, pair=pair.pk)
            return bool(deleted)
        if point.status != Status.PUBLISHED:
            raise PartnershipError(_("This talking point is no longer in the library."))
        if TalkingPointUse.objects.filter(pair=pair, point=point).exists():
            return False
        try:
            with transaction.atomic():
                TalkingPointUse.objects.create(pair=pair, point=point, marked_by=by)
        except IntegrityError:  # the partner marked it at the same moment
            return False
        audit.record(by, "partnerships.talking_point.marked", point, pair=pair.pk)
    return True
