"""duckshred's functions as Spark Arrow UDFs (udf/spark.py): the same bytes as the DuckDB
engine's functions, and ``decrypt(ciphertext, key_link)`` in Spark SQL over the one key
store, NULL as soon as a key is shredded. One Spark session serves the whole run."""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import pytest

from duckshred.crypto import mask_value, new_keyset_json
from duckshred.udf.keystore import KEYSTORE_ALIAS, attach_keystore, rewrite_keystore
from duckshred.udf.registration import register_functions
from duckshred.udf.spark import connect_spark

pytestmark = pytest.mark.spark

VALUES = ["12347", "", "Zoë «quoted, with \"quotes\"»", "12347", None, "x" * 300]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> dict:
    """A key store with one key per value, and DuckDB's ciphertexts of the values."""
    workspace = tmp_path_factory.mktemp("spark-udfs")
    keysets = [new_keyset_json() for _ in VALUES]
    links = [str(uuid.uuid4()) for _ in VALUES]
    conn = duckdb.connect()
    attach_keystore(conn, workspace / "keystore.duckdb")
    for link, keyset in zip(links, keysets, strict=True):
        conn.execute(f"INSERT INTO {KEYSTORE_ALIAS}.main.encryption_keys VALUES "
                     "(?, 'g', 'h', DATE '2010-12-01', TIMESTAMPTZ '2010-12-02 00:00:00+00', "
                     "?, 'job')", [link, keyset])
    register_functions(conn)
    ciphertexts = [conn.execute("SELECT tink_encrypt(?, ?)", [value, keyset]).fetchone()[0]
                   for value, keyset in zip(VALUES, keysets, strict=True)]
    conn.close()
    spark = connect_spark(workspace)
    frame = spark.createDataFrame(
        list(zip(VALUES, keysets, links, ciphertexts, strict=True)),
        "value string, keyset string, key_link string, duckdb_ciphertext string")
    frame.createOrReplaceTempView("cases")
    return {"workspace": workspace, "spark": spark, "links": links,
            "ciphertexts": ciphertexts}


def test_spark_encrypts_to_duckdbs_bytes_and_decrypts_them(store):
    rows = store["spark"].sql(
        "SELECT tink_encrypt(value, keyset) AS ours, duckdb_ciphertext, "
        "tink_decrypt(duckdb_ciphertext, keyset) AS clear, value FROM cases").collect()
    assert [row["ours"] for row in rows] == store["ciphertexts"]
    assert [row["clear"] for row in rows] == VALUES
    assert store["ciphertexts"][4] is None and store["ciphertexts"][0] is not None


def test_spark_masks_and_parses_times_as_duckdb(store):
    rows = store["spark"].sql(
        "SELECT strm_mask(value, 'seed') AS masked, value, "
        "java_timestamp_epoch_ms('2010-12-01 08:26:00', 'yyyy-MM-dd HH:mm:ss', "
        "'Europe/Amsterdam') AS ms, "
        "java_timestamp_error('2010-12-01 8:26:00', 'yyyy-MM-dd HH:mm:ss', "
        "'Europe/Amsterdam') AS error FROM cases").collect()
    assert [row["masked"] for row in rows] == [
        None if v is None else mask_value(v, "seed") for v in VALUES]
    assert {row["ms"] for row in rows} == {1291188360000}
    assert "could not be parsed at index 11" in rows[0]["error"]


def test_new_keysets_differ_per_row_and_work_in_duckdb(store):
    made = [row[0] for row in store["spark"].sql(
        "SELECT tink_keyset_new_per_row(key_link) FROM cases").collect()]
    assert len(set(made)) == len(VALUES)
    conn = register_functions(duckdb.connect())
    for keyset in made:
        ciphertext = conn.execute("SELECT tink_encrypt('a', ?)", [keyset]).fetchone()[0]
        assert conn.execute("SELECT tink_decrypt(?, ?)", [ciphertext, keyset]).fetchone()[0] == "a"
    conn.close()


def test_tampering_is_an_error_not_null(store):
    with pytest.raises(Exception, match="does not decrypt"):
        store["spark"].sql(
            "SELECT tink_decrypt(concat(substr(duckdb_ciphertext, 1, 10), 'AAAA', "
            "substr(duckdb_ciphertext, 15)), keyset) FROM cases "
            "WHERE duckdb_ciphertext IS NOT NULL").collect()


def test_decrypt_by_key_link_in_spark_sql_is_null_once_shredded(store):
    def decrypted() -> list[str | None]:
        return [row[0] for row in store["spark"].sql(
            "SELECT decrypt(duckdb_ciphertext, key_link) FROM cases").collect()]

    assert decrypted() == VALUES
    path = Path(store["workspace"]) / "keystore.duckdb"
    rewrite_keystore(path, drop_key_links=[store["links"][0], store["links"][3]])
    assert decrypted() == [None, *VALUES[1:3], None, *VALUES[4:]]
