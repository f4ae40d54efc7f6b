"""Erasure on the Spark engine: the erasure ledger reaches a Spark job, so a forgotten
subject's rows are born shredded there as on DuckDB (fresh keys that are never stored,
no index rows, nothing in the derived data), and a shred of keys a Spark job stored
rewrites the one key store, leaving none of their bytes."""

from __future__ import annotations

import duckdb
import pytest

import duckshred
from duckshred.crypto import keyset_erasure_needles
from duckshred.service.catalog import Catalog
from duckshred.service.workspace import Workspace
from tests.cli.small_job import read_rows, setup

pytestmark = pytest.mark.spark

# key field `session`, data subject field `user`; carol shares alice's session s1 on day 1
ROWS = [
    ["alice", "s1", "alice@x.org", "2010-12-01 08:26:00", "", "a1"],
    ["alice", "s1", "alice@x.org", "2010-12-02 08:26:00", "", "a2"],
    ["bob", "s2", "bob@x.org", "2010-12-01 09:00:00", "", "b1"],
    ["carol", "s3", "carol@x.org", "2010-12-01 09:30:00", "", "c1"],
    ["carol", "s1", "carol@x.org", "2010-12-01 11:00:00", "", "c2"],
]
DERIVED = [{"consent_levels": [2], "consent_level_type": "CUMULATIVE"}]


def _store(workspace: Workspace, sql: str, params: list) -> list[tuple]:
    conn = duckdb.connect()
    conn.execute("ATTACH ? AS k (READ_ONLY)", [str(workspace.keystore_path)])
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _keysets_of(workspace: Workspace, subject: str) -> list[str]:
    return [row[0] for row in _store(
        workspace, "SELECT keyset FROM k.encryption_keys JOIN k.data_subject_keys "
                   "USING (key_link) WHERE data_subject = ? ORDER BY key_link", [subject])]


def _decrypted_users(workspace, encrypted) -> list[str | None]:
    conn = duckshred.connect(workspace)
    try:
        return [row[0] for row in conn.execute(
            "SELECT decrypt(\"user\", \"strmMeta.keyLink\") "
            "FROM read_csv(?, all_varchar = true)", [str(encrypted)]).fetchall()]
    finally:
        conn.close()


def test_spark_job_honours_the_erasure_ledger_and_its_keys_shred(cli, tmp_path):
    config = setup(cli, tmp_path, ROWS, derived=DERIVED)
    out = tmp_path / "bucket" / "out"
    workspace = Workspace.resolve(cli.workspace)

    # keys made on Spark are shredded like any: the store is rewritten without them
    cli("create", "batch-job", "-F", str(config), "--engine", "spark")
    alice_keysets = _keysets_of(workspace, "alice")
    assert len(alice_keysets) == 2  # (s1, day 1) and (s1, day 2)
    cli("delete", "data-subjects", "alice", "--yes")
    store_bytes = workspace.keystore_path.read_bytes()
    needles = [needle for keyset in alice_keysets for needle in keyset_erasure_needles(keyset)]
    assert needles and not any(needle in store_bytes for needle in needles)
    assert b"alice" not in store_bytes  # the ledger holds a keyed hash, not the id
    bob_keysets = _keysets_of(workspace, "bob")

    # the same file again on Spark: alice is in the ledger, so her rows are born shredded
    job_id = cli("create", "batch-job", "-F", str(config),
                 "--engine", "spark").stdout.split()[-1]
    encrypted = out / "encrypted.csv"
    assert _decrypted_users(cli.workspace, encrypted) == [None, None, "bob", "carol", "carol"]
    alice_links = {row["strmMeta.keyLink"] for row in read_rows(encrypted)
                   if row["note"] in ("a1", "a2")}
    carol_s1_link = next(row["strmMeta.keyLink"] for row in read_rows(encrypted)
                         if row["note"] == "c2")
    assert len(alice_links) == 2 and carol_s1_link not in alice_links  # no shared key
    # her fresh keys are in no file and not in the store, with no index row
    assert not alice_links & {row["keyLink"] for row in read_rows(out / "keys.csv")}
    stored = _store(workspace, "SELECT count(*) FROM k.encryption_keys "
                               "WHERE list_contains(?, key_link)", [sorted(alice_links)])
    indexed = _store(workspace, "SELECT count(*) FROM k.data_subject_keys "
                                "WHERE list_contains(?, key_link)", [sorted(alice_links)])
    assert stored == indexed == [(0,)]
    assert "alice" not in cli("list", "data-subjects").stdout.split()
    # dropped from the derived data; everyone else's rows and keys as before
    assert [row["note"] for row in read_rows(out / "derived-0.csv")] == ["b1", "c1", "c2"]
    assert _keysets_of(workspace, "bob") == bob_keysets
    finished = Catalog(workspace).job(job_id)
    assert finished["states"][-1]["state"] == "FINISHED"
    assert finished["bornShreddedRecords"] == 2
