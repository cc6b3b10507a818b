"""Subject access: everything Flipside holds about one person, found through the data inventory.

``rows_about(person)`` walks every table the inventory declares with columns that identify a
person (``Entry.identifies``) and returns the rows about them, each with how it was reached:

- **yours**: a column points at the person (a foreign key to their account that is not an
  actor's, a column holding their email address, a rule of the table's own), or the row belongs
  to one of their rows through a foreign key (a meeting of their pair, a token of their device);
- **linked**: a row one of theirs points at (the survey response their identification names,
  the idea they proposed), shown so their own rows make sense;
- **acted**: the person only acted on it (``created_by``, ``decided_by``…): shown minimised,
  because the rest is another person's.

A table whose foreign keys would reach other people's private data (a partner's journal
entries belong to the pair too) says so with ``rule(label, not_through=...)`` in its app's
``inventory.py``; so does a table found in a way of its own (a keyed pseudonym, a hash). The
walk runs one query per table whatever the number of other people (decision 0036).
``export(person)`` turns the rows into plain values for the person's download; erasure reuses
``rows_about``.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from . import crypto
from .inventory import Activity, Entry, Protection, entries

#: What a finder may use: the person's rows found so far, by table label and primary key.
Found = dict[str, dict[Any, models.Model]]
Finder = Callable[[Any, Found], "Q | None"]

YOU = "you"
ANOTHER = "another person (not shown)"
HASH = "held as a hash, not shown"
# The words shown in place of a secret, not one.
SECRET = "a sign-in secret, not shown"  # noqa: S105  # nosec B105
WITHHELD = "about another person, not shown"
OWNER_ONLY = (
    "held, and shown only to the person: they read it in their own download "
    "(Your privacy, Download everything we hold about you)"
)
#: What a coordinator producing a copy for a request never reads: what only few may see (pay,
#: private notes, journals, concerns, equality answers) stays for the person's own download.
OWNER_ONLY_PROTECTION = frozenset(
    {Protection.CONFIDENTIAL, Protection.ENCRYPTED, Protection.SPECIAL}
)
ACTED = {"by"}


@dataclass(frozen=True)
class Rule:
    """How one table's rows about a person are found, beyond what the inventory says.

    ``not_through``: foreign keys not followed either way, because the rows they reach are
    another person's (``why`` says so). ``emails``: columns holding an email address.
    ``owners``/``actors``: foreign keys to the account that name whom the row is about, or
    who acted on it (by default a column named ``by`` or ending ``_by`` is an actor's).
    ``find``: a query of its own for the person's rows, covering the columns in ``finds``.
    ``late``: run after every other table (it looks at what they found). ``names``: text
    columns naming a person, each with the foreign key that says who: shown only when it is
    the person. ``acted_shows``: columns an actor sees of a row they acted on. ``withheld``:
    columns left out of the export, with the reason. ``held_with``: identifying columns that
    are no way in (a name typed for someone without an account), with the reason.
    """

    label: str
    not_through: tuple[str, ...] = ()
    why: str = ""
    emails: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    find: Finder | None = None
    finds: tuple[str, ...] = ()
    late: bool = False
    names: dict[str, str] = field(default_factory=dict)
    acted_shows: tuple[str, ...] = ()
    withheld: dict[str, str] = field(default_factory=dict)
    held_with: dict[str, str] = field(default_factory=dict)


_RULES: dict[str, Rule] = {}


def rule(label: str, **kwargs: Any) -> Rule:
    """Say how a table's rows about a person are found (from an app's ``inventory.py``)."""
    made = Rule(label, **kwargs)
    _RULES[label] = made
    return made


def rule_for(label: str) -> Rule:
    entries()  # the apps' inventory modules declare the rules
    return _RULES.get(label) or Rule(label)


# --- The shape of the walk ---------------------------------------------------------------


def _user_label() -> str:
    return str(get_user_model()._meta.label)


def _relations(model: type[models.Model]) -> list[models.ForeignKey[Any, Any]]:
    return [
        f  # type: ignore[misc]
        for f in model._meta.concrete_fields
        if f.is_relation and (f.many_to_one or f.one_to_one)
    ]


@dataclass(frozen=True)
class Plan:
    """How one table is searched: its columns sorted by what they say about the person."""

    entry: Entry
    rule: Rule
    owners: tuple[str, ...]  # foreign keys (or the key) naming the person the row is about
    actors: tuple[str, ...]  # foreign keys naming someone who acted on the row
    emails: tuple[str, ...]
    through: dict[str, str]  # foreign key -> the person table it belongs to (followed)
    unexplained: tuple[str, ...]  # identifying columns no path covers


def person_tables() -> dict[str, Entry]:
    """Every declared table with a column that identifies a person."""
    return {entry.label: entry for entry in entries() if entry.identifies}


def plan(entry: Entry, tables: Iterable[str]) -> Plan:
    tables = set(tables)
    model, found_by = entry.model, rule_for(entry.label)
    user_label = _user_label()
    owners: list[str] = []
    actors: list[str] = []
    unexplained: list[str] = []
    emails = list(found_by.emails)
    through: dict[str, str] = {}
    for relation in _relations(model):
        target = relation.related_model._meta.label  # type: ignore[union-attr]
        if target == user_label or relation.name in found_by.not_through:
            continue
        if target in tables and target != entry.label:
            through[relation.name] = target
    for name in entry.identifies:
        column: Any = model._meta.get_field(name)
        meta = getattr(column.related_model, "_meta", None)
        if meta is not None and meta.label == user_label:
            acted = name in found_by.actors or name in ACTED or name.endswith("_by")
            (actors if acted and name not in found_by.owners else owners).append(name)
        elif label_is_user(entry) and column.primary_key:
            owners.append(name)
        elif isinstance(column, models.EmailField) and name not in emails:
            emails.append(name)
        elif name in through or name in emails or name in found_by.finds:
            continue
        elif name in found_by.held_with:
            continue
        elif meta is None and name not in found_by.names:
            unexplained.append(name)  # text held with the row: needs another way in
        elif meta is not None:
            unexplained.append(name)
    return Plan(
        entry, found_by, tuple(owners), tuple(actors), tuple(emails), through, tuple(unexplained)
    )


def label_is_user(entry: Entry) -> bool:
    return entry.label == _user_label()


def plans() -> list[Plan]:
    """Every person table's plan, parents before the tables that belong to them."""
    tables = person_tables()
    made = {label: plan(entry, tables) for label, entry in tables.items()}
    order = TopologicalSorter({label: set(p.through.values()) for label, p in made.items()})
    ordered = [made[label] for label in order.static_order()]
    return [p for p in ordered if not p.rule.late] + [p for p in ordered if p.rule.late]


