"""A small key store file for unit tests, made directly with the store's own DDL."""

from __future__ import annotations

from pathlib import Path

import duckdb

from duckshred.udf.keystore import KEYSTORE_DDL


def write_store(path: Path, keysets: dict[str, str], *, subjects: bool = False) -> None:
    """A store holding ``keysets`` (keyLink -> keyset), all of day 2010-12-01 and job
    `job`; with ``subjects``, each keyLink indexed under the subject `subject-<keyLink>`."""
    conn = duckdb.connect()
    conn.execute("ATTACH ? AS keystore", [str(path)])
    conn.execute(KEYSTORE_DDL)
    for link, keyset in keysets.items():
        conn.execute("INSERT INTO keystore.encryption_keys VALUES (?, 'g', 'h', DATE '2010-12-01', "
                     "TIMESTAMPTZ '2010-12-02 00:00:00+00', ?, 'job')", [link, keyset])
        if subjects:
            conn.execute("INSERT INTO keystore.data_subject_keys VALUES "
                         "('subject-' || ?, ?, TIMESTAMPTZ '2010-12-02 00:00:00+00', 'job')",
                         [link, link])
    conn.close()
