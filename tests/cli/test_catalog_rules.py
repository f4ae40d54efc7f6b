"""Contracts and connectors: immutable once used, updated or deleted only on
purpose; batch job files validated without running them."""

from __future__ import annotations

import json

import pytest

from tests.cli.small_job import CONTRACT_REF, setup

ROWS = [["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "n1"]]


def _change_pii(folder) -> None:
    contract = json.loads((folder / "contract.json").read_text())
    contract["piiFields"] = {"user": 1}
    (folder / "contract.json").write_text(json.dumps(contract))


def _register(cli, folder, *extra, code=0):
    return cli("create", "data-contract", CONTRACT_REF, "-F", str(folder / "contract.json"),
               "--schema", str(folder / "schema.json"), *extra, code=code)


def test_a_contract_version_is_replaced_only_with_force_and_only_before_use(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    _register(cli, tmp_path)  # the same content again is fine
    _change_pii(tmp_path)
    assert "pass --force" in _register(cli, tmp_path, code=2).stderr
    _register(cli, tmp_path, "--force")
    assert json.loads(cli("get", "data-contract", CONTRACT_REF).stdout)["columns"][2].get(
        "pii") is None
    job_id = cli("create", "batch-job", "-F", str(job)).stdout.strip()
    (tmp_path / "contract.json").write_text(json.dumps(
        {"keyField": "session", "piiFields": {"email": 2}, "dataSubjectField": "user"}))
    stderr = _register(cli, tmp_path, "--force", code=2).stderr
    assert f"used by batch job(s) {job_id}" in stderr and "new version" in stderr


def test_delete_data_contract_refuses_while_a_job_used_it(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    job_id = cli("create", "batch-job", "-F", str(job)).stdout.strip()
    stderr = cli("delete", "data-contract", CONTRACT_REF, code=2).stderr
    assert job_id in stderr and "delete those jobs first" in stderr
    cli("delete", "batch-job", job_id)
    assert cli("delete", "data-contract", CONTRACT_REF).stdout.strip() == CONTRACT_REF
    assert "does not exist" in cli("get", "data-contract", CONTRACT_REF, code=2).stderr
    assert cli("list", "data-contracts", "-o", "json").stdout.count("ref") == 0


def test_connectors_are_updated_explicitly_and_deleted_when_unused(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cli("create", "data-connector", "local", "--path", str(tmp_path / "bucket"))  # same again
    stderr = cli("create", "data-connector", "local", "--path", str(elsewhere), code=2).stderr
    assert "already exists" in stderr and "--update" in stderr
    cli("create", "data-connector", "local", "--path", str(elsewhere), "--update")
    listed = json.loads(cli("list", "data-connectors", "-o", "json").stdout)["dataConnectors"]
    assert listed[0]["path"] == str(elsewhere)
    assert "does not exist" in cli("create", "data-connector", "nope", "--path", str(elsewhere),
                                   "--update", code=2).stderr
    cli("create", "data-connector", "local", "--path", str(tmp_path / "bucket"), "--update")
    job_id = cli("create", "batch-job", "-F", str(job)).stdout.strip()
    assert job_id in cli("delete", "data-connector", "local", code=2).stderr
    cli("delete", "batch-job", job_id)
    cli("delete", "data-connector", "local")
    assert json.loads(cli("list", "data-connectors", "-o", "json").stdout) == {
        "dataConnectors": []}


def test_validate_batch_job_checks_everything_and_does_no_work(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    assert cli("validate", "batch-job", "-F", str(job)).stdout.strip() == f"{job}: valid"
    report = json.loads(cli("validate", "batch-job", "-F", str(job), "-o", "json").stdout)
    assert report["contractRef"] == CONTRACT_REF and len(report["outputs"]) == 2
    assert json.loads(cli("list", "batch-jobs", "-o", "json").stdout) == {"batchJobs": []}
    assert not (tmp_path / "bucket" / "out").exists()
    assert not (cli.workspace / "keystore.duckdb").exists()

    config = json.loads(job.read_text())
    config["encryption"]["timestamp_config"]["format"] = "yyyy-MM-dd HH:mm:ss bb"
    job.write_text(json.dumps(config))
    assert "timestamp_config.format" in cli("validate", "batch-job", "-F", str(job),
                                            code=2).stderr
    config["event_contract_ref"]["version"] = "9.9.9"
    job.write_text(json.dumps(config))
    assert "does not exist" in cli("validate", "batch-job", "-F", str(job), code=2).stderr


@pytest.mark.parametrize("command", [["delete", "data-contract", "a/b/1"],
                                     ["delete", "data-connector", "nope"]])
def test_deleting_unknown_names_is_a_clear_error(cli, tmp_path, command):
    cli("create", "data-connector", "x", "--path", str(tmp_path))
    assert "does not exist" in cli(*command, code=2).stderr