def gaps() -> list[str]:
    """What the export would miss: each a sentence naming the table and column (empty: none).

    A foreign key to the account that the inventory does not list in ``identifies``; a
    column in ``identifies`` that no path covers while the table has no other way in; a
    table about people that nothing reaches."""
    tables, user_label, problems = person_tables(), _user_label(), []
    all_plans = plans()
    reached = {target for p in all_plans for target in p.through.values()}
    for entry in entries():
        for relation in _relations(entry.model):
            target = relation.related_model._meta.label  # type: ignore[union-attr]
            if target == user_label and relation.name not in entry.identifies:
                problems.append(
                    f"{entry.label}.{relation.name} points at a person but is not in identifies"
                )
            if target in tables and entry.label not in tables:
                problems.append(
                    f"{entry.label}.{relation.name} belongs to a person's row but the table "
                    "identifies nobody"
                )
    for p in all_plans:
        ways_in = p.owners or p.emails or p.through or p.rule.find or p.actors
        if not ways_in and p.entry.label not in reached:
            problems.append(f"{p.entry.label}: nothing finds its rows about a person")
        for name in p.unexplained:
            if not ways_in:
                problems.append(f"{p.entry.label}.{name} identifies a person but nothing finds it")
    return problems


# --- Finding the rows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """One row held about the person and how it was reached: yours, linked or acted."""

    row: models.Model
    how: str


def _query(p: Plan, person: Any, found: Found) -> Q | None:
    parts: list[Q] = []
    for name in p.owners:
        parts.append(Q(pk=person.pk) if label_is_user(p.entry) else Q(**{f"{name}_id": person.pk}))
    for name in p.emails:
        if person.email:
            parts.append(Q(**{f"{name}__iexact": person.email}))
    for name, target in p.through.items():
        if found.get(target):
            parts.append(Q(**{f"{name}_id__in": list(found[target])}))
    if p.rule.find is not None:
        extra = p.rule.find(person, found)
        if extra is not None:
            parts.append(extra)
    if not parts:
        return None
    query = parts[0]
    for part in parts[1:]:
        query |= part
    return query


