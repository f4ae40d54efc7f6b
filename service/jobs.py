"""Batch job runs: record a validated job (its plan comes from ``service.plan``), run
it through dbt, publish its outputs all-or-nothing, and keep its states (PENDING,
STARTED, RUNNING, FINISHED or ERROR) in the catalog.

A failed job leaves no output file, no new key and no warehouse tables.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from duckshred.service import export, warehouse
from duckshred.service.catalog import Catalog
from duckshred.service.config import BatchJobConfig, Location, load_config, parse_config
from duckshred.service.connectors import Connector
from duckshred.service.dbt_runner import run_build
from duckshred.service.errors import (
    ConfigError,
    DuckshredError,
    JobFailedError,
    WorkspaceBusyError,
)
from duckshred.service.interrupts import ctrl_c_count, ctrl_c_since, raise_if_ctrl_c_since
from duckshred.service.locking import process_identity, workspace_lock
from duckshred.service.plan import JobPlan, build_plan
from duckshred.service.progress import ModelStep, Progress
from duckshred.service.recovery import roll_back, staging_dir
from duckshred.service.workspace import Workspace
from duckshred.udf.faults import crash_point


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- job records --------------------------------------------------------------------


def _add_state(catalog: Catalog, job: dict[str, Any], state: str, message: str = "") -> None:
    job["states"].append({"stateTime": _now(), "state": state, "message": message})
    catalog.save_job(job)


@dataclass
class SubmittedJob:
    job_id: str
    config: BatchJobConfig
    plan: JobPlan


ENGINES = ("duckdb", "spark")


def submit_batch_job(workspace: Workspace, config_path: str | Path,
                     engine: str = "duckdb") -> SubmittedJob:
    """Validate a batch job file and record the job as PENDING. Raises ``ConfigError``
    (and friends) before anything is recorded when the job cannot run.

    ``engine``: ``duckdb`` (embedded, the default) or ``spark`` (dbt-spark on local
    Spark or a cluster, see ``service/spark_runner.py``): same models, same files."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "spark":
        _check_spark_installed()
    catalog = Catalog(workspace)
    config = load_config(config_path)
    job_id = str(uuid.uuid4())
    plan = build_plan(catalog, config, job_id)
    job = {"id": job_id, "config": config.raw, "contractRef": config.contract_ref,
           "groupId": plan.group_id, "engine": engine, "outputs": [], "states": [],
           # The process that is to run it: this one, or the background runner it
           # hands the job to (take_over). Recovery ends a PENDING job whose runner died.
           "runner": process_identity()}
    _add_state(catalog, job, "PENDING")
    crash_point("submitted")
    return SubmittedJob(job_id, config, plan)


def record_error(workspace: Workspace, job_id: str, message: str) -> None:
    """Record the PENDING job ``job_id`` as ERROR: it will not run."""
    catalog = Catalog(workspace)
    _add_state(catalog, catalog.job(job_id), "ERROR", message)


def take_over(workspace: Workspace, job_id: str) -> None:
    """Record this process as the runner of the PENDING job ``job_id`` (a background
    runner, before the process that submitted the job leaves)."""
    catalog = Catalog(workspace)
    job = catalog.job(job_id)
    job["runner"] = process_identity()
    catalog.save_job(job)


def run_submitted_job(workspace: Workspace, job_id: str,
                      on_progress: Progress | None = None) -> dict[str, Any]:
    """Run a PENDING job to FINISHED or ERROR; raises ``JobFailedError`` on ERROR.

    The job's journal (see ``service/recovery.py``) records each step that changes
    something outside the run (keys committed, each output published) before or as
    it happens, so an error here, or a kill -9 anywhere, can be undone exactly."""
    ctrl_c_before = ctrl_c_count()
    catalog = Catalog(workspace)
    job = catalog.job(job_id)
    config = parse_config(job["config"])

    reporting = threading.Lock()  # dbt's worker threads report two models at a time

    def say(step: str | ModelStep) -> None:
        with reporting:
            # Kept in the job record too: `get batch-job` shows a detached job's step.
            job["currentStep"] = str(step)
            catalog.save_job(job)
            if on_progress is not None:
                on_progress(step)

    try:
        lock = workspace_lock(workspace, f"run batch job {job_id}", timeout_s=600)
        lock.__enter__()
    except WorkspaceBusyError as error:
        _add_state(catalog, job, "ERROR", str(error))
        raise JobFailedError(str(error), job_id) from None
    try:
        return _run_locked(workspace, catalog, job, config, say, ctrl_c_before)
    finally:
        lock.__exit__(None, None, None)


