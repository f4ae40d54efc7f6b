"""duckshred: privacy-safe batch processing with crypto-shredding, on DuckDB and dbt.

>>> import duckshred
>>> con = duckshred.connect()                      # the ./.duckshred workspace
>>> con.sql("SELECT decrypt(CustomerID, \\"strmMeta.keyLink\\") FROM read_csv('encrypted.csv')")
"""

from __future__ import annotations

import os

import duckdb

__version__ = "0.1.0"


def connect(workspace: str | os.PathLike[str] | None = None, *,
            create: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that speaks duckshred.

    Without a workspace: an in-memory database with the crypto functions
    (``tink_keyset_new``, ``tink_encrypt``, ``tink_decrypt``, ``tink_try_decrypt``,
    ``strm_mask``). With one (a path, or ``$DUCKSHRED_HOME``): its warehouse opened
    read-only and, once it exists, its key store attached read-only with
    ``decrypt(ciphertext, key_link)``. A workspace folder that does not exist is an
    error (``NotFoundError`` naming the path) unless ``create=True``.
    """
    from duckshred.udf import attach_keystore, register_functions

    if workspace is None and not os.environ.get("DUCKSHRED_HOME"):
        return register_functions(duckdb.connect())

    from duckshred.service.workspace import Workspace

    ws = Workspace.resolve(workspace, create=create)
    if ws.warehouse_path.exists():
        conn = duckdb.connect(str(ws.warehouse_path), read_only=True)
    else:
        conn = duckdb.connect()
    register_functions(conn)
    if ws.keystore_path.exists():
        attach_keystore(conn, ws.keystore_path, read_only=True)
    return conn
