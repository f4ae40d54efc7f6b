"""STRM's protobuf enums, by name or by number, as the STRM CLI read them.

The STRM CLI parsed its JSON files with protobuf's JSON mapping, which takes an
enum as its name or as its number (``"consent_level_type": 2``). Numbers from
strmprivacy/api-definitions, ``strmprivacy/api/entities/v1/entities_v1.proto``.
"""

from __future__ import annotations

from typing import Any

from duckshred.service.errors import ConfigError

# enum ConsentLevelType. UNSPECIFIED (0) is CUMULATIVE, as the STRM CLI defaulted it.
CONSENT_LEVEL_TYPES = {0: "CUMULATIVE", 1: "CUMULATIVE", 2: "GRANULAR"}
_CONSENT_NAMES = {"CONSENT_LEVEL_TYPE_UNSPECIFIED": "CUMULATIVE", "CUMULATIVE": "CUMULATIVE",
                  "GRANULAR": "GRANULAR"}

# enum SimpleSchemaNodeType (the `type` of a simple schema's nodes)
SCHEMA_NODE_TYPES = {1: "STRING", 2: "BOOLEAN", 3: "FLOAT", 4: "INTEGER", 5: "LONG", 10: "NODE"}


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def consent_level_type(value: Any, where: str) -> Any:
    """``CUMULATIVE``/``GRANULAR`` for a name or number; other values unchanged, so
    the job file's validation names them."""
    number = _number(value)
    if number is not None:
        if number not in CONSENT_LEVEL_TYPES:
            raise ConfigError(f"`{where}`: {value!r} is not a consent level type "
                              "(1 CUMULATIVE, 2 GRANULAR)")
        return CONSENT_LEVEL_TYPES[number]
    if isinstance(value, str) and value in _CONSENT_NAMES:
        return _CONSENT_NAMES[value]
    return value


def schema_node_type(value: Any, where: str) -> str:
    """A simple schema node's type name, for a name or a number."""
    number = _number(value)
    if number is not None:
        if number not in SCHEMA_NODE_TYPES:
            known = ", ".join(f"{n} {name}" for n, name in SCHEMA_NODE_TYPES.items())
            raise ConfigError(f"`{where}`: {value!r} is not a schema node type ({known})")
        return SCHEMA_NODE_TYPES[number]
    return str(value)


def name_batch_job_enums(document: Any) -> Any:
    """The batch job document with enum numbers replaced by their names (either
    spelling of the field names); anything not shaped as expected is left for the
    file's validation to report."""
    if not isinstance(document, dict):
        return document
    named = dict(document)
    for derived_key in ("derived_data", "derivedData"):
        derived = named.get(derived_key)
        if not isinstance(derived, list):
            continue
        specs = []
        for index, spec in enumerate(derived):
            if isinstance(spec, dict):
                spec = dict(spec)
                for type_key in ("consent_level_type", "consentLevelType"):
                    if type_key in spec:
                        spec[type_key] = consent_level_type(
                            spec[type_key], f"{derived_key}[{index}].{type_key}")
            specs.append(spec)
        named[derived_key] = specs
    return named
