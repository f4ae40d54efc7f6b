"""dbt's parsed project is re-used by a job in another workspace (no full parse)."""

from __future__ import annotations

from tests.cli.small_job import setup
from tests.conftest import Cli

ROWS = [["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", ""]]


def _full_parse(workspace) -> bool:
    log = (workspace / "dbt" / "logs" / "dbt.log").read_text()
    return "Unable to do partial parsing" in log or "Starting full parse" in log


def test_second_workspace_skips_the_full_parse(tmp_path):
    first, second = Cli(tmp_path / "a" / "workspace"), Cli(tmp_path / "b" / "workspace")
    cli_jobs = [(cli, setup(cli, tmp_path / name, ROWS)) for cli, name in
                [(first, "a"), (second, "b")]]
    for cli, job in cli_jobs:
        cli("create", "batch-job", "-F", str(job))
    assert not _full_parse(second.workspace)
    assert (tmp_path / "b" / "bucket" / "out" / "encrypted.csv").exists()
