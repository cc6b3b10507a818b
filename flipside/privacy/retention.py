"""Retention: each scheme's schedule, the rules that say which rows are due, and the daily job
that removes them (decision 0035).

The apps that own the tables register their rules (``register_rule``) from their
``AppConfig.ready()``, so privacy never imports an app of the cycle. A rule names a retention
class, a table, a query for the rows due at a moment given every scheme's schedule, the
lookups from a row to its scheme and to the people it is about (so a legal hold keeps them),
and what happens to a due row: deleted, or anonymised or minimised by the anonymiser its app
registered with ``deletion.register_anonymiser``.

``run`` removes what is due, rule by rule, each in its own transaction, and writes one
``DeletionRecord`` per rule with ids and counts: every due row is either removed or held.
A second run finds nothing new to do. ``replay`` puts the deletion log back into a restored
backup.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from flipside.lib.background import Verdict
from flipside.lib.dates import add_months
from flipside.schemes.models import Stage

from . import deletion
from .inventory import Keep, Retention
from .models import (
    AuditChainHead,
    AuditEntry,
    DeletionRecord,
    EqualityRecord,
    RetentionSchedule,
)

Action = DeletionRecord.Action
# A row more than this late is a fault for selfcheck (the job runs daily).
GRACE = datetime.timedelta(days=2)


@dataclass(frozen=True)
class Period:
    """A period a scheme's coordinators may set, within bounds: ``field`` of
    ``RetentionSchedule``, counted in ``unit`` ("months" or "years")."""

    field: str
    retention: Retention
    unit: str
    default: int
    minimum: int
    maximum: int
    why_bounds: str

    def text(self, value: int) -> str:
        """``value`` in this period's unit, for a person: "6 months", "1 year"."""
        if self.unit == "years":
            return ngettext("%(n)d year", "%(n)d years", value) % {"n": value}
        return ngettext("%(n)d month", "%(n)d months", value) % {"n": value}


PERIODS: tuple[Period, ...] = (
    Period(
        "applications_months",
        Keep.UNSUCCESSFUL_APPLICATION,
        "months",
        6,
        3,
        24,
        "At least 3 months, so that a complaint about a decision can still be answered.",
    ),
    Period(
        "participants_months",
        Keep.PARTICIPANT,
        "months",
        24,
        12,
        72,
        "At least a year, so that the cohort's evaluation and reports can be finished.",
    ),
    Period(
        "journals_months",
        Keep.JOURNAL,
        "months",
        6,
        1,
        24,
        "At least a month, so that partners can read what they wrote after the pair ends.",
    ),
    Period(
        "payments_years",
        Keep.PAYMENT,
        "years",
        6,
        6,
        10,
        "Never below 6 years after the tax year ends: the law (HMRC, the Limitation Act) "
        "sets that floor.",
    ),
    Period(
        "audit_months",
        Keep.AUDIT,
        "months",
        24,
        12,
        84,
        "At least a year, so that an investigation can see who changed what.",
    ),
)
PERIOD_BY_FIELD = {period.field: period for period in PERIODS}


def tax_year_cutoff(today: datetime.date, years: int) -> datetime.date:
    """The latest payment date whose record may go on ``today``: records are kept to the end
    of the tax year (5 April) in which they were paid, then ``years`` more."""
    past_this_years_end = today > datetime.date(today.year, 4, 5)
    return datetime.date(today.year - years - (0 if past_this_years_end else 1), 4, 5)


def fixed(retention: Retention) -> datetime.timedelta:
    """The period of a class no scheme sets (the email outbox, links, equality answers)."""
    if retention.period is None:
        raise ValueError(f"{retention.key} has no fixed period")
    return retention.period


