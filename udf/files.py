"""Durable files: what a swap-in-by-rename needs to survive a power cut.

Dependency-free (no DuckDB, Arrow or dbt), so the connectors, which read-only
commands load, and the key store can share it.
"""

from __future__ import annotations

import os
from pathlib import Path


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
