"""Runs the bundled dbt project on Apache Spark (dbt-spark, ``method: session``).

The same models as on DuckDB; what differs is around the build:

- the session is made here first, with duckshred's functions registered as
  Arrow UDFs (``udf.spark``): dbt-spark's session method then picks it up;
- there is ONE key store, the workspace's ``keystore.duckdb``, so a shred has
  one place to act. Before the build the job group's stored keys (and their
  index rows) become temporary views, in memory; the models add the job's new
  keys to two pending Parquet tables; once the build has succeeded, those are
  committed into the key store file in one transaction (keys and index rows
  together, as the DuckDB engine's ``keystore_commit`` does);
- Spark writes its tables as Parquet under the job's staging folder in the
  workspace (``tmp/<job id>/spark``, deleted when the job ends); the outputs are
  then loaded into the warehouse file as ``jobs.encrypted`` and ``jobs.derived``,
  in input order, so the export (and so the files' bytes), the access requests
  and the shred work exactly as for a DuckDB job.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from duckshred.service.dbt_runner import (
    JOB_ERROR_MARKER,
    PLAN_ENV,
    BuildOutcome,
    _safe_message,
    project_dir,
)
from duckshred.service.warehouse import JOBS_SCHEMA, current_table
from duckshred.service.workspace import WORKSPACE_ENV, Workspace
from duckshred.udf.keystore import KEYSTORE_ALIAS, WAREHOUSE_ALIAS, attach_keystore, sql_literal

SPARK_TABLES_ENV = "DUCKSHRED_SPARK_TABLES"  # read by macros/spark/spark__location_clause.sql
DBT_TARGET = "spark"
SCRATCH_SCHEMA = "duckshred_scratch"  # profiles.yml: the spark target's schema
PENDING_SCHEMA = "duckshred_keystore_pending"  # macros/portable/duckshred_keystore_table.sql
STORED_VIEW = "duckshred_keystore_{name}"

KEYSTORE_COLUMNS = {
    "encryption_keys": ("key_link string, group_id string, key_value_hash string, "
                        "key_day date, expiry timestamp, keyset string, created_by_job string"),
    "data_subject_keys": ("data_subject string, key_link string, expiry timestamp, "
                          "created_by_job string"),
}


def spark_tables_dir(staging: Path) -> Path:
    return staging / "spark"


def _stored_keys(workspace: Workspace, group_id: str) -> dict[str, Any]:
    """The group's stored keys and their index rows, as Arrow tables (none leave memory)."""
    conn = duckdb.connect()
    try:
        attach_keystore(conn, workspace.keystore_path)
        keys = conn.sql(
            f"SELECT * FROM {KEYSTORE_ALIAS}.main.encryption_keys WHERE group_id = ?",
            params=[group_id]).to_arrow_table()
        index = conn.sql(
            f"SELECT d.* FROM {KEYSTORE_ALIAS}.main.data_subject_keys AS d "
            f"SEMI JOIN (SELECT key_link FROM {KEYSTORE_ALIAS}.main.encryption_keys "
            f"           WHERE group_id = ?) AS k USING (key_link)",
            params=[group_id]).to_arrow_table()
    finally:
        conn.close()
    return {"encryption_keys": keys, "data_subject_keys": index}


def _prepare_session(spark: Any, workspace: Workspace, plan: dict[str, Any],
                     tables: Path) -> None:
    from duckshred.udf.spark import register_spark_functions

    register_spark_functions(spark, workspace.keystore_path)
    _forget_tables(spark)
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {PENDING_SCHEMA}")
    for name, arrow in _stored_keys(workspace, plan["group_id"]).items():
        columns = KEYSTORE_COLUMNS[name]
        frame = (spark.createDataFrame(arrow.to_pylist(), schema=columns) if arrow.num_rows
                 else spark.createDataFrame([], schema=columns))
        frame.createOrReplaceTempView(STORED_VIEW.format(name=name))
        location = tables / PENDING_SCHEMA / name
        location.mkdir(parents=True)
        spark.sql(f"CREATE TABLE {PENDING_SCHEMA}.{name} ({columns}) USING parquet "
                  f"LOCATION '{_spark_literal(str(location))}'")


def _spark_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _forget_tables(spark: Any) -> None:
    """Drop the catalog entries of this process's last Spark job (their files live in
    that job's staging folder) and the key store views, whatever state it ended in."""
    for schema in (JOBS_SCHEMA, SCRATCH_SCHEMA, PENDING_SCHEMA):
        if not spark.catalog.databaseExists(schema):
            continue
        for table in spark.catalog.listTables(schema):
            if not table.isTemporary:
                spark.sql(f"DROP TABLE IF EXISTS {schema}.`{table.name}`")
    for name in KEYSTORE_COLUMNS:
        spark.catalog.dropTempView(STORED_VIEW.format(name=name))
    spark.catalog.dropTempView("duckshred_source_csv")
    spark.catalog.clearCache()


def _parquet(tables: Path, schema: str, table: str) -> str:
    folder = tables / schema / table
    if not any(folder.glob("*.parquet")):
        raise FileNotFoundError(f"Spark wrote no Parquet file for {schema}.{table} in {folder}")
    return f"read_parquet('{sql_literal(str(folder / '*.parquet'))}')"


