"""Parquet: the data_type decides the format (not the file name), Parquet sources
work like CSV ones, and Parquet outputs are typed from the contract's schema."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from tests.cli.small_job import setup

ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "7"],
    ["u2", "s2", "b@x.org", "2010-12-01 09:00:00", "", ""],
    ["u3", "s1", "c@x.org", "2010-12-02 10:00:00", "", "-3"],
]
PARQUET = {"parquet": {}}


def _edit(job, edit) -> None:
    config = json.loads(job.read_text())
    edit(config)
    job.write_text(json.dumps(config))


def test_the_data_type_decides_the_format_not_the_name(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, derived=[
        {"consent_levels": [2], "consent_level_type": "CUMULATIVE"}])

    def edit(config):
        config["encrypted_data"]["target"].update(file_name="out/encrypted.csv",
                                                  data_type=PARQUET)
        config["derived_data"][0]["target"]["file_name"] = "out/derived.parquet"

    _edit(job, edit)
    cli("create", "batch-job", "-F", str(job))
    out = tmp_path / "bucket" / "out"
    assert (out / "encrypted.csv").read_bytes()[:4] == b"PAR1"
    assert (out / "derived.parquet").read_bytes().startswith(b'"user","session"')


def test_a_parquet_source_gives_the_same_output_as_the_csv(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    cli("create", "batch-job", "-F", str(job))
    out = tmp_path / "bucket" / "out"
    from_csv = (out / "encrypted.csv").read_bytes()
    columns = ["user", "session", "email", "ts", "consent", "note"]
    table = pa.table({name: [row[i] for row in ROWS] for i, name in enumerate(columns)})
    pq.write_table(table, tmp_path / "bucket" / "events.data")

    def edit(config):
        config["source_data"].update(file_name="events.data", data_type=PARQUET)

    _edit(job, edit)
    cli("create", "batch-job", "-F", str(job))  # same group: the same keys
    assert (out / "encrypted.csv").read_bytes() == from_csv


def test_a_parquet_source_that_is_not_parquet_is_a_clear_error(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    _edit(job, lambda config: config["source_data"].update(data_type=PARQUET))
    stderr = cli("create", "batch-job", "-F", str(job), code=2).stderr
    assert "local:events.csv: not a readable Parquet file" in stderr


def test_parquet_outputs_take_the_schema_types_and_csv_stays_text(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, derived=[
        {"consent_levels": [2], "consent_level_type": "CUMULATIVE"}])
    schema = json.loads((tmp_path / "schema.json").read_text())
    for node in schema["nodes"]:
        node["type"] = "INTEGER" if node["name"] in {"note", "user"} else "STRING"
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    cli("create", "data-contract", "test/events/1.0.0", "-F", str(tmp_path / "contract.json"),
        "--schema", str(tmp_path / "schema.json"), "--force")

    def edit(config):
        config["encrypted_data"]["target"].update(file_name="out/encrypted.parquet",
                                                  data_type=PARQUET)

    _edit(job, edit)
    cli("create", "batch-job", "-F", str(job))
    out = tmp_path / "bucket" / "out"
    parquet = str(out / "encrypted.parquet")
    types = dict(duckdb.sql(f"SELECT column_name, column_type FROM (DESCRIBE '{parquet}')")
                 .fetchall())
    assert types["note"] == "INTEGER"
    assert types["user"] == "VARCHAR"  # PII: ciphertext, whatever the schema says
    assert duckdb.sql(f"SELECT note FROM '{parquet}'").fetchall() == [(7,), (None,), (-3,)]
    derived = (out / "derived-0.csv").read_bytes().split(b"\r\n")
    assert b',"7","test/events/1.0.0"' in derived[1]  # CSV keeps the text
    assert b',"","test/events/1.0.0"' in derived[2]
