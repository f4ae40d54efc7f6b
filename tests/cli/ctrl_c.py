"""Ctrl-C for the commands the tests start as child processes."""

from __future__ import annotations

import signal


def default_ctrl_c() -> None:
    """``preexec_fn`` of a child the test will send SIGINT: the disposition a shell gives
    a command it runs in the foreground. A test run started in the background (``&``)
    ignores SIGINT, and its children would inherit that and never see the Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
