"""Runs the bundled dbt project on Apache Spark (dbt-spark, ``method: session``).

The same models as on DuckDB; what differs is around the build:

- the session is made here first, with duckshred's functions registered as
  Arrow UDFs (``udf.spark``): dbt-spark's session method then picks it up;
- there is ONE key store, the workspace's ``keystore.duckdb``, so a shred has
  one place to act. Before the build the job group's stored keys (and their
  index rows), the erasure ledger and its secret become temporary views, in
  memory (so forgotten subjects' rows are born shredded on Spark too: no stored
  key, no index row, not in the derived data); the models add the job's new
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

import os
import shutil
import time
from pathlib import Path
from typing import Any

import duckdb

from duckshred.service.dbt_runner import (
    DBT_JOB_FLAGS,
    PLAN_ENV,
    BuildEvents,
    BuildOutcome,
    build_outcome,
    import_dbt,
)
from duckshred.service.plan import JobPlan
from duckshred.service.progress import Progress
from duckshred.service.project import DERIVED_INDEX, ROW_NR, project_dir
from duckshred.service.warehouse import JOBS_SCHEMA, current_table
from duckshred.service.workspace import WORKSPACE_ENV, Workspace
from duckshred.udf.keystore import KEYSTORE_ALIAS, WAREHOUSE_ALIAS, attach_keystore, sql_literal
from duckshred.udf.layout import process_spill_dir

SPARK_TABLES_ENV = "DUCKSHRED_SPARK_TABLES"  # read by macros/spark/spark__location_clause.sql
DBT_TARGET = "spark"
SCRATCH_SCHEMA = "duckshred_scratch"  # profiles.yml: the spark target's schema
PENDING_SCHEMA = "duckshred_keystore_pending"  # macros/portable/duckshred_keystore_table.sql
STORED_VIEW = "duckshred_keystore_{name}"

# The key store tables a job adds rows to (pending tables, committed after the build)
KEYSTORE_COLUMNS = {
    "encryption_keys": ("key_link string, group_id string, key_value_hash string, "
                        "key_day date, expiry timestamp, keyset string, created_by_job string"),
    "data_subject_keys": ("data_subject string, key_link string, expiry timestamp, "
                          "created_by_job string"),
}
# ... and those it only reads: the erasure ledger (hashes of forgotten subjects) and
# the secret those hashes are keyed with.
LEDGER_COLUMNS = {
    "erasure_ledger": "subject_hash string, erased_at timestamp",
    "ledger_secret": "secret string",
}


def spark_tables_dir(staging: Path) -> Path:
    return staging / "spark"


def _stored_keys(workspace: Workspace, group_id: str) -> dict[str, Any]:
    """The group's stored keys and their index rows, the erasure ledger and its secret,
    as Arrow tables (none leave memory)."""
    conn = duckdb.connect()
    try:
        attach_keystore(conn, workspace.keystore_path)  # makes the ledger secret if new
        keys = conn.sql(
            f"SELECT * FROM {KEYSTORE_ALIAS}.main.encryption_keys WHERE group_id = ?",
            params=[group_id]).to_arrow_table()
        index = conn.sql(
            f"SELECT d.* FROM {KEYSTORE_ALIAS}.main.data_subject_keys AS d "
            f"SEMI JOIN (SELECT key_link FROM {KEYSTORE_ALIAS}.main.encryption_keys "
            f"           WHERE group_id = ?) AS k USING (key_link)",
            params=[group_id]).to_arrow_table()
        ledger = {name: conn.sql(f"SELECT * FROM {KEYSTORE_ALIAS}.main.{name}").to_arrow_table()
                  for name in LEDGER_COLUMNS}
    finally:
        conn.close()
    return {"encryption_keys": keys, "data_subject_keys": index, **ledger}


def _prepare_session(spark: Any, workspace: Workspace, plan: JobPlan,
                     tables: Path) -> None:
    from duckshred.udf.spark import register_spark_functions

    register_spark_functions(spark, workspace.keystore_path)
    _forget_tables(spark)
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {PENDING_SCHEMA}")
    for name, arrow in _stored_keys(workspace, plan.group_id).items():
        columns = {**KEYSTORE_COLUMNS, **LEDGER_COLUMNS}[name]
        frame = (spark.createDataFrame(arrow.to_pylist(), schema=columns) if arrow.num_rows
                 else spark.createDataFrame([], schema=columns))
        frame.createOrReplaceTempView(STORED_VIEW.format(name=name))
        if name not in KEYSTORE_COLUMNS:
            continue
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
    for name in (*KEYSTORE_COLUMNS, *LEDGER_COLUMNS):
        spark.catalog.dropTempView(STORED_VIEW.format(name=name))
    # the staging macros' views (spark__duckshred_read_source_csv, ..._keep_source_rejects)
    spark.catalog.dropTempView("duckshred_source_csv")
    spark.catalog.dropTempView("stg_source_rejects")
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
        for kind, order in (("encrypted", ROW_NR), ("derived", f"{DERIVED_INDEX}, {ROW_NR}")):
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


def run_build(workspace: Workspace, plan: JobPlan, staging: Path,
              on_progress: Progress | None = None) -> BuildOutcome:
    """Build the job's models on Spark and, when they succeed, load their outputs into
    the warehouse and commit their keys. ``staging`` is the job's own folder."""
    from duckshred.udf.spark import spark_session

    dbtRunner, keep_caches = import_dbt()  # noqa: N806 - dbt's class

    say = on_progress or (lambda _message: None)
    started = time.perf_counter()
    # Spark's shuffle and spill files hold plaintext: they go in this process's own
    # spill folder, which the next command removes should this process be killed.
    spark = spark_session(local_dir=process_spill_dir(workspace.root) / "spark")
    say(f"Spark {spark.version} session ready in {time.perf_counter() - started:.2f} s")
    tables = spark_tables_dir(staging)
    shutil.rmtree(tables, ignore_errors=True)
    tables.mkdir(parents=True)
    project = project_dir()
    environment = {WORKSPACE_ENV: str(workspace.root), PLAN_ENV: plan.model_dump_json(),
                   SPARK_TABLES_ENV: str(tables)}
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    events = BuildEvents(say)  # the same steps and row counts as on DuckDB

    try:
        _prepare_session(spark, workspace, plan, tables)
        result = dbtRunner(callbacks=[events]).invoke([
            *DBT_JOB_FLAGS,
            "--log-path", str(workspace.dbt_log_dir),
            "build",
            # as service/dbt_runner.py: the structural (audit) tests are for `dbt build`
            "--exclude", "tag:audit",
            "--project-dir", str(project),
            "--profiles-dir", str(project),
            "--target", DBT_TARGET,
            "--target-path", str(workspace.dbt_target_dir.parent / "target-spark"),
        ])
        if result.success:
            load_results(workspace, tables)
        keep_caches()
    finally:
        _forget_tables(spark)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(tables, ignore_errors=True)
    return build_outcome(result, events.models_started, "dbt build failed on Spark")


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
    plan = JobPlan.model_validate(
        yaml.safe_load((project / "dbt_project.yml").read_text())["vars"]["duckshred_job"])
    plan.source_path = str((project / (plan.source_path or "")).resolve())
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
