"""Bad input gets a clear error naming what and where, and leaves no output
files, no keys and no warehouse tables."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tests.cli.small_job import job_config, key_count, setup, write_csv

ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "n1"],
    ["u2", "s2", "b@x.org", "2010-12-01 09:00:00", "", "n2"],
]


def _outputs(folder: Path) -> list[Path]:
    return sorted((folder / "bucket").rglob("out/*"))


def test_wrong_timestamp_pattern_fails_the_job_with_row_text_and_index(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, timestamp_format="yyyyMMdd HH:mm:ss")
    result = cli("create", "batch-job", "-F", str(job), code=1)
    assert ("Invalid timestamp [Text '2010-12-01 08:26:00' could not be parsed at index 4] "
            "in row #1") in result.stderr
    assert _outputs(tmp_path) == []
    assert key_count(cli.workspace) == 0
    jobs = json.loads(cli("list", "batch-jobs", "-o", "json").stdout)["batchJobs"]
    assert jobs[0]["states"][-1]["state"] == "ERROR"
    assert "row #1" in jobs[0]["states"][-1]["message"]
    with duckdb.connect(str(cli.workspace / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM duckdb_tables() "
                            "WHERE schema_name = 'jobs'").fetchone()[0] == 0


def test_the_first_bad_row_is_named(cli, tmp_path):
    rows = [*ROWS, ["u3", "s3", "c@x.org", "2010-12-01 9:00:00", "", "n3"]]
    job = setup(cli, tmp_path, rows)
    result = cli("create", "batch-job", "-F", str(job), code=1)
    assert "in row #3" in result.stderr and "could not be parsed at index 11" in result.stderr


def test_failed_job_after_a_good_one_adds_no_keys(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    cli("create", "batch-job", "-F", str(job))
    keys_before = key_count(cli.workspace)
    files_before = {p: p.read_bytes() for p in _outputs(tmp_path)}
    write_csv(tmp_path / "bucket" / "events.csv", ["user", "session", "email", "ts", "consent",
                                                   "note"],
              [["u9", "s9", "z@x.org", "2010-12-05 10:00:00", "", ""],
               ["u8", "s8", "y@x.org", "not a time", "", ""]])
    cli("create", "batch-job", "-F", str(job), code=1)
    assert key_count(cli.workspace) == keys_before == 2
    assert {p: p.read_bytes() for p in _outputs(tmp_path)} == files_before


def test_unknown_config_field_is_named(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    config = json.loads(job.read_text())
    config["encryption"]["timestampConfig"] = config["encryption"].pop("timestamp_config")
    config["encryption"]["timestampConfig"]["zoneOffsett"] = "+01:00"
    job.write_text(json.dumps(config))
    result = cli("create", "batch-job", "-F", str(job), code=2)
    assert "unknown field `encryption.timestamp_config.zoneOffsett`" in result.stderr
    assert cli("list", "batch-jobs", "-o", "json").stdout.count('"id"') == 0


def test_camel_case_config_is_accepted(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    config = json.loads(job.read_text())
    camel = {"sourceData": config["source_data"], "consent": {"defaultConsentLevels": [2]},
             "encryption": {"batchJobGroupId": "g", "timestampConfig": {
                 "field": "ts", "format": "yyyy-MM-dd HH:mm:ss",
                 "defaultTimeZone": {"id": "UTC"}}},
             "eventContractRef": config["event_contract_ref"],
             "encryptedData": config["encrypted_data"],
             "encryptionKeysData": config["encryption_keys_data"]}
    job.write_text(json.dumps(camel))
    cli("create", "batch-job", "-F", str(job))
    assert (tmp_path / "bucket" / "out" / "encrypted.csv").exists()


def test_missing_connector_and_contract(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    config = json.loads(job.read_text())
    config["encrypted_data"]["target"]["data_connector_ref"]["name"] = "nowhere"
    job.write_text(json.dumps(config))
    assert "data connector `nowhere` does not exist" in cli(
        "create", "batch-job", "-F", str(job), code=2).stderr
    config["encrypted_data"]["target"]["data_connector_ref"]["name"] = "local"
    config["event_contract_ref"]["version"] = "9.9.9"
    job.write_text(json.dumps(config))
    assert "data contract `test/events/9.9.9` does not exist" in cli(
        "create", "batch-job", "-F", str(job), code=2).stderr


def test_header_that_does_not_match_the_contract(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, header=["user", "session", "mail", "ts", "consent", "note"])
    stderr = cli("create", "batch-job", "-F", str(job), code=2).stderr
    assert "does not match contract test/events/1.0.0" in stderr
    assert "contract columns missing from the file: ['email']" in stderr
    assert "file columns at positions [3] are not in the contract" in stderr
    assert "'mail'" not in stderr  # a header value may be data: never quoted
    assert key_count(cli.workspace) == 0


def test_malformed_csv_names_the_line_but_not_its_content(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    with open(tmp_path / "bucket" / "events.csv", "a") as stream:
        stream.write('u3,s3,"secret@x.org,2010-12-01 08:26:00,,n3\n')
        stream.write("u4,s4,d@x.org,2010-12-01 08:26:00,,n4,extra\n")
    stderr = cli("create", "batch-job", "-F", str(job), code=1).stderr
    assert "Malformed CSV" in stderr and "line" in stderr
    assert "secret@x.org" not in stderr
    assert _outputs(tmp_path) == [] and key_count(cli.workspace) == 0


def test_regex_validation_failure_names_field_and_row(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, contract_extra={
        "validations": [{"field": "email", "type": "regex", "value": "^[a-z]@x\\.org$"}]})
    cli("create", "batch-job", "-F", str(job))
    write_csv(tmp_path / "bucket" / "events.csv",
              ["user", "session", "email", "ts", "consent", "note"],
              [*ROWS, ["u3", "s3", "NOT-AN-EMAIL", "2010-12-01 08:26:00", "", ""]])
    stderr = cli("create", "batch-job", "-F", str(job), code=1).stderr
    assert "Validation failed [field email" in stderr and "row #3" in stderr
    assert "NOT-AN-EMAIL" not in stderr


def test_bad_contract_files(cli, tmp_path):
    (tmp_path / "c.json").write_text(json.dumps({"keyField": "nope", "piiFields": {}}))
    (tmp_path / "s.json").write_text(json.dumps({"nodes": [{"name": "a", "type": "STRING"}]}))
    stderr = cli("create", "data-contract", "a/b/1", "-F", str(tmp_path / "c.json"),
                 "--schema", str(tmp_path / "s.json"), code=2).stderr
    assert "keyField `nope` is not a column" in stderr
    assert "not of the form HANDLE/NAME/VERSION" in cli(
        "create", "data-contract", "ab", "-F", str(tmp_path / "c.json"), code=2).stderr


def test_job_states_listing_and_deletion(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    job_id = cli("create", "batch-job", "-F", str(job)).stdout.strip()
    shown = json.loads(cli("get", "batch-job", job_id, "-o", "json").stdout)
    states = shown["batchJob"]["states"]
    assert [s["state"] for s in states] == ["PENDING", "STARTED", "RUNNING", "FINISHED"]
    assert states[-1]["message"].startswith("Processed 2 records in ")
    assert all(s["stateTime"].endswith("Z") for s in states)
    assert job_id in cli("list", "batch-jobs").stdout
    cli("delete", "batch-job", job_id)
    assert "does not exist" in cli("get", "batch-job", job_id, code=2).stderr


def test_detached_job_finishes_in_the_background(cli, tmp_path):
    import time

    job = setup(cli, tmp_path, ROWS)
    job_id = cli("create", "batch-job", "-F", str(job), "--detach").stdout.strip()
    deadline = time.monotonic() + 120
    state = ""
    while time.monotonic() < deadline:
        state = json.loads(cli("get", "batch-job", job_id, "-o", "json").stdout
                           )["batchJob"]["states"][-1]["state"]
        if state in {"FINISHED", "ERROR"}:
            break
        time.sleep(0.5)
    assert state == "FINISHED"
    assert (tmp_path / "bucket" / "out" / "encrypted.csv").exists()


def test_unused_config_example_is_valid():
    # the helper's own default job must pass the schema (guards the test fixture itself)
    from duckshred.service.config import parse_config

    assert parse_config(job_config()).contract_ref == "test/events/1.0.0"


def test_a_detached_runner_that_does_not_take_the_job_over_is_stopped(cli, tmp_path,
                                                                      monkeypatch):
    import pytest

    from duckshred.service.detach import start_detached
    from duckshred.service.errors import JobFailedError
    from duckshred.service.jobs import submit_batch_job
    from duckshred.service.locking import is_alive
    from duckshred.service.workspace import Workspace
    from duckshred.udf.faults import PAUSE_ENV

    job = setup(cli, tmp_path, ROWS)
    workspace = Workspace(cli.workspace)
    submitted = submit_batch_job(workspace, job)
    flag = tmp_path / "hung"
    monkeypatch.setenv(PAUSE_ENV, f"detached-start={flag}")  # the runner hangs there
    with pytest.raises(JobFailedError, match="did not take the job over within 3 s"):
        start_detached(workspace, submitted.job_id, hand_over_s=3)
    assert flag.exists()  # it did start, and hung
    record = json.loads(cli("get", "batch-job", submitted.job_id, "-o", "json").stdout)
    states = record["batchJob"]["states"]
    assert [state["state"] for state in states] == ["PENDING", "ERROR"]
    pid = int(states[-1]["message"].split("(pid ")[1].split(")")[0])
    assert not is_alive({"pid": pid, "startTicks": None})  # stopped: it will never run
