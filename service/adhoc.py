"""Ad hoc SQL over a workspace, with on-the-fly decryption."""

from __future__ import annotations

from typing import Any

from duckshred.service.errors import DuckshredError, blank_quoted
from duckshred.service.workspace import Workspace


def run_query(workspace: Workspace, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and rows of ``query`` (none for a statement without a result).
    Errors keep DuckDB's first line only, quoted text blanked: a conversion error
    quotes the (decrypted) value."""
    import duckdb

    import duckshred

    # One query, then closed: the key store's tables may be attached (a connection kept
    # open would not see a later shred in them; decrypt() always does).
    conn = duckshred.connect(workspace.root, keystore_tables=True)
    try:
        result = conn.sql(query)
        if result is None:
            return [], []
        return list(result.columns), result.fetchall()
    except duckdb.Error as error:
        raise DuckshredError(f"SQL: {blank_quoted(str(error).splitlines()[0])}") from None
    finally:
        conn.close()
