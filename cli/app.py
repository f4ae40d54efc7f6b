"""The ``duckshred`` command line: verbs first, as the reference ``strm`` CLI had them.

Exit codes: 0 success, 1 a batch job that ended in ERROR, 2 usage or other errors.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from typer.core import TyperGroup

from duckshred.cli.output import Format, print_csv, print_json, print_table
from duckshred.service.errors import DuckshredError, JobFailedError


class _DomainErrorsToExitCodes(TyperGroup):
    """The one place where domain errors become messages on stderr and exit codes."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (Typer vendors click)
        try:
            return super().invoke(ctx)
        except JobFailedError as error:
            typer.echo(f"batch job {error.job_id} ended in ERROR: {error}", err=True)
            raise typer.Exit(1) from None
        except DuckshredError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # usage errors and exits keep Typer's own handling
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            typer.echo("error: the workspace's database files are in use by another duckshred "
                       "process (a batch job?); try again when it has finished", err=True)
            raise typer.Exit(2) from None
        except Exception as error:
            if os.environ.get("DUCKSHRED_DEBUG"):
                raise
            # Only the type: an unexpected message might quote data.
            typer.echo(f"error: unexpected {type(error).__name__}; set DUCKSHRED_DEBUG=1 "
                       "for the traceback", err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_DomainErrorsToExitCodes,
    help="Privacy-safe batch processing with crypto-shredding (STRM batch jobs, on DuckDB).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold plaintext or keys
    add_completion=False,
)
create_app = typer.Typer(help="Create connectors, contracts and batch jobs.", no_args_is_help=True)
list_app = typer.Typer(help="List connectors, contracts, jobs, data subjects.",
                       no_args_is_help=True)
get_app = typer.Typer(help="Show one contract, batch job or data subject (access request).",
                      no_args_is_help=True)
delete_app = typer.Typer(help="Delete batch jobs or data subjects (crypto-shredding).",
                         no_args_is_help=True)
app.add_typer(create_app, name="create")
app.add_typer(list_app, name="list")
app.add_typer(get_app, name="get")
app.add_typer(delete_app, name="delete")

OutputOption = Annotated[Format, typer.Option("--output", "-o", help="table, json or plain.")]


def _workspace(ctx: typer.Context):  # noqa: ANN202
    from duckshred.service.workspace import Workspace

    return Workspace.resolve(ctx.obj)


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", envvar="DUCKSHRED_HOME",
        help="Workspace folder (catalog, warehouse, key store). Default ./.duckshred.")] = None,
) -> None:
    ctx.obj = workspace


# -- connectors and contracts ---------------------------------------------------------

@create_app.command("data-connector")
def create_data_connector(
    ctx: typer.Context,
    name: str,
    path: Annotated[Path | None, typer.Option(help="A local folder.")] = None,
    s3_bucket: Annotated[str | None, typer.Option(help="An S3 bucket.")] = None,
    endpoint_url: Annotated[str | None, typer.Option(help="S3-compatible endpoint.")] = None,
    region: Annotated[str | None, typer.Option(help="S3 region.")] = None,
) -> None:
    """Create a named location that batch jobs read from and write to."""
    from duckshred.service.catalog import Catalog
    from duckshred.service.connectors import local_connector, s3_connector

    if (path is None) == (s3_bucket is None):
        raise typer.BadParameter("give exactly one of --path or --s3-bucket")
    connector = (local_connector(name, path) if path is not None
                 else s3_connector(name, s3_bucket or "", endpoint_url, region))
    Catalog(_workspace(ctx)).save_connector(connector)
    typer.echo(f"data connector {name}: {connector.describe()}")


@list_app.command("data-connectors")
def list_data_connectors(ctx: typer.Context, output: OutputOption = Format.table) -> None:
    """List data connectors."""
    from duckshred.service.catalog import Catalog

    connectors = Catalog(_workspace(ctx)).connectors()
    if output == Format.json:
        print_json({"dataConnectors": [c.to_dict() for c in connectors]})
    else:
        print_table(["NAME", "KIND", "LOCATION"],
                    [[c.name, c.kind, c.describe()] for c in connectors])


@create_app.command("data-contract")
def create_data_contract(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="HANDLE/NAME/VERSION")],
    file: Annotated[Path, typer.Option("--file", "-F", help="Contract (JSON or YAML).")],
    schema: Annotated[Path | None, typer.Option("--schema", "-S",
                                                help="Simple schema JSON (STRM).")] = None,
) -> None:
    """Register a data contract (STRM event contract + schema, STRM data contract, or YAML)."""
    from duckshred.service.catalog import Catalog
    from duckshred.service.contracts import normalise_contract, read_document

    contract = normalise_contract(ref, read_document(file),
                                  read_document(schema) if schema else None)
    Catalog(_workspace(ctx)).save_contract(contract)
    pii = ", ".join(f"{c['name']} ({c['purpose_level']})" for c in contract["columns"]
                    if c.get("pii")) or "none"
    typer.echo(f"data contract {ref}: {len(contract['columns'])} columns, PII: {pii}")


