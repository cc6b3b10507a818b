"""What an app offers the pages of the top floor (each person's home page, a cohort's
overview), in shapes the base defines so that it never has to know the apps that fill them.

Each app of the cycle has an ``offers`` module with the four functions the home app lists in
``flipside/home/providers.py``; this module holds the shapes they return, and the base's own
offer: the coordinator's next step for the stages no app of the cycle runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .models import Cohort, Stage


@dataclass(frozen=True)
class NextStep:
    """What a coordinator should do next for a cohort, and the page where it is done (none:
    it is done on the cohort's own page, such as a change of stage).

    Apps offer steps in the cycle's order and a later app's step replaces an earlier one,
    except a ``fallback``: a step worth doing when nothing more pressing is (scheduling a
    survey, triaging ideas, the closed cohort's evaluation), which only fills a cohort's step
    when it has none or only another fallback."""

    text: str
    url: str = ""
    fallback: bool = False

    def replaces(self, current: NextStep | None) -> bool:
        """Whether this step, offered by a later app, takes the place of ``current``."""
        return not self.fallback or current is None or current.fallback


@dataclass(frozen=True)
class Link:
    text: str
    url: str
    download: bool = False


@dataclass(frozen=True)
class Part:
    """Something an app shows on a page of the top floor: ``template`` is included with this
    part as ``part``, and finds what it shows in ``part.data``."""

    template: str
    data: Any = None


@dataclass(frozen=True)
class Section:
    """An app's section of a cohort's overview, drawn already (``html``: every coordinator's
    cohort page shows seven, decision 0025), with the figures it shows as ``data``."""

    html: SafeString
    data: Any = None


@dataclass
class CardOffer:
    """What one app adds to a participant's card for one cohort."""

    # Replaces the next step said so far (by the stage, or an earlier step of the cycle).
    next_step: str = ""
    # Shown inside the card, such as what is left to do before being paired.
    parts: list[Part] = field(default_factory=list)
    # Shown as cards of their own just before it, such as each partner.
    own_cards: list[Part] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    # What earlier steps of the cycle asked of the person no longer applies (once paired,
    # being ready to be paired): their parts and next step are dropped.
    supersedes: bool = False


# The stages no app of the cycle runs: their step is the same whatever the cohort's state.
COORDINATOR_STEP: dict[str, Any] = {
    Stage.PLANNING: _("Check the dates and meeting rules, then open recruitment."),
    Stage.CLOSED: _("Evaluate the year and share what changed."),
}


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """The next step for cohorts in planning (done on the cohort's page: dates, rules and
    opening recruitment) or closed. No query."""
    return {
        cohort.pk: NextStep(
            str(COORDINATOR_STEP[cohort.stage]), fallback=cohort.stage == Stage.CLOSED
        )
        for cohort in cohorts
        if cohort.stage in COORDINATOR_STEP
    }
