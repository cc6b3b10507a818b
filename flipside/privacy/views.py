"""The person's own privacy page: their consents, withdrawing one, and "leave me out of
equality monitoring". Each person sees and changes only their own."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import consent, erasure, permissions, services
from .equality import CATEGORIES, QUESTIONS


@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    consents = [
        (item, _covers(item.latest.categories)) for item in consent.consents_of(request.user)
    ]
    context = {"consents": consents, "left_out": consent.is_left_out(request.user)}
    return render(request, "privacy/page.html", context)


def _covers(keys: list[str]) -> str:
    return "; ".join(
        str(CATEGORIES.get(key, QUESTIONS[key].label)) for key in keys if key in QUESTIONS
    )


@require_POST
def withdraw(request: HttpRequest, record_id: int) -> HttpResponse:
    record = permissions.get_own_consent_record(request.user, record_id)
    if services.withdraw_consent(request.user, record):
        messages.success(request, _("You have withdrawn your consent. We no longer use it."))
    else:
        messages.info(request, _("That consent was already withdrawn."))
    return redirect("privacy:page")


@require_POST
def leave_out(request: HttpRequest) -> HttpResponse:
    if services.leave_out_of_equality_monitoring(request.user):
        messages.success(
            request,
            _(
                "You are now left out of equality monitoring. We have deleted any answers you "
                "gave, will not ask you again and no report counts you."
            ),
        )
    else:
        messages.info(request, _("You were already left out of equality monitoring."))
    return redirect("privacy:page")


@require_POST
def include(request: HttpRequest) -> HttpResponse:
    if services.include_in_equality_monitoring(request.user):
        messages.success(
            request,
            _("You may be asked the equality monitoring questions again when you apply."),
        )
    return redirect("privacy:page")


@require_POST
def erasure_request(request: HttpRequest) -> HttpResponse:
    if erasure.request_erasure(request.user):
        messages.success(
            request,
            _(
                "We have told your organisation's coordinators that you want your records "
                "erased. They will check your request and tell you what they have done."
            ),
        )
    else:
        messages.info(request, _("You asked already today. Your organisation's coordinators know."))
    return redirect("privacy:page")
