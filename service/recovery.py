"""Recovery: undo what a dead batch job or shred left behind.

A job runs, and a shred rewrites the key store, while holding the workspace lock
(``service/locking.py``). Whoever takes the lock next calls ``recover_locked``
first, so a job recorded as STARTED or RUNNING then belongs to a dead process
(its pid and start time are checked too). Such a job is rolled back exactly as a
job that fails in-process is (``roll_back``), following its journal:

1. ``keysCommitted``: dbt's last model committed the job's keys and index rows;
2. ``published``: each output swapped into its target, the earlier file kept
   as a backup beside it;
3. the FINISHED state: the commit point. Only then are backups removed.

Anything short of FINISHED is undone: earlier files come back, files this job
made go, its keys are shredded (no output refers to them), its warehouse tables
dropped, its staging folder and DuckDB spill removed.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from duckshred.service.catalog import Catalog
from duckshred.service.locking import is_alive
from duckshred.service.workspace import Workspace

UNFINISHED = {"STARTED", "RUNNING"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SPILL_OWNER = re.compile(r"^pid-(\d+)-(\d+|x)$")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def staging_dir(workspace: Workspace, job_id: str) -> Path:
    """A job's private scratch folder: fetched source, DuckDB spill, outputs before publishing."""
    return workspace.root / "tmp" / job_id


def roll_back(workspace: Workspace, job: dict[str, Any]) -> list[str]:
    """Undo every effect of an unfinished job; return what could not be undone (never raises,
    so it is safe inside an error path)."""
    from duckshred.service.config import parse_config

    problems: list[str] = []

    def attempt(what: str, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as error:  # noqa: BLE001 - every step is tried; failures reported
            problems.append(f"{what}: {type(error).__name__}")

    catalog = Catalog(workspace)
    journal = job.get("journal") or {}
    for entry in reversed(journal.get("published", [])):
        attempt(f"restore {entry.get('target')}", partial(_undo_entry, catalog, entry))
    try:
        config = parse_config(job["config"])
        locations = [config.encrypted, config.keys, *(d.location for d in config.derived)]
    except Exception:  # noqa: BLE001 - a record we cannot read has no targets to tidy
        locations = []
    for location in locations:
        attempt(f"tidy {location.describe()}",
                partial(_remove_leftovers, catalog, location, job["id"]))
    attempt("drop warehouse tables", partial(forget_tables, workspace, job["id"]))
    attempt("remove keys", lambda: discard_keys(workspace, job["id"]))
    attempt("remove staging", lambda: _rmtree(staging_dir(workspace, job["id"])))
    job["outputs"] = []
    job.pop("outputFingerprints", None)
    job["journal"] = {**journal, "published": [], "rolledBack": True}
    return problems


def _undo_entry(catalog: Catalog, entry: dict[str, Any]) -> None:
    catalog.connector(entry["connector"]).undo(entry)


def _remove_leftovers(catalog: Catalog, location: Any, tag: str) -> None:
    """``.part`` and ``.bak`` files of this job beside a target, local or S3 (a kill
    between staging a file and recording it in the journal leaves them)."""
    catalog.connector(location.connector).remove_leftovers(location.relative_path, tag)


def forget_tables(workspace: Workspace, job_id: str) -> None:
    """Drop an unfinished job's warehouse tables and rewrite the warehouse file: DuckDB
    keeps a dropped table's bytes (derived plaintext) in the file until it is rewritten."""
    import duckdb

    from duckshred.service import warehouse

    path = workspace.warehouse_path
    if not path.exists():
        return
    names = {f"{kind}__{job_id}" for kind in warehouse.KINDS} | set(warehouse.KINDS)
    with duckdb.connect(str(path), read_only=True) as conn:
        found = conn.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? "
                             "AND list_contains(?, table_name)",
                             [warehouse.JOBS_SCHEMA, sorted(names)]).fetchone()
    if not found or not found[0]:
        return
    warehouse.drop_tables(workspace, job_id)
    warehouse.rewrite_warehouse(workspace)