class Schedules:
    """Every scheme's retention periods, read once per run; a scheme without a schedule
    keeps the defaults."""

    def __init__(self, rows: Iterable[RetentionSchedule]) -> None:
        self.rows = {row.scheme_id: row for row in rows}

    @classmethod
    def load(cls) -> Schedules:
        return cls(RetentionSchedule.objects.all())

    def value(self, scheme_id: int | None, period_field: str) -> int:
        row = self.rows.get(scheme_id) if scheme_id is not None else None
        if row is None:
            return PERIOD_BY_FIELD[period_field].default
        return int(getattr(row, period_field))

    def longest(self, period_field: str) -> int:
        return max(
            [self.value(None, period_field), *(self.value(s, period_field) for s in self.rows)]
        )

    def due(self, period_field: str, *, scheme: str, cutoff: Callable[[int], Q]) -> Q:
        """A filter for rows whose scheme's ``period_field`` has run out: ``scheme`` is the
        lookup from the row to its scheme, ``cutoff(value)`` the filter for one value."""
        default = PERIOD_BY_FIELD[period_field].default
        custom: dict[int, list[int]] = defaultdict(list)
        for scheme_id in self.rows:
            value = self.value(scheme_id, period_field)
            if value != default:
                custom[value].append(scheme_id)
        others = [scheme_id for ids in custom.values() for scheme_id in ids]
        q = ~Q(**{f"{scheme}__in": others}) & cutoff(default)
        for value, ids in sorted(custom.items()):
            q |= Q(**{f"{scheme}__in": ids}) & cutoff(value)
        return q


@dataclass(frozen=True)
class Rule:
    """Which rows of one table are due, whose they are, and what happens to them.

    ``due(now, schedules)`` returns the due rows (held ones too: the run sets those apart);
    ``scheme`` and ``people`` are lookups from a row to its scheme's id and to the ids of the
    people it is about. ``remove(ids)``, when given, replaces the plain delete or the
    registered anonymiser. ``contiguous`` rows go oldest first and a held row holds every
    later one (the audit log is deleted from its oldest end only).
    """

    key: str
    retention: Retention
    label: str
    action: str
    due: Callable[[datetime.datetime, Schedules], QuerySet[Any]]
    scheme: str = ""
    people: tuple[str, ...] = ()
    remove: Callable[[list[Any]], int] | None = field(default=None, compare=False)
    contiguous: bool = False
    ends: str = ""  # what happens, for the schedule page and the documents
    # Run after every other rule (a person is anonymised once their rows had their own turn).
    last: bool = False


_RULES: dict[str, Rule] = {}


def register_rule(rule: Rule) -> Rule:
    existing = _RULES.setdefault(rule.key, rule)
    if existing != rule:
        raise ValueError(f"{rule.key!r} is already registered: {existing!r}")
    return existing


def rules() -> list[Rule]:
    """In the order registered: an app's rules in the order it registers them (a payment
    run goes after its lines); rules marked ``last`` after all the others."""
    return sorted(_RULES.values(), key=lambda rule: rule.last)


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    removed: list[Any]
    held: list[Any]

    @property
    def eligible(self) -> int:
        return len(self.removed) + len(self.held)

    def line(self) -> str:
        return (
            f"{self.rule.key}: {self.eligible} eligible, {len(self.removed)} "
            f"{self.rule.action}, {len(self.held)} held"
        )


def split(
    rule: Rule,
    now: datetime.datetime,
    schedules: Schedules,
    held_users: set[int],
    held_schemes: set[int],
) -> tuple[list[Any], list[Any]]:
    """The ids of the rule's due rows, as (to remove, held)."""
    lookups = [rule.scheme] if rule.scheme else []
    rows = rule.due(now, schedules).order_by("pk").values_list("pk", *lookups, *rule.people)
    held: dict[Any, bool] = {}
    holding = False
    for pk, *values in rows:  # a row can come more than once through a to-many lookup
        scheme_id = values.pop(0) if rule.scheme else None
        is_held = holding or scheme_id in held_schemes or any(v in held_users for v in values)
        held[pk] = held.get(pk, False) or is_held
        holding = holding or (rule.contiguous and is_held)
    return [pk for pk, h in held.items() if not h], [pk for pk, h in held.items() if h]


