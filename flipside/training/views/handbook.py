"""Training pages: the scheme's handbook and ground rules, read by members, written by
coordinators, acknowledged and accepted by mentors and mentees."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.denied import Hidden
from flipside.schemes.models import Membership, Role, Scheme, Stage
from flipside.schemes.permissions import Action, can, get_scheme

from .. import markdown, services
from ..forms.handbook import AgreementForm, HandbookForm, VersionChoiceForm
from ..models import AgreementAcceptance, HandbookAcknowledgement, HandbookVersion
from ..permissions import get_readable_scheme
from ..readiness import handbook_needing_acknowledgement, valid_acknowledgement

PARTICIPANT_ROLES = (Role.MENTOR, Role.MENTEE)


def _takes_part(user: Any, scheme: Scheme) -> bool:
    """Mentors and mentees acknowledge and accept; coordinators and observers only read."""
    return Membership.objects.filter(
        user=user, cohort__scheme=scheme, role__in=PARTICIPANT_ROLES
    ).exists()


def _posted_version(request: AuthedRequest, versions: Any) -> Any:
    form = VersionChoiceForm(request.POST)
    version = versions.filter(pk=form.cleaned_data["version"]).first() if form.is_valid() else None
    if version is None:
        raise Http404
    return version


def handbook(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_readable_scheme(request.user, scheme_id)
    version = services.current_handbook(scheme)
    takes_part = version is not None and _takes_part(request.user, scheme)
    context = {
        "scheme": scheme,
        "version": version,
        "rendered": markdown.render(version.body) if version else None,
        "can_edit": can(request.user, Action.MANAGE, scheme),
        "takes_part": takes_part,
        "acknowledgement": valid_acknowledgement(request.user, scheme) if takes_part else None,
    }
    return render(request, "training/handbook.html", context)


@require_POST
def acknowledge(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_readable_scheme(request.user, scheme_id)
    if not _takes_part(request.user, scheme):
        raise Hidden
    version: HandbookVersion = _posted_version(request, scheme.handbook_versions.all())
    try:
        services.acknowledge_handbook(version, user=request.user)
    except services.TrainingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Thank you. You have confirmed that you read version %(n)s of the handbook.")
            % {"n": version.number},
        )
    return redirect("training:handbook", scheme.pk)


def handbook_edit(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    current = services.current_handbook(scheme)
    initial = (
        {"title": current.title, "body": current.body} if current else {"title": _("Handbook")}
    )
    number = current.number if current else 0
    form = HandbookForm(request.POST or None, initial=initial, current_number=number)
    preview = None
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "based_on"}
        if request.POST.get("action") != "publish":
            preview = markdown.render(values["body"])
        else:
            try:
                published = services.publish_handbook(scheme, by=request.user, **values)
            except services.TrainingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Version %(n)s of the handbook is published.") % {"n": published.number},
                )
                return redirect("training:handbook", scheme.pk)
    context = {"scheme": scheme, "current": current, "form": form, "preview": preview}
    return render(request, "training/handbook_edit.html", context)


def handbook_versions(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    needed = handbook_needing_acknowledgement(scheme)
    participants = Membership.objects.filter(
        cohort__scheme=scheme, role__in=PARTICIPANT_ROLES
    ).exclude(cohort__stage=Stage.CLOSED)
    participant_ids = participants.values("user_id")
    acknowledged = (
        HandbookAcknowledgement.objects.filter(
            version__scheme=scheme, version__number__gte=needed.number, user__in=participant_ids
        )
        .values("user_id")
        .distinct()
        .count()
        if needed
        else 0
    )
    context = {
        "scheme": scheme,
        "versions": scheme.handbook_versions.select_related("published_by"),
        "needed": needed,
        "acknowledged": acknowledged,
        "participants": participants.values("user_id").distinct().count(),
    }
    return render(request, "training/handbook_versions.html", context)


def agreement(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_readable_scheme(request.user, scheme_id)
    version = services.current_agreement(scheme)
    takes_part = version is not None and _takes_part(request.user, scheme)
    latest = (
        AgreementAcceptance.objects.filter(user=request.user, version__scheme=scheme)
        .select_related("version")
        .order_by("-version__number")
        .first()
        if takes_part
        else None
    )
    context = {
        "scheme": scheme,
        "version": version,
        "rendered": markdown.render(version.body) if version else None,
        "can_edit": can(request.user, Action.MANAGE, scheme),
        "takes_part": takes_part,
        "acceptance": latest if latest and version and latest.version_id == version.pk else None,
        "earlier_acceptance": latest
        if latest and version and latest.version_id != version.pk
        else None,
    }
    return render(request, "training/agreement.html", context)


@require_POST
def agreement_accept(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_readable_scheme(request.user, scheme_id)
    if not _takes_part(request.user, scheme):
        raise Hidden
    version = _posted_version(request, scheme.agreement_versions.all())
    try:
        services.accept_agreement(version, user=request.user)
    except services.TrainingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Thank you. You have accepted version %(n)s of the ground rules.")
            % {"n": version.number},
        )
    return redirect("training:agreement", scheme.pk)


def agreement_edit(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    current = services.current_agreement(scheme)
    number = current.number if current else 0
    initial = {"body": current.body} if current else {}
    form = AgreementForm(request.POST or None, initial=initial, current_number=number)
    preview = None
    if request.method == "POST" and form.is_valid():
        body = form.cleaned_data["body"]
        if request.POST.get("action") != "publish":
            preview = markdown.render(body)
        else:
            published = services.publish_agreement(scheme, body=body, by=request.user)
            messages.success(
                request,
                _("Version %(n)s of the ground rules is published. Every mentor and mentee must "
                  "accept it again.") % {"n": published.number},
            )  # fmt: skip
            return redirect("training:agreement", scheme.pk)
    context = {"scheme": scheme, "current": current, "form": form, "preview": preview}
    return render(request, "training/agreement_edit.html", context)
