"""The job plan: check a STRM batch job against its contract and its source file,
before any work, and compile it into the plan the dbt project runs.

Nothing here writes: a job that fails these checks leaves no trace.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from duckshred.javatime import JavaPatternError, compile_pattern
from duckshred.service.catalog import Catalog
from duckshred.service.config import BatchJobConfig
from duckshred.service.errors import ConfigError


def _read_header(catalog: Catalog, config: BatchJobConfig) -> list[str]:
    connector = catalog.connector(config.source.connector)
    where = f"source file {config.source.describe()}"
    if not connector.exists(config.source.relative_path):
        raise ConfigError(f"{where} does not exist ({connector.describe()})")
    head = connector.read_head(config.source.relative_path)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: the header is not UTF-8 text") from None
    first_line = text.splitlines()[0] if text else ""
    rows = list(csv.reader(io.StringIO(first_line)))
    if not rows or not any(rows[0]):
        raise ConfigError(f"{where} is empty: expected a header row")
    return rows[0]


def _masked_columns(masked: dict[str, Any] | None, contract_ref: str) -> tuple[list[str], str]:
    if not masked:
        return [], ""
    patterns = masked.get("field_patterns", {}).get(contract_ref, {})
    return list(patterns.get("field_patterns", [])), masked.get("seed", "")


def build_plan(catalog: Catalog, config: BatchJobConfig, job_id: str) -> dict[str, Any]:
    """Check the job against its contract and the source header; return the dbt plan."""
    for name in sorted(config.connectors()):
        catalog.connector(name)
    contract = catalog.contract(config.contract_ref)
    names = [column["name"] for column in contract["columns"]]

    header = _read_header(catalog, config)
    if sorted(header) != sorted(names) or len(set(header)) != len(header):
        missing = [n for n in names if n not in header]
        unexpected = [h for h in header if h not in names]
        raise ConfigError(
            f"the header of {config.source.describe()} does not match contract "
            f"{config.contract_ref}: missing columns {missing}, unexpected columns {unexpected}")
    by_name = {column["name"]: column for column in contract["columns"]}
    columns = [by_name[name] for name in header]  # read and written in the file's order

    for role, field in [("timestamp_config.field", config.timestamp_field),
                        ("consent_level_extractor.field", config.consent_field)]:
        if field and field not in names:
            raise ConfigError(f"batch job: {role} `{field}` is not a column of contract "
                              f"{config.contract_ref}")
    try:
        compile_pattern(config.timestamp_format)
    except JavaPatternError as error:
        raise ConfigError(f"batch job: timestamp_config.format "
                          f"{config.timestamp_format!r} is not a valid pattern: {error}") from None
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(config.time_zone)
    except (KeyError, ValueError):
        raise ConfigError(f"batch job: default_time_zone {config.time_zone!r} is not an IANA "
                          "time zone") from None

    derived = []
    for index, spec in enumerate(config.derived):
        masked, seed = _masked_columns(spec.masked or config.masked, config.contract_ref)
        unknown = [m for m in masked if m not in names]
        if unknown:
            raise ConfigError(f"batch job: derived_data[{index}] masks unknown columns {unknown}")
        if spec.consent_level_type == "CUMULATIVE" and len(spec.consent_levels) != 1:
            raise ConfigError(f"batch job: derived_data[{index}] is CUMULATIVE and takes one "
                              f"consent level, got {spec.consent_levels}")
        derived.append({"consent_levels": spec.consent_levels,
                        "consent_level_type": spec.consent_level_type,
                        "masked_fields": masked, "mask_seed": seed})

    connector = catalog.connector(config.source.connector)
    local = connector.local_path(config.source.relative_path)
    return {
        "job_id": job_id,
        "group_id": config.group_id or job_id,
        "source_path": str(local) if local else None,  # S3 sources are fetched at run time
        "contract": {**contract, "columns": columns},
        "timestamp": {"field": config.timestamp_field, "format": config.timestamp_format,
                      "zone": config.time_zone},
        "consent": {"default_levels": config.default_consent_levels,
                    "field": config.consent_field, "patterns": config.consent_patterns},
        "derived": derived,
    }
