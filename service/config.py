"""Batch job configuration: the STRM batch job file, accepted as is.

One typed model (pydantic) defines the file. Field names may be snake_case or
camelCase: they are normalised to snake_case first, remembering how the user
spelled each, so an unknown field is rejected under the user's own spelling.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from duckshred.service.errors import ConfigError
from duckshred.service.strm_enums import name_batch_job_enums

# Maps whose keys are data (consent values, contract refs), not field names.
_DATA_KEYED_MAPS = {"field_patterns"}

NonEmpty = Annotated[str, Field(min_length=1)]
Level = Annotated[int, Field(ge=0)]


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


class _Strict(BaseModel):
    # strict: a JSON file's "1" is not a consent level, nor 1 a file name
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ConnectorRef(_Strict):
    name: NonEmpty


class CsvType(_Strict):
    charset: str = "UTF-8"


class ParquetType(_Strict):
    pass


class DataType(_Strict):
    csv: CsvType | None = None
    parquet: ParquetType | None = None


class Location(_Strict):
    """A file in a data connector: a job's source or one of its outputs."""

    data_connector_ref: ConnectorRef
    path_prefix: str = ""
    file_name: NonEmpty
    data_type: DataType | None = None

    @model_validator(mode="after")
    def _utf8_only(self) -> Location:
        charset = (self.data_type.csv.charset if self.data_type and self.data_type.csv
                   else "UTF-8")
        if self.file_format == "csv" and charset.upper().replace("_", "-") not in {"UTF-8",
                                                                                   "UTF8"}:
            raise ValueError(f"data_type.csv.charset {charset!r} is not supported (only UTF-8)")
        return self

    @property
    def connector(self) -> str:
        return self.data_connector_ref.name

    @property
    def file_format(self) -> Literal["csv", "parquet"]:
        # The data_type decides, as in STRM; a file's name is only a name.
        parquet = (self.data_type is not None and self.data_type.parquet is not None)
        return "parquet" if parquet else "csv"

    @property
    def relative_path(self) -> str:
        prefix = self.path_prefix.strip("/")
        return f"{prefix}/{self.file_name}" if prefix else self.file_name

    def describe(self) -> str:
        return f"{self.connector}:{self.relative_path}"


class FieldPatterns(_Strict):
    field_patterns: list[str]


class MaskedFields(_Strict):
    hash_type: Literal["", "MURMUR3_128", "murmur3_128"] = ""
    seed: str = ""
    field_patterns: dict[str, FieldPatterns]  # contract ref -> its masked columns

    def columns_for(self, contract_ref: str) -> list[str]:
        patterns = self.field_patterns.get(contract_ref)
        return list(patterns.field_patterns) if patterns else []


class ConsentRule(_Strict):
    """Which rows enter a derived dataset, by their consent levels:
    CUMULATIVE [n] keeps rows whose highest level is at least n; GRANULAR R keeps
    rows that hold every level of R. The one place this rule's shape is checked:
    the batch job file and the plan dbt runs both use it."""

    consent_levels: Annotated[list[Level], Field(min_length=1)]
    consent_level_type: Literal["CUMULATIVE", "GRANULAR"]

    @model_validator(mode="after")
    def _cumulative_takes_one_level(self) -> ConsentRule:
        if self.consent_level_type == "CUMULATIVE" and len(self.consent_levels) != 1:
            raise ValueError(f"CUMULATIVE takes one consent level, got {self.consent_levels}")
        return self


class DerivedData(ConsentRule):
    target: Location
    masked_fields: MaskedFields | None = None

    @property
    def location(self) -> Location:
        return self.target


class ConsentPattern(_Strict):
    consent_levels: list[Level]


class ConsentExtractor(_Strict):
    field: NonEmpty
    field_patterns: dict[str, ConsentPattern] | None = None  # field value -> its levels


class Consent(_Strict):
    default_consent_levels: list[Level] = []
    consent_level_extractor: ConsentExtractor | None = None


class TimeZoneRef(_Strict):
    id: NonEmpty


