"""The warm server (cli/server.py): a batch job handed to it runs in a forked child as
the CLI would run it: same stdout, exit codes, journal and recovery, Ctrl-C passed on."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from duckshred.service.server import _wants_server, code_stamp
from tests.cli.small_job import CONTRACT_REF, job_config, read_rows, write_csv

COLUMNS = ["user", "session", "email", "ts", "consent", "note"]
ROWS = [[f"u{i % 7}", f"s{i % 7}", f"u{i}@x.org", "2010-12-01 08:26:00", "", f"n{i}"]
        for i in range(50)]


def duckshred(env: dict[str, str], *args: str, timeout: float = 300,
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, "-m", "duckshred.cli", *args], capture_output=True, text=True,
        env=env, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A workspace with a connector and contract, and a server on a private socket."""
    root = tmp_path_factory.mktemp("srv")
    env = {**os.environ, "DUCKSHRED_SERVER_SOCKET": str(root / "run" / "s.sock"),
           "DUCKSHRED_HOME": str(root / "workspace")}
    write_csv(root / "bucket" / "events.csv", COLUMNS, ROWS)
    (root / "schema.json").write_text(json.dumps(
        {"name": "events", "nodes": [{"type": "STRING", "name": c} for c in COLUMNS]}))
    (root / "contract.json").write_text(json.dumps(
        {"keyField": "session", "piiFields": {"user": 1, "email": 2},
         "dataSubjectField": "user"}))
    derived = [{"consent_levels": [2], "consent_level_type": "CUMULATIVE"}]
    (root / "job.json").write_text(json.dumps(job_config(derived)))
    for args in (["create", "data-connector", "local", "--path", str(root / "bucket")],
                 ["create", "data-contract", CONTRACT_REF, "-F", str(root / "contract.json"),
                  "--schema", str(root / "schema.json")],
                 ["server", "start"]):
        done = duckshred(env, *args)
        assert done.returncode == 0, done.stderr
    yield root, env
    duckshred(env, "server", "stop")


def jobs_served(env: dict[str, str]) -> int:
    status = duckshred(env, "server", "status")
    assert status.returncode == 0, status.stdout
    return int(status.stdout.split(" jobs served")[0].rsplit(" ", 1)[1])


def job_record(root: Path, job_id: str) -> dict:
    return json.loads((root / "workspace" / "jobs" / f"{job_id}.json").read_text())


def test_only_foreground_batch_jobs_go_to_the_server() -> None:
    assert _wants_server(["--workspace", "w", "create", "batch-job", "-F", "j.json"])
    assert _wants_server(["create", "batch-job", "-F", "j.json", "--engine", "spark"])
    assert not _wants_server(["create", "batch-job", "-F", "j.json", "--detach"])
    assert not _wants_server(["create", "batch-job", "--help"])
    assert not _wants_server(["--workspace", "create", "list", "batch-jobs"])
    assert not _wants_server(["list", "batch-jobs"])
    assert not _wants_server(["delete", "data-subjects", "u1", "--yes"])


def test_socket_is_the_users_alone(site) -> None:
    root, _env = site
    assert stat.S_IMODE((root / "run").stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "run" / "s.sock").stat().st_mode) == 0o600


