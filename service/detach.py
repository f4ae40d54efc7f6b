"""Running a submitted batch job in a background process (``create batch-job --detach``).

The child is this module run with the interpreter that runs us, in its own session
(so the user's terminal closing or Ctrl-C does not stop it), writing its log into
the job folder. Its progress is recorded in the job record itself, where
``get batch-job`` reads it.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

from duckshred.service.workspace import Workspace
from duckshred.udf.faults import crash_point


def log_path(workspace: Workspace, job_id: str) -> Path:
    return workspace.jobs_dir / f"{job_id}.log"


def start_detached(workspace: Workspace, job_id: str, hand_over_s: float = 60.0) -> None:
    """Start running the PENDING job ``job_id`` in the background; return once the
    background runner has recorded itself as the job's runner (until then this process
    is, and a job whose runner dies before it starts is found by recovery). Raises
    ``JobFailedError`` (the job recorded as ERROR) when the runner does not get there."""
    log = log_path(workspace, job_id)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as stream:
        runner = subprocess.Popen(  # noqa: S603 - our own module, no shell
            [sys.executable, "-m", "duckshred.service.detach", str(workspace.root), job_id],
            stdout=subprocess.PIPE, stderr=stream, stdin=subprocess.DEVNULL,
            start_new_session=True, env=os.environ.copy())
    taken = False
    if runner.stdout is not None:  # (always: stdout=PIPE)
        with runner.stdout:
            ready, _, _ = select.select([runner.stdout], [], [], hand_over_s)
            taken = bool(ready) and runner.stdout.readline() == _TAKEN
    if not taken:
        from duckshred.service.errors import JobFailedError
        from duckshred.service.jobs import record_error

        try:  # it closed its end of the pipe: it is ending, or it hangs
            status = runner.wait(timeout=1)
            why = f"ended (exit status {status}) before it took the job over"
        except subprocess.TimeoutExpired:
            runner.kill()  # so that it never runs a job recorded as ERROR
            runner.wait()
            why = f"did not take the job over within {hand_over_s:g} s, and was stopped"
        message = f"the background runner (pid {runner.pid}) {why}; see {log}"
        record_error(workspace, job_id, message)
        raise JobFailedError(message, job_id)


# What the runner writes on its stdout once it is the job's recorded runner.
_TAKEN = b"taken\n"


def _run(root: str, job_id: str) -> int:
    from duckshred.service.errors import JobFailedError
    from duckshred.service.jobs import run_submitted_job, take_over

    def log(message: object) -> None:
        print(message, file=sys.stderr, flush=True)

    workspace = Workspace(Path(root))
    crash_point("detached-start")
    take_over(workspace, job_id)
    os.write(1, _TAKEN)
    os.dup2(2, 1)  # the submitting process has gone: anything else goes to the log
    crash_point("taken-over")
    try:
        run_submitted_job(workspace, job_id, log)
    except JobFailedError as error:
        log(f"batch job {job_id} ended in ERROR: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_run(sys.argv[1], sys.argv[2]))
