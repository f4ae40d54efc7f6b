"""Where things live in a workspace folder, and the environment that chooses it.

The one definition of the workspace layout, shared by the dbt plugin, the
service layer and ``duckshred.connect``. It imports nothing (no DuckDB, no dbt),
so read-only commands can know the layout without loading dbt's adapters.
"""

from __future__ import annotations

from pathlib import Path

WORKSPACE_ENV = "DUCKSHRED_HOME"
DEFAULT_WORKSPACE = ".duckshred"

MEMORY_LIMIT_ENV = "DUCKSHRED_MEMORY_LIMIT"
# DuckDB's cap for job work: with Python and Arrow batches on top, a 10M-row job
# peaks at about 2.3 GB; beyond the cap DuckDB spills into the workspace.
DEFAULT_MEMORY_LIMIT = "1536MB"

KEYSTORE_FILE = "keystore.duckdb"
WAREHOUSE_FILE = "warehouse.duckdb"
# Where DuckDB spills beyond that cap, relative to the workspace.
SPILL_DIR = Path("tmp", "duckdb-spill")
