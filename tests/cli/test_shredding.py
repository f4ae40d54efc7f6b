"""Crypto-shredding guarantees on a small job: atomicity under interruption,
locking against concurrent writers, no key material left anywhere."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import duckshred
from duckshred.service import subjects
from duckshred.service.errors import WorkspaceBusyError
from duckshred.service.locking import workspace_lock
from duckshred.service.workspace import Workspace
from tests.cli.small_job import read_rows, setup

ROWS = [
    ["alice", "s1", "alice@x.org", "2010-12-01 08:26:00", "", ""],
    ["alice", "s1", "alice@x.org", "2010-12-02 08:26:00", "", ""],
    ["bob", "s2", "bob@x.org", "2010-12-01 09:00:00", "", ""],
    ["", "s3", "", "2010-12-01 09:00:00", "", ""],
]


@pytest.fixture
def job(cli, tmp_path):
    config = setup(cli, tmp_path, ROWS, derived=[
        {"consent_levels": [2], "consent_level_type": "CUMULATIVE"}])
    cli("create", "batch-job", "-F", str(config))
    return {"encrypted": tmp_path / "bucket" / "out" / "encrypted.csv",
            "workspace": Workspace.resolve(cli.workspace)}


def _decrypted(workspace: Path, encrypted: Path) -> list[tuple]:
    conn = duckshred.connect(workspace)
    try:
        return conn.execute(f"""SELECT decrypt("user", "strmMeta.keyLink"),
                                       decrypt(email, "strmMeta.keyLink")
                                FROM read_csv('{encrypted}', all_varchar = true)""").fetchall()
    finally:
        conn.close()


def _store_counts(workspace: Workspace) -> tuple[int, int]:
    with duckdb.connect(str(workspace.keystore_path), read_only=True) as conn:
        return (conn.execute("SELECT count(*) FROM encryption_keys").fetchone()[0],
                conn.execute("SELECT count(*) FROM data_subject_keys").fetchone()[0])


def test_delete_prints_the_count_and_asks_first(cli, job):
    assert cli("delete", "data-subjects", "alice", input="n\n", code=2).exit_code == 2
    assert _store_counts(job["workspace"]) == (4, 4)
    assert cli("delete", "data-subjects", "alice", "nobody", input="y\n").stdout.splitlines(
        )[-1] == "2"
    assert _store_counts(job["workspace"]) == (2, 2)
    assert cli("delete", "data-subjects", "nobody", "--yes").stdout.strip() == "0"


def test_only_the_shredded_subject_stops_decrypting(cli, job):
    assert _decrypted(cli.workspace, job["encrypted"]) == [
        ("alice", "alice@x.org"), ("alice", "alice@x.org"), ("bob", "bob@x.org"), ("", "")]
    cli("delete", "data-subjects", "alice", "--yes")
    assert _decrypted(cli.workspace, job["encrypted"]) == [
        (None, None), (None, None), ("bob", "bob@x.org"), ("", "")]
    # the empty subject is a subject like any other
    cli("delete", "data-subjects", "", "--yes")
    assert _decrypted(cli.workspace, job["encrypted"])[3] == (None, None)


def test_tampering_is_still_an_error_after_shredding_others(cli, job):
    cli("delete", "data-subjects", "alice", "--yes")
    bob = read_rows(job["encrypted"])[2]
    raw = bytearray(base64.b64decode(bob["email"]))
    raw[-1] ^= 1
    conn = duckshred.connect(cli.workspace)
    try:
        with pytest.raises(duckdb.Error, match="does not decrypt"):
            conn.execute("SELECT decrypt(?, ?)", [base64.b64encode(bytes(raw)).decode(),
                                                  bob["strmMeta.keyLink"]]).fetchall()
    finally:
        conn.close()


def test_receipt_names_the_derived_file_holding_decrypted_values(cli, job):
    receipt = json.loads(cli("delete", "data-subjects", "bob", "--yes", "-o", "json").stdout)
    assert receipt["deletedKeylinksCount"] == 1
    (dataset,) = receipt["derivedDatasetsWithDecryptedValues"]
    assert dataset["target"] == "local:out/derived-0.csv"


def test_interrupted_delete_leaves_the_store_untouched(job, monkeypatch):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process died before the atomic swap

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        subjects.delete_data_subjects(job["workspace"], ["alice"])
    monkeypatch.undo()
    assert _store_counts(job["workspace"]) == (4, 4)
    assert subjects.list_keylinks(job["workspace"], ["alice"])
    # and a retry completes
    assert subjects.delete_data_subjects(job["workspace"], ["alice"])[
        "deletedKeylinksCount"] == 2
    assert _store_counts(job["workspace"]) == (2, 2)


def test_delete_killed_in_another_process_is_all_or_nothing(job):
    """SIGKILL a real process at the swap point: the store is whole either way."""
    script = f"""
