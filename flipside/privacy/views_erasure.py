"""Erasing a person, for an organisation coordinator serving an erasure request: find the
person, see what will be deleted, anonymised and kept, confirm with the request's reference."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from flipside.lib.picker import search_people

from . import erasure, permissions
from .forms import ErasureForm, PersonSearchForm

HEADINGS = {
    erasure.DELETE: _("Deleted"),
    erasure.ANONYMISE: _("Kept, with an erased person in their place"),
    erasure.MINIMISE: _("Kept because the law requires it, minimised"),
    erasure.KEEP: _("Kept as they are"),
}


@require_GET
def find(request: HttpRequest) -> HttpResponse:
    # Erased people are left out by the database, so they never take a place in the limit.
    people = permissions.erasable_people(request.user).exclude(
        email__iendswith="@" + erasure.ERASED_DOMAIN
    )
    form = PersonSearchForm(request.GET or None)
    found = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = search_people(people, form.cleaned_data["q"])
    return render(request, "privacy/erasure_find.html", {"form": form, "found": found})


@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, person_id: int) -> HttpResponse:
    person = permissions.get_erasable_person(request.user, person_id)
    if erasure.is_erased(person):
        messages.info(request, _("That person's records were already erased."))
        return redirect("privacy:erasure_find")
    refusal = erasure.refusal(person)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            erasure.erase(person, by=request.user, reference=form.cleaned_data["reference"])
        except erasure.ErasureRefused as refused:
            refusal = str(refused)
        else:
            done = _("The person's records are erased. The audit log records that you did it.")
            messages.success(request, done)
            return redirect("privacy:erasure_find")
    groups = []
    for action in (erasure.DELETE, erasure.MINIMISE, erasure.ANONYMISE, erasure.KEEP):
        lines = [line for line in erasure.plan(person) if line.action == action]
        if lines:
            groups.append((HEADINGS[action], lines))
    context = {"person": person, "form": form, "groups": groups, "refusal": refusal}
    return render(request, "privacy/erasure_confirm.html", context, status=200)
