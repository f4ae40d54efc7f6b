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

    conn = duckshred.connect(workspace.root)
    try:
        result = conn.sql(query)
        if result is None:
            return [], []
        return list(result.columns), result.fetchall()
    except duckdb.Error as error:
        raise DuckshredError(f"SQL: {blank_quoted(str(error).splitlines()[0])}") from None
    finally:
        conn.close()