class TimestampConfig(_Strict):
    field: NonEmpty
    format: NonEmpty
    default_time_zone: TimeZoneRef | None = None


class Encryption(_Strict):
    batch_job_group_id: NonEmpty | None = None
    timestamp_config: TimestampConfig


class ContractRef(_Strict):
    handle: NonEmpty
    name: NonEmpty
    version: NonEmpty


class Output(_Strict):
    target: Location


class BatchJobConfig(_Strict):
    """A STRM batch job file (snake_case names), and the views the job runner reads."""

    source_data: Location
    consent: Consent = Consent()
    encryption: Encryption
    event_contract_ref: ContractRef
    encrypted_data: Output
    encryption_keys_data: Output
    derived_data: list[DerivedData] = []
    masked_fields: MaskedFields | None = None

    @property
    def raw(self) -> dict[str, Any]:
        """The file as given (snake_case), as kept in the job record."""
        return self.model_dump(mode="json", exclude_unset=True)

    @property
    def source(self) -> Location:
        return self.source_data

    @property
    def encrypted(self) -> Location:
        return self.encrypted_data.target

    @property
    def keys(self) -> Location:
        return self.encryption_keys_data.target

    @property
    def derived(self) -> list[DerivedData]:
        return self.derived_data

    @property
    def contract_ref(self) -> str:
        ref = self.event_contract_ref
        return f"{ref.handle}/{ref.name}/{ref.version}"

    @property
    def group_id(self) -> str | None:
        return self.encryption.batch_job_group_id

    @property
    def timestamp_field(self) -> str:
        return self.encryption.timestamp_config.field

    @property
    def timestamp_format(self) -> str:
        return self.encryption.timestamp_config.format

    @property
    def time_zone(self) -> str:
        zone = self.encryption.timestamp_config.default_time_zone
        return zone.id if zone else "UTC"

    @property
    def default_consent_levels(self) -> list[int]:
        return self.consent.default_consent_levels

    @property
    def consent_field(self) -> str | None:
        extractor = self.consent.consent_level_extractor
        return extractor.field if extractor else None

    @property
    def consent_patterns(self) -> dict[str, list[int]]:
        extractor = self.consent.consent_level_extractor
        patterns = (extractor.field_patterns if extractor else None) or {}
        return {value: pattern.consent_levels for value, pattern in patterns.items()}

    def masking(self, derived: DerivedData) -> tuple[list[str], str]:
        """(masked columns, seed) of a derived dataset: its own masked_fields, else the job's."""
        masked = derived.masked_fields or self.masked_fields
        if masked is None:
            return [], ""
        return masked.columns_for(self.contract_ref), masked.seed

    def connectors(self) -> set[str]:
        locations = [self.source, self.encrypted, self.keys, *(d.location for d in self.derived)]
        return {location.connector for location in locations}


def _explain(error: Any, spelled: dict[str, str]) -> str:
    """One pydantic error, in the file's terms: the path as dots, unknown names as spelled."""
    path = [str(part) for part in error["loc"]]
    if error["type"] == "extra_forbidden":
        *parent, name = path
        return f"unknown field `{'.'.join([*parent, spelled.get(name, name)])}`"
    if error["type"] == "missing":
        *parent, name = path
        return f"missing field in `{'.'.join(parent) or '(top level)'}`: '{name}'"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"`{'.'.join(path) or '(top level)'}`: {message}"


def parse_config(document: dict[str, Any], origin: str = "batch job config") -> BatchJobConfig:
    """Validate and read a batch job document; raise ``ConfigError`` naming the field."""
    if not isinstance(document, dict):
        raise ConfigError(f"{origin}: expected a JSON object")
    spelled: dict[str, str] = {}
    normalised = _normalise(name_batch_job_enums(document), spelled=spelled)
    try:
        return BatchJobConfig.model_validate(normalised)
    except ValidationError as error:
        # never quote the input: a value given in the wrong place may be personal data
        problems = error.errors(include_input=False, include_url=False)
        raise ConfigError(f"{origin}: " + "; ".join(
            _explain(problem, spelled) for problem in problems[:5])) from None


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
