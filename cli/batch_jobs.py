"""`create|list|get|delete batch-job(s)`: run STRM batch job files and follow them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from duckshred.cli.common import workspace
from duckshred.cli.output import Format, OutputOption, Result, note, render

_SUMMARY_HEADERS = ["ID", "STATE", "CREATED", "CONTRACT", "STEP", "MESSAGE"]


def _summary_row(job: dict[str, Any]) -> list[Any]:
    from duckshred.service.documents import job_summary

    summary = job_summary(job)
    return [summary["id"], summary["state"], summary["created"], summary["contract"],
            summary["step"], summary["message"]]


def create(
    ctx: typer.Context,
    file: Annotated[Path, typer.Option("--file", "-F", help="STRM batch job file (JSON).")],
    detach: Annotated[bool, typer.Option(help="Return the job id at once; run in the "
                                              "background.")] = False,
    engine: Annotated[str, typer.Option(
        help="duckdb (embedded) or spark (dbt-spark: local[*], or the cluster named by "
             "DUCKSHRED_SPARK_MASTER / DUCKSHRED_SPARK_REMOTE). Same models, same files.",
    )] = "duckdb",
    output: OutputOption = Format.plain,
) -> None:
    """Run a batch job: encrypt, export keys, write derived data. Prints the job id
    (exit 1 when the job ends in ERROR; its id is on stderr then)."""
    from duckshred.service.catalog import Catalog
    from duckshred.service.jobs import run_submitted_job, submit_batch_job

    ws = workspace(ctx, create=True)
    submitted = submit_batch_job(ws, file, engine=engine)
    if detach:
        from duckshred.service.detach import start_detached

        start_detached(ws, submitted.job_id)
    else:
        from duckshred.cli.progress import JobProgress

        note(f"batch job {submitted.job_id} started")
        with JobProgress() as show:
            job = run_submitted_job(ws, submitted.job_id, show)
        note(f"  {job['states'][-1]['message']}")
    job = Catalog(ws).job(submitted.job_id)
    render(Result({"batchJob": job}, _SUMMARY_HEADERS, [_summary_row(job)],
                  plain=[submitted.job_id]), output)


def validate(
    ctx: typer.Context,
    file: Annotated[Path, typer.Option("--file", "-F", help="STRM batch job file (JSON).")],
    output: OutputOption = Format.plain,
) -> None:
    """Check a batch job file as `create batch-job` would, and do no work: exit 0 when
    it would run, 2 with the first problem otherwise."""
    from duckshred.service.catalog import Catalog
    from duckshred.service.plan import validate_batch_job

    report = validate_batch_job(Catalog(workspace(ctx)), file)
    render(Result(report, ["CONTRACT", "SOURCE", "OUTPUTS"],
                  [[report["contractRef"], report["source"], ", ".join(report["outputs"])]],
                  plain=[f"{file}: valid"]), output)


def list_all(ctx: typer.Context, output: OutputOption = Format.table) -> None:
    """List batch jobs with their latest state."""
    from duckshred.service.catalog import Catalog

    jobs = Catalog(workspace(ctx)).jobs()
    render(Result({"batchJobs": jobs}, _SUMMARY_HEADERS, [_summary_row(j) for j in jobs]),
           output)


def get(ctx: typer.Context, job_id: str, output: OutputOption = Format.table) -> None:
    """Show a batch job, its states and (while it runs) its current step."""
    from duckshred.service.catalog import Catalog

    job = Catalog(workspace(ctx)).job(job_id)
    rows = [[s["stateTime"], s["state"], s["message"]] for s in job["states"]]
    if job.get("currentStep") and job["states"][-1]["state"] in {"STARTED", "RUNNING"}:
        rows.append(["", "(now)", job["currentStep"]])
    render(Result({"batchJob": job}, ["STATE TIME", "STATE", "MESSAGE"], rows,
                  plain=[" ".join("" if v is None else str(v) for v in _summary_row(job))]),
           output)


def delete(ctx: typer.Context, job_ids: list[str], output: OutputOption = Format.plain) -> None:
    """Delete batch jobs and their warehouse tables (published files stay)."""
    from duckshred.service.jobs import delete_batch_job

    ws = workspace(ctx)
    for job_id in job_ids:
        delete_batch_job(ws, job_id)
    render(Result({"deletedBatchJobs": job_ids}, ["DELETED BATCH JOB"],
                  [[i] for i in job_ids]), output)
