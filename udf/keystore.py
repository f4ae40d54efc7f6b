"""The key store: a DuckDB file of its own, physically apart from the data.

It holds the keysets (one per group, key-field value and UTC day) and the
data-subject index (subject -> keyLinks). Both tables live in the one file so
a job's keys and their index rows commit in one transaction, and a shred
rewrites them together.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from duckshred.udf.faults import crash_point
from duckshred.udf.registration import register_functions

KEYSTORE_ALIAS = "keystore"
WAREHOUSE_ALIAS = "warehouse"

KEYSTORE_DDL = f"""
CREATE TABLE IF NOT EXISTS {KEYSTORE_ALIAS}.main.encryption_keys (
    key_link        VARCHAR     NOT NULL,  -- random UUID, written beside every encrypted row
    group_id        VARCHAR     NOT NULL,  -- batch_job_group_id, or the job id without one
    key_value_hash  VARCHAR     NOT NULL,  -- sha256 of the key-field value: no plaintext here
    key_day         DATE        NOT NULL,  -- the UTC day the key covers
    expiry          TIMESTAMPTZ NOT NULL,  -- the UTC midnight that ends key_day
    keyset          VARCHAR     NOT NULL,  -- Tink JSON keyset (cleartext key material)
    created_by_job  VARCHAR     NOT NULL
);
CREATE TABLE IF NOT EXISTS {KEYSTORE_ALIAS}.main.data_subject_keys (
    data_subject    VARCHAR     NOT NULL,
    key_link        VARCHAR     NOT NULL,
    expiry          TIMESTAMPTZ NOT NULL,
    created_by_job  VARCHAR     NOT NULL
);
"""

# On-the-fly decryption by keyLink: a shredded key finds no keyset, so the
# result is NULL, never an error; a tampered ciphertext still raises.
DECRYPT_MACRO = f"""
CREATE OR REPLACE TEMP MACRO decrypt(ciphertext, key_link_value) AS
    tink_decrypt(
        ciphertext,
        (SELECT k.keyset FROM {KEYSTORE_ALIAS}.main.encryption_keys AS k
          WHERE k.key_link = key_link_value)
    )
"""


def attach_keystore(
    conn: duckdb.DuckDBPyConnection, path: str | Path, *, read_only: bool = False
) -> None:
    """Attach the key store at ``path`` as ``keystore``, create its tables, define ``decrypt``
    (registering duckshred's functions on ``conn`` if need be)."""
    register_functions(conn)
    attached = {row[0] for row in conn.execute("SELECT database_name FROM duckdb_databases()")
                .fetchall()}
    if KEYSTORE_ALIAS not in attached:
        mode = " (READ_ONLY)" if read_only else ""
        conn.execute(f"ATTACH '{sql_literal(str(path))}' AS {KEYSTORE_ALIAS}{mode}")
    if not read_only:
        conn.execute(KEYSTORE_DDL)
    conn.execute(DECRYPT_MACRO)


def sql_literal(text: str) -> str:
    return text.replace("'", "''")


def rewrite_keystore(path: Path, *, drop_key_links: list[str],
                     drop_subjects: list[str] | None = None,
                     drop_job: str | None = None) -> None:
    """Replace the key store with a fresh copy that lacks the given keys and index rows.

    DuckDB keeps deleted bytes in its file after DELETE and CHECKPOINT, so
    forgetting a key means writing a new file without it and swapping it in
    atomically. A process killed before the swap leaves the old store whole;
    after it, the new one: never a key without its index row or the reverse.
    The caller holds the workspace lock, so no one else has the file open.
    """
    path = Path(path)
    fresh = path.with_name(path.name + ".rewrite")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    conn = duckdb.connect()
    try:
        conn.execute(f"ATTACH '{sql_literal(str(path))}' AS old_store (READ_ONLY)")
        conn.execute(f"ATTACH '{sql_literal(str(fresh))}' AS {KEYSTORE_ALIAS}")
        conn.execute(KEYSTORE_DDL)
        conn.execute("CREATE TEMP TABLE doomed_keys AS SELECT unnest(?::VARCHAR[]) AS key_link",
                     [drop_key_links])
        conn.execute("CREATE TEMP TABLE doomed_subjects AS "
                     "SELECT unnest(?::VARCHAR[]) AS data_subject", [drop_subjects or []])
        conn.execute(f"""
            INSERT INTO {KEYSTORE_ALIAS}.main.encryption_keys
            SELECT * FROM old_store.main.encryption_keys
            ANTI JOIN doomed_keys USING (key_link)
            WHERE created_by_job IS DISTINCT FROM ?
            ORDER BY group_id, key_day, key_link""", [drop_job])
        conn.execute(f"""
            INSERT INTO {KEYSTORE_ALIAS}.main.data_subject_keys
            SELECT * FROM old_store.main.data_subject_keys
            ANTI JOIN doomed_keys USING (key_link)
            ANTI JOIN doomed_subjects USING (data_subject)
            WHERE created_by_job IS DISTINCT FROM ?
            ORDER BY data_subject, expiry, key_link""", [drop_job])
        conn.execute(f"DETACH {KEYSTORE_ALIAS}")
        conn.execute("DETACH old_store")
    finally:
        conn.close()
    _fsync(fresh)
    crash_point("keystore-rewritten")
    os.replace(fresh, path)
    crash_point("keystore-replaced")
    # A WAL beside the store belonged to the old file: it may hold the deleted keys.
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    _fsync(path.parent)


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
