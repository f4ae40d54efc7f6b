"""Erasure that holds (issue 8): open readers, no resurrection, an honest receipt,
purging the outputs duckshred wrote, and retention."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import duckshred
from duckshred.crypto import keyset_erasure_needles
from duckshred.service.catalog import Catalog
from duckshred.service.workspace import Workspace
from tests.cli.small_job import read_rows, setup

# key field `session`, data subject field `user`; carol shares alice's session s1
ROWS = [
    ["alice", "s1", "alice@x.org", "2010-12-01 08:26:00", "", "a1"],
    ["alice", "s1", "alice@x.org", "2010-12-02 08:26:00", "", "a2"],
    ["bob", "s2", "bob@x.org", "2010-12-01 09:00:00", "", "b1"],
    ["carol", "s3", "carol@x.org", "2010-12-01 09:30:00", "", "c1"],
    ["dave", "s4", "dave@x.org", "2010-12-01 10:00:00", "", "d1"],
]
DERIVED = [{"consent_levels": [2], "consent_level_type": "CUMULATIVE"}]


def _job(cli, tmp_path, rows=ROWS):
    config = setup(cli, tmp_path, rows, derived=DERIVED)
    cli("create", "batch-job", "-F", str(config))
    out = tmp_path / "bucket" / "out"
    return {"config": config, "out": out, "bucket": tmp_path / "bucket",
            "workspace": Workspace.resolve(cli.workspace)}


def _decrypt_users(conn, encrypted: Path) -> list:
    return [row[0] for row in conn.execute(
        "SELECT decrypt(\"user\", \"strmMeta.keyLink\") "
        "FROM read_csv(?, all_varchar = true)", [str(encrypted)]).fetchall()]


def _keysets_of(workspace: Workspace, subject: str) -> list[str]:
    conn = duckdb.connect()
    conn.execute("ATTACH ? AS k (READ_ONLY)", [str(workspace.keystore_path)])
    try:
        return [row[0] for row in conn.execute(
            "SELECT keyset FROM k.encryption_keys JOIN k.data_subject_keys USING (key_link) "
            "WHERE data_subject = ?", [subject]).fetchall()]
    finally:
        conn.close()


def _files_under(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


# -- 1. open readers -------------------------------------------------------------------


def test_open_connection_stops_decrypting_after_a_delete_in_another_process(cli, tmp_path):
    job = _job(cli, tmp_path)
    encrypted = job["out"] / "encrypted.csv"
    conn = duckshred.connect(cli.workspace)
    try:
        assert _decrypt_users(conn, encrypted) == ["alice", "alice", "bob", "carol", "dave"]
        deleted = subprocess.run(
            [sys.executable, "-m", "duckshred.cli", "--workspace", str(cli.workspace),
             "delete", "data-subjects", "bob", "--yes"], capture_output=True, text=True,
            check=False)
        assert deleted.returncode == 0, deleted.stderr
        assert _decrypt_users(conn, encrypted) == ["alice", "alice", None, "carol", "dave"]
        # a new connection in this process while the old one is still open
        second = duckshred.connect(cli.workspace)
        try:
            assert _decrypt_users(second, encrypted)[2] is None
        finally:
            second.close()
        # and the open connection holds no copy of the key store to read keys from
        assert "keystore" not in {row[0] for row in conn.execute(
            "SELECT database_name FROM duckdb_databases()").fetchall()}
    finally:
        conn.close()


def test_open_connection_in_another_process_stops_decrypting(cli, tmp_path):
    job = _job(cli, tmp_path)
    script = f"""
