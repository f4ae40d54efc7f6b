"""duckshred: privacy-safe batch processing with crypto-shredding, on DuckDB and dbt.

>>> import duckshred
>>> con = duckshred.connect()                      # the ./.duckshred workspace
>>> con.sql("SELECT decrypt(CustomerID, \\"strmMeta.keyLink\\") FROM read_csv('encrypted.csv')")
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # DuckDB loads with the first connection: `--help` and read-only
    import duckdb  # commands that never open one start faster

__version__ = "0.1.0"


def connect(workspace: str | os.PathLike[str] | None = None, *,
            create: bool = False, keystore_tables: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that speaks duckshred.

    Without a workspace: an in-memory database with the crypto functions
    (``tink_keyset_new``, ``tink_encrypt``, ``tink_decrypt``, ``tink_try_decrypt``,
    ``strm_mask``). With one (a path, or ``$DUCKSHRED_HOME``): its warehouse opened
    read-only and ``decrypt(ciphertext, key_link)``, which reads the key store afresh
    whenever it changes and never keeps it open: once ``delete data-subjects``
    returns, the subject's ciphertexts decrypt to NULL on this connection too,
    whenever it was opened and whichever process shredded them.

    ``keystore_tables=True`` also attaches the key store's tables as ``keystore``
    (read-only) for one-shot inspection: such an attachment sees the store as it
    was when attached, so do not keep that connection open across a shred. A
    workspace folder that does not exist is an error (``NotFoundError`` naming the
    path) unless ``create=True``.
    """
    import duckdb

    from duckshred.udf import KEYSTORE_ALIAS, register_functions
    from duckshred.udf.keyreader import register_keystore_decrypt

    if workspace is None and not os.environ.get("DUCKSHRED_HOME"):
        return register_functions(duckdb.connect())

    from duckshred.service.workspace import Workspace

    ws = Workspace.resolve(workspace, create=create)
    # A fresh in-memory DuckDB that attaches the files by path: ``connect(path)`` would
    # share an instance this process already holds, which may be a file since replaced.
    conn = duckdb.connect()
    if ws.warehouse_path.exists():
        conn.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(ws.warehouse_path)])
        conn.execute("USE warehouse")
    register_functions(conn)
    if keystore_tables and ws.keystore_path.exists():
        conn.execute(f"ATTACH ? AS {KEYSTORE_ALIAS} (READ_ONLY)", [str(ws.keystore_path)])
    register_keystore_decrypt(conn, ws.keystore_path)
    return conn
