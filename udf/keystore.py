"""The key store: a DuckDB file of its own, physically apart from the data.

It holds the keysets (one per group, key-field value and UTC day) and the
data-subject index (subject -> keyLinks). Both tables live in the one file so
a job's keys and their index rows commit in one transaction, and a shred
rewrites them together.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

KEYSTORE_ALIAS = "keystore"

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
    """Attach the key store at ``path`` as ``keystore``, create its tables, define ``decrypt``."""
    attached = {row[0] for row in conn.execute("SELECT database_name FROM duckdb_databases()")
                .fetchall()}
    if KEYSTORE_ALIAS not in attached:
        mode = " (READ_ONLY)" if read_only else ""
        conn.execute(f"ATTACH '{_sql_literal(str(path))}' AS {KEYSTORE_ALIAS}{mode}")
    if not read_only:
        conn.execute(KEYSTORE_DDL)
    conn.execute(DECRYPT_MACRO)


def _sql_literal(text: str) -> str:
    return text.replace("'", "''")
