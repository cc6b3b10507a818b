"""What training offers the home page and the cohort overview: what a participant still has
to do before being paired, the links to training, handbook and ground rules, the sessions'
figures, and the coordinator's next step while a cohort trains."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.accounts.models import User
from flipside.lib import sections as draw
from flipside.schemes.models import Cohort, Membership, Stage
from flipside.schemes.offers import CardOffer, Link, NextStep, Part, Section

from .models import HandbookVersion
from .readiness import PARTICIPANT_ROLES, readiness_of

# Readiness matters until people are paired.
BEFORE_PAIRING = (Stage.TRAINING, Stage.MATCHING)


@dataclass
class ReadinessCard:
    ready: bool
    ready_by_override: bool
    # What is left, each with the page where it is done.
    still_to_do: list[tuple[str, str]] = field(default_factory=list)


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """For cohorts in training: plan a session, else publish the handbook, else see who is
    ready (one query for all the cohorts)."""
    ids = [cohort.pk for cohort in cohorts if cohort.stage == Stage.TRAINING]
    if not ids:
        return {}
    rows = (
        Cohort.objects.filter(pk__in=ids)
        .annotate(
            sessions=Count(
                "training_sessions", filter=Q(training_sessions__cancelled_at__isnull=True)
            ),
            handbook=Exists(HandbookVersion.objects.filter(scheme=OuterRef("scheme"))),
        )
        .values_list("pk", "scheme_id", "sessions", "handbook")
    )
    steps = {}
    for pk, scheme_id, sessions, handbook in rows:
        if not sessions:
            step = NextStep(
                _("Add a training session for mentors."),
                reverse("training:sessions", args=[pk]),
            )
        elif not handbook:
            step = NextStep(
                _("Publish the handbook for mentors and mentees."),
                reverse("training:handbook", args=[scheme_id]),
            )
        else:
            step = NextStep(
                _("Run training for mentors and share the handbook."),
                reverse("training:readiness", args=[pk]),
            )
        steps[pk] = step
    return steps


def participant_offers(user: User, memberships: Sequence[Membership]) -> dict[int, CardOffer]:
    """Links for every mentor and mentee; before pairing, what they still have to do."""
    offers = {}
    for membership in memberships:
        if membership.role not in PARTICIPANT_ROLES:
            continue
        cohort = membership.cohort
        offer = CardOffer(
            links=[
                Link(_("Training"), reverse("training:sessions", args=[cohort.pk])),
                Link(_("Handbook"), reverse("training:handbook", args=[cohort.scheme_id])),
                Link(_("Ground rules"), reverse("training:agreement", args=[cohort.scheme_id])),
            ]
        )
        if cohort.stage in BEFORE_PAIRING:
            card = readiness_card(user, cohort)
            if card is not None:
                offer.parts.append(Part("training/_readiness_card.html", card))
        offers[membership.pk] = offer
    return offers


def readiness_card(user: User, cohort: Cohort) -> ReadinessCard | None:
    """What the person still has to do before they are paired (a few queries per cohort in
    training or matching; people are rarely in more than one such cohort at once)."""
    readiness = readiness_of(user, cohort)
    if readiness is None:
        return None
    links = [
        (readiness.trained, reverse("training:sessions", args=[cohort.pk])),
        (readiness.handbook, reverse("training:handbook", args=[cohort.scheme_id])),
        (readiness.agreement, reverse("training:agreement", args=[cohort.scheme_id])),
    ]
    # ``missing`` lists the checks still False in this same order.
    urls = [url for check, url in links if check is False]
    return ReadinessCard(
        ready=readiness.complete,
        ready_by_override=readiness.override is not None,
        still_to_do=list(zip(readiness.missing, urls, strict=True)),
    )


def home_sections(user: User) -> list[Part]:
    return []


@dataclass
class SessionFigures:
    sessions: int
    to_come: int


# Every coordinator's cohort page asks, so this is plain SQL: the ORM took ~1.5 ms to
# compile the two counts. Cancelled sessions are not counted.
_SESSION_FIGURES_SQL = """
    SELECT COUNT(*), COUNT(CASE WHEN starts_at > %s THEN 1 END)
    FROM training_trainingsession WHERE cohort_id = %s AND cancelled_at IS NULL
"""


def cohort_sections(
    cohort: Cohort, *, can_manage: bool, viewer: User | None = None
) -> list[Section]:
    """Everyone who sees the cohort gets its training link; its coordinators also the
    readiness link and how many sessions there are and are still to come (one query)."""
    figures = None
    if can_manage:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_SESSION_FIGURES_SQL, [now, cohort.pk])
            sessions, to_come = cursor.fetchone()
        figures = SessionFigures(sessions=sessions, to_come=to_come)
    return [Section(_section(cohort, figures), figures)]


def _section(cohort: Cohort, figures: SessionFigures | None) -> SafeString:
    after = ""
    if figures is not None:
        sessions = ngettext("%(n)s session", "%(n)s sessions", figures.sessions) % {
            "n": figures.sessions
        }
        to_come = _("%(n)s still to come") % {"n": figures.to_come}
        after = draw.muted(f"({sessions}, {to_come})")
    parts: list[object] = [
        draw.heading(_("Training")),
        draw.paragraph(
            draw.link(draw.url("training:sessions", cohort.pk), _("Training sessions"), after)
        ),
    ]
    if figures is not None:  # the cohort's coordinators
        readiness = draw.link(
            draw.url("training:readiness", cohort.pk),
            _("Readiness"),
            draw.muted(_("(who is ready to be paired)")),
        )
        parts.append(draw.paragraph(readiness))
    return draw.join(parts)
