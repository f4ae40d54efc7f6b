"""`server start|stop|status`: a warm duckshred that runs batch jobs without dbt's
start-up (the mechanism, and why it is safe: service/server.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from duckshred.service import server


def start() -> None:
    """Start a warm duckshred server in the background (dbt imported and the project
    parsed once): `create batch-job` then skips dbt's start-up. Opt-in; stop it with
    `duckshred server stop`."""
    status, already, log = server.start_server()
    if status is None:
        typer.echo(f"error: the duckshred server did not start; see {log}", err=True)
        raise typer.Exit(2)
    state = "already running" if already else "ready"
    typer.echo(f"duckshred server {state} (pid {status['pid']}) at {server.socket_path()}")


def stop() -> None:
    """Stop the warm duckshred server (jobs it started run on to their end)."""
    status = server.ask({"stop": True})
    if status is None:
        typer.echo("no duckshred server is running", err=True)
        return
    typer.echo(f"duckshred server {status['pid']} stopped after {status['jobsServed']} jobs")


def status() -> None:
    """Say whether a warm duckshred server is up, since when, and whether it runs the
    installed code (exit 1 when none is running)."""
    reply = server.ask({"ping": True, "stamp": server.code_stamp()})
    if reply is None:
        typer.echo(f"no duckshred server is running (socket {server.socket_path()})")
        raise typer.Exit(1)
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(reply["startedAt"]))
    stale = " (runs older code: restart it)" if reply["stale"] else ""
    typer.echo(f"duckshred server {reply['pid']} at {server.socket_path()}, up since {since}, "
               f"{reply['jobsServed']} jobs served{stale}")


def _warm_up() -> None:
    """The bundled sample job (5,000 rows), run once in a throwaway workspace by the
    server before it serves: dbt compiles its macros and every SQL function is set up
    then, once, instead of in each forked job (measured: ~0.4 s of a job's models)."""
    import shutil
    import tempfile

    from duckshred.cli.app import run
    from duckshred.service.project import project_dir

    sample = project_dir() / "seeds" / "sample"
    with tempfile.TemporaryDirectory(prefix="duckshred-warm-up-") as scratch:
        bucket = Path(scratch) / "bucket"
        bucket.mkdir()
        shutil.copy(sample / "uci_online_retail_sample.csv", bucket)
        workspace = ["--workspace", str(Path(scratch) / "workspace")]
        for command in (
                ["create", "data-connector", "sample", "--path", str(bucket)],
                ["create", "data-contract", "duckshred/online-retail-sample/1.0.0",
                 "-F", str(sample / "online-retail-sample.contract.yml")],
                ["create", "batch-job", "-F", str(sample / "batch-job-config.json")]):
            if run([*workspace, *command]) != 0:
                print("warm-up job failed: serving without it", flush=True)
                return


if __name__ == "__main__":
    # The server process (`server start` runs it): what every job imports, imported
    # here once, and the CLI's own runner for the forked jobs.
    import duckshred.cli.progress  # noqa: F401
    from duckshred.cli.app import run

    server.serve(Path(sys.argv[1]), run, _warm_up)