def rows_about(person: Any) -> dict[str, list[Held]]:
    """Every row about ``person``, by table label, each saying how it was reached.

    One query per table (and one per table reached only through a link or an act), whatever
    the number of other people in the database."""
    all_plans = plans()
    found: Found = defaultdict(dict)
    for p in all_plans:
        query = _query(p, person, found)
        if query is not None:
            found[p.entry.label] = {
                row.pk: row for row in p.entry.model._default_manager.filter(query)
            }
    held: dict[str, list[Held]] = {
        label: [Held(row, "yours") for row in rows.values()]
        for label, rows in found.items()
        if rows
    }
    _add_linked(all_plans, found, held)
    _add_acted(all_plans, person, held)
    return held


def _add_linked(all_plans: list[Plan], found: Found, held: dict[str, list[Held]]) -> None:
    wanted: dict[str, set[Any]] = defaultdict(set)
    for p in all_plans:
        for row in found.get(p.entry.label, {}).values():
            for name, target in p.through.items():
                value = getattr(row, f"{name}_id")
                if value is not None and value not in found.get(target, {}):
                    wanted[target].add(value)
    tables = person_tables()
    for label, keys in wanted.items():
        rows = tables[label].model._default_manager.filter(pk__in=keys)
        held.setdefault(label, []).extend(Held(row, "linked") for row in rows)


def _add_acted(all_plans: list[Plan], person: Any, held: dict[str, list[Held]]) -> None:
    for p in all_plans:
        if not p.actors:
            continue
        query = Q()
        for name in p.actors:
            query |= Q(**{f"{name}_id": person.pk})
        known = [h.row.pk for h in held.get(p.entry.label, [])]
        rows = p.entry.model._default_manager.filter(query).exclude(pk__in=known)
        held_rows = [Held(row, "acted") for row in rows]
        if held_rows:
            held.setdefault(p.entry.label, []).extend(held_rows)


# --- Plain values -------------------------------------------------------------------------


