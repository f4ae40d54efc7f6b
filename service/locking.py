"""One writer at a time per workspace: batch jobs and shredding both rewrite
the key store, so they take an exclusive lock; a second one waits, then fails
with a clear message instead of corrupting anything.

Whoever takes the lock first cleans up after any process that died holding it
(``service/recovery.py``): a job or a shred that runs holds the lock for its
whole life, so a job recorded as running while the lock is free is dead.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from duckshred.service.errors import WorkspaceBusyError
from duckshred.service.workspace import Workspace
from duckshred.udf.layout import process_start_ticks


def process_identity() -> dict[str, Any]:
    """What a job or spill folder records about the process that owns it."""
    return {"pid": os.getpid(), "startTicks": process_start_ticks(os.getpid())}


def is_alive(identity: dict[str, Any] | None) -> bool:
    """Is the process recorded as ``identity`` still running (and the same process)?"""
    if not identity or not isinstance(identity.get("pid"), int):
        return False
    pid = identity["pid"]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, under another user
    ticks = process_start_ticks(pid)
    recorded = identity.get("startTicks")
    return ticks is None or recorded is None or ticks == recorded


@contextmanager
def workspace_lock(workspace: Workspace, purpose: str, timeout_s: float = 60.0,
                   *, recover: bool = True) -> Iterator[None]:
    """Hold the workspace exclusively; first clean what dead jobs and shreds left."""
    handle = os.open(workspace.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(handle, 200, 0).decode(errors="replace").strip()
                    raise WorkspaceBusyError(
                        f"cannot {purpose}: the workspace {workspace.root} is busy"
                        f"{' (' + holder + ')' if holder else ''}; waited {timeout_s:.0f} s. "
                        "Try again when it has finished.") from None
                time.sleep(0.1)
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{purpose}, pid {os.getpid()}".encode(), 0)
        if recover:
            from duckshred.service.recovery import recover_locked

            recover_locked(workspace)
        yield
    finally:
        # Jobs and shreds (re)create the databases with the umask's mode: tighten them
        # before anyone else may open the workspace.
        workspace.make_private()
        os.close(handle)  # closing releases the lock


def recover_if_idle(workspace: Workspace) -> None:
    """Clean up after dead processes now if no one holds the workspace; else leave it
    to whoever holds it (it cleaned up when it took the lock)."""
    if not workspace.lock_path.exists() and not (workspace.root / "tmp").exists():
        return
    try:
        with workspace_lock(workspace, "recover", timeout_s=0):
            pass
    except WorkspaceBusyError:
        pass