def apply(label: str, action: str, ids: list[Any]) -> int:
    """Remove ``ids`` of ``label`` as ``action`` says, the way retention does (also used by
    the replay after a restore). Idempotent: rows already gone or changed are left."""
    if not ids:
        return 0
    for rule in rules():
        if rule.label == label and rule.action == action and rule.remove is not None:
            return rule.remove(ids)
    if action == Action.DELETED:
        model: type[Model] = apps.get_model(label)
        return model._default_manager.filter(pk__in=ids).delete()[0]
    return deletion.anonymiser(label)(ids)


def run(now: datetime.datetime | None = None, *, dry_run: bool = False) -> list[Outcome]:
    """Remove every row that is due at ``now`` and log it; ``dry_run`` writes nothing."""
    now = now or timezone.now()
    schedules = Schedules.load()
    held_users, held_schemes = deletion.held_user_ids(), deletion.held_scheme_ids()
    run_id = deletion.new_run()
    outcomes = []
    for rule in rules():
        with transaction.atomic():
            removed, held = split(rule, now, schedules, held_users, held_schemes)
            if not dry_run:
                apply(rule.label, rule.action, removed)
                deletion.log(
                    run=run_id,
                    reason=rule.retention.key,
                    label=rule.label,
                    action=rule.action,
                    ids=removed,
                    held_ids=held,
                )
        outcomes.append(Outcome(rule, removed, held))
    return outcomes


def run_job(now: datetime.datetime) -> str:
    """The daily job: what it removed and held, in one line."""
    outcomes = run(now)
    removed = sum(len(o.removed) for o in outcomes)
    held = sum(len(o.held) for o in outcomes)
    return f"{removed} rows removed, {held} held, by {len(outcomes)} retention rules"


def check_overdue() -> Verdict:
    """For ``selfcheck``: no row is more than two days past its period unless held."""
    now = timezone.now() - GRACE
    schedules = Schedules.load()
    held_users, held_schemes = deletion.held_user_ids(), deletion.held_scheme_ids()
    late = {}
    for rule in rules():
        removed, _held = split(rule, now, schedules, held_users, held_schemes)
        if removed:
            late[rule.key] = len(removed)
    summary = f"Rows overdue for retention: {sum(late.values())}"
    return Verdict(summary, tuple(f"{key}: {n} rows overdue" for key, n in late.items()))


# The audit log: the privacy app's own rule.


def _audit_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[AuditEntry]:
    # One chain for every scheme: an entry goes once the longest period of any scheme is over.
    cutoff = add_months(now, -schedules.longest("audit_months"))
    due = AuditEntry.objects.filter(at__lt=cutoff)
    # Only the oldest run of entries: one written out of order (a server's clock behind)
    # waits for the entries before it, so the deletion never leaves a gap in the chain.
    first_kept = AuditEntry.objects.filter(at__gte=cutoff).order_by("id").first()
    return due if first_kept is None else due.filter(pk__lt=first_kept.pk)


