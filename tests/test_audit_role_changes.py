"""Every change of who holds which role reaches the audit log (decision 0034).

Flipside's code is read (not run): each function that gives, changes or takes away a role (a
cohort membership, including observers; a scheme's or an organisation's coordinator) must
append an audit entry itself, or be called only by functions of its module that do. The
demonstration data, which makes up people and roles in bulk, is the one exception. And the
services that do it today are run, to see the entries written."""

from __future__ import annotations

import ast
import io
import pathlib

import pytest
from django.core.management import call_command

from conftest import World, make_cohort, make_user
from flipside.privacy.models import AuditEntry
from flipside.schemes import services
from flipside.schemes.models import Role
from tests.test_audit_status_changes import _calls, _records

ROOT = pathlib.Path(__file__).resolve().parent.parent / "flipside"
ROLE_TABLES = ("Membership", "SchemeCoordinator", "OrganisationCoordinator")
ROLE_SETS = ("memberships", "coordinator_roles")
CHANGES = {"create", "bulk_create", "get_or_create", "update_or_create", "delete", "update"}
SKIPPED = {"demo"}  # made-up people for a demonstration, each seeded once


def _receiver(node: ast.expr) -> str:
    return ast.unparse(node)


def _changes_roles(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "role" for t in node.targets
        ):
            return True
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CHANGES
        ):
            continue
        receiver = _receiver(node.func.value)
        on_roles = any(t in receiver for t in ROLE_TABLES + ROLE_SETS)
        if on_roles and (node.func.attr != "update" or any(k.arg == "role" for k in node.keywords)):
            return True
    return False


def role_changers() -> dict[str, bool]:
    found: dict[str, bool] = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if {"tests", "migrations"} & parts or SKIPPED & parts:
            continue
        tree = ast.parse(path.read_text())
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for function in functions:
            if not _changes_roles(function):
                continue
            callers = [f for f in functions if f is not function and _calls(f, function.name)]
            recorded = _records(function) or bool(callers) and all(map(_records, callers))
            found[f"{path.relative_to(ROOT)}:{function.name}"] = recorded
    return found


def test_the_scan_finds_the_role_changes_it_should() -> None:
    assert {
        "schemes/services.py:add_member",
        "schemes/services.py:assign_scheme_coordinator",
        "schemes/management/commands/create_coordinator.py:handle",
    } <= set(role_changers())


def test_every_change_of_role_is_recorded() -> None:
    unrecorded = sorted(name for name, recorded in role_changers().items() if not recorded)

    assert not unrecorded, f"role changes with no audit entry: {unrecorded}"


@pytest.mark.django_db
def test_roles_given_today_are_recorded_with_the_person_and_the_place(world: World) -> None:
    cohort = make_cohort(world.scheme, label="2027/28")
    person = make_user("Ola Observer", email="ola@example.ac.uk")

    services.add_member(cohort, user=person, role=Role.OBSERVER, by=world.coordinator)
    services.assign_scheme_coordinator(world.scheme, user=person, by=world.org_coordinator)
    call_command(
        "create_coordinator",
        email="ola@example.ac.uk",
        organisation=world.organisation.name,
        name="Ola",
        password="unused here",
        stdout=io.StringIO(),
    )

    found = {
        e.action: (e.details.get("user"), e.organisation_id)
        for e in AuditEntry.objects.filter(action__contains="added")
    }
    assert found == {
        "schemes.membership.added": ("ola@example.ac.uk", world.organisation.pk),
        "schemes.scheme.coordinator_added": ("ola@example.ac.uk", world.organisation.pk),
        "schemes.organisation.coordinator_added": ("ola@example.ac.uk", world.organisation.pk),
    }
