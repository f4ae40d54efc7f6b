"""Running a submitted batch job in a background process (``create batch-job --detach``).

The child is this module run with the interpreter that runs us, in its own session
(so the user's terminal closing or Ctrl-C does not stop it), writing its log into
the job folder. Its progress is recorded in the job record itself, where
``get batch-job`` reads it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from duckshred.service.workspace import Workspace


def log_path(workspace: Workspace, job_id: str) -> Path:
    return workspace.jobs_dir / f"{job_id}.log"


def start_detached(workspace: Workspace, job_id: str) -> None:
    """Start running the PENDING job ``job_id`` in the background and return at once."""
    log = log_path(workspace, job_id)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as stream:
        subprocess.Popen(  # noqa: S603 - our own module, no shell
            [sys.executable, "-m", "duckshred.service.detach", str(workspace.root), job_id],
            stdout=stream, stderr=stream, stdin=subprocess.DEVNULL,
            start_new_session=True, env=os.environ.copy())


def _run(root: str, job_id: str) -> int:
    from duckshred.service.errors import JobFailedError
    from duckshred.service.jobs import run_submitted_job

    def log(message: object) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        run_submitted_job(Workspace(Path(root)), job_id, log)
    except JobFailedError as error:
        log(f"batch job {job_id} ended in ERROR: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_run(sys.argv[1], sys.argv[2]))
