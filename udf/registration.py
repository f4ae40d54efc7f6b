"""The table of duckshred's SQL functions and their registration on a DuckDB connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import duckdb
from duckdb import func
from duckdb.sqltypes import BIGINT, INTEGER, VARCHAR

from duckshred.udf import functions, timestamps


@dataclass(frozen=True)
class ListOf:
    """A LIST return type, made on the connection a function is registered on:
    ``duckdb.list_type`` would open DuckDB's default database, and its worker threads,
    when this module is imported (a process that forks jobs must not have them)."""

    element: Any


@dataclass(frozen=True)
class SqlFunction:
    name: str
    body: Callable[..., Any]
    parameters: list[Any]
    returns: Any
    vectorized: bool = True
    # Randomised functions must say so, or DuckDB evaluates them once per query
    # and every row gets the same key.
    side_effects: bool = False


FUNCTIONS: tuple[SqlFunction, ...] = (
    SqlFunction("tink_keyset_new", functions.keyset_new, [], VARCHAR, vectorized=False,
                side_effects=True),
    SqlFunction("tink_keyset_new_per_row", functions.keyset_new_per_row, [VARCHAR], VARCHAR,
                side_effects=True),
    SqlFunction("tink_encrypt", functions.encrypt, [VARCHAR, VARCHAR], VARCHAR),
    SqlFunction("tink_decrypt", functions.decrypt, [VARCHAR, VARCHAR], VARCHAR),
    SqlFunction("tink_try_decrypt", functions.try_decrypt, [VARCHAR, VARCHAR], VARCHAR),
    SqlFunction("strm_mask", functions.mask, [VARCHAR, VARCHAR], VARCHAR),
    SqlFunction("duckshred_subject_hash", functions.subject_hash, [VARCHAR, VARCHAR], VARCHAR),
    SqlFunction("java_timestamp_epoch_ms", timestamps.epoch_millis,
                [VARCHAR, VARCHAR, VARCHAR], BIGINT),
    # Not randomised: with a constant zone DuckDB folds them to one list per query.
    SqlFunction("java_zone_offsets", timestamps.zone_offsets, [VARCHAR],
                ListOf(INTEGER)),
    SqlFunction("java_zone_day_codes", timestamps.zone_day_codes, [VARCHAR],
                ListOf(BIGINT)),
    SqlFunction("java_timestamp_error", timestamps.parse_error,
                [VARCHAR, VARCHAR, VARCHAR], VARCHAR),
)


def register_functions(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Register every duckshred function on ``conn`` (idempotent) and return it."""
    registered = {
        name
        for (name,) in conn.execute(
            # Python UDFs are listed as internal functions of the connection
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'scalar'"
        ).fetchall()
    }
    for function in FUNCTIONS:
        if function.name in registered:
            continue
        conn.create_function(
            function.name,
            cast(Any, function.body),  # arrow bodies take and return pyarrow arrays
            function.parameters,
            conn.list_type(function.returns.element) if isinstance(function.returns, ListOf)
            else function.returns,
            type=func.PythonUDFType.ARROW if function.vectorized else func.PythonUDFType.NATIVE,
            # NULLs are meaningful (a shredded key is a NULL keyset), so the bodies see them.
            null_handling=func.FunctionNullHandling.SPECIAL,
            # Never RETURN_NULL: one bad row would NULL its whole batch, and
            # tampering would look like missing data.
            exception_handling=duckdb.PythonExceptionHandling.DEFAULT,
            side_effects=function.side_effects,
        )
    return conn
