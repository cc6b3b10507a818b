"""Every change of status of money and pairing reaches the audit log (decision 0034).

The services of payments, matching and partnerships are read (not run): each function that
writes a status-like field (``status``, a pause's end, a line's decision, a run's export or
payment) must append an audit entry itself, or be called only by functions of its module
that do. The few exceptions are listed with the reason. A new service that changes a status
without recording it fails here."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "flipside"
APPS = ("payments", "matching", "partnerships")
# Attributes and keyword arguments that hold a status, or the moment one changed.
STATUS_FIELDS = {
    "status",
    "locked",
    "paused_at",
    "resumed_at",
    "ended_at",
    "decided_at",
    "approved_at",
    "exported_at",
    "paid_at",
}
WRITES = {"update", "create", "bulk_create", "get_or_create", "update_or_create"}
# "<path from flipside/>:<function>": why it need not record.
EXCEPTIONS = {
    "matching/services/runs.py:process_runs": (
        "a worker claiming a queued run, or putting one back after a crash, is bookkeeping: "
        "the run's start, finish and failure are each recorded"
    ),
}


def _writes_status(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr in STATUS_FIELDS for t in targets):
                return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITES
            and any(k.arg in STATUS_FIELDS for k in node.keywords)
        ):
            return True
    return False


def _records(function: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "audit"
        for node in ast.walk(function)
    )


def _calls(function: ast.AST, name: str) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
        for node in ast.walk(function)
    )


def status_writers() -> dict[str, bool]:
    """Each function (``path:name``) that writes a status, with whether it is recorded."""
    found: dict[str, bool] = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if {"tests", "migrations"} & set(path.parts):
                continue
            tree = ast.parse(path.read_text())
            functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
            for function in functions:
                if not _writes_status(function):
                    continue
                callers = [f for f in functions if f is not function and _calls(f, function.name)]
                recorded = _records(function) or bool(callers) and all(map(_records, callers))
                found[f"{path.relative_to(ROOT)}:{function.name}"] = recorded
    return found


def test_the_scan_finds_the_status_changes_it_should() -> None:
    found = status_writers()

    assert {
        "payments/services/timesheets.py:submit_timesheet",
        "payments/services/runs.py:export_run",
        "matching/services/publication.py:end_pair",
        "partnerships/services/pauses.py:resume_pair",
    } <= set(found)


def test_every_status_change_of_money_and_pairing_is_recorded() -> None:
    unrecorded = sorted(
        name
        for name, recorded in status_writers().items()
        if not recorded and name not in EXCEPTIONS
    )

    assert not unrecorded, f"status changes with no audit entry: {unrecorded}"


def test_the_exceptions_still_exist() -> None:
    assert set(EXCEPTIONS) <= set(status_writers())
