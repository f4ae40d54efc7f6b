"""The key store: a DuckDB file of its own, physically apart from the data.

It holds the keysets (one per group, key-field value and UTC day) and the
data-subject index (subject -> keyLinks). Both tables live in the one file so
a job's keys and their index rows commit in one transaction, and a shred
rewrites them together.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from duckshred.udf.files import fresh_copy_path, swap_in_copy, wal_path
from duckshred.udf.layout import KEYSTORE_ALIAS

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
-- The erasure ledger: subjects forgotten on request, as HMAC-SHA256 of their id
-- under ledger_secret, so that later jobs can recognise them without the ledger
-- holding (or letting anyone guess) an id.
CREATE TABLE IF NOT EXISTS {KEYSTORE_ALIAS}.main.erasure_ledger (
    subject_hash    VARCHAR     NOT NULL,
    erased_at       TIMESTAMPTZ NOT NULL
);
-- The keyLinks each forgotten subject had: what a repeated erasure checks outputs for.
CREATE TABLE IF NOT EXISTS {KEYSTORE_ALIAS}.main.erased_key_links (
    subject_hash    VARCHAR     NOT NULL,
    key_link        VARCHAR     NOT NULL
);
CREATE TABLE IF NOT EXISTS {KEYSTORE_ALIAS}.main.ledger_secret (
    secret          VARCHAR     NOT NULL   -- hex; one row per workspace
);
"""
# Copied, in this order, when the store is rewritten.
KEYSTORE_TABLES = ("encryption_keys", "data_subject_keys", "erasure_ledger",
                   "erased_key_links", "ledger_secret")

# On-the-fly decryption by keyLink inside a dbt run, which holds the key store
# open anyway: a shredded key finds no keyset, so the result is NULL, never an
# error; a tampered ciphertext still raises. Connections made by
# ``duckshred.connect`` use ``KeystoreReader`` instead, which never keeps the
# store open.
DECRYPT_MACRO = f"""
CREATE OR REPLACE TEMP MACRO decrypt(ciphertext, key_link_value) AS
    tink_decrypt(
        ciphertext,
        (SELECT k.keyset FROM {KEYSTORE_ALIAS}.main.encryption_keys AS k
          WHERE k.key_link = key_link_value)
    )
"""


def _ledger_secret() -> str:
    from duckshred.crypto import new_ledger_secret

    return new_ledger_secret()


def attach_keystore(
    conn: duckdb.DuckDBPyConnection, path: str | Path, *, read_only: bool = False
) -> None:
    """Attach the key store at ``path`` as ``keystore``, create its tables (and the
    workspace's ledger secret), define ``decrypt`` (registering duckshred's
    functions on ``conn`` if need be)."""
    # Imported here: the index of data subjects needs only KEYSTORE_ALIAS, not the
    # functions' Arrow and Tink machinery (listing commands start faster).
    from duckshred.udf.registration import register_functions

    register_functions(conn)
    attached = {row[0] for row in conn.execute("SELECT database_name FROM duckdb_databases()")
                .fetchall()}
    if KEYSTORE_ALIAS not in attached:
        mode = " (READ_ONLY)" if read_only else ""
        conn.execute(f"ATTACH '{sql_literal(str(path))}' AS {KEYSTORE_ALIAS}{mode}")
    if not read_only:
        conn.execute(KEYSTORE_DDL)
        conn.execute(f"INSERT INTO {KEYSTORE_ALIAS}.main.ledger_secret SELECT ? WHERE NOT EXISTS "
                     f"(SELECT 1 FROM {KEYSTORE_ALIAS}.main.ledger_secret)",
                     [_ledger_secret()])
    conn.execute(DECRYPT_MACRO)


def sql_literal(text: str) -> str:
    return text.replace("'", "''")


