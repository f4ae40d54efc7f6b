"""A batch job's progress on stderr: a live bar over dbt's models (with each step's
rows/s) on a terminal, one line per step otherwise (logs, pipes, CI)."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

from duckshred.service.progress import ModelStep

if TYPE_CHECKING:
    from rich.console import Console


class JobProgress:
    """The callback a job reports to (``with JobProgress() as show: run(..., show)``)."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console

        self.console = console or Console(stderr=True, highlight=False)
        self._bar: Any = None
        self._task: Any = None
        self._completed = 0
        # dbt reports from its worker threads, two models at a time (profiles.yml)
        self._lock = threading.Lock()
        if self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=self.console, transient=True)

    def __enter__(self) -> JobProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    def line(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def __call__(self, step: str | ModelStep) -> None:
        with self._lock:
            if not isinstance(step, ModelStep):
                self.line(f"  {step}")
                return
            # (never backwards: the model numbered 6 may finish after the one numbered 7)
            self._completed = max(self._completed,
                                  step.index if step.finished else step.index - 1)
            if self._bar is not None:
                if self._task is None:
                    self._task = self._bar.add_task("dbt", total=step.total)
                self._bar.update(self._task, description=step.name, completed=self._completed)
            if step.finished:
                self.line(f"  {step}")
