"""A partner's private journal of their partnership: read and written by its author only.
The partner, coordinators and everyone else see nothing of it (``services.journal``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest

from ..forms_workspace import JournalForm
from ..permissions import NotNow, get_own_pair, partner_of, require_can_act
from ..services import PartnershipError
from ..services import journal as journal_service


def journal(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_own_pair(request.user, pair_id)
    try:
        require_can_act(pair, request.user)
        not_now = ""
    except NotNow as refusal:
        not_now = str(refusal)
    form = JournalForm(request.POST or None)
    if request.method == "POST":
        if not_now:
            form.add_error(None, not_now)
        elif form.is_valid():
            try:
                journal_service.add_entry(pair, request.user, form.cleaned_data["text"])
            except PartnershipError as error:
                form.add_error("text", str(error))
            else:
                messages.success(request, _("Your journal entry is saved. Only you can read it."))
                return redirect("partnerships:journal", pair.pk)
    context = {
        "pair": pair,
        "cohort": pair.cohort,
        "other": partner_of(pair, request.user),
        "form": form,
        "not_now": not_now,
        "page": journal_service.own_entries(pair, request.user, page=request.GET.get("page")),
    }
    return render(request, "partnerships/journal.html", context)


@require_POST
def delete(request: AuthedRequest, entry_id: int) -> HttpResponse:
    pair_id = journal_service.delete_entry(entry_id, request.user)
    if pair_id is not None:
        messages.success(request, _("The journal entry is deleted."))
        return redirect("partnerships:journal", pair_id)
    # Already deleted (a second click), or not theirs: back to their own journal if the form
    # said which, else not found.
    given = request.POST.get("pair", "")
    if not (given.isascii() and given.isdigit() and 0 < len(given) <= 18):
        raise Http404
    pair = get_own_pair(request.user, int(given))
    messages.info(request, _("That journal entry was already deleted."))
    return redirect("partnerships:journal", pair.pk)
