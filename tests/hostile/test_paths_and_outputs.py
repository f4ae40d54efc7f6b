"""Hostile job files: paths that leave the connector, outputs that collide, targets
that are folders, failures while publishing. Each is refused before any work, or
undone without touching files the job did not make."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.small_job import key_count, setup

ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "n1"],
    ["u2", "s2", "b@x.org", "2010-12-01 09:00:00", "", "n2"],
]
DERIVED = [{"consent_levels": [2], "consent_level_type": "CUMULATIVE"}]


def _edit(job: Path, change) -> None:
    config = json.loads(job.read_text())
    change(config)
    job.write_text(json.dumps(config))


def _all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _jobs(cli) -> list[dict]:
    return json.loads(cli("list", "batch-jobs", "-o", "json").stdout)["batchJobs"]


@pytest.mark.parametrize(("role", "change"), [
    ("encrypted_data.target",
     lambda c: c["encrypted_data"]["target"].update(file_name="../outside/enc.csv")),
    ("encryption_keys_data.target",
     lambda c: c["encryption_keys_data"]["target"].update(path_prefix="../../x")),
    ("derived_data[0].target",
     lambda c: c["derived_data"][0]["target"].update(path_prefix="/../..", file_name="d.csv")),
    ("source_data",
     lambda c: c["source_data"].update(file_name="../../../../../../../../etc/passwd")),
])
def test_paths_outside_the_connector_are_refused_before_work(cli, tmp_path, role, change):
    job = setup(cli, tmp_path, ROWS, derived=DERIVED)
    _edit(job, change)
    before = _all_files(tmp_path)
    stderr = cli("create", "batch-job", "-F", str(job), code=2).stderr
    assert f"batch job: {role}:" in stderr and "resolves outside the connector" in stderr
    assert "root:" not in stderr  # nothing of /etc/passwd is read or quoted
    assert _all_files(tmp_path) - before == set()
    assert _jobs(cli) == [] and key_count(cli.workspace) == 0


def test_a_symbolic_link_out_of_the_connector_is_refused(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "bucket" / "escape").symlink_to(outside)
    _edit(job, lambda c: c["encrypted_data"]["target"].update(path_prefix="escape"))
    stderr = cli("create", "batch-job", "-F", str(job), code=2).stderr
    assert "encrypted_data.target" in stderr and "resolves outside" in stderr
    assert list(outside.iterdir()) == []


def test_a_link_inside_the_connector_is_fine(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    (tmp_path / "bucket" / "real").mkdir()
    (tmp_path / "bucket" / "alias").symlink_to(tmp_path / "bucket" / "real")
    _edit(job, lambda c: c["encrypted_data"]["target"].update(path_prefix="alias"))
    cli("create", "batch-job", "-F", str(job))
    assert (tmp_path / "bucket" / "real" / "out" / "encrypted.csv").is_file()


@pytest.mark.parametrize(("change", "first", "second"), [
    (lambda c: c["derived_data"][0]["target"].update(file_name="out/encrypted.csv"),
     "derived_data[0].target", "encrypted_data.target"),
    (lambda c: c["derived_data"].append(dict(c["derived_data"][0])),
     "derived_data[1].target", "derived_data[0].target"),
    (lambda c: c["encryption_keys_data"]["target"].update(file_name="./out/../out/encrypted.csv"),
     "encryption_keys_data.target", "encrypted_data.target"),
    (lambda c: c["encrypted_data"]["target"].update(file_name="events.csv"),
     "encrypted_data.target", "source_data"),
])
def test_two_files_of_one_job_may_not_share_a_path(cli, tmp_path, change, first, second):
    job = setup(cli, tmp_path, ROWS, derived=DERIVED)
    _edit(job, change)
    source = (tmp_path / "bucket" / "events.csv").read_bytes()
    stderr = cli("create", "batch-job", "-F", str(job), code=2).stderr
    assert f"batch job: {first}" in stderr and f"is the same file as {second}" in stderr
    assert not (tmp_path / "bucket" / "out").exists()
    assert (tmp_path / "bucket" / "events.csv").read_bytes() == source


def test_a_target_that_is_a_folder_is_refused_before_work(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, derived=DERIVED)
    (tmp_path / "bucket" / "out" / "keys.csv").mkdir(parents=True)
    stderr = cli("create", "batch-job", "-F", str(job), code=2).stderr
    assert "encryption_keys_data.target (local:out/keys.csv) is a folder" in stderr
    assert [p.name for p in (tmp_path / "bucket" / "out").iterdir()] == ["keys.csv"]
    assert key_count(cli.workspace) == 0


def test_a_failed_publish_restores_the_earlier_files_and_names_the_target(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, derived=DERIVED)
    cli("create", "batch-job", "-F", str(job))
    out = tmp_path / "bucket" / "out"
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}
    keys_before = key_count(cli.workspace)
    # The derived target sits under a path whose folder is a file: writing it beside
    # its target fails (a job's files are written there, then renamed in), and the
    # outputs already written beside theirs are removed. (Undoing swaps that were
    # done is the crash tier's `published-one`, which rolls back the same way.)
    (tmp_path / "bucket" / "blocker").write_text("not a folder")
    _edit(job, lambda c: c["derived_data"].append(
        {**c["derived_data"][0], "target": {**c["derived_data"][0]["target"],
                                           "file_name": "blocker/d.csv"}}))
    stderr = cli("create", "batch-job", "-F", str(job), code=1).stderr
    assert "cannot write target local:blocker/d.csv" in stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier  # untouched, no .part
    assert key_count(cli.workspace) == keys_before
    assert (tmp_path / "bucket" / "blocker").read_text() == "not a folder"
    assert _jobs(cli)[-1]["states"][-1]["state"] == "ERROR"


def test_a_failed_job_never_deletes_a_file_it_did_not_create(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, derived=DERIVED)
    out = tmp_path / "bucket" / "out"
    out.mkdir(parents=True)
    (out / "encrypted.csv").write_text("an earlier file at the same path\n")
    (tmp_path / "bucket" / "blocker").write_text("x")
    _edit(job, lambda c: c["derived_data"][0]["target"].update(file_name="blocker/d.csv"))
    cli("create", "batch-job", "-F", str(job), code=1)
    assert (out / "encrypted.csv").read_text() == "an earlier file at the same path\n"
    assert sorted(p.name for p in out.iterdir()) == ["encrypted.csv"]


def test_outputs_and_workspace_are_private(cli, tmp_path):
    old = os.umask(0o022)
    try:
        job = setup(cli, tmp_path, ROWS, derived=DERIVED)
        cli("create", "batch-job", "-F", str(job))
    finally:
        os.umask(old)
    mode = lambda p: p.stat().st_mode & 0o777  # noqa: E731
    assert mode(cli.workspace) == 0o700
    assert mode(cli.workspace / "keystore.duckdb") == 0o600
    assert mode(cli.workspace / "warehouse.duckdb") == 0o600
    for name in ("encrypted.csv", "keys.csv", "derived-0.csv"):
        assert mode(tmp_path / "bucket" / "out" / name) == 0o600, name
