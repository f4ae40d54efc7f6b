"""The Spark engine on small hand-made jobs: consent extraction, CUMULATIVE and
GRANULAR derived data, masking and validations give the DuckDB engine's very
bytes; bad input fails the job as on DuckDB, naming the place, never the value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.cli.small_job import setup

pytestmark = pytest.mark.spark

# user (PII level 1), session (key field), email (PII level 2), ts, consent, note
ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "[1,2]", "both"],
    ["u2", "s2", "b@x.org", "2010-12-01 09:00:00", "1", "one"],
    ["u3", "s3", "c@x.org", "2010-12-01 10:00:00", "2", "two"],
    ["u4", "s4", "d@x.org", "2010-12-02 23:30:00", "garbage", "default"],
    ["u5", "s5", "e@x.org", "2010-12-02 10:00:00", "marketing", "pattern; with \"quotes\""],
    ["", "s6", "", "2010-12-02 10:00:00", "[]", "empty consent"],
    ["u7", "s7", "f@x.org", "2010-12-03 01:00:00", " [ 3 , 1 ] ", "line\nbreak"],
    ["u1", "s1", "a@x.org", "2010-12-03 08:26:00", "[3]", "another day"],
]
CONSENT = {"default_consent_levels": [1],
           "consent_level_extractor": {
               "field": "consent",
               "field_patterns": {"marketing": {"consent_levels": [2, 3]}}}}
MASKED = {"seed": "hi-there", "field_patterns": {
    "test/events/1.0.0": {"field_patterns": ["email", "note"]}}}
DERIVED = [
    {"consent_levels": [1], "consent_level_type": "CUMULATIVE"},
    {"consent_levels": [2], "consent_level_type": "CUMULATIVE", "masked_fields": MASKED},
    {"consent_levels": [2, 3], "consent_level_type": "GRANULAR"},
    {"consent_levels": [3], "consent_level_type": "GRANULAR"},
]


def _key_count(workspace: Path) -> int:
    store = workspace / "keystore.duckdb"
    if not store.exists():
        return 0
    with duckdb.connect(str(store), read_only=True) as conn:
        return conn.execute("SELECT count(*) FROM encryption_keys").fetchone()[0]


def test_small_job_gives_the_same_bytes_on_both_engines(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, derived=DERIVED, consent=CONSENT, contract_extra={
        "validations": [{"field": "email", "type": "regex", "value": "([a-z]@x\\.org)?"}]})
    out = tmp_path / "bucket" / "out"
    cli("create", "batch-job", "-F", str(job))
    duckdb_files = {path.name: path.read_bytes() for path in out.iterdir()}
    keys = _key_count(cli.workspace)
    shutil.rmtree(out)
    cli("create", "batch-job", "-F", str(job), "--engine", "spark")
    spark_files = {path.name: path.read_bytes() for path in out.iterdir()}
    assert sorted(spark_files) == sorted(duckdb_files) == [
        "derived-0.csv", "derived-1.csv", "derived-2.csv", "derived-3.csv", "encrypted.csv",
        "keys.csv"]
    for name, content in duckdb_files.items():
        assert spark_files[name] == content, name
    assert b'"[3,1]"' in spark_files["encrypted.csv"]  # " [ 3 , 1 ] " keeps its order
    assert _key_count(cli.workspace) == keys  # every key re-used
    with duckdb.connect(str(cli.workspace / "warehouse.duckdb"), read_only=True) as conn:
        tables = conn.execute("SELECT count(*) FROM duckdb_tables() "
                              "WHERE schema_name = 'jobs'").fetchone()[0]
    assert tables == 4  # encrypted and derived of each job
    assert not any((cli.workspace / "tmp").glob("*/spark"))  # staging is gone


def test_event_times_on_spark_are_javas_also_at_dst_changes(cli, tmp_path):
    """Spark parses usual texts itself (spark__duckshred_event_ms); the times, and so the
    key days, must be the Java parser's, as on DuckDB: around both DST changes of the
    zone, before 1970, on a leap day, and for a text not in the pattern's own shape."""
    times = ["2010-03-28 01:59:59", "2010-03-28 02:30:00", "2010-03-28 03:00:00",
             "2010-10-31 02:30:00", "2010-10-31 03:00:00", "2010-10-30 23:59:59",
             "1965-06-01 12:00:00", "2012-02-29 23:30:00", "2010-12-01 08:26:00",
             "2010-12-31 23:00:00", "2011-01-01 00:59:59"]
    rows = [[f"u{i}", f"s{i}", f"e{i}@x.org", at, "", "n"] for i, at in enumerate(times)]
    job = setup(cli, tmp_path, rows)
    out = tmp_path / "bucket" / "out"
    cli("create", "batch-job", "-F", str(job))
    on_duckdb = (out / "encrypted.csv").read_bytes()
    shutil.rmtree(out)
    cli("create", "batch-job", "-F", str(job), "--engine", "spark")
    assert (out / "encrypted.csv").read_bytes() == on_duckdb


def test_malformed_csv_on_spark_names_the_line_not_its_content(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS[:2])
    with open(tmp_path / "bucket" / "events.csv", "a") as stream:
        stream.write("u4,s4,secret@x.org,2010-12-01 08:26:00,,n4,extra\n")
    stderr = cli("create", "batch-job", "-F", str(job), "--engine", "spark", code=1).stderr
    assert "Malformed CSV" in stderr and "at line 4" in stderr
    assert "secret@x.org" not in stderr
    assert not (tmp_path / "bucket" / "out").exists()
    assert _key_count(cli.workspace) == 0


def test_bad_timestamp_on_spark_fails_the_job_with_its_row(cli, tmp_path):
    rows = [*ROWS[:2], ["u3", "s3", "c@x.org", "2010-12-01 9:00:00", "", "n3"]]
    job = setup(cli, tmp_path, rows)
    stderr = cli("create", "batch-job", "-F", str(job), "--engine", "spark", code=1).stderr
    assert "in row #3" in stderr and "could not be parsed at index 11" in stderr
    jobs = json.loads(cli("list", "batch-jobs", "-o", "json").stdout)["batchJobs"]
    assert jobs[0]["states"][-1]["state"] == "ERROR"
    assert _key_count(cli.workspace) == 0
    assert not (tmp_path / "bucket" / "out").exists()


def test_unknown_engine_is_a_usage_error(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS[:2])
    result = cli("create", "batch-job", "-F", str(job), "--engine", "flink", code=2)
    assert "unknown engine 'flink'" in result.stderr
