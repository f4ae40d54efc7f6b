"""What a running batch job reports: plain messages, and dbt's per-model steps with
their row counts, so a display can show a bar and rows/s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelStep:
    """A dbt model of the job started (``seconds`` None) or finished."""

    index: int
    total: int
    name: str
    status: str = ""
    seconds: float | None = None
    rows: int | None = None  # rows in the model's table, when dbt reported it

    @property
    def finished(self) -> bool:
        return self.seconds is not None

    def rate(self) -> float | None:
        if self.rows is None or not self.seconds:
            return None
        return self.rows / self.seconds

    def __str__(self) -> str:
        if not self.finished:
            return f"{self.index}/{self.total} {self.name}: running"
        rows = f", {self.rows:,} rows ({self.rate() or 0:,.0f} rows/s)" if self.rows is not None \
            else ""
        return f"{self.index}/{self.total} {self.name}: {self.status} in {self.seconds:.2f} s{rows}"


# A job's progress: a message, or a model step (``str()`` of either is one line of text).
Progress = Callable[[str | ModelStep], None]
