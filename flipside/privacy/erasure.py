"""Erasure: delete or irreversibly anonymise one person everywhere, except what the law requires
to keep (payments, minimised). See docs/privacy/erasure.md and decision 0037.

Each app says how its own tables are handled, in its ``erasure.py`` (found by name, like
``inventory.py``), by calling ``declare``: a table's rows about the person are *deleted*,
*anonymised* (kept for other people or for figures, linked to the anonymised account, their
own text cleared), *minimised* (payments: what the law needs, descriptions and messages gone)
or *kept* as they are (they point at the person only through the account, which is itself
anonymised). Every table the inventory says identifies a person must have a declaration (a
test checks), so a new table is covered or fails.

``erase`` then replaces the person's name, email and other identifiers wherever they appear in
the text of any kept row, of any table (``scrub``), including the audit log's labels: those
entries are listed by id in the ``privacy.person.erased`` entry written last, and
``audit.verify_chain`` accepts their changed content for that reason only.

Everything happens in one transaction; each table touched gets one ``DeletionRecord`` (ids and
counts, never content). Erasing someone already erased changes nothing, and ``erase_again``
(registered with ``deletion.register_eraser``) lets a restored backup erase the same people.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.module_loading import autodiscover_modules

from . import audit, crypto, deletion, inventory
from .models import DeletionRecord

ERASED_NAME = "Erased person"
ERASED_DOMAIN = "erased.invalid"
ERASED_ACTION = audit.ERASED

DELETE = "deleted"
ANONYMISE = "anonymised"
MINIMISE = "minimised"
KEEP = "kept"
ACTIONS = (DELETE, ANONYMISE, MINIMISE, KEEP)

#: Columns the law requires to keep as they are, even though they identify the person:
#: (table, column) -> why. The whole-database test allows identifiers only here.
LAW_KEPT: dict[tuple[str, str], str] = {}

#: Columns that copy each account's own name (``sort_name``) or are the account itself: their
#: table's rule handles the erased person's rows, and the scrub never rewrites anyone else's
#: (someone with the same name keeps it). (table, column); column "*" for the whole table.
OWN_NAMES: set[tuple[str, str]] = set()

#: Columns never rewritten by the text scrub: encrypted or hashed values (no readable text in
#: them to find) and the chain's own hashes.
_NOT_TEXT = {"password", "prev_hash", "hash", "last_hash", "token_hash", "notice_hash"}


class ErasureRefused(Exception):
    """Erasure may not go ahead (a legal hold); the message says why, in plain English."""


@dataclass(frozen=True)
class Rule:
    """How one table is handled when a person is erased."""

    label: str
    action: str
    why: str
    rows: Callable[[int], models.QuerySet[Any]] | None = None
    clear: Mapping[str, Any] = field(default_factory=dict)
    custom: Callable[[Context], Iterable[Any]] | None = None
    order: int = 0
    noun: str = ""


_RULES: dict[str, Rule] = {}
_discovered = False


def declare(
    label: str,
    action: str,
    *,
    why: str,
    rows: Callable[[int], models.QuerySet[Any]] | None = None,
    clear: Mapping[str, Any] | None = None,
    custom: Callable[[Context], Iterable[Any]] | None = None,
    order: int = 0,
    noun: str = "",
    law_keeps: Mapping[str, str] | None = None,
    own_names: Iterable[str] = (),
) -> Rule:
    """Say how ``label``'s rows about a person are handled (from an app's ``erasure.py``).

    ``rows(user_id)``: the rows about the person; deleted, or kept with ``clear``'s columns
    set. ``custom(context)`` does the work itself and returns the ids it changed. ``why`` is
    plain English for the coordinator's page; ``noun`` names the rows (``"pay lines"``).
    ``law_keeps``: columns kept as they are because the law requires them, and why.
    ``own_names``: columns holding each row's own person's name, left out of the text scrub
    (``"*"``: the whole table), so a namesake's rows are never rewritten.
    """
    if action not in ACTIONS:
        raise ValueError(f"{label}: action must be one of {ACTIONS}")
    if action == DELETE and rows is None and custom is None:
        raise ValueError(f"{label}: a deletion needs the rows to delete")
    rule = Rule(label, action, why, rows, dict(clear or {}), custom, order, noun)
    _RULES[label] = rule
    for column, reason in (law_keeps or {}).items():
        LAW_KEPT[(label, column)] = reason
    OWN_NAMES.update((label, column) for column in own_names)
    return rule


def discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("erasure")
        _discovered = True


def rules() -> list[Rule]:
    discover()
    return sorted(_RULES.values(), key=lambda r: (r.order, r.label))


# --- What identifies the person --------------------------------------------------------------


def _word(text: str) -> str:
    return r"(?<![\w@.+-])" + re.escape(text) + r"(?![\w@-])"


@dataclass
class Identifiers:
    """The person's name, email and ids as text to find, and a way to replace them."""

    full_names: list[str]  # the whole name, and first + last name: case-insensitive
    parts: list[str]  # first and last name where no one else has them: case-sensitive
    emails: list[str]
    ids: list[str]  # payroll or student numbers

    @classmethod
    def merged(cls, many: list[Identifiers]) -> Identifiers:
        """Several people's identifiers as one search, still longest first."""
        if len(many) == 1:
            return many[0]

        def longest_first(texts: Iterable[str]) -> list[str]:
            return sorted(set(texts), key=len, reverse=True)

        return cls(
            full_names=longest_first(t for f in many for t in f.full_names),
            parts=longest_first(t for f in many for t in f.parts),
            emails=longest_first(t for f in many for t in f.emails),
            ids=longest_first(t for f in many for t in f.ids),
        )

    def needles(self) -> list[str]:
        return [*self.full_names, *self.parts, *self.emails, *self.ids]

    def pattern(self) -> re.Pattern[str] | None:
        insensitive = [_word(t) for t in (*self.full_names, *self.emails, *self.ids) if t]
        sensitive = [_word(t) for t in self.parts if t]
        branches = [f"(?i:{'|'.join(insensitive)})"] if insensitive else []
        branches += sensitive
        return re.compile("|".join(branches)) if branches else None


