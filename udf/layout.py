"""Where things live in a workspace folder, and the environment that chooses it.

The one definition of the workspace layout, shared by the dbt plugin, the
service layer and ``duckshred.connect``. It imports nothing (no DuckDB, no dbt),
so read-only commands can know the layout without loading dbt's adapters.
"""

from __future__ import annotations

import os
from pathlib import Path

WORKSPACE_ENV = "DUCKSHRED_HOME"
DEFAULT_WORKSPACE = ".duckshred"

MEMORY_LIMIT_ENV = "DUCKSHRED_MEMORY_LIMIT"
# DuckDB's cap for job work: with Python and Arrow batches on top, a 10M-row job
# peaks at about 2.3 GB; beyond the cap DuckDB spills into the workspace.
DEFAULT_MEMORY_LIMIT = "1536MB"

KEYSTORE_FILE = "keystore.duckdb"
# The name the key store is attached under in SQL (``keystore.main.encryption_keys``).
KEYSTORE_ALIAS = "keystore"
WAREHOUSE_FILE = "warehouse.duckdb"
# Where DuckDB spills beyond that cap, relative to the workspace.
SPILL_DIR = Path("tmp", "duckdb-spill")
# A job's DuckDB spill folder, set by the job runner for the dbt plugin (the plugin
# otherwise spills into a per-process folder under SPILL_DIR).
SPILL_ENV = "DUCKSHRED_SPILL_DIR"


def process_start_ticks(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot; Linux), to tell a re-used pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return int(stat.rsplit(")", 1)[1].split()[19])


def process_spill_dir(workspace: Path) -> Path:
    """This process's own spill folder: DuckDB removes its files when it closes, and the
    next command that takes the workspace lock removes the folder of a killed process."""
    explicit = os.environ.get(SPILL_ENV)
    if explicit:
        return Path(explicit)
    ticks = process_start_ticks(os.getpid())
    return workspace / SPILL_DIR / f"pid-{os.getpid()}-{ticks if ticks is not None else 'x'}"


def user_cache_dir() -> Path:
    """duckshred's folder in the user's cache ($XDG_CACHE_HOME, else ~/.cache): dbt's
    parsed project and JSON schemas, mashumaro's compiled code, and the warm server's
    socket when there is no runtime folder."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "duckshred"
