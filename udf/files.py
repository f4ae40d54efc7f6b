"""Durable files: what a swap-in-by-rename needs to survive a power cut.

Dependency-free (no DuckDB, Arrow or dbt), so the connectors, which read-only
commands load, and the key store can share it.
"""

from __future__ import annotations

import os
from pathlib import Path

from duckshred.udf.faults import crash_point


def wal_path(database: Path) -> Path:
    """The write-ahead log DuckDB keeps beside a database file."""
    return database.with_name(database.name + ".wal")


def fsync_path(path: Path) -> None:
    """Flush a file's bytes, or a folder's entries (after a rename into it), to disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def fresh_copy_path(database: Path) -> Path:
    """Where a rewrite writes its new copy of ``database`` (beside it, so the swap is a
    rename), cleared of what a killed rewrite left there (recovery also removes it)."""
    fresh = database.with_name(database.name + ".rewrite")
    for leftover in (fresh, wal_path(fresh)):
        leftover.unlink(missing_ok=True)
    return fresh


def swap_in_copy(fresh: Path, database: Path, *, replaced: str,
                 written: str | None = None) -> None:
    """Make the copy durable and rename it over ``database``: a kill before the rename
    leaves the old file whole, after it the new one. The caller folded the old file's
    write-ahead log into it before copying; ``written`` and ``replaced`` name the crash
    points before and after the rename (udf/faults.py)."""
    fsync_path(fresh)
    if written is not None:
        crash_point(written)
    os.replace(fresh, database)
    crash_point(replaced)
    # (None should be there: the old file's log was folded in before the copy.)
    wal_path(database).unlink(missing_ok=True)
    fsync_path(database.parent)
