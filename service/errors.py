"""The one family of errors the CLI turns into exit codes.

Messages name what and where (field, file, row number) and never carry
plaintext PII or key material.
"""

import re

_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def blank_quoted(message: str) -> str:
    """An engine's message with every quoted text blanked: DuckDB and dbt quote the
    value that failed (a decrypted name, a row of the file) in their errors."""
    return _QUOTED.sub("'…'", message)


class DuckshredError(Exception):
    """A problem the user can fix: bad input, unknown names, a busy workspace (exit 2)."""


class ConfigError(DuckshredError):
    """A batch job file, contract or connector that is not valid."""


class NotFoundError(DuckshredError):
    """A named thing (connector, contract, job) that the catalog does not hold."""


class WorkspaceBusyError(DuckshredError):
    """Another duckshred command holds the workspace lock for too long."""


class JobFailedError(DuckshredError):
    """A batch job that ended in ERROR (exit 1); ``job_id`` names it."""

    def __init__(self, message: str, job_id: str) -> None:
        super().__init__(message)
        self.job_id = job_id
