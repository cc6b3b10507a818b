"""Plain-English reasons for a proposed pair, and for someone left unmatched."""

from __future__ import annotations

from typing import Any

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from flipside.recruitment.models import AVAILABILITY_SLOTS, PARTS_OF_DAY, WEEKDAYS

from . import engine
from .loader import Loaded

DAYS = dict(WEEKDAYS)
PARTS = dict(PARTS_OF_DAY)
PREFERENCES = {
    engine.SAME_SITE: gettext_lazy("someone at the same site"),
    engine.OTHER_SITE: gettext_lazy("someone at a different site"),
    engine.NOT_MY_PROGRAMME: gettext_lazy("someone from outside their own programme or department"),
}
CONSTRAINTS: dict[str, Any] = {
    engine.Constraint.TEACHING: gettext_lazy(
        "a conflict of interest (teaches or assesses their year)"
    ),
    engine.Constraint.NAMED: gettext_lazy("a conflict one of them declared"),
    engine.Constraint.NEVER: gettext_lazy("a coordinator's “never pair” rule"),
    engine.Constraint.PAST: gettext_lazy("paired with each other before"),
    engine.Constraint.DEPARTMENT: gettext_lazy("the same department or clinical team"),
    engine.Constraint.MEET: gettext_lazy("no way to meet (meeting mode or site)"),
    engine.Constraint.CAPACITY: gettext_lazy("partners already full through kept pairs"),
}


def slot_label(index: int) -> str:
    day, part = AVAILABILITY_SLOTS[index].split("-")
    return f"{DAYS[day]} {PARTS[part]}"


def _and(items: list[str]) -> str:
    return str(get_text_list(items, _("and")))


def pair_reasons(loaded: Loaded, mentor: int, mentee: int) -> tuple[int, list[str], list[str]]:
    """The pair's score, its reasons (largest contribution first) and any warnings."""
    b = engine.breakdown(loaded.problem, mentor, mentee)
    reasons: list[tuple[float, str]] = []
    warnings: list[str] = []
    if b.topics:
        names = [loaded.topics[k].name.lower() for k in b.topics[:3]]
        reasons.append(
            (
                b.points.get("topics", 0),
                _(
                    "The mentee hopes to understand %(topics)s, which the mentor offered to "
                    "talk about."
                )
                % {"topics": _and(names)},
            )
        )
    if b.slots:
        labels = [slot_label(k) for k in b.slots[:3]]
        more = len(b.slots) - len(labels)
        text = _("Both are available on %(slots)s") % {"slots": _and(labels)}
        if more:
            text += ngettext(" (and %(n)d more time)", " (and %(n)d more times)", more) % {
                "n": more
            }
        reasons.append((b.points.get("availability", 0), text + "."))
    else:
        warnings.append(_("They have no weekly time in common."))
    site = loaded.sites.get(int(loaded.problem.mentors.site[mentor]), "")
    meeting = {
        "online": _("Both can meet online."),
        "same_site": _("Both are based at %(site)s.") % {"site": site} if site else "",
        "in_person_unknown_site": _("Both can meet in person."),
    }.get(b.meeting, "")
    if meeting:
        reasons.append((b.points.get("mode_site", 0), meeting))
    if b.meeting == "in_person_other_site":
        warnings.append(_("They would meet in person but are based at different sites."))
    if b.meeting == "cannot_meet":
        warnings.append(_("Their meeting modes do not fit together."))
    for who, bit in b.prefs_met:
        text = (
            _("The mentor asked for %(what)s.")
            if who == "mentor"
            else _("The mentee asked for %(what)s.")
        ) % {"what": PREFERENCES[bit]}
        reasons.append((b.points.get("preferences", 0), text))
    for who, bit in b.prefs_unmet:
        person = _("the mentor") if who == "mentor" else _("the mentee")
        warnings.append(
            _("Not what %(person)s asked for: %(what)s.")
            % {"person": person, "what": PREFERENCES[bit]}
        )
    reasons.sort(key=lambda item: -item[0])
    return b.score, [text for _points, text in reasons[:4]], warnings


def unplaced_detail(unplaced: engine.Unplaced, *, other_side: str) -> str:
    """Why someone is unmatched, in words: what excluded their possible partners."""
    if unplaced.reason == "no_partner":
        return _("There are no %(side)s to pair with.") % {"side": other_side}
    parts = [
        ngettext("%(n)d by %(why)s", "%(n)d by %(why)s", n) % {"why": CONSTRAINTS[code], "n": n}
        for code, n in sorted(unplaced.excluded.items(), key=lambda item: (-item[1], item[0]))
        if n and code in CONSTRAINTS
    ]
    if unplaced.reason == "conflict":
        return _("Every possible partner is excluded: %(parts)s.") % {"parts": "; ".join(parts)}
    text = _(
        "Their possible partners all went to pairs that gave a better overall result "
        "(more pairs, or higher scores)."
    )
    if parts:
        text += " " + _("Others were excluded: %(parts)s.") % {"parts": "; ".join(parts)}
    return text
