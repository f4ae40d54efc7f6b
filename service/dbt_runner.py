"""Runs the bundled dbt project in-process for one batch job."""

from __future__ import annotations

import gc
import importlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from duckshred.service.dbt_schemas import use_schema_cache
from duckshred.service.errors import blank_quoted
from duckshred.service.generated_code import use_code_cache
from duckshred.service.plan import JobPlan
from duckshred.service.progress import ModelStep, Progress
from duckshred.service.project import project_dir
from duckshred.service.workspace import WORKSPACE_ENV, Workspace
from duckshred.udf.faults import crash_point
from duckshred.udf.layout import SPILL_ENV, user_cache_dir

JOB_ERROR_MARKER = "DUCKSHRED_JOB_ERROR "
ROWS_MARKER = "DUCKSHRED_ROWS "  # logged by macros/utils/duckshred_report_rows.sql
PLAN_ENV = "DUCKSHRED_JOB_PLAN"  # the job's plan as JSON (macros/job/duckshred_job.sql)
PARSE_FILE = "partial_parse.msgpack"
_NO_FULL_COLLECTIONS = 1_000_000  # young collections between two full ones


@dataclass
class BuildOutcome:
    success: bool
    error: str | None = None  # safe to show: no plaintext, no key material
    # time.perf_counter() when the first model started: dbt's start-up ends here
    models_started: float | None = None


def _close_dbt_database() -> None:
    """dbt-duckdb keeps its DuckDB instance open in-process after a run: close it, so
    the files can be reopened (read-only, or rewritten) and the in-memory scratch
    database with the run's plaintext is freed."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def _safe_message(message: str) -> str:
    """Our own job errors verbatim; anything else with quoted text blanked, since
    an engine message may quote a value of the data."""
    if JOB_ERROR_MARKER in message:
        return message.split(JOB_ERROR_MARKER, 1)[1].splitlines()[0].strip()
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return blank_quoted(" ".join(lines[:3]))


# How every dbt invocation of a job starts (build, the server's parse, Spark's build).
# Nothing on the console: stdout carries the command's result alone, and a job's error
# reaches the user through the job record; dbt's full log stays in the workspace.
# No manifest.json, semantic_manifest.json or run_results.json: nothing reads them
# after a job, and serialising them cost ~0.1 s before the first model and ~0.2 s
# after the last. The parse cache (partial_parse.msgpack) is written all the same;
# `dbt build` by hand writes them as usual.
DBT_JOB_FLAGS = ("--log-level", "none", "--log-level-file", "debug", "--no-use-colors",
                 "--no-send-anonymous-usage-stats", "--no-write-json")


def dbt_cache_dir() -> Path:
    """Where what dbt made for this project is kept between workspaces and processes:
    its parsed project (partial_parse.msgpack) and its JSON schemas."""
    from dbt.version import __version__ as dbt_version

    from duckshred import __version__

    return user_cache_dir() / f"dbt-{dbt_version}-duckshred-{__version__}"


def _reuse_parsed_project(target: Path) -> None:
    # A new workspace starts from the last parse of this same project (the profile
    # is identical everywhere): dbt then checks it, and skips a ~1 s full parse.
    cached = dbt_cache_dir() / PARSE_FILE
    if not (target / PARSE_FILE).exists() and cached.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target / PARSE_FILE)


def _keep_parsed_project(target: Path) -> None:
    parsed = target / PARSE_FILE
    if parsed.exists():
        cache = dbt_cache_dir()
        try:
            cache.mkdir(parents=True, exist_ok=True)
            aside = cache / f".{PARSE_FILE}.{os.getpid()}"
            shutil.copyfile(parsed, aside)
            os.replace(aside, cache / PARSE_FILE)
        except OSError:
            pass  # only a cache: a read-only home costs a parse, nothing more


# The project as dbt parsed it, when this process was prepared to run many jobs (the
# warm server, service/server.py): each job then starts dbt from it, with no parse to load.
_preloaded: dict[str, Any] = {}


def import_dbt() -> tuple[Any, Callable[[], None]]:
    """dbt's runner class, imported behind duckshred's start-up caches, and the function
    that saves what they gained (call it once dbt has run). The compiled-code cache goes
    in first: dbt's classes compile their methods as they are defined."""
    codes = use_code_cache(user_cache_dir())
    # Importing dbt makes ~130k objects and almost no garbage (~2k objects): young
    # collections over it cost ~0.08 s for nothing. (Not for dbt's start-up after
    # the import: pausing them there kept ~40 MB of garbage.) Pausing alone only
    # postpones that cost: the first young collection after the pause walked all of
    # them (0.085-0.09 s, measured), so what the import made, which lives as long as
    # the process (modules, classes, functions), is set aside before collections resume.
    paused = gc.isenabled()
    gc.disable()
    try:
        from dbt.cli.main import dbtRunner
        gc.freeze()
    finally:
        if paused:
            gc.enable()
    schemas = use_schema_cache(dbt_cache_dir())

    def keep_caches() -> None:
        for cache in (schemas, codes):
            if cache is not None:
                cache.keep()

    return dbtRunner, keep_caches


