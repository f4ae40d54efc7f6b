"""Where a batch job's tables live in the warehouse.

dbt builds the running job's outputs as ``jobs.encrypted`` and ``jobs.derived``
(fixed names, so dbt can keep its parsed project between jobs); when the job
succeeds they are renamed to ``jobs."encrypted__<job id>"`` and
``jobs."derived__<job id>"`` and stay queryable for access requests.
"""

from __future__ import annotations

import duckdb

from duckshred.service.project import OUTPUTS_SCHEMA
from duckshred.service.workspace import Workspace
from duckshred.udf.files import fresh_copy_path, swap_in_copy
from duckshred.udf.keystore import fold_write_ahead_log

JOBS_SCHEMA = OUTPUTS_SCHEMA
KINDS = ("encrypted", "derived")


def current_table(kind: str) -> str:
    return f'{JOBS_SCHEMA}."{kind}"'


def job_table_name(job_id: str, kind: str) -> str:
    return f"{kind}__{job_id}"


def job_table(job_id: str, kind: str) -> str:
    return f'{JOBS_SCHEMA}."{job_table_name(job_id, kind)}"'


def job_tables(conn: duckdb.DuckDBPyConnection, kind: str) -> list[tuple[str, str]]:
    """(job id, qualified table) of every finished job's ``kind`` table, oldest name first."""
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() "
        "WHERE schema_name = ? AND starts_with(table_name, ?) ORDER BY table_name",
        [JOBS_SCHEMA, f"{kind}__"]).fetchall()
    return [(name.removeprefix(f"{kind}__"), f'{JOBS_SCHEMA}."{name}"') for (name,) in rows]


def keep_current_run(workspace: Workspace, job_id: str) -> None:
    """Give the running job's tables their permanent, per-job names."""
    with duckdb.connect(str(workspace.warehouse_path)) as conn:
        for kind in KINDS:
            conn.execute(f"ALTER TABLE {current_table(kind)} RENAME TO "
                         f'"{job_table_name(job_id, kind)}"')


def drop_tables(workspace: Workspace, job_id: str | None) -> None:
    """Drop a job's tables, and the current run's (``job_id=None`` drops only those)."""
    if not workspace.warehouse_path.exists():
        return
    with duckdb.connect(str(workspace.warehouse_path)) as conn:
        for kind in KINDS:
            conn.execute(f"DROP TABLE IF EXISTS {current_table(kind)}")
            if job_id:
                conn.execute(f"DROP TABLE IF EXISTS {job_table(job_id, kind)}")


def rewrite_warehouse(workspace: Workspace) -> None:
    """Replace the warehouse with a fresh copy (``COPY FROM DATABASE``), as the key
    store is after a shred: DuckDB keeps dropped or deleted rows' bytes in its file."""
    path = workspace.warehouse_path
    fresh = fresh_copy_path(path)
    conn = duckdb.connect()
    try:
        fold_write_ahead_log(conn, path)
        conn.execute("ATTACH ? AS old_warehouse (READ_ONLY)", [str(path)])
        conn.execute("ATTACH ? AS fresh_warehouse", [str(fresh)])
        conn.execute("COPY FROM DATABASE old_warehouse TO fresh_warehouse")
        conn.execute("DETACH fresh_warehouse")
        conn.execute("DETACH old_warehouse")
    finally:
        conn.close()
    swap_in_copy(fresh, path, replaced="warehouse-replaced")
