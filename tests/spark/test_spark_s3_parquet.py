"""A Spark job through S3 connectors (moto on loopback) with a Parquet source and a
Parquet output: the same connectors and export as the DuckDB engine, the same files."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.cli.small_job import setup
from tests.cli.test_s3 import s3, s3_endpoint  # noqa: F401 (fixtures)

pytestmark = pytest.mark.spark

COLUMNS = ["user", "session", "email", "ts", "consent", "note"]
ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "7"],
    ["u2", "s2", "b@x.org", "2010-12-01 09:00:00", "", ""],
    ["u3", "s1", "c@x.org", "2010-12-02 10:00:00", "", "-3"],
]
PARQUET = {"parquet": {}}


def test_spark_reads_and_writes_s3_and_parquet_as_duckdb(cli, tmp_path, s3, s3_endpoint):  # noqa: F811
    job = setup(cli, tmp_path, ROWS, derived=[
        {"consent_levels": [2], "consent_level_type": "CUMULATIVE"}])
    source = tmp_path / "events.parquet"
    pq.write_table(pa.table({name: [row[i] for row in ROWS] for i, name in enumerate(COLUMNS)}),
                   source)
    s3.put_file(str(source), "batch-demo/events.data")
    cli("create", "data-connector", "local", "--s3-bucket", "batch-demo",
        "--endpoint-url", s3_endpoint, "--region", "us-east-1", "--update")
    config = json.loads(job.read_text())
    config["source_data"].update(file_name="events.data", data_type=PARQUET)
    config["derived_data"][0]["target"].update(file_name="out/derived.parquet",
                                               data_type=PARQUET)
    job.write_text(json.dumps(config))

    files = {}
    for engine in ("duckdb", "spark"):
        cli("create", "batch-job", "-F", str(job), "--engine", engine)
        files[engine] = {name: s3.cat_file(f"batch-demo/out/{name}")
                         for name in ("encrypted.csv", "keys.csv", "derived.parquet")}
        s3.rm("batch-demo/out", recursive=True)
    assert files["spark"]["derived.parquet"][:4] == b"PAR1"
    assert files["spark"]["encrypted.csv"].count(b"\n") == len(ROWS) + 1
    for name, content in files["duckdb"].items():  # same group: the same keys, same bytes
        assert files["spark"][name] == content, name
