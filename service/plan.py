"""The job plan: check a STRM batch job against its contract and its source file,
before any work, and compile it into the plan the dbt project runs.

``JobPlan`` is the one definition of what the dbt models read: the runner writes
its ``model_dump`` to the file the ``duckshred_job()`` macro reads, and the
bundled sample's ``duckshred_job`` var in dbt_project.yml is one such plan (a test
compiles the sample's files and compares). Nothing here writes: a job that fails
these checks leaves no trace.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from duckshred.javatime import JavaPatternError, compile_pattern
from duckshred.javatime.native import engine_shortcut
from duckshred.service.catalog import Catalog
from duckshred.service.config import BatchJobConfig, ConsentRule
from duckshred.service.contracts import Contract, Validation
from duckshred.service.errors import ConfigError

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
    if config.source.file_format == "parquet":  # data_type decides, not the file's name
        try:
            return connector.parquet_columns(config.source.relative_path)
        except Exception as error:  # pyarrow's errors name no data, only the problem
            raise ConfigError(f"{where}: not a readable Parquet file "
                              f"({type(error).__name__})") from None
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


class _PlanPart(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanColumn(_PlanPart):
    name: str
    type: str


class PlanContract(_PlanPart):
    """The contract as the models read it: columns in the source file's order. Which
    columns are PII is said once, by ``JobPlan.pii_fields``."""

    ref: str
    key_field: str
    data_subject_field: str | None
    columns: list[PlanColumn]
    validations: list[Validation]


class TimestampPlan(_PlanPart):
    field: str
    format: str  # a Java DateTimeFormatter pattern
    zone: str    # IANA zone for timestamps without an offset
    # A strptime format whose own texts the engine may parse itself, and the zone's
    # fixed offset (None: a region's day offsets); see javatime.native. No format:
    # every row takes the Java parser.
    strptime_format: str | None = None
    fixed_offset_seconds: int | None = None


class ConsentPlan(_PlanPart):
    default_levels: list[int]
    field: str | None                 # the column holding a row's consent, if any
    patterns: dict[str, list[int]]    # exact value of that column -> its levels


class DerivedPlan(ConsentRule):
    """One derived dataset: which rows (the consent rule), and which columns are masked."""

    masked_fields: list[str]
    mask_seed: str


class JobPlan(BaseModel):
    """Everything the dbt project needs to run one batch job."""

    model_config = ConfigDict(extra="forbid")

    job_id: str
    group_id: str                # keys are shared within a group of jobs
    source_path: str | None      # a local file; None until an S3 source is fetched
    source_format: Literal["csv", "parquet"] = "csv"   # the source's data_type
    contract: PlanContract
    pii_fields: dict[str, int]   # PII column -> purpose level, in column order
    timestamp: TimestampPlan
    consent: ConsentPlan
    derived: list[DerivedPlan]


def compile_plan(config: BatchJobConfig, contract: Contract, header: list[str], job_id: str,
                 source_path: str | None) -> JobPlan:
    """Check the job against its contract and the source file's header; return its plan."""
    names = contract.names
    _check_header(header, names, config)
    by_name = {column.name: column for column in contract.columns}
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
        ZoneInfo(config.time_zone)
    except (KeyError, ValueError):
        raise ConfigError(f"batch job: default_time_zone {config.time_zone!r} is not an IANA "
                          "time zone") from None

    derived = []
    for index, spec in enumerate(config.derived):
        masked, seed = config.masking(spec)
        unknown = [m for m in masked if m not in names]
        if unknown:
            raise ConfigError(f"batch job: derived_data[{index}] masks unknown columns {unknown}")
        derived.append(DerivedPlan(consent_levels=spec.consent_levels,
                                   consent_level_type=spec.consent_level_type,
                                   masked_fields=masked, mask_seed=seed))

    shortcut = engine_shortcut(config.timestamp_format, config.time_zone)
    pii = contract.pii_fields
    return JobPlan(
        job_id=job_id,
        group_id=config.group_id or job_id,
        source_path=source_path,
        source_format=config.source.file_format,
        contract=PlanContract(
            ref=contract.ref, key_field=contract.key_field,
            data_subject_field=contract.data_subject_field,
            columns=[PlanColumn(name=c.name, type=c.type) for c in columns],
            validations=contract.validations),
        pii_fields={c.name: pii[c.name] for c in columns if c.name in pii},
        timestamp=TimestampPlan(field=config.timestamp_field, format=config.timestamp_format,
                                zone=config.time_zone,
                                strptime_format=shortcut[0] if shortcut else None,
                                fixed_offset_seconds=shortcut[1] if shortcut else None),
        consent=ConsentPlan(default_levels=config.default_consent_levels,
                            field=config.consent_field, patterns=config.consent_patterns),
        derived=derived,
    )


def build_plan(catalog: Catalog, config: BatchJobConfig, job_id: str) -> JobPlan:
    """Check the job against the catalog (connectors, contract) and its source file."""
    for name in sorted(config.connectors()):
        catalog.connector(name)
    contract = catalog.contract(config.contract_ref)
    _check_locations(catalog, config)
    header = _read_header(catalog, config)
    local = catalog.connector(config.source.connector).local_path(config.source.relative_path)
    # S3 sources are fetched at run time
    return compile_plan(config, contract, header, job_id, str(local) if local else None)


def validate_batch_job(catalog: Catalog, config_path: str | Path) -> dict[str, Any]:
    """Every check a batch job meets before it runs (file, contract, connectors, source
    header, patterns, zones, derived rules), and no work: nothing is recorded or written.
    Returns what the job would read and write."""
    from duckshred.service.config import load_config

    config = load_config(config_path)
    build_plan(catalog, config, "validation")
    return {"valid": True, "contractRef": config.contract_ref,
            "source": config.source.describe(),
            "outputs": [location.describe() for location in
                        [config.encrypted, config.keys, *(d.location for d in config.derived)]]}
