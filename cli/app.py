"""The ``duckshred`` command line: verbs first, as the reference ``strm`` CLI had them.

This module only assembles the commands of the noun modules (connectors,
contracts, batch_jobs, data_subjects, sql) and holds the one boundary where
domain errors become messages on stderr and exit codes: 0 success, 1 a batch
job that ended in ERROR, 2 usage or other errors, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from duckshred.cli import (
    batch_jobs,
    connectors,
    contracts,
    data_subjects,
    recovery,
    server,
    sql,
)
from duckshred.service.errors import DuckshredError, JobFailedError, database_problem
from duckshred.service.interrupts import count_ctrl_c, ctrl_c_count, ctrl_c_since

EXIT_JOB_FAILED = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _is_lock_error(error: Exception) -> bool:
    # DuckDB's IOException, without importing DuckDB for commands that never open it
    kind = type(error)
    return (kind.__name__ == "IOException" and kind.__module__.lstrip("_").startswith("duckdb")
            and "lock" in str(error).lower())


def _is_duckdb_error(error: Exception) -> bool:
    return type(error).__module__.lstrip("_").startswith("duckdb")


class _DomainErrorsToExitCodes(TyperGroup):
    """The one place where domain errors become messages on stderr and exit codes."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (Typer vendors click)
        ctrl_c_before = ctrl_c_count()
        try:
            return super().invoke(ctx)
        except JobFailedError as error:
            typer.echo(f"batch job {error.job_id} ended in ERROR: {error}", err=True)
            typer.echo(f"(details: duckshred get batch-job {error.job_id})", err=True)
            raise typer.Exit(EXIT_JOB_FAILED) from None
        except DuckshredError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(EXIT_ERROR) from None
        except typer.Abort:
            # A declined confirmation (or Ctrl-C at a prompt): nothing was changed.
            typer.echo("aborted: nothing was changed", err=True)
            raise typer.Exit(EXIT_ERROR) from None
        except KeyboardInterrupt:
            typer.echo("\ninterrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            _quiet_broken_pipe()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.TyperException):
            raise  # usage errors and exits keep Typer's own handling
        except Exception as error:
            if ctrl_c_since(ctrl_c_before):  # DuckDB turned the Ctrl-C into this error
                typer.echo("\ninterrupted", err=True)
                raise typer.Exit(EXIT_INTERRUPTED) from None
            if _is_duckdb_error(error) and not os.environ.get("DUCKSHRED_DEBUG"):
                typer.echo(f"error: {database_problem(error)}", err=True)
                raise typer.Exit(EXIT_ERROR) from None
            if _is_lock_error(error):
                typer.echo("error: the workspace's database files are in use by another "
                           "duckshred process (a batch job?); try again when it has finished",
                           err=True)
                raise typer.Exit(EXIT_ERROR) from None
            if os.environ.get("DUCKSHRED_DEBUG"):
                raise
            # Only the type: an unexpected message might quote data.
            typer.echo(f"error: unexpected {type(error).__name__}; set DUCKSHRED_DEBUG=1 "
                       "for the traceback", err=True)
            raise typer.Exit(EXIT_ERROR) from None


def _quiet_broken_pipe() -> None:
    """The reader went away (``| head -1``): it has what it wanted. Point stdout at
    /dev/null so the interpreter's final flush does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (tests): nothing will flush into a pipe


app = typer.Typer(
    cls=_DomainErrorsToExitCodes,
    help="Privacy-safe batch processing with crypto-shredding (STRM batch jobs, on DuckDB).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold plaintext or keys
)
create_app = typer.Typer(help="Create connectors, contracts and batch jobs.", no_args_is_help=True)
list_app = typer.Typer(help="List connectors, contracts, jobs, data subjects.",
                       no_args_is_help=True)
get_app = typer.Typer(help="Show one contract, batch job or data subject (access request).",
                      no_args_is_help=True)
delete_app = typer.Typer(help="Delete connectors, contracts, batch jobs or data subjects "
                              "(crypto-shredding).", no_args_is_help=True)
validate_app = typer.Typer(help="Check a batch job file without running it.",
                           no_args_is_help=True)
app.add_typer(create_app, name="create")
app.add_typer(list_app, name="list")
app.add_typer(get_app, name="get")
app.add_typer(delete_app, name="delete")
app.add_typer(validate_app, name="validate")

create_app.command("data-connector")(connectors.create)
list_app.command("data-connectors")(connectors.list_all)
delete_app.command("data-connector")(connectors.delete)

create_app.command("data-contract")(contracts.create)
list_app.command("data-contracts")(contracts.list_all)
get_app.command("data-contract")(contracts.get)
delete_app.command("data-contract")(contracts.delete)

create_app.command("batch-job")(batch_jobs.create)
validate_app.command("batch-job")(batch_jobs.validate)
list_app.command("batch-jobs")(batch_jobs.list_all)
get_app.command("batch-job")(batch_jobs.get)
delete_app.command("batch-job")(batch_jobs.delete)

list_app.command("data-subjects")(data_subjects.list_all)
list_app.command("data-subject-keylinks")(data_subjects.list_keylinks)
get_app.command("data-subject")(data_subjects.get)
delete_app.command("data-subjects")(data_subjects.delete)
delete_app.command("erasure-ledger-entries")(data_subjects.lift_ledger_entries)
app.command("shred")(data_subjects.shred)

app.command("sql")(sql.run)
server_app = typer.Typer(help="A warm duckshred: batch jobs without dbt's start-up.",
                         no_args_is_help=True)
app.add_typer(server_app, name="server")
server_app.command("start")(server.start)
server_app.command("stop")(server.stop)
server_app.command("status")(server.status)
app.command("recover")(recovery.run)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"duckshred {version('duckshred')}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", envvar="DUCKSHRED_HOME",
        help="Workspace folder (catalog, warehouse, key store). Default ./.duckshred.")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print duckshred's version and exit.")] = False,
) -> None:
    ctx.obj = workspace


def run(argv: list[str] | None = None) -> int:
    """Run one command line (``sys.argv[1:]`` by default); its exit code."""
    # A log handler that cannot write (dbt's file log on a full disk) must not print a
    # traceback with the record it failed on: the command's own error says what failed.
    logging.raiseExceptions = False
    count_ctrl_c()  # see service/interrupts.py
    code = 0
    try:
        app(args=argv)
    except SystemExit as exit_request:
        code = exit_request.code if isinstance(exit_request.code, int) else (
            0 if exit_request.code is None else EXIT_ERROR)
    except KeyboardInterrupt:  # between commands' own handling, e.g. while importing
        sys.stderr.write("\ninterrupted\n")
        code = EXIT_INTERRUPTED
    return code


def main() -> None:
    """Console entry point: the command runs in a child of the warm server when one
    is up and the command starts dbt (see service/server.py), else here."""
    from duckshred.service.server import forward_to_server

    code = forward_to_server(sys.argv)
    if code is None:
        code = run()
    # Skip the interpreter's teardown: dbt leaves about a million objects whose
    # destruction takes ~0.7 s after the work is done. Every file we wrote is
    # closed (and the key store fsynced) by now; exit handlers still run, so
    # multiprocessing releases the semaphores dbt made.
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader left early: what it read is all it wanted
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