def test_job_runs_in_a_child_of_the_server_like_a_cli_job(site) -> None:
    root, env = site
    before = jobs_served(env)
    client = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "duckshred.cli", "create", "batch-job", "-F",
         str(root / "job.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env)
    stdout, stderr = client.communicate(timeout=300)
    assert client.returncode == 0, stderr
    job_id = stdout.strip()
    assert stdout == f"{job_id}\n"  # the result alone on stdout, as without a server
    assert "started" in stderr and "records" in stderr  # progress on the caller's stderr
    assert jobs_served(env) == before + 1
    record = job_record(root, job_id)
    assert record["states"][-1]["state"] == "FINISHED"
    # The journal names the process that ran the job: the server's child, not the caller.
    assert record["journal"]["process"]["pid"] != client.pid
    assert len(read_rows(root / "bucket" / "out" / "derived-0.csv")) == len(ROWS)


def test_errors_keep_their_exit_codes(site) -> None:
    root, env = site
    missing = duckshred(env, "create", "batch-job", "-F", str(root / "nope.json"))
    assert missing.returncode == 2 and "nope.json" in missing.stderr
    write_csv(root / "bucket" / "broken.csv", COLUMNS, [["a", "b", "c", "not a time", "", "x"]])
    (root / "broken.json").write_text(json.dumps(job_config(source="broken.csv")))
    failed = duckshred(env, "create", "batch-job", "-F", str(root / "broken.json"))
    assert failed.returncode == 1, failed.stderr
    assert "ended in ERROR" in failed.stderr and failed.stdout == ""


def test_a_killed_job_is_reported_and_rolled_back(site) -> None:
    root, env = site
    killed = duckshred({**env, "DUCKSHRED_TEST_CRASH_AT": "model:job_keys"},
                       "create", "batch-job", "-F", str(root / "job.json"))
    assert killed.returncode == 1
    assert "ended without an exit status" in killed.stderr
    listed = duckshred(env, "list", "batch-jobs", "-o", "json")  # recovers first
    states = {job["id"]: job["states"][-1]["state"]
              for job in json.loads(listed.stdout)["batchJobs"]}
    assert "RUNNING" not in states.values() and "STARTED" not in states.values()
    assert "ERROR" in states.values()


def test_ctrl_c_reaches_the_job(site) -> None:
    root, env = site
    flag = root / "paused"
    client = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "duckshred.cli", "create", "batch-job", "-F",
         str(root / "job.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**env, "DUCKSHRED_TEST_PAUSE_AT": f"exported={flag}"})
    deadline = time.monotonic() + 120
    while not flag.exists() and time.monotonic() < deadline and client.poll() is None:
        time.sleep(0.05)
    assert flag.exists(), client.communicate()[1]
    client.send_signal(signal.SIGINT)
    _stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 130, stderr
    job_id = stderr.split("batch job ")[1].split()[0]
    assert job_record(root, job_id)["states"][-1]["state"] == "ERROR"


def test_loading_the_functions_starts_no_database_threads() -> None:
    """The server forks with only its main thread: importing duckshred's SQL functions
    must not open DuckDB's default database, whose workers a forked job would lack."""
    probe = ("import os, numpy, pyarrow, pyarrow.compute, duckdb\n"
             "before = len(os.listdir('/proc/self/task'))\n"
             "import duckshred.udf.registration\n"
             "print(before, len(os.listdir('/proc/self/task')))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    before, after = done.stdout.split()
    assert after == before, done.stdout


def test_a_second_server_leaves_the_first_in_place(site) -> None:
    root, env = site
    first = duckshred(env, "server", "status")
    assert first.returncode == 0
    log = root / "second.log"
    with open(log, "w") as stream:  # the server process itself, as `server start` runs it
        subprocess.run([sys.executable, "-m", "duckshred.cli.server",  # noqa: S603
                        env["DUCKSHRED_SERVER_SOCKET"]], stdout=stream, stderr=stream,
                       env=env, timeout=120, check=True)
    assert "another duckshred server holds" in log.read_text()
    again = duckshred(env, "server", "status")
    assert again.stdout.split(" at ")[0] == first.stdout.split(" at ")[0]  # same pid


def test_changed_code_is_not_served(site) -> None:
    """Last in this module: the server stops when the installed code changed."""
    root, env = site
    module = Path(sys.modules["duckshred.service.server"].__file__ or "")
    before = code_stamp()
    times = module.stat()
    # an hour from now: newer than any file of a checkout being worked on
    os.utime(module, ns=(times.st_atime_ns, time.time_ns() + 10**9 * 3600))
    try:
        assert code_stamp() != before
        done = duckshred(env, "create", "batch-job", "-F", str(root / "job.json"))
    finally:
        os.utime(module, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert done.returncode == 0, done.stderr
    assert "runs older code" in done.stderr  # said, and the job ran in the caller
    assert job_record(root, done.stdout.strip())["states"][-1]["state"] == "FINISHED"
    assert duckshred(env, "server", "status").returncode == 1  # and the server is gone
