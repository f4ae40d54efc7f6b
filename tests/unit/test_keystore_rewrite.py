"""The key store rewrite on a connection of the caller's (a shred's one in-memory DuckDB)."""

from __future__ import annotations

import duckdb
import pytest

from duckshred.crypto import keyset_erasure_needles, new_keyset_json
from duckshred.udf.keystore import rewrite_keystore
from tests.unit.keystores import write_store


def _store(path, links: list[str]) -> dict[str, str]:
    keysets = {link: new_keyset_json() for link in links}
    write_store(path, keysets, subjects=True)
    return keysets


def _links(path) -> list[str]:
    conn = duckdb.connect()
    conn.execute("ATTACH ? AS k (READ_ONLY)", [str(path)])
    try:
        return sorted(row[0] for row in conn.execute(
            "SELECT key_link FROM k.encryption_keys").fetchall())
    finally:
        conn.close()


def _state(conn: duckdb.DuckDBPyConnection) -> tuple:
    return (sorted(row[0] for row in conn.execute(
                "SELECT database_name FROM duckdb_databases() WHERE NOT internal").fetchall()),
            conn.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone(),
            conn.execute("SELECT current_setting('force_compression'), "
                         "current_setting('checkpoint_threshold')").fetchone())


def test_a_rewrite_on_the_callers_connection_leaves_it_as_it_was(tmp_path):
    path = tmp_path / "keystore.duckdb"
    keysets = _store(path, ["a", "b", "c"])
    conn = duckdb.connect()
    before = _state(conn)
    rewrite_keystore(path, drop_key_links=["a"], forget=[("hash-a", ["a"])], conn=conn)
    assert _state(conn) == before  # nothing attached, no temp tables, settings reset
    rewrite_keystore(path, drop_key_links=["b"], conn=conn)  # and it serves again
    assert _state(conn) == before
    conn.close()
    assert _links(path) == ["c"]
    # no write-ahead log beside the store or its copy, no byte of the dropped keys
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keystore.duckdb"]
    data = path.read_bytes()
    for link in ("a", "b"):
        assert not any(needle in data for needle in keyset_erasure_needles(keysets[link]))
    assert any(needle in data for needle in keyset_erasure_needles(keysets["c"]))


def test_a_failed_rewrite_leaves_the_store_whole_and_the_connection_usable(tmp_path):
    path = tmp_path / "keystore.duckdb"
    _store(path, ["a", "b"])
    broken = duckdb.connect()  # a ledger of another shape: copying it fails mid-transaction
    broken.execute("ATTACH ? AS keystore", [str(path)])
    broken.execute("DROP TABLE keystore.erasure_ledger")
    broken.execute("CREATE TABLE keystore.erasure_ledger (subject_hash VARCHAR, x INT, y INT)")
    broken.execute("INSERT INTO keystore.erasure_ledger VALUES ('h', 1, 2)")
    broken.close()
    conn = duckdb.connect()
    before = _state(conn)
    with pytest.raises(duckdb.Error):
        rewrite_keystore(path, drop_key_links=["a"], conn=conn)
    assert _state(conn) == before
    assert conn.execute("SELECT 42").fetchone() == (42,)  # no transaction left open
    conn.close()
    assert _links(path) == ["a", "b"]


_KILLED_AFTER_THE_SWAP = """
import sys
from pathlib import Path
from duckshred.udf.keystore import rewrite_keystore
rewrite_keystore(Path(sys.argv[1]), drop_key_links=[sys.argv[2]])
"""


def test_a_store_with_a_write_ahead_log_killed_after_the_swap_leaves_no_log(tmp_path):
    import os
    import subprocess
    import sys

    from duckshred.udf.faults import CRASH_ENV

    store = tmp_path / "keystore.duckdb"
    _store(store, ["kept"])
    # A key committed to the write-ahead log only (as a killed writer leaves it).
    doomed = new_keyset_json()
    conn = duckdb.connect(str(store), config={"checkpoint_threshold": "1GB"})
    conn.execute("PRAGMA disable_checkpoint_on_shutdown")
    conn.execute("INSERT INTO encryption_keys VALUES ('doomed', 'g', 'h', DATE '2010-12-01', "
                 "TIMESTAMPTZ '2010-12-02 00:00:00+00', ?, 'job')", [doomed])
    conn.close()
    assert store.with_name(store.name + ".wal").exists()

    killed = subprocess.run([sys.executable, "-c", _KILLED_AFTER_THE_SWAP, str(store), "doomed"],
                            env={**os.environ, CRASH_ENV: "keystore-replaced"},
                            capture_output=True, text=True, check=False)
    assert killed.returncode == -9, killed.stderr
    assert not store.with_name(store.name + ".wal").exists()
    assert _links(store) == ["kept"]  # the new store opens, without the key
    needles = keyset_erasure_needles(doomed)
    for path in tmp_path.iterdir():
        assert not any(needle in path.read_bytes() for needle in needles), path
