"""What duckshred wrote that holds a set of keyLinks, what each still holds, and
purging them.

Every finished job left: an encrypted file and its warehouse table (ciphertext:
shredded once the keys are gone), a keys export (key material), derived files
and their warehouse table (decrypted values). The catalog names the files, the
warehouse tables say which rows they hold; the files themselves are read to
say what they hold now, so the receipt reports what is, not what was.

Reading a few hundred MB for every erasure is slow, so a file whose fingerprint
(size, modification time and inode; size and ETag on S3) is the one recorded
when duckshred wrote it is known to hold what its warehouse table holds: the
receipt says so with ``checkedBy: "fingerprint"``. Any other file is read
(``checkedBy: "content"``).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from duckshred.service.catalog import Catalog
from duckshred.service.config import Location, parse_config
from duckshred.service.errors import DuckshredError
from duckshred.service.project import DERIVED_INDEX, KEY_LINK, ROW_NR
from duckshred.service.subjects.needles import NeedleSet
from duckshred.service.warehouse import job_table, job_tables, rewrite_warehouse
from duckshred.service.workspace import Workspace
from duckshred.udf.keystore import sql_identifier, sql_literal

# What an output still holds of the subjects.
SHREDDED = "shredded"  # their ciphertext, whose keys are gone
HOLDS_PLAINTEXT = "holdsPlaintext"  # their decrypted rows
HOLDS_KEY_MATERIAL = "holdsKeyMaterial"  # their keys
NOTHING_LEFT = "nothingLeft"  # none of their rows or keys (any more)
MISSING = "missing"  # the file is gone
UNREACHABLE = "unreachable"  # its connector is gone or failed: cannot say what it holds

_CSV_OPTIONS = "FORMAT csv, HEADER true, FORCE_QUOTE *, NEW_LINE '\r\n', DELIMITER ','"
_CHUNK = 16 * 1024 * 1024
KEY_LINK_SQL, ROW_NR_SQL = sql_identifier(KEY_LINK), sql_identifier(ROW_NR)
DERIVED_INDEX_SQL = sql_identifier(DERIVED_INDEX)


@dataclass
class JobOutputs:
    job_id: str
    encrypted: Location | None
    keys: Location | None
    derived: list[Location]
    encrypted_rows: int  # rows under the keyLinks in the job's encrypted table
    derived_rows: dict[int, int]  # derived index -> rows under the keyLinks
    # target -> the fingerprint recorded when duckshred last wrote it (publish, purge)
    fingerprints: dict[str, str | None]
    derived_table: str | None = None  # the job's derived warehouse table, if it has one
    # A purge rewrote the job's derived table since ``derived_rows`` was counted.
    purged: bool = False


def _warehouse(workspace: Workspace, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    # Attached into a fresh in-memory DuckDB, never connect(path): the process may
    # hold an instance of the file from before a purge rewrote it.
    conn = duckdb.connect()
    mode = " (READ_ONLY)" if read_only else ""
    conn.execute(f"ATTACH ? AS warehouse{mode}", [str(workspace.warehouse_path)])
    conn.execute("USE warehouse")
    return conn


@contextmanager
def _reading_warehouse(workspace: Workspace, key_links: list[str],
                       conn: duckdb.DuckDBPyConnection | None
                       ) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse attached read-only, with ``key_links`` as ``temp.wanted``: on
    ``conn`` (an in-memory DuckDB of the caller's: making one costs ~20 ms), detached
    after, or else on a fresh one, closed after."""
    own = conn is None
    conn = duckdb.connect() if conn is None else conn
    try:
        conn.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(workspace.warehouse_path)])
        try:
            conn.execute("USE warehouse")
            conn.execute("CREATE TEMP TABLE wanted AS "
                         "SELECT unnest(?::VARCHAR[]) AS key_link", [key_links])
            yield conn
        finally:
            if not own:
                conn.execute("DROP TABLE IF EXISTS temp.main.wanted")
                conn.execute("USE memory")
                conn.execute("DETACH warehouse")  # a purge opens it for writing
    finally:
        if own:
            conn.close()


