"""`recover`: clean up after killed jobs and shreds (every command also does it first)."""

from __future__ import annotations

import typer


def run(ctx: typer.Context) -> None:
    """Clean up after killed batch jobs and shreds: roll back their keys and outputs,
    remove their temporary files, mark the jobs ERROR. Every command does this first
    when the workspace is free; this says what was done."""
    from duckshred.service.locking import workspace_lock
    from duckshred.service.recovery import recover_locked
    from duckshred.service.workspace import Workspace

    resolved = Workspace.resolve(ctx.find_root().obj)
    with workspace_lock(resolved, "recover", recover=False):
        lines = recover_locked(resolved)
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("nothing to recover", err=True)
