"""The warehouse rewrite (after a purge, or to drop an unfinished job's tables)."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from duckshred.udf.faults import CRASH_ENV
from duckshred.udf.files import wal_path

_KILLED_AFTER_THE_SWAP = """
import sys
from pathlib import Path
from duckshred.service.warehouse import rewrite_warehouse
from duckshred.service.workspace import Workspace
rewrite_warehouse(Workspace(Path(sys.argv[1])))
"""


def test_a_warehouse_with_a_write_ahead_log_killed_after_the_swap_leaves_no_log(tmp_path):
    from duckshred.service.workspace import Workspace

    path = Workspace(tmp_path).warehouse_path
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE t AS SELECT 'in the file' AS v")
    # A row committed to the write-ahead log only (as a killed job leaves it).
    conn = duckdb.connect(str(path), config={"checkpoint_threshold": "1GB"})
    conn.execute("PRAGMA disable_checkpoint_on_shutdown")
    conn.execute("INSERT INTO t VALUES ('in the log')")
    conn.close()
    assert wal_path(path).exists()

    killed = subprocess.run([sys.executable, "-c", _KILLED_AFTER_THE_SWAP, str(tmp_path)],
                            env={**os.environ, CRASH_ENV: "warehouse-replaced"},
                            capture_output=True, text=True, check=False)
    assert killed.returncode == -9, killed.stderr
    # Without the log folded in first, the old file's log stayed beside the new file,
    # and DuckDB refused to open it ("WAL does not match").
    assert not wal_path(path).exists()
    with duckdb.connect(str(path), read_only=True) as conn:
        assert sorted(conn.execute("SELECT v FROM t").fetchall()) == [("in the file",),
                                                                      ("in the log",)]