def _run_locked(workspace: Workspace, catalog: Catalog, job: dict[str, Any],
                config: BatchJobConfig, say: Progress, ctrl_c_before: int) -> dict[str, Any]:
    job_id = job["id"]
    staging = staging_dir(workspace, job_id)
    started = time.perf_counter()
    try:
        job["journal"] = {"process": process_identity(), "published": []}
        _add_state(catalog, job, "STARTED")
        crash_point("started")
        # Checked again: a detached job may start well after it was submitted.
        plan = build_plan(catalog, config, job_id)
        staging.mkdir(mode=0o700, parents=True, exist_ok=True)
        if plan.source_path is None:
            say(f"fetching {config.source.describe()}")
            source = catalog.connector(config.source.connector)
            plan.source_path = str(source.fetch(config.source.relative_path,
                                                staging / "source.csv"))
        _add_state(catalog, job, "RUNNING")
        phase = time.perf_counter()
        if job.get("engine", "duckdb") == "spark":
            from duckshred.service import spark_runner

            outcome = spark_runner.run_build(workspace, plan, staging, say)
        else:
            outcome = run_build(workspace, plan, say, spill_dir=staging / "spill")
        # A Ctrl-C that DuckDB turned into an error: dbt may have failed on it, or
        # caught it and gone on (see service/interrupts.py).
        raise_if_ctrl_c_since(ctrl_c_before)
        if not outcome.success:
            raise JobFailedError(_explain_build_error(outcome.error, plan), job_id)
        job["journal"]["keysCommitted"] = True
        catalog.save_job(job)
        crash_point("keys-committed")
        models_started = outcome.models_started or phase
        job["timings"] = {"dbtStartupSeconds": round(models_started - phase, 3),
                          "modelsSeconds": round(time.perf_counter() - models_started, 3)}
        say(f"dbt build done in {time.perf_counter() - phase:.2f} s "
            f"(start-up {models_started - phase:.2f} s); writing outputs")
        phase = time.perf_counter()
        def beside_target(location: Location) -> Path | None:
            # A local target's file is written beside it and renamed in: no copy.
            connector = catalog.connector(location.connector)
            try:
                return connector.part_path(location.relative_path, job_id)
            except OSError as error:
                raise _unwritable(location, connector, error, job_id) from None

        written = export.write_outputs(workspace, plan, config, staging / "out",
                                       spill_dir=staging / "spill", place=beside_target)
        crash_point("exported")
        warehouse.keep_current_run(workspace, job_id)
        _publish(catalog, job, written.files)
        say(f"{len(written.files)} outputs written in {time.perf_counter() - phase:.2f} s")
        # The job's processing: from its first model to its last published file
        # (dbt's own start-up, a fixed cost, is reported apart in "timings").
        elapsed = time.perf_counter() - models_started
        job["timings"].update({"outputsSeconds": round(time.perf_counter() - phase, 3),
                               "totalSeconds": round(time.perf_counter() - started, 3)})
        # Rows of forgotten subjects, encrypted under keys that were never stored.
        job["bornShreddedRecords"] = written.born_shredded
        records = written.records
        forgotten = (f" {job['bornShreddedRecords']} records of erased data subjects were "
                     "born shredded." if job["bornShreddedRecords"] else "")
        raise_if_ctrl_c_since(ctrl_c_before)
        # The commit point: from here on the job's outputs and keys are for good.
        _add_state(catalog, job, "FINISHED",
                   f"Processed {records} records in {elapsed:.3f} s. which is "
                   f"{records / max(elapsed, 1e-9):.0f} records/s.{forgotten}")
        crash_point("finished")
    except BaseException as error:
        _fail(workspace, catalog, job,
              KeyboardInterrupt() if ctrl_c_since(ctrl_c_before) else error)
        raise  # _fail raised already; this keeps type checkers informed
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # After the commit point nothing may roll the job back: a backup that cannot be
    # removed now is removed by the next command's recovery.
    with contextlib.suppress(Exception):
        for entry in job["journal"]["published"]:
            catalog.connector(entry["connector"]).finish(entry)
        job["journal"]["published"] = []
        catalog.save_job(job)
    return job


