"""Test-only fault injection for the crash tests (tests/crash/) and the server's tests.

``crash_point("publish")`` kills the process with SIGKILL when the environment
variable DUCKSHRED_TEST_CRASH_AT names that point, so a test can stop a job or a
shred at an exact phase. DUCKSHRED_TEST_PAUSE_AT=``point=flag-file`` instead touches
the flag file there and waits (up to a minute) for the test to interrupt it (Ctrl-C),
or to remove the flag (a pause in one of dbt's worker threads, which Ctrl-C does not
interrupt: dbt waits for its workers before it gives up).
Unset (always, outside the tests) it does nothing.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

CRASH_ENV = "DUCKSHRED_TEST_CRASH_AT"
PAUSE_ENV = "DUCKSHRED_TEST_PAUSE_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    point, _, flag = os.environ.get(PAUSE_ENV, "").partition("=")
    if point == name and flag:
        paused = Path(flag)
        paused.touch()
        deadline = time.monotonic() + 60
        while paused.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