def identifiers_of(user: Any) -> Identifiers:
    """What names or points at ``user`` in free text: longest first, so a full name is replaced
    whole before its parts."""
    from flipside.accounts.models import TITLES

    discover()
    name = " ".join(user.display_name.split())
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".").lower() in TITLES:
        words = words[1:]
    full = {name}
    if len(words) >= 2:
        full.add(f"{words[0]} {words[-1]}")
        full.add(" ".join(words))
    # A first or last name alone is replaced only where it is distinctive: no one else's name
    # has it, and it is not a title or a short word.
    others: set[str] = set()
    other_names = get_user_model().objects.exclude(pk=user.pk).values_list("display_name")
    for (other,) in other_names.iterator():
        others.update(w.lower() for w in other.split())
    parts: set[str] = set()
    if len(words) >= 2:
        parts = {
            w
            for w in (words[0], words[-1])
            if len(w) >= 3 and w.rstrip(".").lower() not in TITLES and w.lower() not in others
        }
    ids: set[str] = set()
    for fetch in _ID_SOURCES:
        ids.update(v for v in fetch(user.pk) if v and len(v) >= 4)
    return Identifiers(
        full_names=sorted((f for f in full if f), key=len, reverse=True),
        parts=sorted(parts - full, key=len, reverse=True),
        emails=[user.email] if user.email else [],
        ids=sorted(ids, key=len, reverse=True),
    )


#: user_id -> other identifiers the product holds for them (payroll or student numbers).
_ID_SOURCES: list[Callable[[int], Iterable[str]]] = []


def register_identifiers(fetch: Callable[[int], Iterable[str]]) -> None:
    if not any(f.__qualname__ == fetch.__qualname__ for f in _ID_SOURCES):
        _ID_SOURCES.append(fetch)


# --- Doing it ---------------------------------------------------------------------------------


@dataclass
class Context:
    """What a ``custom`` handler is given."""

    user: Any
    run: str
    found: Identifiers
    replace: Callable[[str], str]


@dataclass
class Outcome:
    """What one erasure did: per table, the action and how many rows."""

    user_id: int
    run: str = ""
    done: bool = False  # False: the person was erased already; nothing changed
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    redacted_audit: list[int] = field(default_factory=list)


def is_erased(user: Any) -> bool:
    return str(user.email).lower().endswith("@" + ERASED_DOMAIN)


def scheme_ids_of(user_id: int) -> set[int]:
    """The schemes the person is in: as a member of a cohort or a coordinator."""
    from flipside.schemes.models import Membership, SchemeCoordinator

    memberships = Membership.objects.filter(user_id=user_id)
    schemes = set(memberships.values_list("cohort__scheme_id", flat=True))
    roles = SchemeCoordinator.objects.filter(user_id=user_id)
    return schemes | set(roles.values_list("scheme_id", flat=True))


