"""One writer at a time per workspace: batch jobs and shredding both rewrite
the key store, so they take an exclusive lock; a second one waits, then fails
with a clear message instead of corrupting anything."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from duckshred.service.errors import WorkspaceBusyError
from duckshred.service.workspace import Workspace


@contextmanager
def workspace_lock(workspace: Workspace, purpose: str, timeout_s: float = 60.0
                   ) -> Iterator[None]:
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
        yield
    finally:
        os.close(handle)  # closing releases the lock
