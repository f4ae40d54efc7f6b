"""The crash tier: kill -9 a batch job and a shred at each phase, then check what
the next command finds. Marked ``crash`` (run by ``make test-crash`` and CI).

A first job (A) has FINISHED in the workspace; a second job (B) over new rows
writes to the same targets and is killed (DUCKSHRED_TEST_CRASH_AT, udf/faults.py).
After the next command, whatever it is:
- no job is STARTED or RUNNING (B is ERROR, or FINISHED if killed after its commit);
- A's published files are byte for byte what they were, unless B FINISHED;
- no file under the workspace or the targets holds B's plaintext or any keyset,
  except the key store and published outputs of FINISHED jobs;
- every key in the store is listed in a FINISHED job's keys file;
- B runs again to FINISHED.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from duckshred.service.locking import is_alive
from tests.cli.small_job import job_config, write_csv

pytestmark = pytest.mark.crash

COLUMNS = ["user", "session", "email", "ts", "consent", "note"]
SECRET = b"crashsecret"  # in every plaintext value of job B
KEYSET = b"AesSivKey"  # in every Tink keyset JSON (the key store's, a keys file's)
ROWS_A = [[f"u{i % 40}", f"s{i % 40}", f"a{i}@x.org", "2010-12-01 08:26:00", "", f"n{i}"]
          for i in range(300)]
ROWS_B = [[f"crashsecret-user{i % 50}", f"crashsecret-session{i % 50}",
           f"crashsecret{i}@x.org", "2010-12-09 10:00:00", "", f"crashsecret-note{i}"]
          for i in range(3000)]
JOB_PHASES = ["submitted", "started", "model:stg_source_rows", "model:job_keys",
              "model:keystore_commit", "keys-committed", "exported", "staged-one",
              "published-one", "finished"]
SHRED_PHASES = ["keystore-rewritten", "keystore-replaced"]
FIGURES = {"faults": 0, "survived": 0, "residue": 0}


def duckshred(root: Path, *args: str, crash_at: str | None = None,
              file_size_limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI on the site's workspace, killed at ``crash_at``, or with its files unable
    to grow past ``file_size_limit`` bytes (writes then fail as on a full disk)."""
    env = {k: v for k, v in os.environ.items() if k != "DUCKSHRED_TEST_CRASH_AT"}
    if crash_at:
        env["DUCKSHRED_TEST_CRASH_AT"] = crash_at
    return subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, "-m", "duckshred.cli", "--workspace", str(root / "workspace"), *args],
        capture_output=True, text=True, env=env, timeout=600, check=False,
        preexec_fn=None if file_size_limit is None else _file_size_limit(file_size_limit))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace where job A FINISHED, kept aside and restored before every test."""
    root = tmp_path_factory.mktemp("crash") / "site"
    bucket = root / "bucket"
    write_csv(bucket / "events.csv", COLUMNS, ROWS_A)
    schema = {"name": "events", "nodes": [{"type": "STRING", "name": c} for c in COLUMNS]}
    contract = {"keyField": "session", "piiFields": {"user": 1, "email": 2},
                "dataSubjectField": "user"}
    (root / "schema.json").write_text(json.dumps(schema))
    (root / "contract.json").write_text(json.dumps(contract))
    derived = [{"consent_levels": [2], "consent_level_type": "CUMULATIVE"}]
    (root / "job.json").write_text(json.dumps(job_config(derived)))
    for args in (["create", "data-connector", "local", "--path", str(bucket)],
                 ["create", "data-contract", "test/events/1.0.0", "-F",
                  str(root / "contract.json"), "--schema", str(root / "schema.json")],
                 ["create", "batch-job", "-F", str(root / "job.json")]):
        assert duckshred(root, *args).returncode == 0, args
    write_csv(bucket / "events.csv", COLUMNS, ROWS_B)  # job B's input
    shutil.copytree(root, root.with_name("pristine"), symlinks=True)
    return root


@pytest.fixture
def site(pristine: Path) -> Path:
    shutil.rmtree(pristine)
    shutil.copytree(pristine.with_name("pristine"), pristine, symlinks=True)
    return pristine


def _jobs(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in (root / "workspace" / "jobs").glob("*.json")]


def _newest(root: Path) -> dict:
    return max(_jobs(root), key=lambda job: job["states"][0]["stateTime"])


def _outputs(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "bucket" / "out").iterdir()}


def _store_keys(root: Path) -> set[str]:
    with duckdb.connect(str(root / "workspace" / "keystore.duckdb"), read_only=True) as conn:
        return {k for (k,) in conn.execute("SELECT key_link FROM encryption_keys").fetchall()}


def check_invariants(root: Path, pristine_outputs: dict[str, bytes]) -> str:
    """Assert the invariants of the module docstring; return B's final state."""
    jobs = _jobs(root)
    states = {job["id"]: job["states"][-1]["state"] for job in jobs}
    assert not {s for s in states.values() if s in {"STARTED", "RUNNING"}}, states
    job_b = max(jobs, key=lambda job: job["states"][0]["stateTime"])
    b_finished = states[job_b["id"]] == "FINISHED"
    if not b_finished:
        assert states[job_b["id"]] == "ERROR"
        assert _outputs(root) == pristine_outputs
    # Files that may hold plaintext or keys: the key store, the warehouse (ciphertext and
    # the derived tables of FINISHED jobs) and the published files.
    allowed = {root / "workspace" / "keystore.duckdb", root / "workspace" / "warehouse.duckdb",
               *(root / "bucket" / "out").iterdir(), root / "bucket" / "events.csv"}
    residue = []
    for path in [*root.rglob("*")]:
        if not path.is_file() or path.is_symlink() or path in allowed:
            continue
        data = path.read_bytes()
        if SECRET in data or KEYSET in data:
            residue.append(str(path.relative_to(root)))
    warehouse = (root / "workspace" / "warehouse.duckdb").read_bytes()
    if not b_finished and SECRET in warehouse:
        residue.append("workspace/warehouse.duckdb (job B's rows)")
    FIGURES["residue"] += len(residue)
    assert residue == []
    finished = {job_id for job_id, state in states.items() if state == "FINISHED"}
    with duckdb.connect(str(root / "workspace" / "keystore.duckdb"), read_only=True) as conn:
        makers = {j for (j,) in conn.execute(
            "SELECT created_by_job FROM encryption_keys UNION "
            "SELECT created_by_job FROM data_subject_keys").fetchall()}
    assert makers <= finished  # no key (nor index row) without a FINISHED job
    assert not list((root / "workspace" / "tmp").glob("*-*-*-*-*"))  # no staging left
    spill = root / "workspace" / "tmp" / "duckdb-spill"
    assert not spill.exists() or not any(spill.iterdir())
    return states[job_b["id"]]