def load_results(workspace: Workspace, tables: Path) -> None:
    """The outputs into the warehouse (input order), then the job's new keys and index
    rows into the key store, in one transaction."""
    conn = duckdb.connect()
    try:
        conn.execute(f"ATTACH '{sql_literal(str(workspace.warehouse_path))}' "
                     f"AS {WAREHOUSE_ALIAS}")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {WAREHOUSE_ALIAS}.{JOBS_SCHEMA}")
        for kind, order in (("encrypted", "__row_nr"), ("derived", "__derived_index, __row_nr")):
            conn.execute(f"CREATE OR REPLACE TABLE {WAREHOUSE_ALIAS}.{current_table(kind)} AS "
                         f"SELECT * FROM {_parquet(tables, JOBS_SCHEMA, kind)} ORDER BY {order}")
        attach_keystore(conn, workspace.keystore_path)
        conn.execute("BEGIN TRANSACTION")
        for name in KEYSTORE_COLUMNS:
            conn.execute(f"INSERT INTO {KEYSTORE_ALIAS}.main.{name} "
                         f"SELECT * FROM {_parquet(tables, PENDING_SCHEMA, name)}")
        conn.execute("COMMIT")
    finally:
        conn.close()


def run_build(workspace: Workspace, plan: dict[str, Any], staging: Path,
              on_progress: Callable[[str], None] | None = None) -> BuildOutcome:
    """Build the job's models on Spark and, when they succeed, load their outputs into
    the warehouse and commit their keys. ``staging`` is the job's own folder."""
    from dbt.cli.main import dbtRunner

    from duckshred.udf.spark import spark_session

    say = on_progress or (lambda _message: None)
    started = time.perf_counter()
    spark = spark_session(local_dir=workspace.root / "tmp" / "spark")
    say(f"Spark {spark.version} session ready in {time.perf_counter() - started:.2f} s")
    tables = spark_tables_dir(staging)
    shutil.rmtree(tables, ignore_errors=True)
    tables.mkdir(parents=True)
    project = project_dir()
    plan_file = staging / "job-plan.json"
    plan_file.write_text(json.dumps(plan))
    environment = {WORKSPACE_ENV: str(workspace.root), PLAN_ENV: str(plan_file),
                   SPARK_TABLES_ENV: str(tables)}
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    models_started: list[float] = []

    def forward(event: Any) -> None:
        if event.info.name == "NodeStart" and not models_started:
            models_started.append(time.perf_counter())
        if event.info.name == "LogModelResult":
            data = event.data
            say(f"{data.index}/{data.total} {data.node_info.node_name}: {data.status} "
                f"in {data.execution_time:.2f} s")

    try:
        _prepare_session(spark, workspace, plan, tables)
        result = dbtRunner(callbacks=[forward]).invoke([
            # as service/dbt_runner.py: nothing on the console, dbt's full log in the workspace
            "--log-level", "none", "--log-level-file", "debug", "--no-use-colors",
            "--no-send-anonymous-usage-stats",
            "--log-path", str(workspace.dbt_log_dir),
            "build",
            "--project-dir", str(project),
            "--profiles-dir", str(project),
            "--target", DBT_TARGET,
            "--target-path", str(workspace.dbt_target_dir.parent / "target-spark"),
        ])
        if result.success:
            load_results(workspace, tables)
    finally:
        _forget_tables(spark)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        plan_file.unlink(missing_ok=True)
        shutil.rmtree(tables, ignore_errors=True)
    started_at = models_started[0] if models_started else None
    if result.success:
        return BuildOutcome(True, models_started=started_at)
    if result.exception is not None:
        return BuildOutcome(False, _safe_message(str(result.exception)))
    for node_result in getattr(result.result, "results", []) or []:
        if str(node_result.status) in {"error", "fail"}:
            message = node_result.message or ""
            if JOB_ERROR_MARKER not in message:
                message = f"{node_result.node.name}: {_safe_message(message)}"
            return BuildOutcome(False, _safe_message(message))
    return BuildOutcome(False, "dbt build failed on Spark")


def main(argv: list[str] | None = None) -> int:
    """``python -m duckshred.service.spark_runner``: the plain ``dbt build`` of the bundled
    sample (``vars.duckshred_job`` in dbt_project.yml) on Spark, into ``$DUCKSHRED_HOME``.

    dbt-spark's session method runs the models in this process's Spark session, which
    must carry duckshred's functions and the key store views: hence this entry point
    rather than a bare ``dbt build --target spark``."""
    import sys
    import uuid

    import yaml

    from duckshred.service.locking import workspace_lock

    if argv or sys.argv[1:]:
        print(main.__doc__)
        return 2
    project = project_dir()
    plan = yaml.safe_load((project / "dbt_project.yml").read_text())["vars"]["duckshred_job"]
    plan["source_path"] = str((project / plan["source_path"]).resolve())
    workspace = Workspace.resolve(None)
    staging = workspace.root / "tmp" / f"dbt-build-{uuid.uuid4()}"
    try:
        with workspace_lock(workspace, "dbt build on Spark"):
            staging.mkdir(parents=True)
            outcome = run_build(workspace, plan, staging, print)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not outcome.success:
        print(f"dbt build on Spark failed: {outcome.error}")
        return 1
    print(f"dbt build on Spark done: tables jobs.encrypted and jobs.derived in "
          f"{workspace.warehouse_path}, new keys in {workspace.keystore_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
