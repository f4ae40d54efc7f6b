"""Test-only fault injection for the crash tests (tests/crash/).

``crash_point("publish")`` kills the process with SIGKILL when the environment
variable DUCKSHRED_TEST_CRASH_AT names that point, so a test can stop a job or a
shred at an exact phase. Unset (always, outside the crash tests) it does nothing.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "DUCKSHRED_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