@pytest.mark.parametrize("phase", JOB_PHASES)
def test_a_job_killed_at_each_phase_leaves_nothing_and_runs_again(site, phase):
    before = _outputs(site)
    killed = duckshred(site, "create", "batch-job", "-F", str(site / "job.json"),
                       crash_at=phase)
    FIGURES["faults"] += 1
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # The next command, whatever it is, recovers first.
    assert duckshred(site, "list", "batch-jobs", "-o", "json").returncode == 0
    state = check_invariants(site, before)
    assert state == ("FINISHED" if phase == "finished" else "ERROR")
    if state == "ERROR":
        message = _newest(site)["states"][-1]["message"]
        # killed while PENDING (before it took the workspace lock), or while running
        assert ("ended before it started" if phase == "submitted"
                else "ended without finishing") in message
    again = duckshred(site, "create", "batch-job", "-F", str(site / "job.json"))
    assert again.returncode == 0, again.stderr
    encrypted = (site / "bucket" / "out" / "encrypted.csv").read_bytes()
    assert encrypted.count(b"\r\n") == len(ROWS_B) + 1  # B's rows, header included
    assert check_invariants(site, before) == "FINISHED"
    assert not list((site / "bucket" / "out").glob(".*"))  # no .part, no .bak
    FIGURES["survived"] += 1


@pytest.mark.parametrize("phase", ["detached-start", "taken-over"])
def test_a_detached_job_whose_runner_dies_before_it_starts_ends_in_error(site, phase):
    before = _outputs(site)
    submitted = duckshred(site, "create", "batch-job", "-F", str(site / "job.json"),
                          "--detach", crash_at=phase)
    FIGURES["faults"] += 1
    if phase == "detached-start":  # died before it took the job over: the command says so
        assert submitted.returncode == 1
        assert "ended (exit status -9) before it took the job over" in submitted.stderr
    else:  # died once the submitting command had gone: the next command finds it
        assert submitted.returncode == 0, submitted.stderr
        runner = _newest(site)["runner"]
        deadline = time.monotonic() + 60
        while is_alive(runner) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert duckshred(site, "list", "batch-jobs", "-o", "json").returncode == 0
    assert check_invariants(site, before) == "ERROR"
    message = _newest(site)["states"][-1]["message"]
    assert ("before it took the job over" if phase == "detached-start"
            else "ended before it started") in message
    again = duckshred(site, "create", "batch-job", "-F", str(site / "job.json"))
    assert again.returncode == 0, again.stderr
    assert check_invariants(site, before) == "FINISHED"
    FIGURES["survived"] += 1