@dataclass
class Table:
    """One table's rows for the person, in plain values, with what it is for."""

    label: str
    name: str
    purpose: str
    columns: list[str]
    rows: list[dict[str, Any]]

    def readable_rows(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Each row as how it was reached and (column, text) pairs, for the page."""
        return [
            (
                HOW[row["_how"]],
                [(name.replace("_", " "), readable(row[name])) for name in self.columns],
            )
            for row in self.rows
        ]


HOW = {
    "yours": "About you, or belonging to one of your records",
    "linked": "A record one of yours points at",
    "acted": "A record you acted on; what it holds about others is not shown",
}


def readable(value: Any) -> str:
    """One plain value as text for the page."""
    if value is None or value == "":
        return "—"
    if value is True or value is False:
        return "Yes" if value else "No"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items()) or "—"
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value) or "—"
    if isinstance(value, str) and ISO_DATE.match(value):
        return _readable_date(value)
    return str(value)


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2})?$")


def _readable_date(value: str) -> str:
    """An ISO date or time as people read it: 1 December 2026, at 09:30 in London's time."""
    if "T" not in value:
        return date_format(datetime.date.fromisoformat(value), "j F Y")
    moment = timezone.localtime(datetime.datetime.fromisoformat(value))
    return date_format(moment, "j F Y, H:i")


@dataclass
class Section:
    """One processing activity: its title, purpose and tables."""

    activity: Activity
    tables: list[Table]


def export(person: Any, *, for_owner: bool = True) -> list[Section]:
    """Everything held about ``person``, by activity then table, in plain values.

    ``for_owner`` false (a coordinator producing it for a request): confidential and
    encrypted columns are not shown. Pay, private notes, equality answers, journals and
    concerns reach nobody beyond the few the roles allow, so the coordinator's copy says they
    are held and the person reads them in their own download."""
    held = rows_about(person)
    names = _names_of_things(held)
    by_activity: dict[Activity, list[Table]] = defaultdict(list)
    tables = person_tables()
    for p in plans():
        rows = held.get(p.entry.label)
        if not rows:
            continue
        columns = [c.name for c in p.entry.columns()]
        plain = [_plain_row(p, h, person, names, for_owner) for h in sorted(rows, key=_order)]
        model = tables[p.entry.label].model
        name = str(model._meta.verbose_name_plural).capitalize()
        by_activity[p.entry.activity].append(
            Table(p.entry.label, name, p.entry.purpose, columns, plain)
        )
    return [
        Section(activity, by_activity[activity]) for activity in Activity if by_activity[activity]
    ]


def _order(held: Held) -> tuple[int, str]:
    return ({"yours": 0, "linked": 1, "acted": 2}[held.how], str(held.row.pk).zfill(20))


def _names_of_things(held: dict[str, list[Held]]) -> dict[str, dict[Any, str]]:
    """The readable names of the things (cohorts, sessions, surveys…) the rows point at: one
    query per kind of thing."""
    tables, user_label = person_tables(), _user_label()
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for rows in held.values():
        for h in rows:
            for relation in _relations(type(h.row)):
                target = relation.related_model
                label = target._meta.label  # type: ignore[union-attr]
                value = getattr(h.row, relation.attname)
                if value is not None and label not in tables and label != user_label:
                    wanted[target].add(value)  # type: ignore[index]
    names: dict[str, dict[Any, str]] = {}
    for model, keys in wanted.items():
        related = [r.name for r in _relations(model) if r.related_model is not get_user_model()]
        things = model._default_manager.select_related(*related).filter(pk__in=keys)
        names[model._meta.label] = {row.pk: str(row) for row in things}
    return names


def _plain_row(
    p: Plan, held: Held, person: Any, names: dict[str, dict[Any, str]], for_owner: bool
) -> dict[str, Any]:
    values: dict[str, Any] = {"_how": held.how}
    for column in p.entry.columns():
        if not for_owner and column.protection in OWNER_ONLY_PROTECTION:
            values[column.name] = OWNER_ONLY
            continue
        values[column.name] = _plain(p, held, column.name, column.protection, person, names)
    return values


def _plain(
    p: Plan,
    held: Held,
    name: str,
    protection: Protection,
    person: Any,
    names: dict[str, dict[Any, str]],
) -> Any:
    if name in p.rule.withheld:
        return f"not included: {p.rule.withheld[name]}"
    if protection is Protection.HASHED:
        return HASH
    if protection is Protection.SECRET:
        return SECRET
    field_: Any = held.row._meta.get_field(name)
    if held.how == "acted" and not (
        name in p.actors
        or name in p.rule.acted_shows
        or protection is Protection.NOT_PERSONAL
        or (not p.rule.acted_shows and isinstance(field_, models.DateTimeField))
    ):
        return WITHHELD
    if name in p.rule.names:
        owner = getattr(held.row, f"{p.rule.names[name]}_id")
        if owner != person.pk:
            return ANOTHER
    if field_.is_relation:
        return _related(field_, held.row, person, names)
    value = getattr(held.row, name)
    if protection.encrypted:
        return _opened(value)
    if field_.choices and value not in (None, ""):
        return str(dict(field_.flatchoices).get(value, value))
    return _simple(value)


def _related(field_: Any, row: models.Model, person: Any, names: dict[str, dict[Any, str]]) -> Any:
    value = getattr(row, field_.attname)
    if value is None:
        return None
    model = field_.related_model
    if model is get_user_model():
        return YOU if value == person.pk else ANOTHER
    label = model._meta.label
    if label in names:
        return names[label].get(value, f"{model._meta.verbose_name} {value}")
    return f"{str(model._meta.verbose_name).capitalize()} {value}"


def _opened(token: str) -> Any:
    if not token:
        return None
    try:
        return crypto.decrypt(token)
    except crypto.DecryptionError:
        return "could not be opened (encrypted with a key no longer held)"


def _simple(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, memoryview | bytes):
        return HASH
    return value


def as_json(person: Any, sections: list[Section], *, produced: datetime.datetime) -> dict[str, Any]:
    """The download: who, when, and every section's tables and rows."""
    return {
        "person": {"id": person.pk, "email": person.email, "name": person.display_name},
        "produced_at": produced.isoformat(),
        "how": HOW,
        "activities": [
            {
                "title": section.activity.title,
                "purpose": section.activity.purpose,
                "tables": [
                    {"table": t.label, "name": t.name, "purpose": t.purpose, "rows": t.rows}
                    for t in section.tables
                ],
            }
            for section in sections
        ],
    }


# --- Privacy's own tables ---------------------------------------------------------------


def _audit_about(person: Any, found: Found) -> Q | None:
    """Entries whose object is the person's account or one of their rows (found before)."""
    query = Q(object_type=_user_label().lower(), object_id=str(person.pk))
    for label, rows in found.items():
        if rows and label != _user_label():
            query |= Q(object_type=label.lower(), object_id__in=[str(pk) for pk in rows])
    return query


rule(
    "privacy.AuditEntry",
    find=_audit_about,
    late=True,
    actors=("actor",),
    names={"actor_label": "actor"},
    held_with={"object_label": "the name of the record acted on, held with its entry"},
    acted_shows=("at", "action", "object_type", "object_id", "actor_label"),
)
rule(
    "privacy.DeletionRecord",
    find=lambda person, found: Q(subject=person.pk),
    finds=("subject",),
)
