"""The apps of the cycle whose offers the home page and the cohort overview show.

Adding an app of the cycle means writing its ``offers`` module (the four functions of
``Offers``) and listing it here; the base never learns its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flipside.accounts.models import User
from flipside.ideas import offers as ideas
from flipside.matching import offers as matching
from flipside.partnerships import offers as partnerships
from flipside.payments import offers as payments
from flipside.recruitment import offers as recruitment
from flipside.reports import offers as reports
from flipside.schemes.models import Cohort, Membership
from flipside.schemes.offers import CardOffer, NextStep, Part, Section
from flipside.surveys import offers as surveys
from flipside.training import offers as training


class Offers(Protocol):
    def coordinator_steps(self, cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
        """The next step for those cohorts at a stage the app runs, by cohort id, decided
        from the cohorts' state in at most one query."""
        ...

    def participant_offers(
        self, user: User, memberships: Sequence[Membership]
    ) -> dict[int, CardOffer]:
        """What the app adds to the person's card for each of their memberships, by id."""
        ...

    def home_sections(self, user: User) -> list[Part]:
        """Sections of the person's home page about what is theirs in the app."""
        ...

    def cohort_sections(
        self, cohort: Cohort, *, can_manage: bool, viewer: User | None = None
    ) -> list[Section]:
        """The app's sections of the cohort overview, drawn (decision 0025): links, and
        figures for coordinators. ``viewer`` is the person looking, where a link is only
        for some coordinators."""
        ...


# In the cycle's order: where two apps speak of the same cohort or card, the later step wins.
PROVIDERS: tuple[Offers, ...] = (
    recruitment,
    training,
    matching,
    partnerships,
    payments,
    surveys,
    ideas,
    reports,
)
