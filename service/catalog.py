"""The workspace catalog: connectors, contracts and batch jobs as small JSON
files, each replaced atomically so a crash never leaves half a record."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duckshred.service.errors import ConfigError, NotFoundError
from duckshred.service.workspace import Workspace

if TYPE_CHECKING:
    # Loaded where used: every command reads the job records (recovery first), and
    # the contract and connector models would add ~15 ms to read-only commands.
    from duckshred.service.connectors import Connector
    from duckshred.service.contracts import Contract

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def write_json_atomically(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, aside = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(data, stream, indent=2, sort_keys=False)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(aside, path)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _connector_names(document: Any) -> set[str]:
    """Every ``data_connector_ref`` name in a batch job file, whatever its spelling."""
    names: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            if key in {"data_connector_ref", "dataConnectorRef"} and isinstance(value, dict):
                names.add(str(value.get("name")))
            else:
                names |= _connector_names(value)
    elif isinstance(document, list):
        for value in document:
            names |= _connector_names(value)
    return names


class Catalog:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._connectors = workspace.catalog_dir / "connectors"
        self._contracts = workspace.catalog_dir / "contracts"

    # -- connectors -------------------------------------------------------------

    def save_connector(self, connector: Connector, *, update: bool = False) -> None:
        """Record a new connector; an existing one is replaced only with ``update``
        (a typo'd name must not silently move where jobs read and write)."""
        if not _NAME.match(connector.name):
            raise ConfigError(f"data connector name {connector.name!r}: use letters, digits, "
                              "'-', '_' and '.'")
        path = self._connectors / f"{connector.name}.json"
        if path.exists() and not update:
            from duckshred.service.connectors import Connector

            current = Connector.from_dict(_read_json(path))
            if current == connector:
                return  # the same definition again: nothing changes
            raise ConfigError(
                f"data connector `{connector.name}` already exists ({current.describe()}); "
                "pass --update to point it elsewhere")
        if update and not path.exists():
            raise NotFoundError(f"data connector `{connector.name}` does not exist: "
                                "create it without --update")
        write_json_atomically(path, connector.to_dict())

    def delete_connector(self, name: str) -> None:
        """Forget a connector no batch job refers to."""
        self.connector(name)
        users = [job["id"] for job in self.jobs() if name in _connector_names(job["config"])]
        if users:
            raise ConfigError(
                f"data connector `{name}` is used by batch job(s) {', '.join(users)}: "
                "delete those jobs first (`duckshred delete batch-job ID`)")
        (self._connectors / f"{name}.json").unlink()

    def connector(self, name: str) -> Connector:
        path = self._connectors / f"{name}.json"
        if not _NAME.match(name) or not path.exists():
            known = ", ".join(c.name for c in self.connectors()) or "none yet"
            raise NotFoundError(
                f"data connector `{name}` does not exist (known: {known}); create it with "
                f"`duckshred create data-connector {name} --path DIR`")
        from duckshred.service.connectors import Connector

        return Connector.from_dict(_read_json(path))

    def connectors(self) -> list[Connector]:
        from duckshred.service.connectors import Connector

        return [Connector.from_dict(_read_json(p)) for p in sorted(self._connectors.glob("*.json"))]

    # -- contracts --------------------------------------------------------------

    def _contract_path(self, ref: str) -> Path:
        from duckshred.service.contracts import check_ref

        return self._contracts / (check_ref(ref) + ".json")

    def jobs_using_contract(self, ref: str) -> list[str]:
        return [job["id"] for job in self.jobs() if job.get("contractRef") == ref]

    def save_contract(self, contract: Contract, *, force: bool = False) -> None:
        """Register a contract version. A version is immutable once a batch job used it
        (its outputs and keys were made under it); before that ``force`` replaces it."""
        ref = contract.ref
        path = self._contract_path(ref)
        document = contract.document()
        if path.exists():
            if _read_json(path) == document:
                return  # the same contract again: nothing changes
            users = self.jobs_using_contract(ref)
            if users:
                raise ConfigError(
                    f"data contract {ref} is used by batch job(s) {', '.join(users)} and "
                    "cannot change: register the change as a new version")
            if not force:
                raise ConfigError(f"data contract {ref} already exists with other content; "
                                  "register a new version, or pass --force to replace it "
                                  "(allowed while no batch job used it)")
        write_json_atomically(path, document)

    def delete_contract(self, ref: str) -> None:
        """Forget a contract version no batch job used."""
        self.contract(ref)
        users = self.jobs_using_contract(ref)
        if users:
            raise ConfigError(
                f"data contract {ref} is used by batch job(s) {', '.join(users)}: "
                "delete those jobs first (`duckshred delete batch-job ID`)")
        self._contract_path(ref).unlink()

    def contract(self, ref: str) -> Contract:
        path = self._contract_path(ref)
        if not path.exists():
            raise NotFoundError(
                f"data contract `{ref}` does not exist; register it with "
                f"`duckshred create data-contract {ref} -F CONTRACT.json --schema SCHEMA.json`")
        from duckshred.service.contracts import Contract

        return Contract.model_validate(_read_json(path))

    def contracts(self) -> list[Contract]:
        from duckshred.service.contracts import Contract

        return [Contract.model_validate(_read_json(p))
                for p in sorted(self._contracts.glob("*/*/*.json"))]

    # -- batch jobs -------------------------------------------------------------

    def _job_path(self, job_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f-]{36}", job_id):
            raise NotFoundError(f"batch job `{job_id}` does not exist (ids are UUIDs)")
        return self.workspace.jobs_dir / f"{job_id}.json"

    def save_job(self, job: dict[str, Any]) -> None:
        write_json_atomically(self._job_path(job["id"]), job)

    def job(self, job_id: str) -> dict[str, Any]:
        path = self._job_path(job_id)
        if not path.exists():
            raise NotFoundError(f"batch job `{job_id}` does not exist")
        return _read_json(path)

    def jobs(self) -> list[dict[str, Any]]:
        jobs = [_read_json(p) for p in self.workspace.jobs_dir.glob("*.json")]
        return sorted(jobs, key=lambda job: job["states"][0]["stateTime"])

    def delete_job(self, job_id: str) -> None:
        path = self._job_path(job_id)
        if not path.exists():
            raise NotFoundError(f"batch job `{job_id}` does not exist")
        path.unlink()