@list_app.command("data-contracts")
def list_data_contracts(ctx: typer.Context, output: OutputOption = Format.table) -> None:
    """List data contracts."""
    from duckshred.service.catalog import Catalog

    contracts = Catalog(_workspace(ctx)).contracts()
    if output == Format.json:
        print_json({"dataContracts": contracts})
    else:
        print_table(["REF", "KEY FIELD", "DATA SUBJECT FIELD", "PII FIELDS"], [
            [c["ref"], c["key_field"], c.get("data_subject_field") or "",
             ",".join(col["name"] for col in c["columns"] if col.get("pii"))]
            for c in contracts])


@get_app.command("data-contract")
def get_data_contract(ctx: typer.Context, ref: str) -> None:
    """Show a data contract (JSON)."""
    from duckshred.service.catalog import Catalog

    print_json(Catalog(_workspace(ctx)).contract(ref))


# -- batch jobs -------------------------------------------------------------------------

def _progress(message: str) -> None:
    typer.echo(f"  {message}", err=True)


@create_app.command("batch-job")
def create_batch_job(
    ctx: typer.Context,
    file: Annotated[Path, typer.Option("--file", "-F", help="STRM batch job file (JSON).")],
    detach: Annotated[bool, typer.Option(help="Return the job id at once; run in the "
                                              "background.")] = False,
) -> None:
    """Run a batch job: encrypt, export keys, write derived data. Prints the job id."""
    from duckshred.service.jobs import run_submitted_job, submit_batch_job

    workspace = _workspace(ctx)
    submitted = submit_batch_job(workspace, file)
    if detach:
        log = workspace.root / "jobs" / f"{submitted.job_id}.log"
        with open(log, "ab") as stream:
            subprocess.Popen(  # noqa: S603 - our own entry point, no shell
                [sys.executable, "-m", "duckshred.cli", "--workspace", str(workspace.root),
                 "run-batch-job", submitted.job_id],
                stdout=stream, stderr=stream, stdin=subprocess.DEVNULL,
                start_new_session=True, env=os.environ.copy())
        typer.echo(submitted.job_id)
        return
    typer.echo(f"batch job {submitted.job_id} started", err=True)
    job = run_submitted_job(workspace, submitted.job_id, _progress)
    typer.echo(f"  {job['states'][-1]['message']}", err=True)
    typer.echo(submitted.job_id)


@app.command("run-batch-job", hidden=True)
def run_batch_job_in_background(ctx: typer.Context, job_id: str) -> None:
    """Run a recorded PENDING job (used by --detach)."""
    from duckshred.service.jobs import run_submitted_job

    run_submitted_job(_workspace(ctx), job_id, _progress)


def _job_row(job: dict[str, Any]) -> list[Any]:
    last = job["states"][-1]
    return [job["id"], last["state"], job["states"][0]["stateTime"], job["contractRef"],
            last["message"]]


@list_app.command("batch-jobs")
def list_batch_jobs(ctx: typer.Context, output: OutputOption = Format.table) -> None:
    """List batch jobs with their latest state."""
    from duckshred.service.catalog import Catalog

    jobs = Catalog(_workspace(ctx)).jobs()
    if output == Format.json:
        print_json({"batchJobs": jobs})
    elif output == Format.plain:
        for job in jobs:
            typer.echo(" ".join(str(v) for v in _job_row(job)))
    else:
        print_table(["ID", "STATE", "CREATED", "CONTRACT", "MESSAGE"],
                    [_job_row(job) for job in jobs])


@get_app.command("batch-job")
def get_batch_job(ctx: typer.Context, job_id: str, output: OutputOption = Format.table) -> None:
    """Show a batch job and its states."""
    from duckshred.service.catalog import Catalog

    job = Catalog(_workspace(ctx)).job(job_id)
    if output == Format.json:
        print_json({"batchJob": job})
    elif output == Format.plain:
        typer.echo(" ".join(str(v) for v in _job_row(job)))
    else:
        print_table(["STATE TIME", "STATE", "MESSAGE"],
                    [[s["stateTime"], s["state"], s["message"]] for s in job["states"]])


@delete_app.command("batch-job")
def delete_batch_job(ctx: typer.Context, job_ids: list[str]) -> None:
    """Delete batch jobs and their warehouse tables (published files stay)."""
    from duckshred.service.jobs import delete_batch_job as delete

    for job_id in job_ids:
        delete(_workspace(ctx), job_id)
        typer.echo(f"deleted batch job {job_id}")


# -- data subjects ------------------------------------------------------------------------

@list_app.command("data-subjects")
def list_data_subjects(
    ctx: typer.Context,
    page_size: Annotated[int, typer.Option(min=1, help="Ids per page.")] = 100,
    page_token: Annotated[str, typer.Option(help="Token printed by the previous page.")] = "",
    output: OutputOption = Format.plain,
) -> None:
    """List data subject ids in ascending order, one page at a time."""
    from duckshred.service.subjects import list_data_subjects as list_subjects

    ids, next_token = list_subjects(_workspace(ctx), page_size, page_token)
    if output == Format.json:
        print_json({"dataSubjects": [{"dataSubjectId": i} for i in ids],
                    "nextPageToken": next_token})
    elif output == Format.table:
        print_table(["DATASUBJECT"], [[i] for i in ids])
        if next_token:
            typer.echo(f"next page: --page-token {next_token}")
    else:
        typer.echo(next_token)
        for subject_id in ids:
            typer.echo(subject_id)


