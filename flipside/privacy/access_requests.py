"""Subject access requests: recording one received by email, and producing a person's data
for the person themselves or for a coordinator serving a request. Every production is audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import audit, subject_access
from .models import AccessRequest


class AccessRequestError(Exception):
    """A request that cannot be recorded, with a message a person can act on."""


def record_access_request(
    by: Any, *, organisation: Any, person: Any, received_on: datetime.date, reference: str
) -> AccessRequest:
    """Record a request (once: the same person, date and reference is the same request, so a
    double submit records it once)."""
    if received_on > timezone.localdate():
        raise AccessRequestError("The date received cannot be in the future.")
    values = {"organisation": organisation, "person": person, "received_on": received_on}
    with transaction.atomic():
        found = AccessRequest.objects.filter(**values, reference=reference).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                made = AccessRequest.objects.create(**values, reference=reference, made_by=by)
        except IntegrityError:  # the same request, recorded by a submit running alongside
            return AccessRequest.objects.get(**values, reference=reference)
        audit.record(
            by,
            "privacy.access_request.recorded",
            made,
            person=person.pk,
            received_on=received_on.isoformat(),
            due_on=made.due_on.isoformat(),
        )
    return made


def produce(by: Any, person: Any, *, form: str, request: AccessRequest | None = None) -> Any:
    """Everything held about ``person``, as sections for a page; audited as produced by
    ``by`` (the person themselves, or a coordinator serving ``request``)."""
    sections = subject_access.export(person, for_owner=getattr(by, "pk", None) == person.pk)
    # A download is "<…>.downloaded", like every other file a person takes away (decision 0034).
    verb = "downloaded" if form == "json" else "viewed"
    action = f"privacy.own_data.{verb}" if request is None else f"privacy.access_request.{verb}"
    audit.record(by, action, request or person, form=form, person=person.pk)
    return sections


def as_download(by: Any, person: Any, *, request: AccessRequest | None = None) -> dict[str, Any]:
    """The JSON download of ``produce``."""
    sections = produce(by, person, form="json", request=request)
    return subject_access.as_json(person, sections, produced=timezone.now())