def _delete_oldest_audit(ids: list[Any]) -> int:
    """Delete entries from the oldest end and move the chain's start to the first kept one,
    so ``audit.verify_chain`` still finds it whole."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        oldest_kept = AuditEntry.objects.exclude(pk__in=ids).order_by("id").first()
        if oldest_kept is not None and oldest_kept.pk < max(ids):
            raise ValueError("Audit entries are deleted from the oldest end only.")
        deleted = AuditEntry.objects.filter(pk__in=ids).delete()[0]
        head.start_hash = oldest_kept.prev_hash if oldest_kept is not None else head.last_hash
        head.save(update_fields=["start_hash"])
    return deleted


AUDIT_RULE = Rule(
    key="privacy.audit_log",
    retention=Keep.AUDIT,
    label="privacy.AuditEntry",
    action=Action.DELETED,
    due=_audit_due,
    people=("actor",),
    remove=_delete_oldest_audit,
    contiguous=True,
    ends="Deleted from the oldest end; the chain's new start is kept so the rest verifies.",
)


def _equality_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[EqualityRecord]:
    return EqualityRecord.objects.filter(
        cohort__stage=Stage.CLOSED, cohort__stage_changed_at__lt=now - fixed(Keep.EQUALITY)
    )


EQUALITY_RULE = Rule(
    key="privacy.equality_answers",
    retention=Keep.EQUALITY,
    label="privacy.EqualityRecord",
    action=Action.DELETED,
    due=_equality_due,
    scheme="cohort__scheme",
    people=("user",),
    ends="Deleted; reports keep only figures.",
)


def _participants_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[Any]:
    """People whose every place in a cohort ended the period ago (each cohort closed, by its
    scheme's period), who coordinate nothing, and who are not erased already."""
    from django.contrib.auth import get_user_model

    from flipside.schemes.models import Membership

    from .erasure import ERASED_DOMAIN

    def cutoff(months: int) -> Q:
        return Q(cohort__stage=Stage.CLOSED, cohort__stage_changed_at__lt=add_months(now, -months))

    over = schedules.due("participants_months", scheme="cohort__scheme", cutoff=cutoff)
    current = Membership.objects.exclude(over).values("user_id")
    return (
        get_user_model()
        .objects.filter(memberships__isnull=False)
        .exclude(pk__in=current)
        .exclude(scheme_roles__isnull=False)
        .exclude(organisation_roles__isnull=False)
        .exclude(email__iendswith="@" + ERASED_DOMAIN)
        .distinct()
    )


def _anonymise_participants(ids: list[Any]) -> int:
    from .erasure import erase_many

    return len(erase_many(ids, by=None, reference="retention of participant records"))


PARTICIPANT_RULE = Rule(
    key="privacy.participants",
    retention=Keep.PARTICIPANT,
    label="accounts.User",
    action=Action.ANONYMISED,
    due=_participants_due,
    scheme="memberships__cohort__scheme",
    people=("id",),
    remove=_anonymise_participants,
    last=True,
    ends="Anonymised as an erasure does, once every cohort the person was in has closed the "
    "period ago: their account becomes an erased person, their name and address are replaced "
    "in every record, journals and equality answers are deleted, pay is kept minimised; "
    "pairs, meetings and figures stay.",
)


# The replay after a restore (registered as the restore step "deletion-log").

_COPIED = ("at", "run", "reason", "label", "action", "ids", "count", "held_ids", "held")


def keep_log() -> list[dict[str, Any]]:
    """The deletion log of the database about to be replaced (the restore overwrites it)."""
    return list(DeletionRecord.objects.order_by("id").values(*_COPIED, "eligible", "subject"))


def replay(made_at: datetime.datetime, kept: object) -> str:
    """Remove again what was removed after the backup was made, erase again whoever was
    erased, and copy the records of removals into the restored log (an erasure done again
    logs itself afresh, so its old records are not copied: each erasure is logged once)."""
    records = [r for r in kept or [] if r["at"] > made_at]  # type: ignore[attr-defined]
    erased: set[tuple[str, int]] = set()
    for record in records:
        with transaction.atomic():
            if record["reason"] == deletion.ERASURE and record["subject"] is not None:
                if (record["run"], record["subject"]) not in erased:
                    erased.add((record["run"], record["subject"]))
                    for erase in deletion.erasers():
                        erase(record["subject"])
                continue
            apply(record["label"], record["action"], list(record["ids"]))
            known = DeletionRecord.objects.filter(
                run=record["run"], label=record["label"], at=record["at"]
            )
            if not known.exists():
                DeletionRecord.objects.create(**record)
    return (
        f"Deletion log replayed: {len(records)} records newer than the backup, "
        f"{len(erased)} erasures."
    )
