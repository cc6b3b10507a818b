"""Talking points: the library partners read, mark and suggest to; the coordinators' page
where they curate it. Partners never see who suggested a point."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, Saved, form_after_conflict
from flipside.lib.denied import Hidden
from flipside.matching.models import Pair
from flipside.schemes.models import Membership, Role, Scheme
from flipside.schemes.permissions import Action, can, get_cohort, get_scheme

from ..forms_points import PointForm, SuggestForm
from ..models import TalkingPoint, TalkingPointUse
from ..permissions import get_managed_point, get_own_pair
from ..services import PartnershipError
from ..services import points as services

Status = TalkingPoint.Status
PER_PAGE = 100
WAITING_SHOWN = 50  # the oldest suggestions; deciding on them brings the next ones


@dataclass
class Theme:
    name: str
    points: list[TalkingPoint] = field(default_factory=list)
    used: int = 0
    published: int = 0
    total: int = 0


def _by_theme(points: list[TalkingPoint], used: set[int] = frozenset()) -> list[Theme]:  # type: ignore[assignment]
    themes: dict[str, Theme] = {}
    for point in points:
        theme = themes.setdefault(point.theme, Theme(point.theme))
        theme.points.append(point)
        theme.used += point.pk in used
    return list(themes.values())


def _themes_of(scheme_id: int) -> list[str]:
    return list(
        TalkingPoint.objects.filter(scheme_id=scheme_id)
        .exclude(status=Status.DECLINED)
        .values_list("theme", flat=True)
        .distinct()
    )


def _partner_roles(user: Any, cohort: Any) -> bool:
    return Membership.objects.filter(
        cohort=cohort, user=user, role__in=[Role.MENTOR, Role.MENTEE]
    ).exists()


# --- Partners and members: reading, marking, suggesting -----------------------------------


def library(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.TAKE_PART)
    user = request.user
    # Only the published library, and never who suggested a point.
    points = list(
        # Themes in the order their first point was added: the library's own order.
        TalkingPoint.objects.filter(scheme_id=cohort.scheme_id, status=Status.PUBLISHED)
        .only("pk", "theme", "text")
        .order_by("pk")
    )
    pair = (
        Pair.objects.filter(cohort=cohort, status=Pair.Status.ACTIVE)
        .filter(Q(mentor=user) | Q(mentee=user))
        .order_by("pk")
        .first()
    )
    used: set[int] = set()
    if pair is not None:
        used = set(
            TalkingPointUse.objects.filter(pair=pair, point__in=points).values_list(
                "point_id", flat=True
            )
        )
    context = {
        "cohort": cohort,
        "themes": _by_theme(points, used),
        "total": len(points),
        "pair": pair,
        "used": used,
        "used_count": len(used),
        "can_suggest": _partner_roles(user, cohort),
        "can_manage": can(user, Action.MANAGE, cohort.scheme),
        "can_view_cohort": can(user, Action.VIEW, cohort),
        "here": request.get_full_path(),
    }
    return render(request, "partnerships/points/library.html", context)


def _safe_next(request: AuthedRequest) -> str | None:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_POST
def mark_used(request: AuthedRequest, pair_id: int, point_id: int) -> HttpResponse:
    pair = get_own_pair(request.user, pair_id)
    point = TalkingPoint.objects.filter(pk=point_id, scheme_id=pair.cohort.scheme_id).first()
    if point is None:
        raise Http404
    wanted = request.POST.get("used")
    if wanted in ("1", "0"):
        used = wanted == "1"
    else:  # no state given: toggle
        used = not TalkingPointUse.objects.filter(pair=pair, point=point).exists()
    try:
        services.mark_used(pair, point, by=request.user, used=used)
    except PartnershipError as error:
        messages.error(request, str(error))
    else:
        if used:
            messages.success(request, _("Marked as used by your pair."))
        else:
            messages.success(request, _("No longer marked as used."))
    return redirect(_safe_next(request) or reverse("partnerships:points", args=[pair.cohort_id]))


def suggest(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.TAKE_PART)
    if not _partner_roles(request.user, cohort):
        raise Hidden
    form = SuggestForm(request.POST or None, themes=_themes_of(cohort.scheme_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.suggest_point(cohort, by=request.user, **form.values())
        except PartnershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Thank you. The coordinators will read your suggestion and decide whether "
                  "to add it to the library."),
            )  # fmt: skip
            return redirect("partnerships:points", cohort.pk)
    context = {
        "cohort": cohort,
        "form": form,
        "can_view_cohort": can(request.user, Action.VIEW, cohort),
    }
    return render(request, "partnerships/points/suggest.html", context)


# --- Coordinators: curating the library ---------------------------------------------------


def _theme_counts(scheme: Scheme) -> tuple[dict[str, Counter[str]], int]:
    """How many of the library's points each theme has in each status, and how many
    suggestions are waiting: one query."""
    counts: dict[str, Counter[str]] = {}
    waiting = 0
    rows = TalkingPoint.objects.filter(scheme=scheme).values("theme", "status")
    for row in rows.annotate(n=Count("pk")).order_by():
        if row["status"] == Status.SUGGESTED:
            waiting += row["n"]
        else:
            counts.setdefault(row["theme"], Counter())[row["status"]] = row["n"]
    return counts, waiting


def manage(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    form = PointForm(request.POST or None, themes=_themes_of(scheme.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_point(scheme, by=request.user, **form.values())
        except PartnershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Talking point added. Partners can see it now."))
            return redirect("partnerships:points_manage", scheme.pk)
    waiting = list(
        TalkingPoint.objects.filter(scheme=scheme, status=Status.SUGGESTED)
        .select_related("suggested_by")
        .order_by("created_at", "pk")[:WAITING_SHOWN]
    )
    library = TalkingPoint.objects.filter(scheme=scheme).exclude(status=Status.SUGGESTED)
    page = Paginator(library.order_by("theme", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    counts, waiting_count = _theme_counts(scheme)
    themes = _by_theme(list(page))
    for theme in themes:
        theme.published = counts.get(theme.name, Counter())[Status.PUBLISHED]
        theme.total = sum(counts.get(theme.name, Counter()).values())
    context = {
        "scheme": scheme,
        "form": form,
        "waiting": waiting,
        "waiting_count": waiting_count,
        "themes": themes,
        "page": page,
        "cohorts": scheme.cohorts.order_by("-starts_on"),
    }
    return render(request, "partnerships/points/manage.html", context)


def _saved_now(latest: TalkingPoint) -> Saved:
    return [(_("Theme"), latest.theme), (_("Talking point"), latest.text)]


def edit(request: AuthedRequest, point_id: int) -> HttpResponse:
    point = get_managed_point(request.user, point_id)
    themes = _themes_of(point.scheme_id)
    form = PointForm(request.POST or None, point=point, themes=themes)
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_point(
                point, by=request.user, version=form.cleaned_data["version"] or 0, **form.values()
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST,
                conflict,
                build=lambda data, latest: PointForm(data, point=latest, themes=themes),
                saved=_saved_now,
            )
        except PartnershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Talking point saved."))
            return redirect("partnerships:points_manage", point.scheme_id)
    context = {"form": form, "point": point, "scheme": point.scheme, "saved": saved}
    return render(request, "partnerships/points/edit.html", context)


DONE = {
    "publish": gettext_lazy("Suggestion added to the library. Partners can see it now."),
    "decline": gettext_lazy("Suggestion not added. It stays on record here."),
    "retire": gettext_lazy("Talking point taken out of the library. Partners no longer see it."),
    "restore": gettext_lazy("Talking point back in the library."),
}


@require_POST
def decide(request: AuthedRequest, point_id: int) -> HttpResponse:
    point = get_managed_point(request.user, point_id)
    decision = request.POST.get("decision", "")
    try:
        services.decide(point, by=request.user, decision=decision)
    except PartnershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, str(DONE[decision]))
    url = reverse("partnerships:points_manage", args=[point.scheme_id])
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdecimal() and len(page) < 6 else url)