def _check_spark_installed() -> None:
    from importlib.util import find_spec

    if find_spec("pyspark") is None or find_spec("dbt.adapters.spark") is None:
        raise ConfigError("the spark engine needs PySpark and dbt-spark: "
                          "pip install 'duckshred[spark]'")


def _fail(workspace: Workspace, catalog: Catalog, job: dict[str, Any],
          error: BaseException) -> None:
    """Roll the job back, record ERROR and raise ``JobFailedError`` (Ctrl-C stays Ctrl-C)."""
    if isinstance(error, JobFailedError | ConfigError):
        message = str(error)
    elif isinstance(error, KeyboardInterrupt):
        message = "interrupted (Ctrl-C)"
    else:
        message = f"{type(error).__name__} while running the job"
    problems = roll_back(workspace, job)
    if problems:
        message += f" (could not undo: {', '.join(problems)})"
    _add_state(catalog, job, "ERROR", message)
    if isinstance(error, KeyboardInterrupt):
        raise error
    raise JobFailedError(message, job["id"]) from None


def _explain_build_error(error: str | None, plan: JobPlan) -> str:
    """A failed build's message; DuckDB's CSV "state machine" error, which names no line,
    replaced by the line where the file's line endings change."""
    if not error or "state machine" not in error:
        return error or "dbt build failed"
    line = _first_mixed_line_ending(Path(plan.source_path or ""))
    if line is None:
        return "Malformed CSV [the reader could not parse the file] in the source file"
    return (f"Malformed CSV [mixed line endings: line {line[0]} ends with {line[1]}, line 1 "
            f"with {line[2]}] in the source file; convert it to one kind of line ending")


def _first_mixed_line_ending(path: Path) -> tuple[int, str, str] | None:
    """(line number, its ending, line 1's ending) of the first line that ends unlike
    line 1 (line breaks inside quoted values count as lines here); None if none does.
    Read in chunks, only when a job already failed."""
    import re

    lines_before, previous, first = 0, b"", None
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            data = previous[-1:] + chunk
            offset = len(previous[-1:])
            if first is None:
                end = data.find(b"\n")
                if end < 0:
                    previous = data
                    continue
                first = "CRLF" if end > 0 and data[end - 1:end] == b"\r" else "LF"
            other = re.compile(rb"(?<!\r)\n" if first == "CRLF" else rb"\r\n")
            found = other.search(data, offset if offset else 0)
            if found:
                position = found.end() - 1
                line = lines_before + data.count(b"\n", offset, position) + 1
                return line, "LF" if first == "CRLF" else "CRLF", first
            lines_before += data.count(b"\n", offset)
            previous = data
    return None


def _publish(catalog: Catalog, job: dict[str, Any],
             files: list[tuple[Location, Path]]) -> None:
    """Swap every output into its target, each recorded in the journal first; the
    earlier files stay as backups until the job FINISHES (see service/recovery.py)."""
    entries: list[dict[str, Any]] = job["journal"]["published"]
    for location, local_file in files:
        connector = catalog.connector(location.connector)
        try:
            entry = connector.stage(local_file, location.relative_path, job["id"])
        except OSError as error:
            raise _unwritable(location, connector, error, job["id"]) from None
        crash_point("staged-one")  # (recovery finds what stage made by its name)
        entries.append({**entry, "connector": location.connector,
                        "target": location.describe()})
        catalog.save_job(job)  # journal first: a kill after the swap can be undone
        try:
            connector.swap_in(entry)
        except OSError as error:
            raise _unwritable(location, connector, error, job["id"]) from None
        job["outputs"].append(location.describe())
        # What the erasure receipt compares a file with to know it is still the
        # file written here, whose rows the warehouse tables describe.
        with contextlib.suppress(OSError, DuckshredError):
            job.setdefault("outputFingerprints", {})[location.describe()] = (
                connector.fingerprint(location.relative_path))
        crash_point("published-one")
    catalog.save_job(job)


def _unwritable(location: Location, connector: Connector, error: OSError,
                job_id: str) -> JobFailedError:
    return JobFailedError(f"cannot write target {location.describe()} "
                          f"({connector.describe()}): {error.strerror or error}", job_id)


def delete_batch_job(workspace: Workspace, job_id: str) -> None:
    """Forget a job and drop its warehouse tables (published files stay where they are)."""
    catalog = Catalog(workspace)
    catalog.job(job_id)
    with workspace_lock(workspace, f"delete batch job {job_id}"):
        warehouse.drop_tables(workspace, job_id)
        catalog.delete_job(job_id)
