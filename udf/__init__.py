"""Engine adapter: duckshred's SQL functions in DuckDB, the dbt-duckdb plugin, the key store.

``register_functions(conn)`` is the one entry point that makes a DuckDB connection
speak duckshred; the dbt plugin and ``duckshred.connect`` both go through it.
"""

from duckshred.udf.keystore import KEYSTORE_ALIAS, attach_keystore
from duckshred.udf.registration import FUNCTIONS, register_functions

__all__ = ["FUNCTIONS", "KEYSTORE_ALIAS", "attach_keystore", "register_functions"]
