"""A finished job's files, written from the warehouse and the key store.

CSV is byte-compatible with the reference system: header and values
double-quoted, inner quotes doubled, CRLF, NULL as nothing, input order kept.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import duckdb

from duckshred.service.config import BatchJobConfig, Location
from duckshred.service.errors import ConfigError
from duckshred.service.plan import JobPlan
from duckshred.service.project import DERIVED_INDEX, KEY_LINK, ROW_NR
from duckshred.service.warehouse import current_table
from duckshred.service.workspace import Workspace, memory_limit
from duckshred.udf import attach_keystore
from duckshred.udf.keystore import KEYSTORE_ALIAS, rewrite_keystore, sql_literal
from duckshred.udf.layout import process_spill_dir

_KEYS = 1  # the keys export's place among a job's outputs (encrypted, keys, derived...)
_CSV_OPTIONS = "FORMAT csv, HEADER true, FORCE_QUOTE *, NEW_LINE '\r\n', DELIMITER ','"

# A contract's schema types as Parquet column types (CSV stays text, byte for byte).
_PARQUET_TYPES = {"INTEGER": "INTEGER", "LONG": "BIGINT", "FLOAT": "DOUBLE",
                  "BOOLEAN": "BOOLEAN"}


def _typed(query: str, plan: JobPlan, masked: list[str]) -> str:
    """Columns with a schema type other than STRING, and neither PII (ciphertext,
    or plaintext beside ciphertext) nor masked, typed as the schema says; an empty
    value is NULL."""
    casts = []
    for column in plan.contract.columns:
        sql_type = _PARQUET_TYPES.get(column.type.upper())
        if sql_type is None or column.name in plan.pii_fields or column.name in masked:
            continue
        ident = '"' + column.name.replace('"', '""') + '"'
        casts.append(f"CAST(NULLIF({ident}, '') AS {sql_type}) AS {ident}")
    return f"SELECT * REPLACE ({', '.join(casts)}) FROM ({query})" if casts else query


def _copy(conn: duckdb.DuckDBPyConnection, query: str, location: Location,
          target: Path) -> Path:
    options = "FORMAT parquet" if location.file_format == "parquet" else _CSV_OPTIONS
    try:
        # Written in place: the file exists already with its mode (see
        # Connector.part_path), and a temporary file beside it would not have it.
        conn.execute(f"COPY ({query}) TO '{sql_literal(str(target))}' "
                     f"({options}, USE_TMP_FILE false)")
    except duckdb.ConversionException:
        # DuckDB's message quotes the value: name the output and the rule instead.
        raise ConfigError(f"{location.describe()}: a value does not convert to its column's "
                          "type in the contract's schema (Parquet columns are typed from "
                          "the schema)") from None
    return target


class Written(NamedTuple):
    files: list[tuple[Location, Path]]  # (target, the file written for it), in config order
    records: int                        # rows of the encrypted dataset
    born_shredded: int                  # of them, rows under keys never stored (erased subjects)


def write_outputs(workspace: Workspace, plan: JobPlan, config: BatchJobConfig,
                  folder: Path, spill_dir: Path | None = None,
                  place: Callable[[Location], Path | None] | None = None) -> Written:
    """Write every output of the job from the warehouse's current tables; each file goes
    where ``place`` says (e.g. beside its target, to be renamed in), else into ``folder``."""
    encrypted, derived = current_table("encrypted"), current_table("derived")

    def typed(location: Location, query: str, masked: list[str]) -> str:
        return _typed(query, plan, masked) if location.file_format == "parquet" else query

    # One row per key the job made or re-used, in the order rows first met them.
    keys_query = f"""
        SELECT k.key_link AS "keyLink", k.keyset AS "encryptionKey"
        FROM temp.used JOIN {KEYSTORE_ALIAS}.main.encryption_keys AS k USING (key_link)
        ORDER BY used.first_row"""
    exports = [(config.encrypted, typed(config.encrypted,
                                        f"SELECT * EXCLUDE ({ROW_NR}) FROM {encrypted}", [])),
               (config.keys, keys_query)]
    exports += [(spec.location,
                 typed(spec.location, f"SELECT * EXCLUDE ({DERIVED_INDEX}, {ROW_NR}) "
                                      f"FROM {derived} WHERE {DERIVED_INDEX} = {index}",
                       plan.derived[index].masked_fields))
                for index, spec in enumerate(config.derived)]
    targets = []
    for index, (location, _query) in enumerate(exports):
        target = place(location) if place is not None else None
        if target is None:
            folder.mkdir(parents=True, exist_ok=True)
            suffix = ".parquet" if location.file_format == "parquet" else ".csv"
            target = folder / f"{index:02d}{suffix}"
        targets.append(target)
    spill = spill_dir or process_spill_dir(workspace.root)
    conn = duckdb.connect(str(workspace.warehouse_path), read_only=True,
                          config={"memory_limit": memory_limit(), "temp_directory": str(spill)})
    try:
        # One thread per file: an ordered COPY keeps every thread's finished batches
        # until their turn, which ran out of memory (two files at two threads each
        # failed at 300MB on 3M rows; one thread each needs ~180MB and is faster).
        conn.execute("SET threads = 1")
        attach_keystore(conn, workspace.keystore_path, read_only=True)

        def export(index: int) -> tuple[Path, tuple[int, int] | None]:
            location, query = exports[index]
            with conn.cursor() as cursor:
                if index != _KEYS:
                    return _copy(cursor, query, location, targets[index]), None
                # The keyLinks the rows use, read once (into this cursor's own temporary
                # table): the keys export, the record count and the rows under keys that
                # were never stored all come from these ~20k rows.
                cursor.execute(f"""CREATE TEMP TABLE used AS
                    SELECT "{KEY_LINK}" AS key_link, min({ROW_NR}) AS first_row,
                           count(*) AS rows
                    FROM {encrypted} GROUP BY ALL""")
                keys_file = _copy(cursor, query, location, targets[index])
                counted = cursor.execute(f"""
                    SELECT coalesce(sum(rows), 0),
                           coalesce(sum(rows) FILTER (WHERE k.key_link IS NULL), 0)
                    FROM temp.used
                    LEFT JOIN {KEYSTORE_ALIAS}.main.encryption_keys AS k USING (key_link)
                    """).fetchone()
                return keys_file, (int(counted[0]), int(counted[1])) if counted else (0, 0)

        # Writing an ordered CSV is single-threaded: two files at a time keep both
        # cores busy (the small keys export goes second, beside the encrypted file).
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(export, range(len(exports))))
    finally:
        conn.close()
    records, born_shredded = results[_KEYS][1] or (0, 0)
    files = [(location, path) for (location, _query), (path, _counts) in zip(exports, results,
                                                                             strict=True)]
    return Written(files, records, born_shredded)


def discard_job_keys(workspace: Workspace, job_id: str) -> None:
    """Remove the keys and index rows a failed job committed, rewriting the store."""
    rewrite_keystore(workspace.keystore_path, drop_key_links=[], drop_job=job_id)
