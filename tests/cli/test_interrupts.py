"""Ctrl-C while the main thread waits on a DuckDB query: DuckDB cancels the query and
raises RuntimeError('Query interrupted') in place of the KeyboardInterrupt
(service/interrupts.py). A command still ends "interrupted" with exit 130, and a
batch job is rolled back and recorded as interrupted, even where the error is caught."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import duckdb
import pytest

from duckshred.service import export, interrupts
from duckshred.service.jobs import run_submitted_job, submit_batch_job
from duckshred.service.workspace import Workspace
from tests.cli.ctrl_c import default_ctrl_c
from tests.cli.small_job import key_count, setup

ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "n1"],
    ["u2", "s2", "b@x.org", "2010-12-02 09:00:00", "", "n2"],
]
# ~4 s on these machines. DuckDB notices a SIGINT during a query at once, or (4 of 20
# runs, measured) only when the query ends; either way it raises the same error.
LONG_QUERY = "SELECT count(*) FROM range(1000000000) t(x) WHERE x % 7 = 3"


def test_ctrl_c_during_a_query_of_the_sql_command_ends_interrupted(cli, tmp_path):
    cli("create", "data-connector", "local", "--path", str(tmp_path))  # makes the workspace
    started = tmp_path / "started.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "duckshred.cli", "--workspace", str(cli.workspace), "sql",
         f"COPY (SELECT 1) TO '{started}'; {LONG_QUERY}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_ctrl_c)
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert started.exists(), process.communicate()[1]
    time.sleep(0.3)  # the long query is running
    process.send_signal(signal.SIGINT)
    try:
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert stderr.strip() == "interrupted"
    assert stdout == ""


@pytest.fixture
def counting_ctrl_c() -> Iterator[None]:
    """This process counts SIGINTs as the command line does (restored afterwards)."""
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a foreground command
    interrupts.count_ctrl_c()
    assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _ctrl_c_during_a_query() -> None:
    """A Ctrl-C (SIGINT to this process) that lands while the main thread runs a query."""
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    with duckdb.connect() as conn:
        conn.execute(LONG_QUERY).fetchall()


@pytest.mark.parametrize("caught", [False, True], ids=["raised", "caught-by-a-library"])
def test_ctrl_c_during_a_query_of_a_job_rolls_it_back_as_interrupted(
        cli, tmp_path, monkeypatch, counting_ctrl_c, caught):
    job_file = setup(cli, tmp_path, ROWS)
    workspace = Workspace.resolve(cli.workspace)
    write_outputs = export.write_outputs

    def interrupted_then_written(*args, **kwargs):
        try:
            _ctrl_c_during_a_query()
        except RuntimeError as error:
            assert "interrupted" in str(error)  # what DuckDB makes of the Ctrl-C
            if not caught:
                raise
        return write_outputs(*args, **kwargs)

    monkeypatch.setattr(export, "write_outputs", interrupted_then_written)
    submitted = submit_batch_job(workspace, job_file)
    with pytest.raises(KeyboardInterrupt):
        run_submitted_job(workspace, submitted.job_id)
    record = cli("get", "batch-job", submitted.job_id, "-o", "json").stdout
    assert '"state": "ERROR"' in record and "interrupted (Ctrl-C)" in record
    assert key_count(cli.workspace) == 0  # the keys it committed were taken back
    assert not (tmp_path / "bucket" / "out").exists() or not any(
        (tmp_path / "bucket" / "out").iterdir())  # nothing published, nothing left beside