def jobs_holding(workspace: Workspace, key_links: list[str],
                 conn: duckdb.DuckDBPyConnection | None = None) -> list[JobOutputs]:
    """Every finished job whose encrypted table holds rows under ``key_links``
    (``conn``: an in-memory DuckDB to read the warehouse in, see ``_reading_warehouse``)."""
    if not key_links or not workspace.warehouse_path.exists():
        return []
    catalog = Catalog(workspace)
    found = []
    with _reading_warehouse(workspace, key_links, conn) as conn:
        derived_tables = dict(job_tables(conn, "derived"))
        for job_id, table in job_tables(conn, "encrypted"):
            count = conn.execute(f'SELECT count(*) FROM {table} AS e SEMI JOIN temp.wanted AS w '
                                 f"ON w.key_link = e.{KEY_LINK_SQL}").fetchone()
            if not count or not count[0]:
                continue
            derived_rows: dict[int, int] = {}
            if job_id in derived_tables:
                derived_rows = dict(conn.execute(
                    f'SELECT {DERIVED_INDEX_SQL}, count(*) FROM {derived_tables[job_id]} AS d '
                    f"SEMI JOIN temp.wanted AS w ON w.key_link = d.{KEY_LINK_SQL} "
                    'GROUP BY ALL').fetchall())
            try:
                record = catalog.job(job_id)
                config = parse_config(record["config"])
                encrypted, keys = config.encrypted, config.keys
                derived = [spec.location for spec in config.derived]
                fingerprints = dict(record.get("outputFingerprints") or {})
            except DuckshredError:
                # the job's record was deleted
                encrypted, keys, derived, fingerprints = None, None, [], {}
            found.append(JobOutputs(job_id, encrypted, keys, derived, int(count[0]),
                                    derived_rows, fingerprints, derived_tables.get(job_id)))
    return found


# -- what a file holds ---------------------------------------------------------------


def _chunks(catalog: Catalog, location: Location) -> Iterable[bytes] | None:
    connector = catalog.connector(location.connector)
    if not connector.exists(location.relative_path):
        return None
    return _read_chunks(connector._filesystem().open(connector.url(location.relative_path), "rb"))


def _read_chunks(handle: Any) -> Iterable[bytes]:
    with handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def file_holds(catalog: Catalog, location: Location, needles: NeedleSet) -> bool | None:
    """Whether the output file holds any needle; None when the file is gone."""
    chunks = _chunks(catalog, location)
    return None if chunks is None else needles.found_in_stream(chunks)


