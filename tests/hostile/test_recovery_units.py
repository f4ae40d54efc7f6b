"""Recovery and path checks at unit level: liveness by pid and start time, connector
paths (local and S3 keys), a job that cannot get the workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from duckshred.service.connectors import Connector, local_connector
from duckshred.service.errors import ConfigError, JobFailedError
from duckshred.service.locking import is_alive, process_identity
from tests.cli.small_job import setup

ROWS = [["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "n1"]]


def test_liveness_tells_a_reused_pid_apart():
    me = process_identity()
    assert is_alive(me)
    assert not is_alive({**me, "startTicks": me["startTicks"] + 1})  # same pid, other process
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    assert not is_alive({"pid": int(child.stdout), "startTicks": None})
    assert not is_alive(None)


@pytest.mark.parametrize("relative", ["../x.csv", "a/../../x.csv", "/..", ".", "a/.."])
def test_s3_keys_stay_in_the_bucket(relative):
    s3 = Connector(name="b", kind="s3", bucket="bucket")
    with pytest.raises(ConfigError, match="resolves outside the bucket bucket"):
        s3.resolve(relative)


def test_s3_keys_are_normalised():
    s3 = Connector(name="b", kind="s3", bucket="bucket")
    assert s3.resolve("/a/./b/../c.csv") == "a/c.csv"
    assert s3.identity("a/c.csv") == s3.identity("a//b/../c.csv")


def test_local_paths_resolve_links_and_dots(tmp_path):
    (tmp_path / "root" / "in").mkdir(parents=True)
    connector = local_connector("l", tmp_path / "root")
    assert connector.resolve("in/../x.csv") == tmp_path / "root" / "x.csv"
    (tmp_path / "root" / "out").symlink_to(tmp_path)
    with pytest.raises(ConfigError, match="resolves outside the connector"):
        connector.resolve("out/x.csv")


def test_a_local_output_is_written_beside_its_target_privately_and_renamed_in(tmp_path):
    connector = local_connector("l", tmp_path)
    (tmp_path / "out.csv").write_text("earlier")
    part = connector.part_path("out.csv", "job-1")
    assert part == tmp_path / ".out.csv.job-1.part"
    assert part.stat().st_mode & 0o777 == 0o600 and part.stat().st_size == 0
    part.write_text("ours")  # what the export writes into it, in place
    entry = connector.stage(part, "out.csv", "job-1")
    assert entry["inode"] == part.stat().st_ino  # staged as it is: not copied
    connector.swap_in(entry)
    assert (tmp_path / "out.csv").read_text() == "ours"
    assert (tmp_path / ".out.csv.job-1.bak").read_text() == "earlier"  # until FINISHED
    connector.undo(entry)
    assert (tmp_path / "out.csv").read_text() == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no .part, no .bak
    assert Connector(name="b", kind="s3", bucket="bucket").part_path("x.csv", "j") is None


def test_a_job_that_cannot_get_the_workspace_ends_in_error(cli, tmp_path, monkeypatch):
    from duckshred.service import jobs
    from duckshred.service.locking import workspace_lock
    from duckshred.service.workspace import Workspace

    job = setup(cli, tmp_path, ROWS)
    workspace = Workspace.resolve(cli.workspace)
    submitted = jobs.submit_batch_job(workspace, job)
    monkeypatch.setattr(jobs, "workspace_lock",
                        lambda ws, purpose, timeout_s: workspace_lock(ws, purpose, 0.2))
    with workspace_lock(workspace, "a test holding the workspace", recover=False), \
            pytest.raises(JobFailedError, match="busy"):
        jobs.run_submitted_job(workspace, submitted.job_id)
    record = json.loads((cli.workspace / "jobs" / f"{submitted.job_id}.json").read_text())
    assert [s["state"] for s in record["states"]] == ["PENDING", "ERROR"]
    assert "a test holding the workspace" in record["states"][-1]["message"]
    assert os.listdir(tmp_path / "bucket") == ["events.csv"]
