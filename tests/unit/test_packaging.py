"""The wheel carries the layers under `duckshred.*` and the dbt project the CLI runs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel_build(tmp_path_factory) -> tuple[set[str], str]:
    """The wheel's file names, and the build's log (verbose, so setuptools' warnings show)."""
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v",
                            "-w", str(out), str(REPO)], check=True, capture_output=True,
                           text=True)
    (wheel,) = out.glob("duckshred-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist()), build.stdout + build.stderr


@pytest.fixture(scope="module")
def wheel_names(wheel_build) -> set[str]:
    return wheel_build[0]


def test_the_build_has_no_packaging_warnings(wheel_build):
    log = wheel_build[1]
    assert "running bdist_wheel" in log  # the log is the real build's
    assert "would be ignored" not in log
    assert "is absent from the `packages` configuration" not in log


def test_layers_install_under_one_import_name(wheel_names):
    for module in ("duckshred/__init__.py", "duckshred/crypto/_keysets.py",
                   "duckshred/udf/dbt_plugin.py", "duckshred/service/jobs.py",
                   "duckshred/cli/app.py", "duckshred/service/plan.py"):
        assert module in wheel_names
    top_level = {name.split("/")[0] for name in wheel_names}
    assert not top_level & {"udf", "cli", "crypto", "service", "models", "macros"}


def test_the_dbt_project_ships_inside_the_package(wheel_names):
    project = "duckshred/dbt_project/"
    expected = ["dbt_project.yml", "profiles.yml", "models/outputs/encrypted.sql",
                "macros/materializations/keystore_commit.sql",
                "seeds/sample/uci_online_retail_sample.csv"]
    for name in expected:
        assert project + name in wheel_names
    shipped = {n.removeprefix(project) for n in wheel_names if n.startswith(project)}
    in_repo = {str(p.relative_to(REPO)) for folder in ("models", "macros")
               for p in Path(REPO, folder).rglob("*.sql")}
    assert in_repo <= shipped
