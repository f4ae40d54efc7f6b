"""The Spark engine (`--engine spark`): the reference job reproduced on local Spark,
keys shared with the DuckDB engine in both directions, and one shred that makes
both engines' ciphertexts unreadable, through DuckDB and through Spark SQL.

One Spark session serves the whole test session (``spark_session`` is process-wide)."""

from __future__ import annotations

import base64
import csv
import json
import re
from pathlib import Path

import duckdb
import pytest
import tink
from tink import cleartext_keyset_handle, daead

import duckshred
from duckshred.udf.spark import connect_spark
from tests.conftest import Cli, setup_reference_job

pytestmark = pytest.mark.spark

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SUBJECT = "12347"  # a customer of the reference input with rows on several days


def _canonical_keylinks(data: bytes) -> bytes:
    seen: dict[bytes, bytes] = {}
    return UUID.sub(lambda m: seen.setdefault(m.group(0), b"K%d" % len(seen)), data)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def _run(cli: Cli, config: Path, engine: str) -> str:
    result = cli("create", "batch-job", "-F", str(config), "--engine", engine)
    return result.stdout.strip().splitlines()[-1]


def _store(workspace: Path) -> tuple[set[str], int]:
    with duckdb.connect(str(workspace / "keystore.duckdb"), read_only=True) as conn:
        links = {row[0] for row in conn.execute("SELECT key_link FROM encryption_keys").fetchall()}
        index = conn.execute("SELECT count(*) FROM data_subject_keys").fetchone()
    return links, index[0] if index else 0


def _copy_out(bucket: Path, name: str) -> Path:
    """Keep one engine's files before the next job in the group overwrites them."""
    kept = bucket / name
    kept.mkdir()
    for file in (bucket / "uci_online_retail").iterdir():
        (kept / file.name).write_bytes(file.read_bytes())
    return kept


@pytest.fixture(scope="module")
def spark_first(tmp_path_factory, reference_dir) -> dict:
    """The reference job on Spark, then the same job (same group) on DuckDB."""
    root = tmp_path_factory.mktemp("spark-first")
    cli = Cli(root / "workspace")
    bucket = root / "bucket"
    config = setup_reference_job(cli, reference_dir, bucket)
    spark_job = _run(cli, config, "spark")
    spark_out = _copy_out(bucket, "spark")
    store_after_spark = _store(root / "workspace")
    _run(cli, config, "duckdb")
    return {"cli": cli, "spark": spark_out, "duckdb": _copy_out(bucket, "duckdb"),
            "job_id": spark_job, "store_after_spark": store_after_spark,
            "store_after_both": _store(root / "workspace"), "workspace": root / "workspace"}


@pytest.fixture(scope="module")
def duckdb_first(tmp_path_factory, reference_dir) -> dict:
    """The reference job on DuckDB, then the same job (same group) on Spark."""
    root = tmp_path_factory.mktemp("duckdb-first")
    cli = Cli(root / "workspace")
    bucket = root / "bucket"
    config = setup_reference_job(cli, reference_dir, bucket)
    _run(cli, config, "duckdb")
    duckdb_out = _copy_out(bucket, "duckdb")
    store_after_duckdb = _store(root / "workspace")
    _run(cli, config, "spark")
    return {"cli": cli, "duckdb": duckdb_out, "spark": _copy_out(bucket, "spark"),
            "store_after_duckdb": store_after_duckdb,
            "store_after_both": _store(root / "workspace"), "workspace": root / "workspace"}


def test_spark_reproduces_the_reference_derived_file_but_for_keylinks(spark_first,
                                                                      reference_dir):
    ours = _canonical_keylinks((spark_first["spark"] / "decrypted-0.csv").read_bytes())
    theirs = _canonical_keylinks((reference_dir / "decrypted-0.csv").read_bytes())
    assert ours == theirs


