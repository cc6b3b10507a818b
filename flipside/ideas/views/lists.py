"""The lists of ideas: the coordinators' register, a person's own (raised and owned), the
"you said, we did" board (for the organisation's people, and in public when turned on), the
owners of an organisation and the board's settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict
from flipside.schemes.models import Organisation
from flipside.schemes.permissions import roles_of

from .. import forms, selectors
from ..models import Owner
from ..permissions import (
    get_board_admin_organisation,
    get_board_organisation,
    get_managed_organisation,
    get_managed_owner,
    get_public_board,
    get_register,
)
from ..services import owners as services

PER_PAGE = 20
OWNED_SHOWN = 10  # on "Your ideas"; the rest on their own page


def register(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation, cohort_ids = get_register(request.user, organisation_id)
    form = forms.RegisterFilterForm(request.GET)
    filters = form.filters()
    ideas = selectors.register_ideas(cohort_ids, filters)
    page = Paginator(ideas, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "organisation": organisation,
        "form": form,
        "filters": filters,
        "page": page,
        "is_org_coordinator": organisation.pk in roles_of(request.user).organisations,
    }
    return render(request, "ideas/register.html", context)


def mine(request: AuthedRequest) -> HttpResponse:
    raised = Paginator(selectors.raised_by(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    # The first few ideas the person owns, with a link to all of them when there are more.
    owned = list(selectors.owned_by(request.user)[: OWNED_SHOWN + 1])
    context = {"page": raised, "owned": owned[:OWNED_SHOWN], "more_owned": len(owned) > OWNED_SHOWN}
    return render(request, "ideas/mine.html", context)


def owned(request: AuthedRequest) -> HttpResponse:
    """Every idea the person owns (in organisations where they are still an owner), paged."""
    page = Paginator(selectors.owned_by(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "ideas/owned.html", {"page": page})


def board(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation = get_board_organisation(request.user, organisation_id)
    return _board(request, organisation, public=False)


@login_not_required
def public_board(request: HttpRequest, token: str) -> HttpResponse:
    organisation = get_public_board(token)
    return _board(request, organisation, public=True)


def _board(request: HttpRequest, organisation: Organisation, *, public: bool) -> HttpResponse:
    form = forms.BoardFilterForm(request.GET)
    filters = form.filters()
    ideas = selectors.board_ideas(organisation, filters)
    page = Paginator(ideas, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "organisation": organisation,
        "form": form,
        "filters": filters,
        "page": page,
        "public": public,
        "filter_url": request.path,
    }
    return render(request, "ideas/board.html", context)


def owners(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation = get_managed_organisation(request.user, organisation_id)
    found = Owner.objects.filter(organisation=organisation).select_related("user")
    page = Paginator(found.order_by("left_at", "user__display_name", "pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "ideas/owners.html", {"organisation": organisation, "page": page})


@require_POST
def owner_left(request: AuthedRequest, owner_id: int) -> HttpResponse:
    owner = get_managed_owner(request.user, owner_id)
    flagged = services.mark_left(owner, by=request.user)
    messages.success(
        request,
        _("Marked as left. %(n)s open ideas need a new owner.") % {"n": flagged},
    )
    return redirect("ideas:owners", owner.organisation_id)


def board_settings(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation = get_board_admin_organisation(request.user, organisation_id)
    current = services.settings_of(organisation)
    initial = {"public_board": current.public_board, "version": current.version}
    form = forms.BoardSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            current = services.update_board_settings(
                organisation,
                by=request.user,
                public_board=form.cleaned_data["public_board"],
                version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            form = forms.BoardSettingsForm(
                initial={
                    "public_board": conflict.latest.public_board,
                    "version": conflict.latest.version,
                }
            )
            messages.error(request, str(conflict))
        else:
            messages.success(request, _("Board settings saved."))
            return redirect("ideas:settings", organisation.pk)
    public_url: Any = ""
    if current.public_board:
        public_url = request.build_absolute_uri(
            reverse("ideas:public_board", args=[current.public_token])
        )
    context = {"organisation": organisation, "form": form, "public_url": public_url}
    return render(request, "ideas/settings.html", context)