@pytest.mark.parametrize("phase", SHRED_PHASES)
def test_a_shred_killed_at_each_phase_is_consistent_and_runs_again(site, phase):
    before = _outputs(site)
    links_before = duckshred(site, "list", "data-subject-keylinks", "u1", "-o", "json")
    keys_before = _store_keys(site)
    killed = duckshred(site, "delete", "data-subjects", "u1", "--yes", crash_at=phase)
    FIGURES["faults"] += 1
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert duckshred(site, "list", "data-subjects").returncode == 0  # recovers first
    assert not list((site / "workspace").glob("*.rewrite*"))
    remaining = _store_keys(site)
    u1_links = {e["keyLink"] for s in json.loads(links_before.stdout)["dataSubjectKeylinks"]
                for e in s["keylinksAndTimestamps"]}
    # All or nothing: either every key of u1 is gone, or none is.
    assert remaining in (keys_before, keys_before - u1_links)
    again = duckshred(site, "delete", "data-subjects", "u1", "--yes")
    assert again.returncode == 0, again.stderr
    assert _store_keys(site) == keys_before - u1_links
    assert _outputs(site) == before
    # The shredded keysets are nowhere in the workspace's files.
    keys_file = (site / "bucket" / "out" / "keys.csv").read_text().splitlines()
    shredded = [line.split(",", 1)[1].encode() for line in keys_file[1:]
                if line.split(",", 1)[0].strip('"') in u1_links]
    assert shredded
    for path in (site / "workspace").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(keyset.strip(b'"').replace(b'""', b'"') in data
                           for keyset in shredded), path
    FIGURES["survived"] += 1


def _file_size_limit(limit: int) -> Callable[[], None]:
    """For a child process: files may not grow beyond ``limit`` bytes, and a write past
    it fails (EFBIG, as a full disk fails with ENOSPC) instead of killing the process."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("limit_kb", [16, 256, 1024])
def test_a_job_that_runs_out_of_disk_fails_cleanly_and_runs_again(site, limit_kb):
    before = _outputs(site)
    full = duckshred(site, "create", "batch-job", "-F", str(site / "job.json"),
                     file_size_limit=limit_kb * 1024)
    FIGURES["faults"] += 1
    assert full.returncode in (1, 2), full.stderr
    assert "Traceback" not in full.stderr  # (dbt's file log fails to write too)
    assert "ended in ERROR" in full.stderr
    assert duckshred(site, "list", "batch-jobs", "-o", "json").returncode == 0
    assert check_invariants(site, before) == "ERROR"
    again = duckshred(site, "create", "batch-job", "-F", str(site / "job.json"))
    assert again.returncode == 0, again.stderr
    assert check_invariants(site, before) == "FINISHED"
    FIGURES["survived"] += 1


def test_a_shred_that_runs_out_of_disk_changes_nothing_and_runs_again(site):
    keys_before = _store_keys(site)
    full = duckshred(site, "delete", "data-subjects", "u1", "--yes", file_size_limit=16 * 1024)
    FIGURES["faults"] += 1
    assert full.returncode in (1, 2), full.stderr  # the store copy could not be written
    assert "could not be written: the disk is full" in full.stderr
    assert "Traceback" not in full.stderr
    assert _store_keys(site) == keys_before  # the old store, whole
    assert duckshred(site, "list", "data-subjects").returncode == 0
    assert not list((site / "workspace").glob("*.rewrite*"))
    again = duckshred(site, "delete", "data-subjects", "u1", "--yes")
    assert again.returncode == 0, again.stderr
    assert _store_keys(site) < keys_before
    FIGURES["survived"] += 1


def test_figures(capsys):
    """Last in the module: print the tier's figures line (faults injected / survived,
    residue found)."""
    with capsys.disabled():
        print(f"\ncrash tier: faults injected {FIGURES['faults']} / survived "
              f"{FIGURES['survived']}, residue found {FIGURES['residue']}")
    assert FIGURES["faults"] == FIGURES["survived"]
