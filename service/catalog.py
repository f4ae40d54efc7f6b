"""The workspace catalog: connectors, contracts and batch jobs as small JSON
files, each replaced atomically so a crash never leaves half a record."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from duckshred.service.connectors import Connector
from duckshred.service.contracts import Contract, check_ref
from duckshred.service.errors import ConfigError, NotFoundError
from duckshred.service.workspace import Workspace

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


class Catalog:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._connectors = workspace.catalog_dir / "connectors"
        self._contracts = workspace.catalog_dir / "contracts"

    # -- connectors -------------------------------------------------------------

    def save_connector(self, connector: Connector) -> None:
        if not _NAME.match(connector.name):
            raise ConfigError(f"data connector name {connector.name!r}: use letters, digits, "
                              "'-', '_' and '.'")
        write_json_atomically(self._connectors / f"{connector.name}.json", connector.to_dict())

    def connector(self, name: str) -> Connector:
        path = self._connectors / f"{name}.json"
        if not _NAME.match(name) or not path.exists():
            known = ", ".join(c.name for c in self.connectors()) or "none yet"
            raise NotFoundError(
                f"data connector `{name}` does not exist (known: {known}); create it with "
                f"`duckshred create data-connector {name} --path DIR`")
        return Connector.from_dict(_read_json(path))

    def connectors(self) -> list[Connector]:
        return [Connector.from_dict(_read_json(p)) for p in sorted(self._connectors.glob("*.json"))]

    # -- contracts --------------------------------------------------------------

    def _contract_path(self, ref: str) -> Path:
        return self._contracts / (check_ref(ref) + ".json")

    def save_contract(self, contract: Contract) -> None:
        write_json_atomically(self._contract_path(contract.ref), contract.document())

    def contract(self, ref: str) -> Contract:
        path = self._contract_path(ref)
        if not path.exists():
            raise NotFoundError(
                f"data contract `{ref}` does not exist; register it with "
                f"`duckshred create data-contract {ref} -F CONTRACT.json --schema SCHEMA.json`")
        return Contract.model_validate(_read_json(path))

    def contracts(self) -> list[Contract]:
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