import os, signal
from duckshred.service import subjects
from duckshred.service.workspace import Workspace
real_replace = os.replace
def replace_then_die(src, dst):
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace_then_die
subjects.delete_data_subjects(Workspace.resolve({str(job['workspace'].root)!r}), ["alice"])
"""
    completed = subprocess.run([sys.executable, "-c", script], check=False)
    assert completed.returncode == -9
    assert _store_counts(job["workspace"]) == (4, 4)
    assert len(subjects.list_keylinks(job["workspace"], ["alice"])) == 2


def test_delete_while_the_workspace_is_busy_fails_clearly(job):
    with workspace_lock(job["workspace"], "run batch job test"):
        with pytest.raises(WorkspaceBusyError, match="busy.*run batch job test"):
            subjects.delete_data_subjects(job["workspace"], ["alice"], lock_timeout_s=0.3)
    assert _store_counts(job["workspace"]) == (4, 4)


def test_no_key_material_of_the_subject_remains_in_any_workspace_file(cli, job):
    conn = duckshred.connect(cli.workspace, keystore_tables=True)
    keysets = [row[0] for row in conn.execute(
        "SELECT keyset FROM keystore.encryption_keys JOIN keystore.data_subject_keys "
        "USING (key_link) WHERE data_subject = 'alice'").fetchall()]
    conn.close()
    assert len(keysets) == 2
    cli("delete", "data-subjects", "alice", "--yes")
    from duckshred.crypto import keyset_key_material

    needles = [n for k in keysets for n in (
        k.encode(), json.loads(k)["key"][0]["keyData"]["value"].encode(),
        *keyset_key_material(k))]
    for path in (p for p in cli.workspace.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert not any(n in data for n in needles), path


def test_cipher_cache_is_cleared_after_a_shred(cli, job):
    from duckshred.crypto import _keysets

    _decrypted(cli.workspace, job["encrypted"])  # warms the cache in this process
    assert _keysets._cache
    subjects.delete_data_subjects(job["workspace"], ["alice"])
    assert not _keysets._cache


def test_access_request_and_sql_as_csv(cli, job):
    lines = cli("get", "data-subject", "alice", "-o", "csv").stdout.splitlines()
    assert lines[0] == "dataset,jobId,row,keyLink,user,session,email,ts,consent,note"
    assert [line.split(",")[4:7] for line in lines[1:]] == [["alice", "s1", "alice@x.org"]] * 2
    output = cli("sql", "SELECT count(*) AS n, min(data_subject) AS first "
                 "FROM keystore.data_subject_keys", "-o", "csv").stdout
    assert output == "n,first\n4,\n"


def test_reading_while_another_process_writes_is_a_clear_error(cli, job):
    """A batch job holds the warehouse open for writing; readers are told so."""
    script = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
              "print('ready', flush=True); time.sleep(30)")
    holder = subprocess.Popen([sys.executable, "-c", script,
                               str(job["workspace"].warehouse_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        stderr = cli("sql", "SELECT 1", code=2).stderr
        assert "in use by another duckshred process" in stderr
    finally:
        holder.kill()
        holder.wait()
