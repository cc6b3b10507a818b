"""One idea's page (what it says, where it is, its history) and what is done there: moving
it on, a proposer's choice to be named, giving it an owner, merging it into another."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, Saved, form_after_conflict
from flipside.lib.denied import Hidden
from flipside.lib.picker import search_people
from flipside.schemes.permissions import managed_cohorts

from .. import forms, selectors
from ..models import Idea, Proposer, Status
from ..permissions import Access, get_idea, get_managed_idea, get_managed_organisation
from ..services import IdeasError
from ..services import ideas as services
from ..services import owners as owner_services
from .record import refused


def _saved(latest: Idea) -> Saved:
    return [
        (_("Status"), Status(latest.status).label),
        (_("Owner"), latest.owner.display_name if latest.owner else ""),
        (_("Merged into"), latest.merged_into.title if latest.merged_into else ""),
    ]


def idea(request: AuthedRequest, idea_id: int) -> HttpResponse:
    found, access = get_idea(request.user, idea_id)
    return _page(request, found, access)


def _page(
    request: AuthedRequest,
    found: Idea,
    access: Access,
    *,
    status_form: Any = None,
    saved: Saved | None = None,
) -> HttpResponse:
    proposers = list(Proposer.objects.filter(idea=found).select_related("user"))
    if not access.sees_names:  # owners and partners see only those who chose to be named
        proposers = [p for p in proposers if p.named or p.user_id == request.user.pk]
    move = access.move and found.is_open
    context = {
        "idea": found,
        "access": access,
        "proposers": proposers,
        "history": selectors.history(found),
        "experience": services.experience_of(found) if access.sees_experience else "",
        "duplicates": Idea.objects.filter(merged_into=found).order_by("created_at", "pk"),
        "status_form": (status_form or forms.StatusForm(idea=found)) if move else None,
        "saved": saved,
    }
    return render(request, "ideas/idea.html", context)


@require_POST
def change_status(request: AuthedRequest, idea_id: int) -> HttpResponse:
    found, access = get_idea(request.user, idea_id)
    if not access.move:
        raise Hidden
    form = forms.StatusForm(request.POST, idea=found)
    saved = None
    if request.POST.get("version", str(found.version)) != str(found.version):
        # The idea moved on after the form was drawn (another coordinator, a moment ago): say
        # so, rather than judge the choice against a status this person has not seen.
        form, saved = form_after_conflict(
            request.POST, services.stale(found), build=_status_form, saved=_saved
        )
    elif form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.change_status(
                found,
                by=request.user,
                to=data["status"],
                version=data["version"],
                note=data["note"],
                reason=data["reason"],
                outcome=data["outcome"],
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST, conflict, build=_status_form, saved=_saved
            )
            found = conflict.latest
        except IdeasError as error:
            refused(form, error)
        else:
            label = Status(changed.status).label
            messages.success(request, _("Status changed to “%(s)s”.") % {"s": label})
            return redirect("ideas:idea", found.pk)
    return _page(request, found, access, status_form=form, saved=saved)


def _status_form(data: QueryDict, latest: Idea) -> forms.StatusForm:
    return forms.StatusForm(data, idea=latest)


@require_POST
def naming(request: AuthedRequest, idea_id: int) -> HttpResponse:
    found, access = get_idea(request.user, idea_id)
    if access.proposer is None:
        raise Hidden
    form = forms.NamingForm(request.POST)
    form.is_valid()
    try:
        services.set_named(found, by=request.user, named=form.cleaned_data.get("named", False))
    except IdeasError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your choice is saved."))
    return redirect("ideas:idea", found.pk)


def owner(request: AuthedRequest, idea_id: int) -> HttpResponse:
    found = get_managed_idea(request.user, idea_id)
    people = selectors.possible_owners(found.organisation_id)
    pick = forms.OwnerForm(initial={"version": found.version})
    invite = forms.InviteOwnerForm(initial={"version": found.version})
    saved = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "invite":
            invite = forms.InviteOwnerForm(request.POST)
            form: Any = invite
        else:
            pick = forms.OwnerForm(request.POST)
            form = pick
        pick.fields["person"].queryset = people  # type: ignore[attr-defined]
        if form.is_valid():
            try:
                _give(request, found, form)
            except EditConflict as conflict:
                form.add_error(None, str(conflict))
                saved = _saved(conflict.latest)
            except IdeasError as error:
                refused(form, error)
            else:
                messages.success(request, _("Owner saved. They have been emailed."))
                return redirect("ideas:idea", found.pk)
    search_url = _search_url(found)
    pick.fields["person"].search_url = search_url  # type: ignore[attr-defined]
    pick.fields["person"].queryset = people  # type: ignore[attr-defined]
    context = {
        "idea": found,
        "pick": pick,
        "invite": invite,
        "saved": saved,
        "form": pick if pick.errors else invite,
    }
    return render(request, "ideas/owner.html", context)


def _give(request: AuthedRequest, found: Idea, form: Any) -> None:
    data = form.cleaned_data
    if isinstance(form, forms.InviteOwnerForm):
        owner_services.invite_owner(
            found, by=request.user, name=data["name"], email=data["email"], version=data["version"]
        )
    else:
        owner_services.assign_owner(
            found, by=request.user, owner=data["person"], version=data["version"]
        )


def _search_url(found: Idea) -> str:
    from django.urls import reverse

    return reverse("ideas:owner_search", args=[found.organisation_id])


@require_GET
def owner_search(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    """Up to ten people who may own ideas matching ``q``, as a person picker's options."""
    organisation = get_managed_organisation(request.user, organisation_id)
    text = request.GET.get("q", "")[:100]
    found = search_people(selectors.possible_owners(organisation.pk), text)
    return render(request, "schemes/_people_options.html", {"found": found, "text": text})


def merge(request: AuthedRequest, idea_id: int) -> HttpResponse:
    found = get_managed_idea(request.user, idea_id)
    cohort_ids = set(managed_cohorts(request.user).values_list("pk", flat=True))
    candidates = selectors.open_ideas_in(cohort_ids, besides=found).select_related("owner")
    form = _merge_form(request, found, candidates)
    saved = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next((o for o in _owners(found, candidates) if o.pk == data["owner"]), None)
        try:
            kept = services.merge_ideas(
                found, into=data["into"], by=request.user, version=data["version"], owner=chosen
            )
        except EditConflict as conflict:
            form.add_error(None, str(conflict))
            saved = _saved(conflict.latest)
        except IdeasError as error:
            refused(form, error)
        else:
            messages.success(
                request, _("Merged. Its proposers and history are now with this idea.")
            )
            return redirect("ideas:idea", kept.pk)
    return render(request, "ideas/merge.html", {"idea": found, "form": form, "saved": saved})


def _owners(found: Idea, candidates: Any) -> list[Any]:
    """Every owner the merge could keep: this idea's and those of the ideas it could join."""
    people = {c.owner.pk: c.owner for c in candidates if c.owner is not None}
    if found.owner is not None:
        people[found.owner.pk] = found.owner
    return sorted(people.values(), key=lambda p: (p.display_name, p.pk))


def _merge_form(request: AuthedRequest, found: Idea, candidates: Any) -> forms.MergeForm:
    return forms.MergeForm(
        request.POST or None, idea=found, candidates=candidates, owners=_owners(found, candidates)
    )
