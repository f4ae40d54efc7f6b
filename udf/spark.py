"""The Spark engine adapter: duckshred's SQL functions as Arrow UDFs, and the session.

The functions are the very bodies the DuckDB engine registers (``udf.functions``,
``udf.timestamps``: ``pyarrow.Array`` in, ``pyarrow.Array`` out), wrapped as
Spark Arrow UDFs, so both engines make byte-identical ciphertexts and keysets
from the one crypto core. Spark hands each call a whole Arrow batch.

Where Spark runs (env or arguments, in this order):

- ``DUCKSHRED_SPARK_REMOTE`` (``sc://host:15002``): a Spark Connect server;
- ``DUCKSHRED_SPARK_MASTER`` (``spark://host:7077``, ``yarn``, ...): a cluster;
- else ``local[*]``, Spark inside this process.

On a cluster the Python workers need duckshred installed, and ``decrypt()``
reads the key store file by its path, so that path must be readable there.
Nothing is downloaded at run time: no ``spark.jars.packages``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql.functions import arrow_udf

from duckshred.udf import functions, timestamps
from duckshred.udf._arrow import strings

SPARK_MASTER_ENV = "DUCKSHRED_SPARK_MASTER"
SPARK_REMOTE_ENV = "DUCKSHRED_SPARK_REMOTE"
SPARK_DRIVER_MEMORY_ENV = "DUCKSHRED_SPARK_DRIVER_MEMORY"
DEFAULT_MASTER = "local[*]"
DEFAULT_DRIVER_MEMORY = "2g"

# Settings that make Spark's results the same as DuckDB's whatever the cluster's
# defaults are (runtime settings, so they hold on an existing session too).
SESSION_SETTINGS = {
    # dates and timestamps are UTC, as the key days are
    "spark.sql.session.timeZone": "UTC",
    # DuckDB reads these timestamps as instants; Spark's legacy INT96 it would not
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # a job is one file on a small machine by default: few shuffle partitions
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "true",
}


def _arrow_function(body: Callable[..., pa.Array]) -> Callable[..., pa.Array]:
    def run(*columns: pa.Array) -> pa.Array:
        return body(*columns)

    run.__name__ = body.__name__
    return run


# name -> (body, Spark return type, deterministic)
FUNCTIONS: dict[str, tuple[Callable[..., pa.Array], str, bool]] = {
    # Randomised: Spark must neither merge nor repeat its calls.
    "tink_keyset_new_per_row": (functions.keyset_new_per_row, "string", False),
    "tink_encrypt": (functions.encrypt, "string", True),
    "tink_decrypt": (functions.decrypt, "string", True),
    "tink_try_decrypt": (functions.try_decrypt, "string", True),
    "strm_mask": (functions.mask, "string", True),
    "java_timestamp_epoch_ms": (timestamps.epoch_millis, "bigint", True),
    "java_timestamp_error": (timestamps.parse_error, "string", True),
    "duckshred_subject_hash": (functions.subject_hash, "string", True),
}


def _keysets_by_link(keystore: Path, links: list[str]) -> dict[str, str]:
    if not links or not keystore.exists():
        return {}
    with duckdb.connect(str(keystore), read_only=True) as conn:
        rows = conn.execute(
            "SELECT key_link, keyset FROM main.encryption_keys "
            "WHERE key_link IN (SELECT unnest(?::VARCHAR[]))", [links]).fetchall()
    return dict(rows)


def decrypt_by_key_link(keystore: Path) -> Callable[[pa.Array, pa.Array], pa.Array]:
    """``decrypt(ciphertext, key_link)`` for Spark: each batch looks its keysets up in
    the key store file when it runs, so a shredded key is NULL from the next batch on,
    in every open session (nothing holds the store open between batches)."""

    def decrypt(ciphertexts: pa.Array, key_links: pa.Array) -> pa.Array:
        links = [link for link in set(key_links.to_pylist()) if link is not None]
        found = _keysets_by_link(keystore, links)
        keysets = strings([found.get(link) if link is not None else None
                           for link in key_links.to_pylist()])
        return functions.decrypt(ciphertexts, keysets)

    return decrypt


def register_spark_functions(spark: SparkSession, keystore: Path | None = None) -> None:
    """Register duckshred's functions on ``spark`` (again: each call replaces them);
    with ``keystore``, also ``decrypt(ciphertext, key_link)`` over that key store."""
    for name, (body, returns, deterministic) in FUNCTIONS.items():
        function = arrow_udf(_arrow_function(body), returns)  # type: ignore[call-overload]
        if not deterministic:
            function = function.asNondeterministic()
        spark.udf.register(name, function)
    if keystore is not None:
        spark.udf.register("decrypt", arrow_udf(  # type: ignore[call-overload]
            _arrow_function(decrypt_by_key_link(Path(keystore))), "string"))


def spark_session(*, master: str | None = None, remote: str | None = None,
                  local_dir: Path | None = None,
                  settings: dict[str, Any] | None = None) -> SparkSession:
    """The process's Spark session, made on first use (local ``local[*]`` unless a
    master URL or Spark Connect address is given or set in the environment)."""
    # The Python workers run duckshred's functions: they use this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    remote = remote or os.environ.get(SPARK_REMOTE_ENV)
    builder: Any = SparkSession.builder.appName("duckshred")
    if remote:
        # dbt-spark's session method asks pyspark's classic builder for the session:
        # with SPARK_REMOTE set, that builder returns this Connect session.
        os.environ["SPARK_REMOTE"] = remote
        builder = builder.remote(remote)
    else:
        builder = builder.master(master or os.environ.get(SPARK_MASTER_ENV) or DEFAULT_MASTER)
        builder = (builder
                   .config("spark.driver.memory",
                           os.environ.get(SPARK_DRIVER_MEMORY_ENV, DEFAULT_DRIVER_MEMORY))
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   # no Hive metastore (it would write a Derby database in the cwd)
                   .config("spark.sql.catalogImplementation", "in-memory"))
        if local_dir is not None:
            # shuffle and spill files of a local run stay in the workspace
            local_dir.mkdir(parents=True, exist_ok=True)
            builder = builder.config("spark.local.dir", str(local_dir))
    for key, value in {**SESSION_SETTINGS, **(settings or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    if not remote:
        # Spark's INFO/WARN lines would drown the job's progress
        spark.sparkContext.setLogLevel(os.environ.get("DUCKSHRED_SPARK_LOG_LEVEL", "ERROR"))
    for key, value in {**SESSION_SETTINGS, **(settings or {})}.items():
        spark.conf.set(key, value)  # an existing session keeps its old values otherwise
    return spark


def connect_spark(workspace: str | os.PathLike[str] | None = None, **options: Any) -> SparkSession:
    """A Spark session with duckshred's functions, ``decrypt(ciphertext, key_link)``
    included, over the workspace's key store (``DUCKSHRED_HOME``, else ``.duckshred``)."""
    from duckshred.udf.layout import DEFAULT_WORKSPACE, KEYSTORE_FILE, WORKSPACE_ENV

    root = Path(workspace or os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE).resolve()
    spark = spark_session(**options)
    register_spark_functions(spark, root / KEYSTORE_FILE)
    return spark