def refusal(user: Any) -> str:
    """Why ``user`` may not be erased now (empty: they may)."""
    if deletion.is_held(user_id=user.pk):
        return (
            "A legal hold covers this person, so their records cannot be erased. "
            "The hold must be lifted first."
        )
    if deletion.is_held(scheme_ids=scheme_ids_of(user.pk)):
        return (
            "A legal hold covers a scheme this person is in, so their records cannot be erased. "
            "The hold must be lifted first."
        )
    return ""


@dataclass(frozen=True)
class PlanLine:
    label: str
    action: str
    count: int
    noun: str
    why: str


def plan(user: Any) -> list[PlanLine]:
    """What erasing ``user`` would do, table by table (for the page that asks to confirm)."""
    lines = []
    for rule in rules():
        if rule.rows is None:
            continue
        count = rule.rows(user.pk).count()
        if count:
            noun = rule.noun or apps.get_model(rule.label)._meta.verbose_name_plural
            lines.append(PlanLine(rule.label, rule.action, count, str(noun), rule.why))
    return lines


Touched = dict[str, dict[str, set[Any]]]  # table -> action -> row ids


def _anonymise(people: list[Any], run: str) -> tuple[Callable[[str], str], Touched]:
    """Apply every table's declaration to each of ``people``, then replace all their names,
    addresses and ids in every text, JSON and encrypted column in one pass. Returns the
    replacement used and the rows changed, by table and action (kept tables left out)."""
    own = [identifiers_of(user) for user in people]
    every = Identifiers.merged(own)
    pattern = every.pattern()

    def replace(text: str) -> str:
        return pattern.sub(ERASED_NAME, text) if pattern and text else text

    touched: Touched = defaultdict(lambda: defaultdict(set))
    for user, identifiers in zip(people, own, strict=True):
        context = Context(user=user, run=run, found=identifiers, replace=replace)
        for rule in rules():
            ids = _apply(rule, context)
            if ids and rule.action != KEEP:
                touched[rule.label][rule.action].update(ids)
    for label, scrubbed in _scrub(every, replace).items():
        touched[label][ANONYMISE].update(scrubbed)
    for label, scrubbed in _scrub_encrypted(every, replace).items():
        touched[label][ANONYMISE].update(scrubbed)
    return replace, touched


def _redacted_audit(touched: Touched) -> list[int]:
    return sorted(touched.get("privacy.AuditEntry", {}).get(ANONYMISE, ()))


def erase(user: Any, *, by: Any, reference: str) -> Outcome:
    """Erase ``user``: see the module's docstring. ``ErasureRefused`` under a legal hold."""
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model.objects.select_for_update().get(pk=user.pk)
        if is_erased(user):
            return Outcome(user.pk)
        reason = refusal(user)
        if reason:
            raise ErasureRefused(reason)
        outcome = Outcome(user.pk, run=deletion.new_run(), done=True)
        replace, touched = _anonymise([user], outcome.run)
        outcome.redacted_audit = _redacted_audit(touched)
        for label, by_action in sorted(touched.items()):
            for action, changed in sorted(by_action.items()):
                deletion.log(
                    run=outcome.run,
                    reason=deletion.ERASURE,
                    label=label,
                    action=action,
                    ids=changed,
                    subject=user.pk,
                )
                outcome.tables.setdefault(label, {})[action] = len(changed)
        user.refresh_from_db()
        audit.record(
            by,
            ERASED_ACTION,
            user,
            redacted=outcome.redacted_audit,
            reference=replace(reference)[:100],
            run=outcome.run,
        )
    return outcome


REQUESTED_ACTION = "privacy.erasure.requested"


def organisation_coordinators_of(user: Any) -> list[Any]:
    """The coordinators of every organisation where ``user`` has a role."""
    from flipside.schemes.models import OrganisationCoordinator, Scheme

    schemes = Scheme.objects.filter(pk__in=scheme_ids_of(user.pk))
    roles = OrganisationCoordinator.objects.filter(
        organisation__in=schemes.values("organisation")
    ).select_related("user")
    return sorted({r.user for r in roles if r.user_id != user.pk}, key=lambda u: u.pk)


