"""Contract column names with quotes, dots and spaces go through every command:
each one reaches SQL quoted (identifiers) or bound (values), never spliced."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.cli.small_job import read_rows

CONTRACT = "odd/names/1.0.0"
COLUMNS = ['Invoice"No', "a.b", "First Name", "when 'was' it", "x); DROP TABLE t; --"]
ROWS = [
    ['inv"1', "k1", "Ann O'Neil", "2010-12-01 08:26:00", "c1"],
    ["inv2", "k2", 'Bob "B"', "2010-12-01 09:00:00", "c2"],
    ["inv3", "k1", "Ann O'Neil", "2010-12-02 10:00:00", "c3"],
]


def _setup(cli, folder: Path) -> Path:
    bucket = folder / "bucket"
    bucket.mkdir()
    with open(bucket / "in.csv", "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerows([COLUMNS, *ROWS])
    schema = {"name": "odd", "nodes": [{"type": "STRING", "name": c} for c in COLUMNS]}
    contract = {"keyField": "a.b", "piiFields": {'Invoice"No': 1, "First Name": 2},
                "dataSubjectField": "First Name",
                "validations": [{"field": "x); DROP TABLE t; --", "type": "regex",
                                 "value": "c'?\\d"}]}
    (folder / "schema.json").write_text(json.dumps(schema))
    (folder / "contract.json").write_text(json.dumps(contract))
    cli("create", "data-connector", "local", "--path", str(bucket))
    cli("create", "data-contract", CONTRACT, "-F", str(folder / "contract.json"),
        "--schema", str(folder / "schema.json"))

    def target(name: str) -> dict:
        return {"data_connector_ref": {"name": "local"}, "file_name": name,
                "data_type": {"csv": {"charset": "UTF-8"}}}

    config = {
        "source_data": target("in.csv"),
        "consent": {"default_consent_levels": [2]},
        "encryption": {"batch_job_group_id": "g'1", "timestamp_config": {
            "field": "when 'was' it", "format": "yyyy-MM-dd HH:mm:ss",
            "default_time_zone": {"id": "UTC"}}},
        "event_contract_ref": dict(zip(["handle", "name", "version"], CONTRACT.split("/"),
                                       strict=True)),
        "encrypted_data": {"target": target("out/enc.csv")},
        "encryption_keys_data": {"target": target("out/keys.csv")},
        "derived_data": [{"target": target("out/derived.csv"), "consent_levels": [2],
                          "consent_level_type": "CUMULATIVE",
                          "masked_fields": {"field_patterns": {CONTRACT: {
                              "field_patterns": ["a.b"]}}, "seed": "s'eed"}}],
    }
    job = folder / "job.json"
    job.write_text(json.dumps(config))
    return job


def test_odd_column_names_through_every_command(cli, tmp_path):
    job = _setup(cli, tmp_path)
    cli("create", "batch-job", "-F", str(job))
    out = tmp_path / "bucket" / "out"
    encrypted = read_rows(out / "enc.csv")
    assert list(encrypted[0])[:5] == COLUMNS
    assert [r['Invoice"No'] for r in encrypted] != [r[0] for r in ROWS]  # encrypted
    derived = read_rows(out / "derived.csv")
    assert [r["First Name"] for r in derived] == [r[2] for r in ROWS]  # decrypted
    assert [r['Invoice"No'] for r in derived] == [r[0] for r in ROWS]
    assert derived[0]["a.b"] != "k1"  # masked

    subjects = cli("list", "data-subjects").stdout.splitlines()
    assert sorted(subjects[1:]) == sorted({'Bob "B"', "Ann O'Neil"})

    access = json.loads(cli("get", "data-subject", "Ann O'Neil").stdout)
    assert [r["values"]['Invoice"No'] for r in access["records"]] == ['inv"1', "inv3"]
    assert {r["values"]["x); DROP TABLE t; --"] for r in access["records"]} == {"c1", "c3"}
    as_csv = cli("get", "data-subject", 'Bob "B"', "-o", "csv").stdout
    assert "inv2" in as_csv

    links = json.loads(cli("list", "data-subject-keylinks", "Ann O'Neil", 'Bob "B"',
                           "-o", "json").stdout)["dataSubjectKeylinks"]
    assert {entry["dataSubjectId"] for entry in links} == {"Ann O'Neil", 'Bob "B"'}

    query = (f'SELECT decrypt("Invoice""No", "strmMeta.keyLink") AS v '
             f"FROM read_csv('{out / 'enc.csv'}') ORDER BY v")
    values = json.loads(cli("sql", query, "-o", "json").stdout)
    assert [row["v"] for row in values] == ['inv"1', "inv2", "inv3"]

    assert cli("delete", "data-subjects", "Ann O'Neil", "--yes").stdout.splitlines()[0] == "2"
    values = json.loads(cli("sql", query, "-o", "json").stdout)
    assert sorted(row["v"] or "" for row in values) == ["", "", "inv2"]
    assert json.loads(cli("get", "data-subject", "Ann O'Neil").stdout)["records"] == []


def test_a_failed_validation_on_an_odd_column_names_it(cli, tmp_path):
    job = _setup(cli, tmp_path)
    with open(tmp_path / "bucket" / "in.csv", "a", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerow(
            ["inv4", "k4", "Cy", "2010-12-03 10:00:00", "bad value"])
    stderr = cli("create", "batch-job", "-F", str(job), code=1).stderr
    assert "Validation failed [field x); DROP TABLE t; --" in stderr and "row #4" in stderr
    assert "bad value" not in stderr