def discard_keys(workspace: Workspace, job_id: str) -> None:
    """Shred the keys and index rows an unfinished job committed (rewriting the store,
    so no deleted bytes remain); nothing to do when it committed none."""
    import duckdb

    from duckshred.udf.keystore import rewrite_keystore

    store = workspace.keystore_path
    if not store.exists():
        return
    with duckdb.connect(str(store), read_only=True) as conn:
        tables = {row[0] for row in conn.execute("SELECT table_name FROM duckdb_tables()")
                  .fetchall()}
        count = 0
        for table in ("encryption_keys", "data_subject_keys"):
            if table in tables:
                found = conn.execute(f"SELECT count(*) FROM {table} "  # noqa: S608 - fixed names
                                     "WHERE created_by_job = ?", [job_id]).fetchone()
                count += found[0] if found else 0
    if count:
        rewrite_keystore(store, drop_key_links=[], drop_job=job_id)


def _rmtree(path: Path) -> None:
    """Remove a folder, or a stray file where a folder was expected."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _dead_spill_folders(spill_root: Path) -> list[Path]:
    """Spill folders of processes that are gone (each process spills into its own)."""
    if not spill_root.is_dir():
        return []
    dead = []
    for folder in spill_root.iterdir():
        owner = _SPILL_OWNER.match(folder.name)
        if owner is None:
            dead.append(folder)  # not one of ours (an older layout): no process owns it
            continue
        pid, ticks = int(owner.group(1)), owner.group(2)
        if not is_alive({"pid": pid, "startTicks": None if ticks == "x" else int(ticks)}):
            dead.append(folder)
    return dead


def _abandoned(catalog: Catalog, job: dict[str, Any]) -> bool:
    """Is this PENDING job's runner dead? (A record from before runners were recorded
    has none: it is left as it is.) Read again once the runner is found dead: the
    process that submitted a detached job leaves only after its background runner
    recorded itself, so the record read now names that runner."""
    if not isinstance(job.get("runner"), dict) or is_alive(job["runner"]):
        return False
    job.update(catalog.job(job["id"]))
    return (job["states"][-1]["state"] == "PENDING" and isinstance(job.get("runner"), dict)
            and not is_alive(job["runner"]))


def recover_locked(workspace: Workspace) -> list[str]:
    """Clean up after dead processes. The caller holds the workspace lock. Returns one
    line per thing recovered (empty when there was nothing to do)."""
    recovered: list[str] = []
    catalog = Catalog(workspace)
    if workspace.jobs_dir.is_dir():
        for job in catalog.jobs():
            state = job["states"][-1]["state"] if job.get("states") else ""
            process = (job.get("journal") or {}).get("process")
            if state in UNFINISHED and not is_alive(process):
                problems = roll_back(workspace, job)
                pid = (process or {}).get("pid", "?")
                message = (f"The job's process (pid {pid}) ended without finishing it (killed?); "
                           f"recovered: outputs, keys and temporary files of the job removed"
                           + (f"; could not: {', '.join(problems)}" if problems else ""))
                job["states"].append({"stateTime": _now(), "state": "ERROR",
                                      "message": message})
                catalog.save_job(job)
                recovered.append(f"batch job {job['id']}: marked ERROR and rolled back")
            elif state == "PENDING" and _abandoned(catalog, job):
                pid = job["runner"].get("pid", "?")
                job["states"].append({
                    "stateTime": _now(), "state": "ERROR",
                    "message": f"The process that was to run the job (pid {pid}) ended before "
                               "it started it (killed?); nothing of the job had been made"})
                catalog.save_job(job)
                recovered.append(f"batch job {job['id']}: never started, marked ERROR")
            elif state == "FINISHED" and (job.get("journal") or {}).get("published"):
                # Killed after the commit point, before the earlier files' backups went.
                for entry in job["journal"]["published"]:
                    with contextlib.suppress(Exception):
                        catalog.connector(entry["connector"]).finish(entry)
                job["journal"]["published"] = []
                catalog.save_job(job)
                recovered.append(f"batch job {job['id']}: removed backups of replaced files")
    tmp = workspace.root / "tmp"
    if tmp.is_dir():
        # Every job's staging is dead: whoever holds the lock has not started its job yet.
        for folder in tmp.iterdir():
            if _UUID.match(folder.name):
                _rmtree(folder)
                recovered.append(f"removed staging of job {folder.name}")
        for folder in _dead_spill_folders(workspace.spill_dir):
            _rmtree(folder)
            recovered.append(f"removed DuckDB spill {folder.name}")
    # A shred killed before swapping in the rewritten key store leaves the copy.
    for leftover in workspace.root.glob("*.duckdb.rewrite*"):
        leftover.unlink(missing_ok=True)
        recovered.append(f"removed {leftover.name}")
    return recovered
