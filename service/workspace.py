"""A workspace folder: catalog, warehouse database and key store, side by side."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from duckshred.udf.layout import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_WORKSPACE,
    KEYSTORE_FILE,
    MEMORY_LIMIT_ENV,
    SPILL_DIR,
    WAREHOUSE_FILE,
    WORKSPACE_ENV,
)


def memory_limit() -> str:
    """DuckDB's memory limit for job work; beyond it DuckDB spills to disk."""
    return os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT)


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def resolve(cls, root: str | os.PathLike[str] | None = None, *,
                create: bool = False) -> Workspace:
        """``root``, else ``$DUCKSHRED_HOME``, else ``./.duckshred``.

        A folder that does not exist is an error unless ``create``: a typo in a path
        must not quietly start an empty workspace (and find no data subjects).
        Private by default: the folder is 0700 and its databases 0600, whatever the
        umask (the key store holds every key; the warehouse, derived plaintext)."""
        chosen = root or os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE
        path = Path(chosen).expanduser().resolve()
        if create:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        elif not path.is_dir():
            from duckshred.service.errors import NotFoundError

            raise NotFoundError(
                f"workspace {path} does not exist (--workspace, ${WORKSPACE_ENV} or "
                f"./{DEFAULT_WORKSPACE}); `duckshred create ...` commands make one")
        workspace = cls(path)
        workspace.make_private()
        return workspace

    def make_private(self) -> None:
        """Owner-only access to the workspace folder and its database files."""
        for item, mode in [(self.root, 0o700), (self.keystore_path, 0o600),
                           (self.warehouse_path, 0o600)]:
            try:
                if item.stat().st_mode & 0o077:
                    os.chmod(item, mode)
            except (FileNotFoundError, PermissionError):
                pass  # not there yet, or not ours to change (a shared, read-only workspace)

    @property
    def warehouse_path(self) -> Path:
        return self.root / WAREHOUSE_FILE

    @property
    def keystore_path(self) -> Path:
        return self.root / KEYSTORE_FILE

    @property
    def spill_dir(self) -> Path:
        """Where DuckDB spills job data beyond its memory limit (the dbt run's too)."""
        return self.root / SPILL_DIR

    @property
    def catalog_dir(self) -> Path:
        return self.root / "catalog"

    @property
    def jobs_dir(self) -> Path:
        return self.root / "jobs"

    @property
    def lock_path(self) -> Path:
        return self.root / ".lock"

    @property
    def dbt_target_dir(self) -> Path:
        return self.root / "dbt" / "target"

    @property
    def dbt_log_dir(self) -> Path:
        return self.root / "dbt" / "logs"
