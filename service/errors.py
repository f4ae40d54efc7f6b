"""The one family of errors the CLI turns into exit codes.

Messages name what and where (field, file, row number) and never carry
plaintext PII or key material.
"""

import re

from duckshred.udf.layout import KEYSTORE_FILE, WAREHOUSE_FILE

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


def database_problem(error: Exception) -> str:
    """What went wrong with a workspace database, naming the file, never quoting data."""
    text = str(error)
    files = [name for name in (KEYSTORE_FILE, WAREHOUSE_FILE) if name in text]
    which = f"the {' and '.join(files)} of the workspace" if files else "a database"
    if "lock" in text.lower() and type(error).__name__ == "IOException":
        return ("the workspace's database files are in use by another duckshred process "
                "(a batch job?); try again when it has finished")
    damaged = ("not a valid DuckDB database", "Could not read enough bytes", "checksum",
               "Corrupt", "corrupt")
    if any(sign in text for sign in damaged) or type(error).__name__ in {
            "SerializationException", "FatalException"}:
        return (f"{which} is damaged, truncated or not a DuckDB database file; restore it "
                "from a backup" + (" (its keys exist nowhere else)"
                                   if KEYSTORE_FILE in files else ""))
    full = ("No space left on device", "File too large", "Disk quota exceeded",
            "Could not write file")
    if any(sign in text for sign in full):
        return (f"{which} could not be written: the disk is full (or a file size limit "
                "was reached); free space and run the command again")
    if files:
        return f"{which} could not be read ({type(error).__name__})"
    return f"unexpected DuckDB {type(error).__name__}; set DUCKSHRED_DEBUG=1 for the traceback"
