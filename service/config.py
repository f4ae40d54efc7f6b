"""Batch job configuration: the STRM batch job file, accepted as is.

Field names may be snake_case or camelCase; both are normalised to snake_case
and validated against a JSON Schema that rejects unknown fields by name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from duckshred.service.errors import ConfigError

# Maps whose keys are data (consent values, contract refs), not field names.
_DATA_KEYED_MAPS = {"field_patterns"}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _normalise(value: Any, *, keys_are_data: bool = False,
               spelled: dict[str, str] | None = None) -> Any:
    """snake_case every field name; ``spelled`` remembers how the user wrote each."""
    spelled = {} if spelled is None else spelled
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = key if keys_are_data else _snake(key)
            spelled.setdefault(name, key)
            # `field_patterns` is a map of data keys in two places and a list of
            # column names in a third; only the map's keys stay as written.
            out[name] = _normalise(item, keys_are_data=name in _DATA_KEYED_MAPS
                                   and isinstance(item, dict) and not keys_are_data,
                                   spelled=spelled)
        return out
    if isinstance(value, list):
        return [_normalise(item, spelled=spelled) for item in value]
    return value


def _schema() -> dict[str, Any]:
    text = resources.files("duckshred.service").joinpath(
        "batch-job-config.schema.json").read_text()
    return json.loads(text)


@dataclass(frozen=True)
class Location:
    connector: str
    path_prefix: str
    file_name: str
    file_format: str  # "csv" or "parquet"

    @property
    def relative_path(self) -> str:
        prefix = self.path_prefix.strip("/")
        return f"{prefix}/{self.file_name}" if prefix else self.file_name

    def describe(self) -> str:
        return f"{self.connector}:{self.relative_path}"


@dataclass(frozen=True)
class DerivedSpec:
    location: Location
    consent_levels: list[int]
    consent_level_type: str
    masked: dict[str, Any] | None


@dataclass(frozen=True)
class BatchJobConfig:
    raw: dict[str, Any]
    source: Location
    contract_ref: str
    group_id: str | None
    timestamp_field: str
    timestamp_format: str
    time_zone: str
    default_consent_levels: list[int]
    consent_field: str | None
    consent_patterns: dict[str, list[int]]
    encrypted: Location
    keys: Location
    derived: list[DerivedSpec] = field(default_factory=list)
    masked: dict[str, Any] | None = None

    def connectors(self) -> set[str]:
        locations = [self.source, self.encrypted, self.keys, *(d.location for d in self.derived)]
        return {location.connector for location in locations}


def _location(raw: dict[str, Any]) -> Location:
    data_type = raw.get("data_type") or {}
    file_name = raw["file_name"]
    file_format = "parquet" if "parquet" in data_type or file_name.endswith(".parquet") else "csv"
    charset = (data_type.get("csv") or {}).get("charset", "UTF-8")
    if file_format == "csv" and charset.upper().replace("_", "-") not in {"UTF-8", "UTF8"}:
        raise ConfigError(f"data_type.csv.charset {charset!r} is not supported (only UTF-8)")
    return Location(raw["data_connector_ref"]["name"], raw.get("path_prefix", ""), file_name,
                    file_format)


def _explain(error: jsonschema.ValidationError, spelled: dict[str, str]) -> str:
    where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        unexpected = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        prefix = f"{where}." if error.absolute_path else ""
        names = ", ".join(f"`{prefix}{spelled.get(name, name)}`" for name in unexpected)
        return f"unknown field {names}"
    if error.validator == "required":
        return f"missing field in `{where}`: {error.message.split(' is a required')[0]}"
    return f"`{where}`: {error.message}"


def parse_config(document: dict[str, Any], origin: str = "batch job config") -> BatchJobConfig:
    """Validate and read a batch job document; raise ``ConfigError`` naming the field."""
    if not isinstance(document, dict):
        raise ConfigError(f"{origin}: expected a JSON object")
    spelled: dict[str, str] = {}
    raw = _normalise(document, spelled=spelled)
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError(f"{origin}: " + "; ".join(_explain(e, spelled) for e in errors[:5]))

    consent = raw.get("consent", {})
    extractor = consent.get("consent_level_extractor") or {}
    timestamp = raw["encryption"]["timestamp_config"]
    contract = raw["event_contract_ref"]
    return BatchJobConfig(
        raw=raw,
        source=_location(raw["source_data"]),
        contract_ref=f"{contract['handle']}/{contract['name']}/{contract['version']}",
        group_id=raw["encryption"].get("batch_job_group_id"),
        timestamp_field=timestamp["field"],
        timestamp_format=timestamp["format"],
        time_zone=(timestamp.get("default_time_zone") or {}).get("id", "UTC"),
        default_consent_levels=consent.get("default_consent_levels", []),
        consent_field=extractor.get("field"),
        consent_patterns={
            value: spec["consent_levels"]
            for value, spec in (extractor.get("field_patterns") or {}).items()
        },
        encrypted=_location(raw["encrypted_data"]["target"]),
        keys=_location(raw["encryption_keys_data"]["target"]),
        derived=[
            DerivedSpec(_location(d["target"]), d["consent_levels"], d["consent_level_type"],
                        d.get("masked_fields"))
            for d in raw.get("derived_data", [])
        ],
        masked=raw.get("masked_fields"),
    )


def load_config(path: str | Path) -> BatchJobConfig:
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"batch job file not found: {path}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{path}: not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    return parse_config(document, origin=str(path))
