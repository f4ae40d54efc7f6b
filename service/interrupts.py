"""Ctrl-C that DuckDB turned into an error.

When SIGINT arrives while the main thread waits on a DuckDB query, DuckDB runs
Python's signal handler itself, cancels the query and raises ``RuntimeError('Query
interrupted')``: the KeyboardInterrupt is gone. A command then reported "unexpected
RuntimeError" (exit 2), a batch job ended in ERROR as a RuntimeError (exit 1), and code
that catches errors around a query (dbt's start-up) could go on as if no one had
pressed Ctrl-C. So the command line counts the SIGINTs it receives (its handler
otherwise does what Python's default one does), and an error, or a dbt build, that
ends after one is taken for what it is: an interruption.

Only the process's owner installs the handler (``count_ctrl_c``, called by the CLI);
a program that uses duckshred as a library keeps its own, and the count stays 0.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

_received = 0


def _count_and_interrupt(_signum: int, _frame: FrameType | None) -> None:
    global _received
    _received += 1
    raise KeyboardInterrupt


def count_ctrl_c() -> None:
    """Count SIGINTs from now on, where Python's default handler is in place."""
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
        signal.signal(signal.SIGINT, _count_and_interrupt)


def ctrl_c_count() -> int:
    """How many SIGINTs the counting handler has received (0 if it is not installed)."""
    return _received


def ctrl_c_since(count: int) -> bool:
    """Whether a SIGINT arrived after ``ctrl_c_count()`` returned ``count``."""
    return _received > count


def raise_if_ctrl_c_since(count: int) -> None:
    """Raise KeyboardInterrupt if a SIGINT arrived since ``count``, though no
    KeyboardInterrupt came of it (DuckDB turned it into an error that was handled)."""
    if ctrl_c_since(count):
        raise KeyboardInterrupt
