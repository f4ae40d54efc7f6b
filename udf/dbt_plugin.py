"""dbt-duckdb plugin: registers duckshred's functions and attaches the workspace.

Profile usage (every key optional)::

    plugins:
      - module: duckshred.udf.dbt_plugin
        config:
          workspace: /path/to/workspace   # else $DUCKSHRED_HOME, else .duckshred
          memory_limit: 1536MB            # else $DUCKSHRED_MEMORY_LIMIT, else 1536MB

The workspace's warehouse is attached as ``warehouse`` and its key store as
``keystore``. Paths are resolved here, when dbt connects, rather than in the
profile: a profile that differs per workspace would make dbt re-parse the
whole project for every job.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError
from duckdb import DuckDBPyConnection

from duckshred.udf.keystore import DECRYPT_MACRO, WAREHOUSE_ALIAS, attach_keystore, sql_literal
from duckshred.udf.layout import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_WORKSPACE,
    KEYSTORE_FILE,
    MEMORY_LIMIT_ENV,
    SPILL_DIR,
    WAREHOUSE_FILE,
    WORKSPACE_ENV,
    process_spill_dir,
)


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        # Profile `settings:` are merged into plugin config: read only our own keys.
        workspace = (plugin_config.get("workspace") or os.environ.get(WORKSPACE_ENV)
                     or DEFAULT_WORKSPACE)
        memory_limit = (plugin_config.get("memory_limit") or os.environ.get(MEMORY_LIMIT_ENV)
                        or DEFAULT_MEMORY_LIMIT)
        if not isinstance(workspace, str) or not isinstance(memory_limit, str):
            raise DbtRuntimeError("duckshred plugin: `workspace` and `memory_limit` must be "
                                  "strings (a folder path, a size such as 2GB)")
        self.workspace = Path(workspace).expanduser().resolve()
        self.memory_limit = memory_limit

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        # DuckDB does not create folders: make the workspace before it opens files there.
        (self.workspace / SPILL_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        # (attach_keystore below registers duckshred's functions: once, not twice,
        # as listing the registered ones costs ~30 ms)
        try:
            # Bounded memory whatever the input size; what spills stays in the workspace.
            conn.execute(f"SET memory_limit = '{sql_literal(self.memory_limit)}'")
            spill = process_spill_dir(self.workspace)
            conn.execute(f"SET temp_directory = '{sql_literal(str(spill))}'")
            conn.execute(f"ATTACH '{sql_literal(str(self.workspace / WAREHOUSE_FILE))}' "
                         f"AS {WAREHOUSE_ALIAS}")
            attach_keystore(conn, self.workspace / KEYSTORE_FILE)
        except Exception as error:  # noqa: BLE001 - re-raised with what to do
            raise DbtRuntimeError(
                f"duckshred plugin: cannot open the workspace {self.workspace}: {error}. "
                "Is another duckshred command using it?") from None

    def configure_cursor(self, cursor: DuckDBPyConnection) -> None:
        # Temporary macros belong to one connection; each dbt cursor needs its own.
        cursor.execute(DECRYPT_MACRO)