def test_spark_files_decrypt_with_the_blog_snippet(spark_first, reference_dir):
    keys = {row["keyLink"]: row["encryptionKey"] for row in _rows(spark_first["spark"] /
                                                                   "keys.csv")}
    assert len(keys) == 655
    encrypted = _rows(spark_first["spark"] / "encrypted.csv")
    source = _rows(reference_dir / "uci_online_retail.csv")
    assert len(encrypted) == len(source) == 19998
    primitives = {}
    for ours, original in zip(encrypted, source, strict=True):
        link = ours["strmMeta.keyLink"]
        if link not in primitives:
            handle = cleartext_keyset_handle.read(tink.JsonKeysetReader(keys[link]))
            primitives[link] = handle.primitive(daead.DeterministicAead)
        assert primitives[link].decrypt_deterministically(
            base64.b64decode(ours["CustomerID"]), b"").decode("utf-8") == original["CustomerID"]
        assert ours["InvoiceDate"] == original["InvoiceDate"]
        assert ours["strmMeta.consentLevels"] == "[2]"


def test_the_spark_job_record(spark_first):
    job = json.loads(spark_first["cli"]("get", "batch-job", spark_first["job_id"],
                                        "-o", "json").stdout)["batchJob"]
    assert job["engine"] == "spark"
    assert [s["state"] for s in job["states"]] == ["PENDING", "STARTED", "RUNNING", "FINISHED"]
    assert job["states"][-1]["message"].startswith("Processed 19998 records in ")


@pytest.mark.parametrize("order", ["spark_first", "duckdb_first"])
def test_the_second_engine_reuses_the_first_engines_keys(order, request):
    run = request.getfixturevalue(order)
    first = "store_after_spark" if order == "spark_first" else "store_after_duckdb"
    links, index_rows = run[first]
    assert len(links) == 655
    # no new key, no new index row: the second job found every key it needed
    assert run["store_after_both"] == (links, index_rows)
    # deterministic encryption under the same keys: the very same bytes
    for name in ("encrypted.csv", "keys.csv", "decrypted-0.csv"):
        assert (run["spark"] / name).read_bytes() == (run["duckdb"] / name).read_bytes(), name


def _spark_decrypted(workspace: Path, encrypted: Path) -> dict[str, set]:
    """CustomerID -> what Spark SQL's decrypt() returns for its ciphertexts."""
    spark = connect_spark(workspace)
    frame = spark.read.csv(str(encrypted), header=True, quote='"', escape='"', multiLine=True)
    frame.createOrReplaceTempView("encrypted_rows")
    rows = spark.sql("SELECT CustomerID, decrypt(CustomerID, `strmMeta.keyLink`) AS clear "
                     "FROM encrypted_rows").collect()
    spark.catalog.dropTempView("encrypted_rows")
    result: dict[str, set] = {}
    for row in rows:
        result.setdefault(row["CustomerID"], set()).add(row["clear"])
    return result


def _duckdb_decrypted(workspace: Path, encrypted: Path) -> list[str | None]:
    conn = duckshred.connect(workspace)
    try:
        return [row[0] for row in conn.execute(
            f"""SELECT decrypt(CustomerID, "strmMeta.keyLink")
                FROM read_csv('{encrypted}', all_varchar = true)""").fetchall()]
    finally:
        conn.close()


def test_shred_makes_both_engines_ciphertexts_decrypt_to_null(duckdb_first, reference_dir):
    workspace = duckdb_first["workspace"]
    source = [row["CustomerID"] for row in _rows(reference_dir / "uci_online_retail.csv")]
    assert SUBJECT in source
    for engine in ("spark", "duckdb"):
        encrypted = duckdb_first[engine] / "encrypted.csv"
        assert _duckdb_decrypted(workspace, encrypted) == source
        before = _spark_decrypted(workspace, encrypted)
        assert {next(iter(v)) for v in before.values()} == set(source)

    receipt = json.loads(duckdb_first["cli"]("delete", "data-subjects", SUBJECT, "--yes",
                                              "-o", "json").stdout)
    assert receipt  # the shred names what it did

    expected = [None if value == SUBJECT else value for value in source]
    for engine in ("spark", "duckdb"):
        encrypted = duckdb_first[engine] / "encrypted.csv"
        assert _duckdb_decrypted(workspace, encrypted) == expected
        after = _spark_decrypted(workspace, encrypted)
        shredded = {ciphertext for ciphertext, clear in after.items() if clear == {None}}
        assert shredded and all(after[c] != {SUBJECT} for c in after)
        assert {value for values in after.values() for value in values} == (
            set(source) - {SUBJECT}) | {None}