def preload_project() -> None:
    """Import dbt and parse the project once, for a process that forks jobs. The
    manifest does not depend on the workspace: the profile is the same for every
    workspace, and each job's plan is read when its models run."""
    dbtRunner, keep_caches = import_dbt()  # noqa: N806 - dbt's class
    project = project_dir()
    with tempfile.TemporaryDirectory(prefix="duckshred-parse-") as scratch:
        target = Path(scratch) / "target"
        _reuse_parsed_project(target)
        result = dbtRunner().invoke([
            *DBT_JOB_FLAGS, "--log-path", scratch, "parse",
            "--project-dir", str(project), "--profiles-dir", str(project),
            "--target-path", str(target)])
    if not result.success or result.result is None:
        raise RuntimeError(f"dbt could not parse duckshred's project: {result.exception}")
    _preloaded["manifest"] = result.result
    keep_caches()
    # What a build imports on its first run (measured: ~0.3 s), imported here once.
    for module in ("dbt.task.build", "dbt.adapters.duckdb.environments.local",
                   "dbt_common.clients.agate_helper", "daff", "sqlparse",
                   "multiprocessing.pool", "duckshred.udf.dbt_plugin",
                   "duckshred.udf.registration"):
        importlib.import_module(module)


def run_build(workspace: Workspace, plan: JobPlan,
              on_progress: Progress | None = None,
              spill_dir: Path | None = None) -> BuildOutcome:
    # dbt's import and parse leave ~1M long-lived objects, and each full garbage
    # collection walks them all (~0.13 s, several times a job). None runs while dbt
    # does (young collections go on, except while dbt is imported); afterwards what
    # dbt left is set aside, so the rest of the job does not walk it either. A later
    # run in the same process collects it first.
    if gc.get_freeze_count() and not _preloaded:
        gc.unfreeze()
        gc.collect()
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], _NO_FULL_COLLECTIONS)
    try:
        return _run_build(workspace, plan, on_progress, spill_dir)
    finally:
        gc.set_threshold(*thresholds)
        gc.freeze()


def _run_build(workspace: Workspace, plan: JobPlan,
               on_progress: Progress | None, spill_dir: Path | None) -> BuildOutcome:
    dbtRunner, keep_caches = import_dbt()  # noqa: N806 - dbt's class
    project = project_dir()
    os.environ[WORKSPACE_ENV] = str(workspace.root)  # read by profiles.yml
    os.environ[PLAN_ENV] = plan.model_dump_json()  # read by the duckshred_job() macro
    if spill_dir is not None:
        os.environ[SPILL_ENV] = str(spill_dir)  # the job's own, removed with its staging

    events = BuildEvents(on_progress)

    _reuse_parsed_project(workspace.dbt_target_dir)
    runner = dbtRunner(manifest=_preloaded.get("manifest"), callbacks=[events])
    try:
        result = runner.invoke([
            *DBT_JOB_FLAGS,
            "--log-path", str(workspace.dbt_log_dir),
            "build",
            # Structural checks of the models (keys unique, every row's keyLink a key of
            # the job, ...) are for `dbt build`/`dbt test` and the test suite; a job runs
            # the checks that decide whether it may go on (the violations model's test).
            "--exclude", "tag:audit",
            "--project-dir", str(project),
            "--profiles-dir", str(project),
            "--target-path", str(workspace.dbt_target_dir),
        ])
    finally:
        _close_dbt_database()
        os.environ.pop(PLAN_ENV, None)
        os.environ.pop(SPILL_ENV, None)
    _keep_parsed_project(workspace.dbt_target_dir)
    keep_caches()
    return build_outcome(result, events.models_started, "dbt build failed")


class BuildEvents:
    """dbt's events during a build as a job reports them, for either engine's runner:
    when the first model started, each model's step with its row count (logged by the
    models' duckshred_report_rows hook), and the tests' crash points after each model."""

    def __init__(self, on_progress: Progress | None) -> None:
        self.on_progress = on_progress
        self.models_started: list[float] = []
        self.rows: dict[str, int] = {}

    def __call__(self, event: Any) -> None:
        name = event.info.name
        if name == "NodeStart" and not self.models_started:
            self.models_started.append(time.perf_counter())
        data = event.data
        if name == "LogModelResult":
            crash_point(f"model:{data.node_info.node_name}")
        if self.on_progress is None:
            return
        if name in {"JinjaLogInfo", "JinjaLogDebug"} and data.msg.startswith(ROWS_MARKER):
            _marker, model, count = data.msg.split(" ")
            self.rows[model] = int(count)
        elif name == "LogStartLine":
            self.on_progress(ModelStep(data.index, data.total, data.node_info.node_name))
        elif name == "LogModelResult":
            model = data.node_info.node_name
            self.on_progress(ModelStep(data.index, data.total, model, str(data.status),
                                       float(data.execution_time), self.rows.get(model)))


def build_outcome(result: Any, models_started: list[float], otherwise: str) -> BuildOutcome:
    """What a dbt build's result means for the job (either engine's runner): success
    and when the first model started, or the first error, in words without data."""
    if result.success:
        return BuildOutcome(True, models_started=models_started[0] if models_started else None)
    if isinstance(result.exception, KeyboardInterrupt):
        # dbt returns a Ctrl-C during the models as its result: it stays a Ctrl-C (the
        # job rolls back, is recorded as interrupted, and the command exits 130)
        raise result.exception
    if result.exception is not None:
        return BuildOutcome(False, _safe_message(str(result.exception)))
    for node_result in getattr(result.result, "results", []) or []:
        if str(node_result.status) in {"error", "fail"}:
            message = node_result.message or ""
            if JOB_ERROR_MARKER not in message:
                message = f"{node_result.node.name}: {_safe_message(message)}"
            return BuildOutcome(False, _safe_message(message))
    return BuildOutcome(False, otherwise)