@list_app.command("data-subject-keylinks")
def list_data_subject_keylinks(
    ctx: typer.Context,
    subject_ids: list[str],
    output: OutputOption = Format.table,
    tz: Annotated[str | None, typer.Option(help="Zone for table output (default: local).")
                  ] = None,
) -> None:
    """List the keyLinks (and their expiry) of data subjects."""
    from zoneinfo import ZoneInfo

    from duckshred.service.subjects import list_keylinks

    entries = list_keylinks(_workspace(ctx), subject_ids)
    if output == Format.json:
        grouped: dict[str, list[dict[str, str]]] = {}
        for e in entries:
            grouped.setdefault(e.data_subject, []).append(
                {"keyLink": e.key_link, "expiryTime": e.expiry.strftime("%Y-%m-%dT%H:%M:%SZ")})
        print_json({"dataSubjectKeylinks": [
            {"dataSubjectId": s, "keylinksAndTimestamps": links} for s, links in grouped.items()]})
        return
    zone = ZoneInfo(tz) if tz else None
    rows = [[e.data_subject, e.key_link,
             e.expiry.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S.%f%z")] for e in entries]
    if output == Format.plain:
        for row in rows:
            typer.echo(" ".join(row))
    else:
        print_table(["DATASUBJECT", "KEYLINK", "EXPIRY"], rows)


@delete_app.command("data-subjects")
def delete_data_subjects(
    ctx: typer.Context,
    subject_ids: list[str],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")
                   ] = False,
    output: OutputOption = Format.plain,
) -> None:
    """Forget data subjects: remove them from the index and shred their keys."""
    from duckshred.service.subjects import delete_data_subjects as delete

    if not yes:
        typer.confirm(f"Shred every key of {len(subject_ids)} data subject(s)? This cannot be "
                      "undone", abort=True, err=True)
    receipt = delete(_workspace(ctx), subject_ids)
    if output == Format.json:
        print_json(receipt)
    else:
        typer.echo(receipt["deletedKeylinksCount"])
        for dataset in receipt["derivedDatasetsWithDecryptedValues"]:
            typer.echo(f"warning: derived dataset {dataset['target'] or dataset['table']} "
                       f"(job {dataset['jobId']}) still holds decrypted values of these "
                       "subjects: rebuild or delete it", err=True)


@get_app.command("data-subject")
def get_data_subject(
    ctx: typer.Context,
    subject_id: str,
    output: Annotated[Format, typer.Option("--output", "-o", help="json or csv.")
                      ] = Format.json,
) -> None:
    """Access request: every row the warehouse holds for a data subject, decrypted."""
    from duckshred.service.subjects import access_request

    records = access_request(_workspace(ctx), subject_id)
    if output == Format.csv:
        columns: list[str] = []
        for record in records:
            columns += [c for c in record["values"] if c not in columns]
        print_csv(["dataset", "jobId", "row", "keyLink", *columns],
                  [[r["dataset"], r["jobId"], r["row"], r["keyLink"],
                    *(r["values"].get(c, "") for c in columns)] for r in records])
    else:
        print_json({"dataSubjectId": subject_id, "records": records})


# -- ad hoc SQL -------------------------------------------------------------------------

@app.command("sql")
def run_sql(
    ctx: typer.Context,
    query: str,
    output: Annotated[Format, typer.Option("--output", "-o", help="table, csv or json.")
                      ] = Format.table,
) -> None:
    """DuckDB with the crypto functions, the warehouse, the key store and
    decrypt(ciphertext, key_link)."""
    import duckdb

    import duckshred

    conn = duckshred.connect(_workspace(ctx).root)
    try:
        result = conn.sql(query)
        if result is None:
            return
        headers = result.columns
        rows = result.fetchall()
    except duckdb.Error as error:
        raise DuckshredError(f"SQL: {str(error).splitlines()[0]}") from None
    finally:
        conn.close()
    if output == Format.json:
        print_json([dict(zip(headers, row, strict=True)) for row in rows])
    elif output == Format.csv:
        print_csv(list(headers), [list(row) for row in rows])
    else:
        print_table(list(headers), [list(row) for row in rows])


def main() -> None:
    """Console entry point."""
    code = 0
    try:
        app()
    except SystemExit as exit_request:
        code = exit_request.code if isinstance(exit_request.code, int) else (
            0 if exit_request.code is None else 2)
    # Skip the interpreter's teardown: dbt leaves about a million objects whose
    # destruction takes ~0.7 s after the work is done. Every file we wrote is
    # closed (and the key store fsynced) by now; exit handlers still run, so
    # multiprocessing releases the semaphores dbt made.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
