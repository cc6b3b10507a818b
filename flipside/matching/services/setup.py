"""The cohort's matching set-up: its settings and capacities, the rules coordinators set
("never pair", "keep this pair"), and the errors every matching service raises."""

from __future__ import annotations

from typing import Any

from django.db import router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.lib.conflicts import EditConflict
from flipside.lib.sql import columns, fetch, fields_of, instances
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Membership, Role

from .. import engine, explain, loader
from ..models import Capacity, MatchingSettings, PairRule


class MatchingError(Exception):
    """A refusal the coordinator can act on. ``str(error)`` is the message to show."""


class StaleRun(MatchingError, EditConflict):
    """The run or the settings changed since the page was loaded (someone else edited or
    published them); ``latest`` is the run or settings as saved now."""


# --- Settings and capacities ------------------------------------------------------------


SETTINGS_FIELDS = (
    "weight_topics", "weight_availability", "weight_mode_site", "weight_preferences",
    "avoid_same_department", "require_meetable", "first_contact",
)  # fmt: skip


def settings_for(cohort: Cohort) -> MatchingSettings:
    """The cohort's matching settings, created with the defaults on first use."""
    # Read on every matching page: plain SQL (decision 0011), the ORM only to create them.
    alias = router.db_for_read(MatchingSettings)
    sql = f"SELECT {columns(MatchingSettings, 's')} FROM matching_matchingsettings s WHERE s.cohort_id = %s"  # noqa: S608, E501 - fixed fragments  # nosec B608
    rows = fetch(sql, [cohort.pk], fields_of(MatchingSettings), using=alias)
    if rows:
        saved: MatchingSettings = instances(rows[0], MatchingSettings, using=alias)[0]
        return saved
    found, _created = MatchingSettings.objects.get_or_create(cohort=cohort)
    return found


def update_settings(
    cohort: Cohort, *, by: Any, version: int, values: dict[str, Any]
) -> MatchingSettings:
    """Save weights and options (keys are MatchingSettings field names). Raises StaleRun if
    ``version`` is not the saved version, MatchingError if every weight is 0."""
    values = {k: v for k, v in values.items() if k in SETTINGS_FIELDS}
    current = settings_for(cohort)
    weights = {k: values.get(k, getattr(current, k)) for k in SETTINGS_FIELDS if "weight" in k}
    if not any(weights.values()):
        raise MatchingError(_("Give at least one part of the score a weight above 0."))
    with transaction.atomic():
        updated = MatchingSettings.objects.filter(pk=current.pk, version=version).update(
            **values, version=F("version") + 1, updated_at=timezone.now(), updated_by=by
        )
        if not updated:
            raise StaleRun(
                _("Someone else changed these settings since you opened the page. The saved "
                  "values are shown below; make your change again."),
                latest=MatchingSettings.objects.get(pk=current.pk),
            )  # fmt: skip
        current.refresh_from_db()
        audit.record(by, "matching.settings.changed", cohort, **values)
    return current


def _members(cohort: Cohort, role: str) -> Any:
    return Membership.objects.filter(cohort=cohort, role=role)


def require_member(cohort: Cohort, user: Any, role: str) -> None:
    if not _members(cohort, role).filter(user=user).exists():
        raise MatchingError(
            _("%(name)s is not a %(role)s in this cohort.")
            % {"name": user, "role": Role(role).label.lower()}
        )


def set_capacity(cohort: Cohort, *, user: Any, partners: int, by: Any) -> Capacity | None:
    """Allow a mentor or mentee of the cohort 1–5 partners (1 removes the record)."""
    if not 1 <= partners <= 5:
        raise MatchingError(_("A person may have from 1 to 5 partners."))
    if not Membership.objects.filter(
        cohort=cohort, user=user, role__in=[Role.MENTOR, Role.MENTEE]
    ).exists():
        raise MatchingError(
            _("%(name)s is not a mentor or mentee in this cohort.") % {"name": user}
        )
    with transaction.atomic():
        audit.record(by, "matching.capacity.set", cohort, user=user.pk, partners=partners)
        if partners == 1:
            Capacity.objects.filter(cohort=cohort, user=user).delete()
            return None
        found, _created = Capacity.objects.update_or_create(
            cohort=cohort, user=user, defaults={"partners": partners}
        )
        return found


# --- Rules ------------------------------------------------------------------------------


def broken_rules(cohort: Cohort, mentor: Any, mentee: Any) -> tuple[loader.Loaded, list[str]]:
    """Load just these two people and list the hard constraints pairing them would break."""
    loaded = loader.load(
        cohort, settings=settings_for(cohort), include_unready=True, user_ids=[mentor.pk, mentee.pk]
    )
    broken = engine.check_pair(loaded.problem, 0, 0)
    return loaded, [str(explain.CONSTRAINTS[c]) for c in broken]


def add_rule(
    cohort: Cohort, *, mentor: Any, mentee: Any, kind: str, reason: str, by: Any
) -> PairRule:
    """A "never pair" or "keep this pair" rule. Both people must be the cohort's mentor and
    mentee. A lock that breaks a hard constraint is refused (MatchingError saying which); a
    rule for a pair that already has one replaces it."""
    if kind not in PairRule.Kind.values:
        raise MatchingError(_("Choose “never pair” or “keep this pair”."))
    require_member(cohort, mentor, Role.MENTOR)
    require_member(cohort, mentee, Role.MENTEE)
    if kind == PairRule.Kind.LOCK:
        _loaded, broken = broken_rules(cohort, mentor, mentee)
        if broken:
            raise MatchingError(
                _("%(mentor)s and %(mentee)s cannot be kept together: %(why)s.")
                % {"mentor": mentor, "mentee": mentee, "why": "; ".join(broken)}
            )
    with transaction.atomic():
        rule, _created = PairRule.objects.update_or_create(
            cohort=cohort,
            mentor=mentor,
            mentee=mentee,
            defaults={"kind": kind, "reason": reason, "created_by": by,
                      "created_at": timezone.now()},
        )  # fmt: skip
        audit.record(by, f"matching.rule.{kind}_added", cohort, mentor=mentor.pk, mentee=mentee.pk)
    return rule


def remove_rule(rule: PairRule, *, by: Any) -> None:
    with transaction.atomic():
        audit.record(
            by, "matching.rule.removed", rule.cohort, mentor=rule.mentor_id, mentee=rule.mentee_id
        )
        PairRule.objects.filter(pk=rule.pk).delete()
