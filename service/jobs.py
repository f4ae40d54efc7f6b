"""Batch job runs: record a validated job (its plan comes from ``service.plan``), run
it through dbt, publish its outputs atomically, and keep its states (PENDING, STARTED,
RUNNING, FINISHED or ERROR) in the catalog.

A failed job leaves no output file, no new key and no warehouse tables.
"""

from __future__ import annotations

import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from duckshred.service import export, warehouse
from duckshred.service.catalog import Catalog
from duckshred.service.config import BatchJobConfig, load_config, parse_config
from duckshred.service.dbt_runner import run_build
from duckshred.service.errors import ConfigError, JobFailedError
from duckshred.service.locking import workspace_lock
from duckshred.service.plan import JobPlan, build_plan
from duckshred.service.progress import ModelStep, Progress
from duckshred.service.subjects.erasure import born_shredded_records
from duckshred.service.workspace import Workspace


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


def submit_batch_job(workspace: Workspace, config_path: str | Path) -> SubmittedJob:
    """Validate a batch job file and record the job as PENDING. Raises ``ConfigError``
    (and friends) before anything is recorded when the job cannot run."""
    catalog = Catalog(workspace)
    config = load_config(config_path)
    job_id = str(uuid.uuid4())
    plan = build_plan(catalog, config, job_id)
    job = {"id": job_id, "config": config.raw, "contractRef": config.contract_ref,
           "groupId": plan.group_id, "outputs": [], "states": []}
    _add_state(catalog, job, "PENDING")
    return SubmittedJob(job_id, config, plan)


def run_submitted_job(workspace: Workspace, job_id: str,
                      on_progress: Progress | None = None) -> dict[str, Any]:
    """Run a PENDING job to FINISHED or ERROR; raises ``JobFailedError`` on ERROR."""
    catalog = Catalog(workspace)
    job = catalog.job(job_id)
    config = parse_config(job["config"])

    def say(step: str | ModelStep) -> None:
        # Kept in the job record too: `get batch-job` shows a detached job's step.
        job["currentStep"] = str(step)
        catalog.save_job(job)
        if on_progress is not None:
            on_progress(step)

    staging = workspace.root / "tmp" / job_id
    started = time.perf_counter()
    committed = False
    try:
        with workspace_lock(workspace, f"run batch job {job_id}", timeout_s=600):
            _add_state(catalog, job, "STARTED")
            # Checked again: a detached job may start well after it was submitted.
            plan = build_plan(catalog, config, job_id)
            staging.mkdir(parents=True, exist_ok=True)
            if plan.source_path is None:
                say(f"fetching {config.source.describe()}")
                source = catalog.connector(config.source.connector)
                plan.source_path = str(source.fetch(config.source.relative_path,
                                                       staging / "source.csv"))
            _add_state(catalog, job, "RUNNING")
            phase = time.perf_counter()
            outcome = run_build(workspace, plan, say)
            if not outcome.success:
                raise JobFailedError(outcome.error or "dbt build failed", job_id)
            committed = True
            models_started = outcome.models_started or phase
            job["timings"] = {"dbtStartupSeconds": round(models_started - phase, 3),
                              "modelsSeconds": round(time.perf_counter() - models_started, 3)}
            say(f"dbt build done in {time.perf_counter() - phase:.2f} s "
                f"(start-up {models_started - phase:.2f} s); writing outputs")
            phase = time.perf_counter()
            files, records = export.write_outputs(workspace, plan, config, staging / "out")
            for location, local_file in files:
                catalog.connector(location.connector).publish(local_file, location.relative_path)
                job["outputs"].append(location.describe())
            say(f"{len(files)} outputs written in {time.perf_counter() - phase:.2f} s")
            warehouse.keep_current_run(workspace, job_id)
            # The job's processing: from its first model to its last published file
            # (dbt's own start-up, a fixed cost, is reported apart in "timings").
            elapsed = time.perf_counter() - models_started
            job["timings"].update({"outputsSeconds": round(time.perf_counter() - phase, 3),
                                   "totalSeconds": round(time.perf_counter() - started, 3)})
            # Rows of forgotten subjects, encrypted under keys that were never stored.
            job["bornShreddedRecords"] = born_shredded_records(workspace, job_id)
            forgotten = (f" {job['bornShreddedRecords']} records of erased data subjects were "
                         "born shredded." if job["bornShreddedRecords"] else "")
            _add_state(catalog, job, "FINISHED",
                       f"Processed {records} records in {elapsed:.3f} s. which is "
                       f"{records / max(elapsed, 1e-9):.0f} records/s.{forgotten}")
            return job
    except Exception as error:
        message = str(error) if isinstance(error, JobFailedError | ConfigError) else (
            f"{type(error).__name__} while running the job")
        _undo(workspace, job, config, committed)
        _add_state(catalog, job, "ERROR", message)
        raise JobFailedError(message, job_id) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _undo(workspace: Workspace, job: dict[str, Any], config: BatchJobConfig,
          committed: bool) -> None:
    """Leave nothing of a failed job: its tables, its published files, its keys."""
    catalog = Catalog(workspace)
    warehouse.drop_tables(workspace, job["id"])
    locations = [config.encrypted, config.keys, *(d.location for d in config.derived)]
    for location in locations:
        if location.describe() in job["outputs"]:
            catalog.connector(location.connector).remove(location.relative_path)
    job["outputs"] = []
    if committed:
        export.discard_job_keys(workspace, job["id"])


def delete_batch_job(workspace: Workspace, job_id: str) -> None:
    """Forget a job and drop its warehouse tables (published files stay where they are)."""
    catalog = Catalog(workspace)
    catalog.job(job_id)
    with workspace_lock(workspace, f"delete batch job {job_id}"):
        warehouse.drop_tables(workspace, job_id)
        catalog.delete_job(job_id)
