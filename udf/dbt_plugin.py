"""dbt-duckdb plugin: registers duckshred's functions and attaches the key store.

Profile usage::

    plugins:
      - module: duckshred.udf.dbt_plugin
        config:
          keystore_path: /path/to/keystore.duckdb
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError
from duckdb import DuckDBPyConnection

from duckshred.udf.keystore import DECRYPT_MACRO, attach_keystore
from duckshred.udf.registration import register_functions


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        # Profile `settings:` are merged into plugin config: read only our own keys.
        self.keystore_path = plugin_config.get("keystore_path")
        if self.keystore_path is not None and not isinstance(self.keystore_path, str):
            raise DbtRuntimeError(
                "duckshred plugin: `keystore_path` must be a file path string, "
                f"got {type(self.keystore_path).__name__}"
            )

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        # DuckDB does not create folders: make the workspace before it opens files there.
        for path in (getattr(creds, "path", None), self.keystore_path):
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_functions(conn)
        if self.keystore_path:
            try:
                attach_keystore(conn, self.keystore_path)
            except Exception as error:  # noqa: BLE001 - re-raised with what to do
                raise DbtRuntimeError(
                    f"duckshred plugin: cannot open the key store at {self.keystore_path}: "
                    f"{error}. Is another duckshred command using this workspace?"
                ) from None

    def configure_cursor(self, cursor: DuckDBPyConnection) -> None:
        # Temporary macros belong to one connection; each dbt cursor needs its own.
        if self.keystore_path:
            cursor.execute(DECRYPT_MACRO)
