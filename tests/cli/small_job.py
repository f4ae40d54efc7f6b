"""Hand-made small batch jobs for tests: a CSV, a contract and a job file."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import duckdb

CONTRACT_REF = "test/events/1.0.0"


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def job_config(derived: list[dict[str, Any]] | None = None, *, consent: dict | None = None,
               timestamp_format: str = "yyyy-MM-dd HH:mm:ss", group: str | None = "g1",
               source: str = "events.csv", **extra: Any) -> dict[str, Any]:
    def target(name: str) -> dict[str, Any]:
        return {"data_connector_ref": {"name": "local"}, "file_name": name,
                "data_type": {"csv": {"charset": "UTF-8"}}}

    config: dict[str, Any] = {
        "source_data": target(source),
        "consent": consent or {"default_consent_levels": [2]},
        "encryption": {
            "timestamp_config": {"field": "ts", "format": timestamp_format,
                                 "default_time_zone": {"id": "Europe/Amsterdam"}},
            **({"batch_job_group_id": group} if group else {}),
        },
        "event_contract_ref": dict(zip(["handle", "name", "version"],
                                       CONTRACT_REF.split("/"), strict=True)),
        "encrypted_data": {"target": target("out/encrypted.csv")},
        "encryption_keys_data": {"target": target("out/keys.csv")},
        "derived_data": [
            {"target": target(f"out/derived-{i}.csv"), **spec}
            for i, spec in enumerate(derived or [])
        ],
    }
    config.update(extra)
    return config


def setup(cli: Any, folder: Path, rows: list[list[str]], *, pii: dict[str, int] | None = None,
          header: list[str] | None = None, contract_extra: dict | None = None,
          **config_options: Any) -> Path:
    """Connector `local` over ``folder``/bucket, contract test/events/1.0.0 over columns
    user, session, email, ts, consent, note; returns the job file."""
    bucket = folder / "bucket"
    columns = ["user", "session", "email", "ts", "consent", "note"]
    write_csv(bucket / "events.csv", header or columns, rows)
    schema = {"name": "events", "nodes": [{"type": "STRING", "name": c} for c in columns]}
    contract = {"keyField": "session", "piiFields": pii or {"user": 1, "email": 2},
                "dataSubjectField": "user", **(contract_extra or {})}
    (folder / "schema.json").write_text(json.dumps(schema))
    (folder / "contract.json").write_text(json.dumps(contract))
    cli("create", "data-connector", "local", "--path", str(bucket))
    cli("create", "data-contract", CONTRACT_REF, "-F", str(folder / "contract.json"),
        "--schema", str(folder / "schema.json"))
    config_path = folder / "job.json"
    config_path.write_text(json.dumps(job_config(**config_options)))
    return config_path


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def key_count(workspace: Path) -> int:
    """How many keys the workspace's key store holds (0 before the first job)."""
    store = workspace / "keystore.duckdb"
    if not store.exists():
        return 0
    with duckdb.connect(str(store), read_only=True) as conn:
        return conn.execute("SELECT count(*) FROM encryption_keys").fetchone()[0]
