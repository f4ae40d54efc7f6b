"""dbt's parsed project is re-used between jobs (no full parse), and never when the
project changed: a stale parse must not run the SQL of an older project."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from duckshred.service import dbt_runner
from duckshred.service.project import project_dir
from tests.cli.small_job import setup
from tests.conftest import Cli

ROWS = [["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", ""]]


def _last_run_log(workspace: Path) -> str:
    """dbt's log of the workspace's latest invocation."""
    log = (workspace / "dbt" / "logs" / "dbt.log").read_text()
    return log.rsplit("Running with dbt=", 1)[1]


def _full_parse(workspace: Path) -> bool:
    log = _last_run_log(workspace)
    return "Unable to do partial parsing" in log or "Starting full parse" in log


def _nothing_changed(workspace: Path) -> bool:
    return "Nothing changed, skipping partial parsing" in _last_run_log(workspace)


def test_second_workspace_skips_the_full_parse(tmp_path):
    first, second = Cli(tmp_path / "a" / "workspace"), Cli(tmp_path / "b" / "workspace")
    cli_jobs = [(cli, setup(cli, tmp_path / name, ROWS)) for cli, name in
                [(first, "a"), (second, "b")]]
    for cli, job in cli_jobs:
        cli("create", "batch-job", "-F", str(job))
    assert not _full_parse(second.workspace)
    assert _nothing_changed(second.workspace)
    assert (tmp_path / "b" / "bucket" / "out" / "encrypted.csv").exists()


def test_a_second_job_in_the_workspace_reuses_its_parse_and_writes_no_json_artefacts(cli,
                                                                                    tmp_path):
    job = setup(cli, tmp_path, ROWS)
    cli("create", "batch-job", "-F", str(job))
    cli("create", "batch-job", "-F", str(job))
    assert _nothing_changed(cli.workspace)
    target = cli.workspace / "dbt" / "target"
    assert (target / "partial_parse.msgpack").is_file()
    # A job's dbt run writes no manifest.json or run_results.json (start-up time).
    assert not (target / "manifest.json").exists()
    assert not (target / "run_results.json").exists()


CANARY_MODEL = """{{ config(database='warehouse', schema='jobs') }}
select {{ canary_answer() }} as answer
"""


def _canary(workspace: Path) -> int:
    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute("SELECT answer FROM jobs.canary").fetchone()[0]


@pytest.fixture
def project_copy(tmp_path, monkeypatch) -> Path:
    """The bundled dbt project, copied, with a canary model whose value comes from a
    macro; jobs run this copy (it shares the parse cache with the real project)."""
    source, copy = project_dir(), tmp_path / "project"
    copy.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(source / name, copy / name)
    for folder in ("models", "macros", "data_tests", "seeds"):
        shutil.copytree(source / folder, copy / folder)
    (copy / "models" / "outputs" / "canary.sql").write_text(CANARY_MODEL)
    (copy / "macros" / "canary_answer.sql").write_text(
        "{% macro canary_answer() %}1{% endmacro %}\n")
    monkeypatch.setattr(dbt_runner, "project_dir", lambda: copy)
    return copy


def test_a_changed_project_is_parsed_again_through_a_cached_parse(project_copy, tmp_path):
    """The cached parse of the project as it was is handed to a new workspace, and the
    workspace keeps its own: after a macro changes, both run the changed SQL."""
    first, second = Cli(tmp_path / "a" / "workspace"), Cli(tmp_path / "b" / "workspace")
    jobs = {cli: setup(cli, tmp_path / name, ROWS) for cli, name in
            [(first, "a"), (second, "b")]}
    first("create", "batch-job", "-F", str(jobs[first]))
    assert _canary(first.workspace) == 1

    (project_copy / "macros" / "canary_answer.sql").write_text(
        "{% macro canary_answer() %}2{% endmacro %}\n")
    second("create", "batch-job", "-F", str(jobs[second]))  # starts from the cached parse
    assert "Partial parsing enabled" in _last_run_log(second.workspace)
    assert not _nothing_changed(second.workspace)
    assert _canary(second.workspace) == 2
    first("create", "batch-job", "-F", str(jobs[first]))  # its own parse is stale too
    assert not _nothing_changed(first.workspace)
    assert _canary(first.workspace) == 2

    (project_copy / "models" / "outputs" / "canary.sql").write_text(
        CANARY_MODEL.replace("{{ canary_answer() }}", "{{ canary_answer() }} + 40"))
    first("create", "batch-job", "-F", str(jobs[first]))
    assert _canary(first.workspace) == 42