def sql_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (inner double quotes doubled): contract
    column names may hold quotes, dots and spaces."""
    return '"' + name.replace('"', '""') + '"'



def rewrite_keystore(path: Path, *, drop_key_links: list[str],
                     drop_subjects: list[str] | None = None,
                     drop_job: str | None = None,
                     forget: list[tuple[str, list[str]]] | None = None,
                     lift: list[str] | None = None,
                     conn: duckdb.DuckDBPyConnection | None = None) -> None:
    """Replace the key store with a fresh copy that lacks the given keys and index rows,
    with ``forget`` ((subject hash, its keyLinks)) added to the erasure ledger and the
    ledger entries of the ``lift`` hashes removed.

    DuckDB keeps deleted bytes in its file after DELETE and CHECKPOINT, so
    forgetting a key means writing a new file without it and swapping it in
    atomically. A process killed before the swap leaves the old store whole;
    after it, the new one: never a key without its index row or the reverse.
    The caller holds the workspace lock, so no one else writes the file; readers
    made by ``duckshred.connect`` notice the swap on their next batch.

    ``conn``: an in-memory DuckDB of the caller's to work in, which must not have the
    store attached (making one costs ~20 ms, a tenth of a shred); by default a new one.
    """
    path = Path(path)
    fresh = fresh_copy_path(path)
    forget = forget or []
    own = conn is None
    conn = duckdb.connect() if conn is None else conn
    try:
        # Keysets are random text that does not compress: DuckDB's analysis of each
        # segment for a compression it will not use was a third of a shred's time.
        conn.execute("SET force_compression = 'uncompressed'")
        # With no threshold, the commit below checkpoints the copy into the new file
        # at once instead of first writing all of it to a write-ahead log as well.
        conn.execute("SET checkpoint_threshold = '0b'")
        fold_write_ahead_log(conn, path)
        conn.execute(f"ATTACH '{sql_literal(str(path))}' AS old_store (READ_ONLY)")
        conn.execute(f"ATTACH '{sql_literal(str(fresh))}' AS {KEYSTORE_ALIAS}")
        conn.execute("BEGIN TRANSACTION")  # one commit: one checkpoint
        conn.execute(KEYSTORE_DDL)
        old_tables = {row[0] for row in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'old_store'"
        ).fetchall()}
        conn.execute("CREATE TEMP TABLE doomed_keys AS SELECT unnest(?::VARCHAR[]) AS key_link",
                     [drop_key_links])
        conn.execute("CREATE TEMP TABLE doomed_subjects AS "
                     "SELECT unnest(?::VARCHAR[]) AS data_subject", [drop_subjects or []])
        conn.execute("CREATE TEMP TABLE lifted AS SELECT unnest(?::VARCHAR[]) AS subject_hash",
                     [lift or []])
        copies = {
            "encryption_keys": ("ANTI JOIN doomed_keys USING (key_link) "
                                "WHERE created_by_job IS DISTINCT FROM ?", [drop_job]),
            "data_subject_keys": ("ANTI JOIN doomed_keys USING (key_link) "
                                  "ANTI JOIN doomed_subjects USING (data_subject) "
                                  "WHERE created_by_job IS DISTINCT FROM ?", [drop_job]),
            "erasure_ledger": ("ANTI JOIN lifted USING (subject_hash) "
                               "ORDER BY erased_at, subject_hash", []),
            "erased_key_links": ("ORDER BY subject_hash, key_link", []),
            "ledger_secret": ("LIMIT 1", []),
        }
        for table in KEYSTORE_TABLES:
            if table in old_tables:
                where, parameters = copies[table]
                conn.execute(f"INSERT INTO {KEYSTORE_ALIAS}.main.{table} "
                             f"SELECT * FROM old_store.main.{table} {where}", parameters)
        conn.execute(f"INSERT INTO {KEYSTORE_ALIAS}.main.ledger_secret SELECT ? WHERE NOT EXISTS "
                     f"(SELECT 1 FROM {KEYSTORE_ALIAS}.main.ledger_secret)",
                     [_ledger_secret()])
        if forget:
            conn.execute(f"""
                INSERT INTO {KEYSTORE_ALIAS}.main.erasure_ledger
                SELECT DISTINCT subject_hash, now() FROM unnest(?::VARCHAR[]) AS t(subject_hash)
                WHERE subject_hash NOT IN
                      (SELECT subject_hash FROM {KEYSTORE_ALIAS}.main.erasure_ledger)""",
                         [[subject_hash for subject_hash, _ in forget]])
            conn.execute(f"""
                INSERT INTO {KEYSTORE_ALIAS}.main.erased_key_links
                SELECT DISTINCT e.subject_hash, e.key_link
                FROM (SELECT unnest(?::VARCHAR[]) AS subject_hash,
                             unnest(?::VARCHAR[]) AS key_link) AS e
                ANTI JOIN {KEYSTORE_ALIAS}.main.erased_key_links AS known
                    USING (subject_hash, key_link)""",
                         [[h for h, links in forget for _ in links],
                          [link for _, links in forget for link in links]])
        conn.execute("COMMIT")
        conn.execute(f"DETACH {KEYSTORE_ALIAS}")
        conn.execute("DETACH old_store")
    finally:
        if own:
            conn.close()
        else:
            _release(conn)
    swap_in_copy(fresh, path, written="keystore-rewritten", replaced="keystore-replaced")


def fold_write_ahead_log(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Fold the write-ahead log beside the database file ``path`` (a killed writer leaves
    one) into the file, before the file is copied and the copy swapped in: a log left
    beside the new file (a kill right after the swap) would keep the bytes of what the
    copy dropped, and DuckDB refuses to open a file with a log that is not its own
    ("does not match"). ``conn``: an in-memory DuckDB without ``path`` attached."""
    if wal_path(path).exists():
        conn.execute(f"ATTACH '{sql_literal(str(path))}' AS wal_owner")
        conn.execute("CHECKPOINT wal_owner")
        conn.execute("DETACH wal_owner")


def _release(conn: duckdb.DuckDBPyConnection) -> None:
    """Leave the caller's connection as it was, also after a failure."""
    try:
        conn.execute("ROLLBACK")
    except duckdb.Error:
        pass  # committed, or never begun
    attached = {row[0] for row in conn.execute(
        "SELECT database_name FROM duckdb_databases()").fetchall()}
    for alias in (KEYSTORE_ALIAS, "old_store"):
        if alias in attached:
            conn.execute(f"DETACH {alias}")
    for table in ("doomed_keys", "doomed_subjects", "lifted"):
        conn.execute(f"DROP TABLE IF EXISTS temp.main.{table}")
    conn.execute("RESET force_compression")
    conn.execute("RESET checkpoint_threshold")


def ledger_secret(conn: duckdb.DuckDBPyConnection, alias: str = KEYSTORE_ALIAS) -> str | None:
    """The workspace's ledger secret, from a key store attached as ``alias`` (None in a
    store made before the ledger existed: it has forgotten no one yet)."""
    try:
        row = conn.execute(f"SELECT secret FROM {alias}.main.ledger_secret LIMIT 1").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None
