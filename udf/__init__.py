"""Engine adapter: duckshred's SQL functions in DuckDB, the dbt-duckdb plugin, the key store.

``register_functions(conn)`` is the one entry point that makes a DuckDB connection
speak duckshred; the dbt plugin and ``duckshred.connect`` both go through it.

The names below load on first use: ``duckshred.udf.layout`` (which read-only
commands need) must not pull in DuckDB, pyarrow and numpy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from duckshred.udf.keystore import KEYSTORE_ALIAS, attach_keystore
    from duckshred.udf.registration import FUNCTIONS, register_functions

__all__ = ["FUNCTIONS", "KEYSTORE_ALIAS", "attach_keystore", "register_functions"]

_HOMES = {"FUNCTIONS": "registration", "register_functions": "registration",
          "KEYSTORE_ALIAS": "keystore", "attach_keystore": "keystore"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