def request_erasure(user: Any) -> bool:
    """The person asks for their records to be erased: their organisations' coordinators are
    emailed. Asking again within a day sends nothing more (False)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone

    from flipside.notifications import outbox

    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        recent = timezone.now() - datetime.timedelta(days=1)
        asked = audit.entries_for(user).filter(action=REQUESTED_ACTION, at__gt=recent)
        if asked.exists():
            return False
        coordinators = organisation_coordinators_of(user)
        audit.record(user, REQUESTED_ACTION, user, told=len(coordinators))
        link = settings.SITE_URL + reverse("privacy:erasure_find")
        for coordinator in coordinators:
            outbox.enqueue(
                "erasure_requested",
                to=coordinator.email,
                user=coordinator,
                values={"person": user.display_name, "email": user.email, "link": link},
            )
    return True


#: How many people one pass of ``erase_many`` takes: each adds its names to every text search.
BATCH = 25


def erase_many(user_ids: Iterable[int], *, by: Any, reference: str) -> list[int]:
    """Erase several people the way ``erase`` does, with one pass over every text column for
    them all (retention of participant records, where a closed cohort's people go together);
    ``BATCH`` people a transaction. People already erased or under a legal hold are left.
    Returns the ids erased. One audit entry per batch lists the entries it redacted."""
    ids = sorted(set(user_ids))
    erased: list[int] = []
    for start in range(0, len(ids), BATCH):
        erased += _erase_batch(ids[start : start + BATCH], by=by, reference=reference)
    return erased


def _erase_batch(ids: list[int], *, by: Any, reference: str) -> list[int]:
    with transaction.atomic():
        found = get_user_model().objects.select_for_update().filter(pk__in=ids).order_by("pk")
        people = [u for u in found if not is_erased(u) and not refusal(u)]
        if not people:
            return []
        run = deletion.new_run()
        replace, touched = _anonymise(people, run)
        audit.record(
            by,
            ERASED_ACTION,
            None,
            redacted=_redacted_audit(touched),
            reference=replace(reference)[:100],
            run=run,
            people=len(people),
        )
    return [user.pk for user in people]


def erase_again(user_id: int) -> Outcome | None:
    """Erase the person with this id once more (after a backup is restored); idempotent."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return None
    return erase(user, by=None, reference="replayed after a restore")


def _apply(rule: Rule, context: Context) -> list[Any]:
    if rule.custom is not None:
        return list(rule.custom(context))
    if rule.rows is None:
        return []
    rows = rule.rows(context.user.pk)
    ids = list(rows.values_list("pk", flat=True))
    if not ids:
        return []
    model = rows.model
    if rule.action == DELETE:
        model._base_manager.filter(pk__in=ids).delete()
    elif rule.clear:
        values = {k: v() if callable(v) else v for k, v in rule.clear.items()}
        model._base_manager.filter(pk__in=ids).update(**values)
    return ids


def _text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    try:
        entry: inventory.Entry | None = inventory.entry_for(model)
    except inventory.InventoryError:
        entry = None
    chosen: list[models.Field[Any, Any]] = []
    for f in model._meta.concrete_fields:
        if not isinstance(f, (models.CharField, models.TextField, models.JSONField)):
            continue
        if f.name in _NOT_TEXT or f.name.endswith("ciphertext"):
            continue
        label = model._meta.label
        if (label, f.name) in LAW_KEPT or {(label, f.name), (label, "*")} & OWN_NAMES:
            continue
        if entry is not None:
            try:
                protection = entry.column(f.name).protection
            except KeyError:
                protection = None
            if protection is not None and (
                protection.encrypted or protection is inventory.Protection.HASHED
            ):
                continue
        chosen.append(f)
    return chosen


def _replace_json(value: Any, replace: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_replace_json(v, replace) for v in value]
    if isinstance(value, dict):
        return {replace(str(k)): _replace_json(v, replace) for k, v in value.items()}
    return value


def _scrub(found: Identifiers, replace: Callable[[str], str]) -> dict[str, set[Any]]:
    """Replace the person's identifiers in every text column of every table; the ids changed,
    per table."""
    needles = [n for n in found.needles() if n]
    changed: dict[str, set[Any]] = defaultdict(set)
    if not needles:
        return changed
    for model in apps.get_models():
        if model is DeletionRecord:
            continue  # ids and counts only; nothing to find
        for f in _text_fields(model):
            manager = model._base_manager
            if isinstance(f, models.JSONField):
                candidates = manager.exclude(**{f"{f.attname}__isnull": True})
            else:
                query = models.Q()
                for needle in needles:
                    query |= models.Q(**{f"{f.attname}__icontains": needle})
                candidates = manager.filter(query)
            for pk, value in candidates.values_list("pk", f.attname).iterator():
                if value is None:
                    continue
                new = (
                    _replace_json(value, replace)
                    if isinstance(f, models.JSONField)
                    else replace(value)
                )
                if new != value:
                    manager.filter(pk=pk).update(**{f.attname: new})
                    changed[model._meta.label].add(pk)
    return changed


def _scrub_encrypted(found: Identifiers, replace: Callable[[str], str]) -> dict[str, set[Any]]:
    """The same in encrypted columns (journals, concerns, survey answers, ...): each value is
    opened, and sealed again only when the person's identifiers were in it. A value no key
    opens is left as it is (it can be read by no one)."""
    needles = [n.lower() for n in found.needles() if n]
    changed: dict[str, set[Any]] = defaultdict(set)
    if not needles:
        return changed
    for label, (model, column) in sorted(crypto.ENCRYPTED.items()):
        manager = model._base_manager
        for pk, token in manager.values_list("pk", column).iterator():
            try:
                data = crypto.decrypt(token) if token else None
            except crypto.DecryptionError:
                continue
            if data is None:
                continue
            text = json.dumps(data, ensure_ascii=False).lower()
            if not any(needle in text for needle in needles):
                continue
            new = _replace_json(data, replace)
            if new != data:
                manager.filter(pk=pk).update(**{column: crypto.encrypt(new)})
                changed[label].add(pk)
    return changed


# --- What privacy itself stores ----------------------------------------------------------------
# (Declared here: ``discover`` imports this module as the privacy app's ``erasure``.)


def _equality_records(uid: int) -> models.QuerySet[Any]:
    from .models import EqualityRecord

    return EqualityRecord.objects.filter(user_id=uid)


def _consent_records(uid: int) -> models.QuerySet[Any]:
    from .models import ConsentRecord

    return ConsentRecord.objects.filter(user_id=uid)


def _audit_entries(uid: int) -> models.QuerySet[Any]:
    from .models import AuditEntry

    user_model = get_user_model()
    return AuditEntry.objects.filter(
        models.Q(actor_id=uid)
        | models.Q(object_type=user_model._meta.label_lower, object_id=str(uid))
    )


def _legal_holds(uid: int) -> models.QuerySet[Any]:
    from .models import LegalHold

    return LegalHold.objects.filter(user_id=uid)


declare(
    "privacy.EqualityRecord",
    DELETE,
    why="Their equality-monitoring answers are deleted.",
    rows=_equality_records,
    noun="sets of equality-monitoring answers",
)
declare(
    "privacy.ConsentRecord",
    KEEP,
    why="Records of their consent are kept as evidence, naming no one: only what was agreed, "
    "when, by an erased person.",
    rows=_consent_records,
    noun="consent records",
)
declare(
    "privacy.AuditEntry",
    KEEP,
    why="The audit log is kept; their name and address are replaced in it, and the entry "
    "recording the erasure lists which entries changed so the log still verifies.",
    rows=_audit_entries,
    noun="audit entries",
)
declare(
    "privacy.DeletionRecord",
    KEEP,
    why="The deletion log holds ids and counts only.",
)
declare(
    "privacy.LegalHold",
    KEEP,
    why="Lifted legal holds on them are kept as evidence, on an erased person.",
    rows=_legal_holds,
    noun="lifted legal holds",
)


def _access_requests(uid: int) -> models.QuerySet[Any]:
    from .models import AccessRequest

    return AccessRequest.objects.filter(person_id=uid)


declare(
    "privacy.AccessRequest",
    KEEP,
    why="Records of their requests for their data are kept as evidence that each was answered "
    "in time, on an erased person; their name is replaced in the reference.",
    rows=_access_requests,
    noun="requests for their data",
)


def _retention_schedules(uid: int) -> models.QuerySet[Any]:
    from .models import RetentionSchedule

    return RetentionSchedule.objects.filter(updated_by_id=uid)


declare(
    "privacy.RetentionSchedule",
    KEEP,
    why="Schemes' retention schedules they last changed are kept; the change is then by an "
    "erased person.",
    rows=_retention_schedules,
    noun="retention schedules they last changed",
)