def workspace_files_holding(workspace: Workspace, needles: list[bytes]) -> list[str]:
    """Every file under the workspace (stores, WALs, staging, spill, logs) holding a needle."""
    hits: list[str] = []
    wanted = NeedleSet(needles)
    if not wanted:
        return hits
    for path in sorted(workspace.root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            try:
                with open(path, "rb") as handle:
                    if wanted.found_in_stream(_read_chunks(handle)):
                        hits.append(str(path))
            except OSError:
                hits.append(str(path))  # unreadable: cannot say it is clean
    return hits


# -- the receipt's list of outputs -------------------------------------------------------


def output_report(workspace: Workspace, jobs: list[JobOutputs], key_links: list[str],
                  key_needles: list[bytes], conn: duckdb.DuckDBPyConnection | None = None
                  ) -> list[dict[str, Any]]:
    """Each output of ``jobs`` with what it still holds of ``key_links`` (``conn``: an
    in-memory DuckDB to read the warehouse in, see ``_reading_warehouse``)."""
    catalog = Catalog(workspace)
    link_bytes = [link.encode() for link in key_links]
    links, with_keys = NeedleSet(link_bytes), NeedleSet([*link_bytes, *key_needles])
    report: list[dict[str, Any]] = []

    def file_entry(kind: str, job: JobOutputs, location: Location, held: str,
                   needles: NeedleSet, known_to_hold: bool | None, **extra: Any) -> None:
        """``known_to_hold``: what the warehouse says the file holds while it is the
        one duckshred wrote (None: no record to go by, read it)."""
        checked_by = "content"
        try:
            recorded = job.fingerprints.get(location.describe())
            connector = catalog.connector(location.connector)
            if (known_to_hold is not None and recorded is not None
                    and connector.fingerprint(location.relative_path) == recorded):
                holds: bool | None = known_to_hold
                checked_by = "fingerprint"
            else:
                holds = file_holds(catalog, location, needles)
            status = MISSING if holds is None else (held if holds else NOTHING_LEFT)
        except (DuckshredError, OSError) as error:
            # The shred is done whatever happens here: say what could not be checked.
            status = UNREACHABLE
            extra = {**extra, "reason": _reason(error)}
        entry = {"kind": kind, "jobId": job.job_id, "location": location.describe(),
                 "status": status, **extra}
        if status not in (UNREACHABLE, MISSING):
            entry["checkedBy"] = checked_by
        report.append(entry)

    # The derived tables are read again only where a purge changed them since
    # ``jobs_holding`` counted their rows (under the same workspace lock).
    recount = any(job.purged and job.derived_table for job in jobs)
    reading = (_reading_warehouse(workspace, key_links, conn) if recount
               else nullcontext(None))
    with reading as warehouse:
        for job in jobs:
            left = job.derived_rows
            if job.purged and job.derived_table and warehouse is not None:
                left = dict(warehouse.execute(
                    f'SELECT {DERIVED_INDEX_SQL}, count(*) FROM {job.derived_table} AS d '
                    f"SEMI JOIN temp.wanted AS w ON w.key_link = d.{KEY_LINK_SQL} "
                    'GROUP BY ALL').fetchall())
            # The encrypted file is the encrypted table (never rewritten); the keys
            # export holds the key of every keyLink in it (a purge drops its record);
            # each derived file is its share of the derived table (a purge rewrites both).
            held = job.encrypted_rows > 0
            if job.encrypted is not None:
                file_entry("encryptedFile", job, job.encrypted, SHREDDED, links, held,
                           rows=job.encrypted_rows)
            if job.keys is not None:
                file_entry("keysFile", job, job.keys, HOLDS_KEY_MATERIAL, with_keys, held)
            for index, location in enumerate(job.derived):
                file_entry("derivedFile", job, location, HOLDS_PLAINTEXT, links,
                           bool(left.get(index)) if job.derived_table else None,
                           derivedIndex=index)
            report.append({"kind": "encryptedTable", "jobId": job.job_id,
                           "location": f"warehouse {job_table(job.job_id, 'encrypted')}",
                           "status": SHREDDED, "rows": job.encrypted_rows})
            if job.derived_table:
                for index in sorted(set(job.derived_rows) | set(left)):
                    report.append({
                        "kind": "derivedTable", "jobId": job.job_id, "derivedIndex": index,
                        "location": f"warehouse {job_table(job.job_id, 'derived')}",
                        "status": HOLDS_PLAINTEXT if left.get(index) else NOTHING_LEFT,
                        "rows": int(left.get(index, 0))})
    return report


# -- purging ---------------------------------------------------------------------------------


def purge(workspace: Workspace, jobs: list[JobOutputs], key_links: list[str]) -> None:
    """Rewrite every derived file, derived warehouse table and keys export of ``jobs``
    without the rows and keys under ``key_links``, each file replaced atomically, then
    the warehouse file itself so that no deleted bytes remain in it.

    The derived files are written again from the purged warehouse table with the
    job's own CSV or Parquet settings, so every other row keeps its exact bytes. The
    caller holds the workspace lock."""
    if not jobs:
        return
    catalog = Catalog(workspace)
    scratch = workspace.root / "tmp" / f"purge-{uuid.uuid4().hex}"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        try:
            conn = _warehouse(workspace, read_only=False)
        except duckdb.Error as error:
            if not any(word in str(error).lower() for word in ("lock", "conflict")):
                raise
            raise DuckshredError(
                "the keys are shredded, but the outputs were not purged: the warehouse "
                f"{workspace.warehouse_path} is open in another duckshred connection or "
                "process; close it and run the same command again with --purge-outputs"
            ) from None
        try:
            conn.execute("CREATE TEMP TABLE wanted AS SELECT unnest(?::VARCHAR[]) AS key_link",
                         [key_links])
            derived_tables = dict(job_tables(conn, "derived"))
            for job in jobs:
                # A rewritten file's old fingerprint no longer says what it holds: the
                # derived files get their new one (they are their table's share
                # again), the keys export none (it is read from now on).
                table = derived_tables.get(job.job_id)
                if table is not None:
                    job.purged = True  # the receipt counts its rows again
                    conn.execute(f'DELETE FROM {table} WHERE {KEY_LINK_SQL} IN '
                                 '(SELECT key_link FROM temp.wanted)')
                    for index, location in enumerate(job.derived):
                        query = (f"SELECT * EXCLUDE ({DERIVED_INDEX_SQL}, {ROW_NR_SQL}) "
                                 f"FROM {table} WHERE {DERIVED_INDEX_SQL} = {int(index)} "
                                 f"ORDER BY {ROW_NR_SQL}")
                        job.fingerprints[location.describe()] = _guarded(
                            _republish, catalog, conn, query, location, scratch)
                if job.keys is not None:
                    job.fingerprints[job.keys.describe()] = None
                    _guarded(_purge_keys_file, catalog, conn, job.keys, scratch)
                _save_fingerprints(catalog, job)
        finally:
            conn.close()
        rewrite_warehouse(workspace)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _save_fingerprints(catalog: Catalog, job: JobOutputs) -> None:
    try:
        record = catalog.job(job.job_id)
    except DuckshredError:
        return  # the job's record was deleted
    record["outputFingerprints"] = job.fingerprints
    catalog.save_job(record)


def _reason(error: Exception) -> str:
    # Our own errors name what and where; anything else only by its type (it may quote data).
    return str(error) if isinstance(error, DuckshredError) else type(error).__name__


def _guarded(rewrite: Any, *args: Any) -> Any:
    """Rewrite one output; an unreachable connector leaves it as it was, and the
    receipt, which reads every output afterwards, reports it as such (None)."""
    try:
        return rewrite(*args)
    except (DuckshredError, OSError):
        return None


def _republish(catalog: Catalog, conn: duckdb.DuckDBPyConnection, query: str,
               location: Location, scratch: Path) -> str | None:
    """Write the file again from ``query``; its new fingerprint (None if it was gone)."""
    connector = catalog.connector(location.connector)
    if not connector.exists(location.relative_path):
        return None  # deleted by its owner: nothing to rewrite
    local = scratch / f"{uuid.uuid4().hex}.{location.file_format}"
    options = "FORMAT parquet" if location.file_format == "parquet" else _CSV_OPTIONS
    conn.execute(f"COPY ({query}) TO '{sql_literal(str(local))}' ({options})")
    connector.publish(local, location.relative_path)
    local.unlink()
    return connector.fingerprint(location.relative_path)


def _purge_keys_file(catalog: Catalog, conn: duckdb.DuckDBPyConnection, location: Location,
                     scratch: Path) -> None:
    """The keys export without the keyLinks in ``temp.wanted``, other lines kept as they are."""
    connector = catalog.connector(location.connector)
    if not connector.exists(location.relative_path):
        return
    fetched = connector.fetch(location.relative_path,
                              scratch / f"{uuid.uuid4().hex}.{location.file_format}")
    local = scratch / f"{uuid.uuid4().hex}.{location.file_format}"
    if location.file_format == "parquet":
        conn.execute(f"COPY (SELECT * FROM read_parquet('{sql_literal(str(fetched))}') "
                     'WHERE "keyLink" NOT IN (SELECT key_link FROM temp.wanted)) '
                     f"TO '{sql_literal(str(local))}' (FORMAT parquet)")
    else:
        # One key a line (a keyset has no line break): drop the lines of the doomed
        # keyLinks and keep every other byte.
        doomed = {row[0].encode() for row in conn.execute(
            "SELECT key_link FROM temp.wanted").fetchall()}
        with open(fetched, "rb") as source, open(local, "wb") as target:
            for line in source:
                link = line[1:37] if line.startswith(b'"') else b""
                if link not in doomed:
                    target.write(line)
    fetched.unlink()
    connector.publish(local, location.relative_path)
    local.unlink()


