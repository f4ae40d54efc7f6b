"""The job plan: check a STRM batch job against its contract and its source file,
before any work, and compile it into the plan the dbt project runs.

Nothing here writes: a job that fails these checks leaves no trace.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from duckshred.service.catalog import Catalog
from duckshred.service.config import BatchJobConfig
from duckshred.service.errors import ConfigError
from duckshred.udf.javatime import JavaPatternError, compile_pattern

_HEADER_READ_LIMIT = 1 << 20  # a header line longer than 1 MiB is not a header


def _read_header(catalog: Catalog, config: BatchJobConfig) -> list[str]:
    """The source's header row. Only the first line is decoded: the bytes after it are
    data, checked (and named by line) when the job reads them."""
    connector = catalog.connector(config.source.connector)
    where = f"source file {config.source.describe()}"
    if not connector.exists(config.source.relative_path):
        raise ConfigError(f"{where} does not exist ({connector.describe()})")
    if connector.is_folder(config.source.relative_path):
        raise ConfigError(f"{where} is a folder, not a file")
    head = connector.read_head(config.source.relative_path, _HEADER_READ_LIMIT)
    end = head.find(b"\n")
    if end < 0 and len(head) >= _HEADER_READ_LIMIT:
        raise ConfigError(f"{where}: no end of line in the first {_HEADER_READ_LIMIT} bytes "
                          "(line 1, the header)")
    first_line = head[: end if end >= 0 else len(head)].removesuffix(b"\r")
    try:
        text = first_line.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{where}: line 1 (the header) is not UTF-8 text (byte "
                          f"{error.start + 1})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(rows[0]):
        raise ConfigError(f"{where} is empty: expected a header row")
    return rows[0]


def _check_header(header: list[str], names: list[str], config: BatchJobConfig) -> None:
    """The header must hold the contract's columns, each once. The message names the
    contract's columns and positions in the file, never a header value: a file
    without a header would otherwise print its first row of data."""
    if sorted(header) == sorted(names) and len(set(header)) == len(header):
        return
    missing = [n for n in names if n not in header]
    unexpected = [i + 1 for i, h in enumerate(header) if h not in names]
    repeated = sorted({i + 1 for i, h in enumerate(header) if header.index(h) != i})
    details = [f"the file has {len(header)} columns, the contract {len(names)}"]
    if missing:
        details.append(f"contract columns missing from the file: {missing}")
    if unexpected:
        details.append(f"file columns at positions {unexpected} are not in the contract")
    if repeated:
        details.append(f"file columns at positions {repeated} repeat an earlier column")
    raise ConfigError(f"the header of {config.source.describe()} does not match contract "
                      f"{config.contract_ref}: " + "; ".join(details))


def _check_locations(catalog: Catalog, config: BatchJobConfig) -> None:
    """Every file of the job inside its connector, outputs distinct from each other and
    from the source, no target that is a folder: all before any work starts."""
    seen: dict[str, str] = {}
    roles = [("source_data", config.source), ("encrypted_data.target", config.encrypted),
             ("encryption_keys_data.target", config.keys),
             *((f"derived_data[{i}].target", d.location) for i, d in enumerate(config.derived))]
    for role, location in roles:
        connector = catalog.connector(location.connector)
        try:
            identity = connector.identity(location.relative_path)
        except ConfigError as error:
            raise ConfigError(f"batch job: {role}: {error}") from None
        if identity in seen:
            raise ConfigError(f"batch job: {role} ({location.describe()}) is the same file as "
                              f"{seen[identity]}: every output needs a path of its own")
        seen[identity] = role
        if role != "source_data" and connector.is_folder(location.relative_path):
            raise ConfigError(f"batch job: {role} ({location.describe()}) is a folder; "
                              "name a file")


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

    _check_locations(catalog, config)
    header = _read_header(catalog, config)
    _check_header(header, names, config)
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
