"""`make lint` fails when an import points the wrong way (import-linter, pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import installed_layout
from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")  # installed by the test extra


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(REPO / "pyproject.toml")],
                          cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return installed_layout.build(tmp_path / "layout", copy=True)


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_code_keeps_its_contracts(tree):
    result = _lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "bad_import", "contract"), [
    ("crypto/_masking.py", "from duckshred.udf import functions",
     "Layers: cli -> service -> udf -> crypto, never upwards"),
    ("crypto/_masking.py", "import duckdb", "The crypto core imports no DuckDB, dbt or CLI"),
    ("service/catalog.py", "from duckshred.service import dbt_runner",
     "Workspace, catalog, config, contracts, plan: no dbt, no dbt plugin or runner"),
    ("service/export.py", "import dbt.version",
     "Only the dbt plugin and the dbt runner import dbt"),
])
def test_a_wrong_way_import_is_caught(tree, module, bad_import, contract):
    _append(tree / "duckshred" / module, bad_import)
    result = _lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    report = " ".join(result.stdout.split())  # the report wraps long contract names
    assert f"{contract} BROKEN" in report, result.stdout
    assert "1 broken" in report


def test_make_lint_runs_the_import_check():
    lint = (REPO / "Makefile").read_text(encoding="utf-8").split("\nlint:", 1)[1].split("\n\n")[0]
    assert "lint-imports" in lint and "installed_layout" in lint