import sys, duckshred
conn = duckshred.connect({str(cli.workspace)!r})
query = "SELECT decrypt(\\"user\\", \\"strmMeta.keyLink\\") FROM read_csv(?, all_varchar=true)"
path = {str(job['out'] / 'encrypted.csv')!r}
print([r[0] for r in conn.execute(query, [path]).fetchall()], flush=True)
sys.stdin.readline()
print([r[0] for r in conn.execute(query, [path]).fetchall()], flush=True)
"""
    reader = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert "'bob'" in reader.stdout.readline()
        cli("delete", "data-subjects", "bob", "--yes")
        reader.stdin.write("\n")
        reader.stdin.flush()
        after = reader.stdout.readline()
        assert "'bob'" not in after and "None" in after and "'carol'" in after
    finally:
        reader.kill()
        reader.wait()


# -- 2. no resurrection -------------------------------------------------------------------


def test_a_rerun_does_not_bring_a_forgotten_subject_back(cli, tmp_path):
    job = _job(cli, tmp_path)
    cli("delete", "data-subjects", "alice", "--yes")
    # the ledger keeps no plaintext id
    assert b"alice" not in job["workspace"].keystore_path.read_bytes()
    before_bob = _keysets_of(job["workspace"], "bob")

    job_id = cli("create", "batch-job", "-F", str(job["config"])).stdout.split()[-1]
    listed = cli("list", "data-subjects").stdout.split()
    assert "alice" not in listed and {"bob", "carol", "dave"} <= set(listed)
    assert cli("list", "data-subject-keylinks", "alice", "-o", "plain").stdout == ""
    encrypted = job["out"] / "encrypted.csv"
    conn = duckshred.connect(cli.workspace)
    try:
        assert _decrypt_users(conn, encrypted) == [None, None, "bob", "carol", "dave"]
    finally:
        conn.close()
    # alice's rows are in no derived output, her fresh keys in no file
    assert [r["note"] for r in read_rows(job["out"] / "derived-0.csv")] == ["b1", "c1", "d1"]
    alice_links = {r["strmMeta.keyLink"] for r in read_rows(encrypted) if r["note"] in ("a1", "a2")}
    assert len(alice_links) == 2
    keys_file = {r["keyLink"] for r in read_rows(job["out"] / "keys.csv")}
    assert not alice_links & keys_file
    store = duckdb.connect()
    store.execute("ATTACH ? AS k (READ_ONLY)", [str(job["workspace"].keystore_path)])
    assert store.execute("SELECT count(*) FROM k.encryption_keys WHERE list_contains(?, key_link)",
                         [sorted(alice_links)]).fetchone()[0] == 0
    store.close()
    assert _keysets_of(job["workspace"], "bob") == before_bob
    finished = Catalog(job["workspace"]).job(job_id)
    assert finished["states"][-1]["state"] == "FINISHED"
    assert "2 records of erased data subjects" in finished["states"][-1]["message"]
    assert finished["bornShreddedRecords"] == 2


def test_a_store_from_before_the_ledger_gets_one_and_shreds(cli, tmp_path):
    job = _job(cli, tmp_path)
    store_path = job["workspace"].keystore_path
    alice = _keysets_of(job["workspace"], "alice")
    with duckdb.connect(str(store_path)) as store:  # as a store made before the ledger was
        store.execute("DELETE FROM ledger_secret")
    assert cli("delete", "data-subjects", "alice", "--yes", "-o", "plain").stdout.strip() == "2"
    with duckdb.connect(str(store_path), read_only=True) as store:
        assert store.execute("SELECT count(*) FROM ledger_secret").fetchone()[0] == 1
        assert store.execute("SELECT count(*) FROM erasure_ledger").fetchone()[0] == 1
    assert alice and not any(keyset.encode() in store_path.read_bytes() for keyset in alice)
    cli("create", "batch-job", "-F", str(job["config"]))
    assert "alice" not in cli("list", "data-subjects").stdout.split()


def test_lifting_a_ledger_entry_lets_a_subject_back_in(cli, tmp_path):
    job = _job(cli, tmp_path)
    cli("delete", "data-subjects", "alice", "--yes")
    assert cli("delete", "erasure-ledger-entries", "alice", "--yes").stdout.strip() == "1"
    assert cli("delete", "erasure-ledger-entries", "alice", "--yes").stdout.strip() == "0"
    cli("create", "batch-job", "-F", str(job["config"]))
    assert "alice" in cli("list", "data-subjects").stdout.split()


def test_forgotten_subject_never_shares_a_stored_key(cli, tmp_path):
    """Key field != subject field: carol and alice share session s1 on 2010-12-01."""
    rows = [*ROWS, ["carol", "s1", "carol@x.org", "2010-12-01 11:00:00", "", "c2"]]
    job = _job(cli, tmp_path, rows)
    receipt = json.loads(cli("delete", "data-subjects", "alice", "--yes", "-o", "json").stdout)
    assert receipt["collateralDataSubjects"] == ["carol"]
    cli("create", "batch-job", "-F", str(job["config"]))
    conn = duckshred.connect(cli.workspace)
    try:
        users = _decrypt_users(conn, job["out"] / "encrypted.csv")
    finally:
        conn.close()
    assert users == [None, None, "bob", "carol", "dave", "carol"]


def test_a_contract_whose_key_field_is_not_its_subject_field_is_warned_about(cli, tmp_path):
    result = cli("create", "data-contract", "x/y/1.0.0", "-F", str(_contract(tmp_path)),
                 "--schema", str(tmp_path / "schema.json"))
    assert "key field `session` differs from the data subject field `user`" in result.stderr


def _contract(tmp_path: Path) -> Path:
    (tmp_path / "schema.json").write_text(json.dumps({"name": "e", "nodes": [
        {"type": "STRING", "name": n} for n in ("user", "session")]}))
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"keyField": "session", "piiFields": {"user": 1},
                                "dataSubjectField": "user"}))
    return path


# -- 3. the receipt ---------------------------------------------------------------------


def _by_kind(receipt: dict) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for output in receipt["outputs"]:
        grouped.setdefault(output["kind"], []).append(output)
    return grouped


def test_receipt_names_every_output_and_what_it_still_holds(cli, tmp_path):
    _job(cli, tmp_path)
    receipt = json.loads(cli("delete", "data-subjects", "bob", "--yes", "-o", "json").stdout)
    outputs = _by_kind(receipt)
    assert [(o["location"], o["status"]) for o in outputs["encryptedFile"]] == [
        ("local:out/encrypted.csv", "shredded")]
    assert [(o["location"], o["status"]) for o in outputs["keysFile"]] == [
        ("local:out/keys.csv", "holdsKeyMaterial")]
    assert [(o["location"], o["status"]) for o in outputs["derivedFile"]] == [
        ("local:out/derived-0.csv", "holdsPlaintext")]
    assert [o["status"] for o in outputs["derivedTable"]] == ["holdsPlaintext"]
    check = receipt["keyMaterialCheck"]
    assert check["keyMaterialFound"] is True
    assert check["filesWithKeyMaterial"] == ["local:out/keys.csv"]
    # a second delete still says what holds the subject's plaintext
    again = json.loads(cli("delete", "data-subjects", "bob", "--yes", "-o", "json").stdout)
    assert again["deletedKeylinksCount"] == 0
    assert [o["status"] for o in _by_kind(again)["derivedFile"]] == ["holdsPlaintext"]
    assert again["keyMaterialCheck"]["filesWithKeyMaterial"] == ["local:out/keys.csv"]


def test_files_unchanged_since_written_are_judged_by_the_warehouse_others_are_read(
        cli, tmp_path):
    job = _job(cli, tmp_path)
    derived = job["out"] / "derived-0.csv"
    # The owner replaced the derived file with a copy without bob's line: it is
    # no longer the file duckshred wrote, so it is read, and holds nothing of him.
    lines = derived.read_bytes().split(b"\r\n")
    derived.write_bytes(b"\r\n".join(line for line in lines if b"bob" not in line))
    receipt = json.loads(cli("delete", "data-subjects", "bob", "--yes", "-o", "json").stdout)
    files = {o["kind"]: o for o in receipt["outputs"] if o["kind"].endswith("File")}
    assert (files["derivedFile"]["status"], files["derivedFile"]["checkedBy"]) == (
        "nothingLeft", "content")
    assert (files["encryptedFile"]["status"], files["encryptedFile"]["checkedBy"]) == (
        "shredded", "fingerprint")
    assert (files["keysFile"]["status"], files["keysFile"]["checkedBy"]) == (
        "holdsKeyMaterial", "fingerprint")
    # Same bytes written again (new mtime/inode): read, and found.
    derived.write_bytes(b"\r\n".join(lines))
    again = json.loads(cli("delete", "data-subjects", "bob", "--yes", "-o", "json").stdout)
    (entry,) = [o for o in again["outputs"] if o["kind"] == "derivedFile"]
    assert (entry["status"], entry["checkedBy"]) == ("holdsPlaintext", "content")
    # After a purge the derived file is the table's share again; the keys export is read.
    purged = json.loads(cli("delete", "data-subjects", "bob", "--yes", "--purge-outputs",
                            "-o", "json").stdout)
    checked = {o["kind"]: (o["status"], o["checkedBy"])
               for o in purged["outputs"] if o["kind"].endswith("File")}
    assert checked == {"encryptedFile": ("shredded", "fingerprint"),
                       "keysFile": ("nothingLeft", "content"),
                       "derivedFile": ("nothingLeft", "fingerprint")}
    assert b"bob" not in derived.read_bytes()


def test_key_material_anywhere_in_the_workspace_is_reported(cli, tmp_path):
    job = _job(cli, tmp_path)
    (keyset,) = _keysets_of(job["workspace"], "bob")
    # Somewhere recovery does not clean (it removes dead spill and staging before a shred).
    stray = job["workspace"].root / "copies" / "leftover.block"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"\0" * 100 + keyset_erasure_needles(keyset)[-1] + b"\0" * 100)
    receipt = json.loads(cli("delete", "data-subjects", "bob", "--yes", "--purge-outputs",
                             "-o", "json").stdout)
    assert receipt["keyMaterialCheck"]["keyMaterialFound"] is True
    assert str(stray) in receipt["keyMaterialCheck"]["filesWithKeyMaterial"]


# -- 4. purge -------------------------------------------------------------------------------


def test_purge_leaves_nothing_of_the_subject(cli, tmp_path):
    job = _job(cli, tmp_path)
    keysets = _keysets_of(job["workspace"], "bob")
    needles = [n for k in keysets for n in keyset_erasure_needles(k)]
    derived_before = (job["out"] / "derived-0.csv").read_bytes().split(b"\r\n")
    keys_before = (job["out"] / "keys.csv").read_bytes().split(b"\r\n")
    receipt = json.loads(cli("delete", "data-subjects", "bob", "--yes", "--purge-outputs",
                             "-o", "json").stdout)
    assert {o["status"] for o in receipt["outputs"]} <= {"shredded", "nothingLeft"}
    assert {o["status"] for o in _by_kind(receipt)["derivedFile"]} == {"nothingLeft"}
    assert receipt["keyMaterialCheck"]["keyMaterialFound"] is False
    for path in _files_under(job["workspace"].root, job["bucket"]):
        data = path.read_bytes()
        assert not any(n in data for n in needles), path
        if path.name != "events.csv":  # the input is the user's, not an output
            assert b"bob" not in data, path
    # everyone else's derived rows and keys, byte for byte
    derived_after = (job["out"] / "derived-0.csv").read_bytes().split(b"\r\n")
    assert derived_after == [line for line in derived_before if b"bob" not in line]
    assert len(derived_after) == len(derived_before) - 1
    keys_after = (job["out"] / "keys.csv").read_bytes().split(b"\r\n")
    assert keys_after == [line for line in keys_before
                          if not any(k.replace('"', '""').encode() in line for k in keysets)]
    assert len(keys_after) == len(keys_before) - 1
    again = json.loads(cli("delete", "data-subjects", "bob", "--yes", "-o", "json").stdout)
    assert {o["status"] for o in again["outputs"]} <= {"shredded", "nothingLeft"}


# -- 5. retention --------------------------------------------------------------------------


def test_shred_expired_keys(cli, tmp_path):
    job = _job(cli, tmp_path)
    dry = json.loads(cli("shred", "--expired", "--retention", "0", "--before", "2010-12-02",
                         "--dry-run", "-o", "json").stdout)
    # keys of 2010-12-01 expire at 2010-12-02T00:00Z
    assert dry["deletedKeylinksCount"] == 4 and dry["dryRun"] is True
    conn = duckshred.connect(cli.workspace)
    try:
        assert _decrypt_users(conn, job["out"] / "encrypted.csv")[0] == "alice"
        done = json.loads(cli("shred", "--expired", "--retention", "0", "--before",
                              "2010-12-02", "-o", "json").stdout)
        assert done["deletedKeylinksCount"] == 4
        assert _decrypt_users(conn, job["out"] / "encrypted.csv") == [
            None, "alice", None, None, None]
    finally:
        conn.close()
    # one day of retention keeps 2010-12-01's keys until 2010-12-03
    assert cli("shred", "--expired", "--retention", "1", "--before", "2010-12-03",
               "-o", "plain").stdout.strip() == "0"
    assert cli("shred", "--expired", "--retention", "1", "--before", "2010-12-04",
               "-o", "plain").stdout.strip() == "1"


def test_without_a_retention_nothing_is_shredded_by_age(cli, tmp_path):
    _job(cli, tmp_path)
    result = cli("shred", "--expired", "--before", "2030-01-01")
    assert result.stdout.strip() == "0"
    assert "no retention is configured" in result.stderr


def test_a_contracts_retention_days_wins_over_the_default(cli, tmp_path):
    config = setup(cli, tmp_path, ROWS, derived=DERIVED, contract_extra={"retentionDays": 1})
    cli("create", "batch-job", "-F", str(config))
    contract = json.loads(cli("get", "data-contract", "test/events/1.0.0", "-o", "json").stdout)
    assert contract["retention_days"] == 1
    # 2010-12-01's keys expire at 2010-12-02T00:00Z, kept one day more by the contract
    assert cli("shred", "--expired", "--retention", "0", "--before", "2010-12-02T12:00:00",
               ).stdout.strip() == "0"
    assert cli("shred", "--expired", "--before", "2010-12-03").stdout.strip() == "4"


def test_a_negative_retention_in_a_contract_is_refused(cli, tmp_path):
    path = _contract(tmp_path)
    path.write_text(json.dumps({**json.loads(path.read_text()), "retentionDays": -1}))
    stderr = cli("create", "data-contract", "x/y/1.0.0", "-F", str(path),
                 "--schema", str(tmp_path / "schema.json"), code=2).stderr
    assert "retentionDays" in stderr


@pytest.mark.parametrize("subject", ['we"ird', "a'b"])
def test_odd_subject_ids_are_bound_not_spliced(cli, tmp_path, subject):
    rows = [[subject, "s9", "x@y", "2010-12-01 08:00:00", "", "n"], *ROWS]
    job = _job(cli, tmp_path, rows)
    receipt = json.loads(cli("delete", "data-subjects", subject, "--yes", "--purge-outputs",
                             "-o", "json").stdout)
    assert receipt["deletedKeylinksCount"] == 1
    assert len(read_rows(job["out"] / "derived-0.csv")) == 5


def test_purge_with_the_warehouse_open_fails_clearly_after_shredding(cli, tmp_path):
    job = _job(cli, tmp_path)
    reader = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckshred; c = duckshred.connect(sys.argv[1]); "
         "print('ready', flush=True); sys.stdin.readline()", str(cli.workspace)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        stderr = cli("delete", "data-subjects", "bob", "--yes", "--purge-outputs",
                     code=2).stderr
        assert "the keys are shredded, but the outputs were not purged" in stderr
    finally:
        reader.kill()
        reader.wait()
    assert cli("list", "data-subject-keylinks", "bob", "-o", "plain").stdout == ""
    receipt = json.loads(cli("delete", "data-subjects", "bob", "--yes", "--purge-outputs",
                             "-o", "json").stdout)
    assert {o["status"] for o in _by_kind(receipt)["derivedFile"]} == {"nothingLeft"}
    assert b"bob" not in (job["out"] / "derived-0.csv").read_bytes()


def test_an_unreachable_output_is_reported_not_fatal(cli, tmp_path):
    job = _job(cli, tmp_path)
    connector = job["workspace"].root / "catalog" / "connectors" / "local.json"
    saved = connector.read_text()
    connector.unlink()  # the connector the outputs were written through is gone
    receipt = json.loads(cli("delete", "data-subjects", "bob", "--yes", "--purge-outputs",
                             "-o", "json").stdout)
    assert receipt["deletedKeylinksCount"] == 1
    files = [o for o in receipt["outputs"] if o["kind"].endswith("File")]
    assert files and {o["status"] for o in files} == {"unreachable"}
    assert all("local" in o["reason"] for o in files)
    connector.write_text(saved)
    again = json.loads(cli("delete", "data-subjects", "bob", "--yes", "--purge-outputs",
                           "-o", "json").stdout)
    assert {o["status"] for o in again["outputs"] if o["kind"] == "derivedFile"} == {
        "nothingLeft"}
