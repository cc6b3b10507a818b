"""Published pairs: the coordinators' list, ending a pair, finding someone a new partner, and
each participant's page about their own partner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.accounts.types import AuthedRequest
from flipside.lib.denied import Hidden
from flipside.lib.text import isolate
from flipside.privacy import audit
from flipside.recruitment import spreadsheets
from flipside.schemes.models import Cohort, Membership, Role
from flipside.schemes.permissions import Action, can, get_cohort

from .. import forms, profile, selectors, services
from ..models import FirstContact, Pair
from ..permissions import get_pair, own_active_pairs

PER_PAGE = 50
UNPAIRED_SHOWN = 50


def pairs(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    form = forms.PairFilterForm(request.GET)
    filters = form.filters()
    q, status = filters.get("q", ""), filters.get("status", "")
    figures = selectors.pair_figures(cohort)
    counts = figures.counts
    found = selectors.cohort_pairs(cohort, **filters)
    paginator = Paginator(found, PER_PAGE)
    if not q:
        # Without a name search the counts by status already say how long the list is.
        paginator.count = counts.get(status, 0) if status else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.pair_rows(
        cohort,
        counts=counts,
        status=status,
        among=found if q else None,
        offset=(page.number - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    context = {
        "cohort": cohort,
        "form": form,
        "filters": filters,
        "page": page,
        "rows": rows,
        "active_count": counts[Pair.Status.ACTIVE],
        "ended_count": counts[Pair.Status.ENDED],
        **_unpaired(cohort, figures, q=q),
        "published": figures.published,
    }
    return render(request, "matching/pairs.html", context)


def _unpaired(cohort: Cohort, figures: selectors.PairFigures, *, q: str) -> dict[str, Any]:
    """People without a partner, listed only once pairs exist, and only the first few: the
    name search finds the rest. Read only when the cohort's figures say there are any."""
    if not sum(figures.counts.values()) or not figures.unpaired:
        return {"unpaired": [], "unpaired_count": 0}
    if q:
        found = selectors.unpaired(cohort, q=q)
        shown, count = selectors.unpaired_rows(cohort, among=found, limit=UNPAIRED_SHOWN)
    else:
        shown, count = selectors.unpaired_rows(cohort, limit=UNPAIRED_SHOWN, count=figures.unpaired)
    return {"unpaired": shown, "unpaired_count": count}


def export_rows(cohort: Cohort) -> list[list[Any]]:
    """The cohort's pairs as spreadsheet rows: who, since when, and how it ended. Names and
    work email addresses only: no equality answers, statements or declared conflicts."""
    rows: list[list[Any]] = [
        [
            _("Student mentor"), _("Mentor email"), _("Staff mentee"), _("Mentee email"),
            _("Score"), _("Started"), _("Status"), _("Ended"), _("Why it ended"),
        ]
    ]  # fmt: skip
    pairs = cohort.pairs.select_related("mentor", "mentee").order_by("started_at", "pk")
    for pair in pairs:
        ended = timezone.localtime(pair.ended_at).date() if pair.ended_at else ""
        rows.append(
            [
                pair.mentor.display_name, pair.mentor.email, pair.mentee.display_name,
                pair.mentee.email, "" if pair.score is None else pair.score,
                timezone.localtime(pair.started_at).date(), pair.get_status_display(), ended,
                pair.end_reason,
            ]
        )  # fmt: skip
    return rows


def export(request: AuthedRequest, cohort_id: int, fmt: str) -> HttpResponseBase:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    if fmt not in spreadsheets.FORMATS:
        raise Http404
    rows = export_rows(cohort)
    audit.record(request.user, "matching.pairs.exported", cohort, format=fmt, rows=len(rows) - 1)
    return spreadsheets.download(rows, fmt=fmt, name=f"{cohort} pairs", title=str(_("Pairs")))


def end_pair(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_pair(request.user, pair_id)
    form = forms.EndPairForm(request.POST or None)
    if request.method == "POST" and pair.status == Pair.Status.ACTIVE and form.is_valid():
        try:
            services.end_pair(pair, by=request.user, reason=form.cleaned_data["reason"])
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            names = {
                "mentor": isolate(pair.mentor.display_name),
                "mentee": isolate(pair.mentee.display_name),
            }
            messages.success(
                request, _("The pair of %(mentor)s and %(mentee)s has ended. Both have been told.")
                % names,
            )  # fmt: skip
            return redirect("matching:pairs", pair.cohort_id)
    context = {"pair": pair, "cohort": pair.cohort, "form": form}
    return render(request, "matching/end_pair.html", context)


def _participant(cohort: Cohort, user_id: int) -> Membership:
    membership = (
        cohort.memberships.filter(user_id=user_id, role__in=[Role.MENTOR, Role.MENTEE])
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Hidden
    return membership


def rematch(request: AuthedRequest, cohort_id: int, user_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    membership = _participant(cohort, user_id)
    person = membership.user
    form = forms.NewPairForm(request.POST or None, cohort=cohort)
    if request.method == "POST" and form.is_valid() and _pair_up(request, cohort, person, form):
        return redirect("matching:pairs", cohort.pk)
    context = {
        "cohort": cohort,
        "person": person,
        "is_mentor": membership.role == Role.MENTOR,
        "form": form,
        "current": list(own_active_pairs(person, cohort)),
    }
    try:
        context["candidates"] = selectors.rematch_candidates(cohort, user=person)
    except services.MatchingError as error:
        context["problem"] = str(error)
    return render(request, "matching/rematch.html", context)


def _pair_up(request: AuthedRequest, cohort: Cohort, person: Any, form: forms.NewPairForm) -> bool:
    """Pair the chosen two (one of them the person this page is for); False with the reason
    on the form if refused."""
    mentor, mentee = form.cleaned_data["mentor"], form.cleaned_data["mentee"]
    if person not in (mentor, mentee):
        form.add_error(
            None, _("Choose a partner for %(name)s.") % {"name": isolate(person.display_name)}
        )
        return False
    try:
        services.create_pair(cohort, mentor=mentor, mentee=mentee, by=request.user)
    except services.MatchingError as error:
        form.add_error(None, str(error))
        return False
    names = {"mentor": isolate(mentor.display_name), "mentee": isolate(mentee.display_name)}
    message = _("%(mentor)s and %(mentee)s are now paired. Both have been sent an "
                "introduction email.")  # fmt: skip
    messages.success(request, message % names)
    return True


@dataclass
class Partner:
    pair: Pair
    person: Any
    role: str  # the partner's role: "mentor" or "mentee"
    shared: list[profile.Shared]
    i_get_in_touch: bool


def partner(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    """A participant's own partner(s): what each shares, and who gets in touch first."""
    # The pairs bring their cohort and its settings along; may the person take part in it
    # is then answered from their roles, without asking again.
    mine = selectors.own_pairs(request.user, cohort_id)
    if not mine or not can(request.user, Action.TAKE_PART, mine[0].pair.cohort):
        raise Hidden
    cohort = mine[0].pair.cohort
    # No settings yet: created with the defaults.
    first = mine[0].first_contact or services.settings_for(cohort).first_contact
    partners = []
    for pair, other, _first_contact in mine:
        i_mentor = pair.mentor_id == request.user.pk
        mine_first = first == (FirstContact.MENTOR if i_mentor else FirstContact.MENTEE)
        role = Role.MENTEE if i_mentor else Role.MENTOR
        partners.append(
            Partner(
                pair, other, role, profile.shared_profile(cohort, other, name=False), mine_first
            )
        )
    return render(request, "matching/partner.html", {"cohort": cohort, "partners": partners})
