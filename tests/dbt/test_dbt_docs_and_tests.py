"""The dbt project documents itself and tests itself: every model and macro has a
YAML description, `dbt build` runs data tests (unique/not_null key links,
relationships, the violations model's is_empty test), and dbt sends nothing and
writes nothing into the project folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dbt.cli.main import dbtRunner

from duckshred.service.dbt_runner import _close_dbt_database
from tests.conftest import REPO


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("parse")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DUCKSHRED_HOME", str(tmp_path / "home"))
        result = dbtRunner().invoke([
            "--quiet", "--log-path", str(tmp_path / "logs"), "parse", "--project-dir",
            str(REPO), "--profiles-dir", str(REPO), "--target-path", str(tmp_path / "target")])
    assert result.success, result.exception
    return result.result


def test_every_model_and_macro_is_described(manifest):
    models = [n for n in manifest.nodes.values()
              if n.resource_type == "model" and n.package_name == "duckshred"]
    assert len(models) >= 7
    assert all(m.description.strip() for m in models), [m.name for m in models
                                                       if not m.description.strip()]
    ours = [m for m in manifest.macros.values() if m.package_name == "duckshred"]
    # an engine's implementation of a dispatched macro is described by that macro
    dispatched = {m.name for m in ours}
    macros = [m for m in ours if not m.name.startswith(("default__", "materialization_"))
              and not (m.name.startswith("spark__") and m.name[len("spark__"):] in dispatched)]
    assert all(m.description.strip() for m in macros), [m.name for m in macros
                                                       if not m.description.strip()]


def test_the_project_declares_its_data_tests(manifest):
    tests = {n.name for n in manifest.nodes.values() if n.resource_type == "test"}
    assert "unique_job_keys_key_link" in tests and "not_null_job_keys_key_link" in tests
    assert any(name.startswith("relationships_encrypted") for name in tests)
    assert "duckshred_is_empty_stg_source_violations_message" in tests
    assert "keys_expire_when_their_day_ends" in tests  # the singular test in test-paths


def test_dbt_build_runs_the_tests_and_they_pass(tmp_path, monkeypatch):
    monkeypatch.setenv("DUCKSHRED_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(REPO)
    result = dbtRunner().invoke([
        "--quiet", "--log-path", str(tmp_path / "logs"), "build", "--project-dir", str(REPO),
        "--profiles-dir", str(REPO), "--target-path", str(tmp_path / "target")])
    _close_dbt_database()
    assert result.success, result.exception
    tests = [r for r in result.result.results if r.node.resource_type == "test"]
    assert len(tests) >= 8 and all(str(r.status) == "pass" for r in tests)


def test_no_usage_stats_and_no_files_in_the_project_folder():
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text())
    assert project["flags"]["send_anonymous_usage_stats"] is False
    assert all((REPO / path).is_dir() for path in project["test-paths"])
    assert not (REPO / ".user.yml").exists()


def test_the_job_error_still_names_the_row_of_a_malformed_line(cli, tmp_path):
    from tests.cli.small_job import key_count, setup

    job = setup(cli, tmp_path, [["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "n1"]])
    source = Path(tmp_path / "bucket" / "events.csv")
    source.write_text(source.read_text() + "u2,s2,b@x.org,2010-12-01 09:00:00,,n2,extra\n")
    stderr = cli("create", "batch-job", "-F", str(job), code=1).stderr
    assert "Malformed CSV [" in stderr and "at line 3" in stderr
    assert "b@x.org" not in stderr
    assert key_count(cli.workspace) == 0  # the violations test stopped the run before keys
