"""Data contracts: which columns exist, which are PII (and at what purpose level),
the key field and the data subject field.

Accepted forms, all normalised to one typed ``Contract`` (kept in the catalog as its
``document()``, from which the job plan takes what the dbt models read):
- STRM's pair: an event contract (``keyField``, ``piiFields``, ``dataSubjectField``,
  ``validations``) plus a simple schema (``nodes: [{type, name}]``);
- STRM's later data contract, with ``fieldMetadata`` (it wins over ``piiFields``);
- dbt-native YAML: ``key_field``, ``data_subject_field``, ``columns: [{name, type,
  pii, purpose_level}]``, ``validations``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from duckshred.service.errors import ConfigError
from duckshred.service.strm_enums import schema_node_type

REF_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Frozen):
    name: str
    type: str = "STRING"
    pii: bool = False
    purpose_level: int | None = None  # set for PII columns only


class Validation(_Frozen):
    field: str
    type: Literal["regex"] = "regex"
    value: str


class Contract(_Frozen):
    """A normalised data contract: the columns (PII ones with their purpose level),
    the key field, the data subject field and the regex validations."""

    ref: str
    key_field: str
    data_subject_field: str | None = None
    columns: list[Column]
    validations: list[Validation] = []
    # Days a key of this contract is kept after it expires before `duckshred shred
    # --expired` shreds it (a duckshred extension; None: not shredded by age).
    retention_days: int | None = None

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def pii_fields(self) -> dict[str, int]:
        """PII column -> purpose level, in column order: the one place this list is made
        (the job plan hands it to the dbt models)."""
        return {c.name: c.purpose_level or 0 for c in self.columns if c.pii}

    def document(self) -> dict[str, Any]:
        """The catalog's JSON form: a column carries `pii` and `purpose_level` only if PII."""
        columns = [{"name": c.name, "type": c.type,
                    **({"pii": True, "purpose_level": c.purpose_level} if c.pii else {})}
                   for c in self.columns]
        return {"ref": self.ref, "key_field": self.key_field,
                "data_subject_field": self.data_subject_field, "columns": columns,
                "validations": [v.model_dump() for v in self.validations],
                **({"retention_days": self.retention_days}
                   if self.retention_days is not None else {})}


def check_ref(ref: str) -> str:
    if not REF_PATTERN.match(ref):
        raise ConfigError(f"contract reference {ref!r} is not of the form HANDLE/NAME/VERSION")
    return ref


def read_document(path: str | Path) -> dict[str, Any]:
    import yaml  # only here: listing commands need no YAML parser

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"file not found: {path}") from None
    try:
        document = (yaml.safe_load(text) if path.suffix in {".yml", ".yaml"}
                    else json.loads(text))
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        kind = "YAML" if path.suffix in {".yml", ".yaml"} else "JSON"
        raise ConfigError(f"{path}: not valid {kind}: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected an object at the top level")
    return document


def _schema_columns(schema: dict[str, Any]) -> list[dict[str, str]]:
    definition = schema.get("definition", schema)
    if isinstance(definition, str):
        definition = json.loads(definition)
    nodes = definition.get("nodes") if isinstance(definition, dict) else None
    if not isinstance(nodes, list) or not nodes:
        raise ConfigError("schema: expected `nodes: [{type, name}, ...]`")
    columns = []
    for node in nodes:
        if not isinstance(node, dict) or not node.get("name"):
            raise ConfigError("schema: every node needs a `name`")
        columns.append({"name": str(node["name"]), "type": schema_node_type(
            node.get("type", "STRING"), f"schema.nodes[{node['name']}].type")})
    return columns


def normalise_contract(
    ref: str, document: dict[str, Any], schema: dict[str, Any] | None = None
) -> Contract:
    """Any accepted contract form -> the normalised contract. Raises ``ConfigError``."""
    check_ref(ref)
    body = document.get("contract", document)  # STRM's data contract nests it
    if "columns" in body:
        columns = [dict(c) for c in body["columns"]]
        pii = {c["name"]: int(c.get("purpose_level", 0)) for c in columns if c.get("pii")}
        key_field = body.get("key_field") or body.get("keyField")
        subject_field = body.get("data_subject_field") or body.get("dataSubjectField")
    else:
        schema = schema or document.get("schema")
        if schema is None:
            raise ConfigError(
                f"contract {ref}: no schema; pass the simple schema with --schema SCHEMA.json")
        columns = _schema_columns(schema)
        pii = {name: int(level) for name, level in (body.get("piiFields") or {}).items()}
        metadata = document.get("fieldMetadata") or body.get("fieldMetadata")
        if metadata:  # the later contract form wins over piiFields
            pii = {}
            for entry in metadata:
                config = entry.get("personalDataConfig") or {}
                if config.get("isPii"):
                    pii[entry["fieldName"]] = int(config.get("purposeLevel", 0))
        key_field = body.get("keyField")
        subject_field = body.get("dataSubjectField") or None
    names = [c["name"] for c in columns]
    if len(set(names)) != len(names):
        raise ConfigError(f"contract {ref}: duplicate column names in the schema")
    if not key_field:
        raise ConfigError(f"contract {ref}: missing `keyField`")
    for role, name in [("keyField", key_field), ("dataSubjectField", subject_field),
                       *(("piiFields", field) for field in pii)]:
        if name and name not in names:
            raise ConfigError(f"contract {ref}: {role} `{name}` is not a column of the schema")
    validations: list[Validation] = []
    for validation in body.get("validations") or []:
        if validation.get("type", "regex") != "regex":
            raise ConfigError(f"contract {ref}: validation type {validation.get('type')!r} "
                              "is not supported (only regex)")
        if validation.get("field") not in names:
            raise ConfigError(f"contract {ref}: validation field `{validation.get('field')}` "
                              "is not a column of the schema")
        validations.append(Validation(field=validation["field"], value=validation["value"]))
    retention = body.get("retention_days", body.get("retentionDays"))
    if retention is not None and (isinstance(retention, bool) or not isinstance(retention, int)
                                  or retention < 0):
        raise ConfigError(f"contract {ref}: `retentionDays` must be a whole number of days "
                          "(0 or more)")
    return Contract(
        ref=ref, key_field=key_field, data_subject_field=subject_field, retention_days=retention,
        columns=[Column(name=c["name"], type=c.get("type", "STRING"), pii=c["name"] in pii,
                        purpose_level=pii.get(c["name"])) for c in columns],
        validations=validations)
