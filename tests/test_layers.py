"""The import contracts in pyproject.toml hold on the project, and catch a base module that
reaches up into the cycle."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed command, our own files
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy_project(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "flipside",
        tmp_path / "flipside",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_project_keeps_its_layers() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("schemes/layer_probe.py", "from flipside.matching import models", "Top floor composes"),
        ("notifications/layer_probe.py", "import flipside.worker", "Top floor composes"),
        ("matching/layer_probe.py", "from flipside.home import views", "Top floor composes"),
        ("lib/layer_probe.py", "from flipside.accounts import models", "Top floor composes"),
        ("recruitment/layer_probe.py", "from flipside.matching import models", "one way"),
    ],
)
def test_an_import_against_the_layers_fails_the_lint(
    tmp_path: Path, module: str, bad_import: str, contract: str
) -> None:
    root = _copy_project(tmp_path)
    (root / "flipside" / module).write_text(f"{bad_import}  # noqa: F401\n")
    result = _lint(root)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts")[-1]
    assert contract in broken
    assert "layer_probe" in broken
