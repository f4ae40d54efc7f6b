"""What every noun module shares: the workspace the command works in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from duckshred.service.workspace import Workspace


def workspace(ctx: typer.Context, *, create: bool = False) -> Workspace:
    """The workspace of ``--workspace``/``$DUCKSHRED_HOME``; only ``create`` commands
    may make it, so a typo is an error naming the path."""
    from duckshred.service.locking import recover_if_idle
    from duckshred.service.workspace import Workspace

    root = ctx.find_root().obj
    resolved = Workspace.resolve(root, create=create)
    # Every command first cleans what a killed job or shred left, when no one else
    # holds the workspace (see service/recovery.py).
    recover_if_idle(resolved)
    return resolved
