"""STRM's enum numbers are accepted where the STRM CLI took them (protobuf's JSON
mapping): consent level types in batch job files, node types in simple schemas."""

from __future__ import annotations

import json

import pytest

from duckshred.service.config import parse_config
from duckshred.service.errors import ConfigError
from duckshred.service.strm_enums import consent_level_type, schema_node_type
from tests.cli.small_job import CONTRACT_REF, job_config, read_rows, setup

ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "[1,2]", "both"],
    ["u2", "s2", "b@x.org", "2010-12-01 09:00:00", "[2]", "two"],
]


@pytest.mark.parametrize(("value", "name"), [(1, "CUMULATIVE"), (2, "GRANULAR"), ("2", "GRANULAR"),
                                             (0, "CUMULATIVE"), ("GRANULAR", "GRANULAR"),
                                             ("CONSENT_LEVEL_TYPE_UNSPECIFIED", "CUMULATIVE")])
def test_consent_level_type_numbers(value, name):
    assert consent_level_type(value, "x") == name


def test_unknown_numbers_are_named_errors():
    with pytest.raises(ConfigError, match=r"derived_data\[0\].consent_level_type.*7"):
        parse_config(job_config([{"consent_levels": [1], "consent_level_type": 7}]))
    with pytest.raises(ConfigError, match="not a schema node type"):
        schema_node_type(6, "schema.nodes[a].type")


def test_camel_case_job_files_take_numbers_too():
    config = job_config([{"consent_levels": [1, 2], "consent_level_type": 2}])
    spec = config.pop("derived_data")[0]
    config["derivedData"] = [{"target": spec["target"], "consentLevels": [1, 2],
                              "consentLevelType": 2}]
    assert parse_config(config).derived[0].consent_level_type == "GRANULAR"


def test_a_job_with_numeric_enums_runs_like_one_with_names(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, derived=[
        {"consent_levels": [1, 2], "consent_level_type": 2},
        {"consent_levels": [2], "consent_level_type": 1}],
        consent={"default_consent_levels": [1],
                 "consent_level_extractor": {"field": "consent"}})
    schema = json.loads((tmp_path / "schema.json").read_text())
    for node in schema["nodes"]:
        node["type"] = 1
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    cli("create", "data-contract", "test/events/2.0.0", "-F", str(tmp_path / "contract.json"),
        "--schema", str(tmp_path / "schema.json"))
    assert json.loads(cli("get", "data-contract", "test/events/2.0.0").stdout)["columns"][0][
        "type"] == "STRING"
    cli("create", "batch-job", "-F", str(job))
    out = tmp_path / "bucket" / "out"
    granular = read_rows(out / "derived-0.csv")
    cumulative = read_rows(out / "derived-1.csv")
    assert [r["note"] for r in granular] == ["both"]
    assert [r["note"] for r in cumulative] == ["both", "two"]
    assert CONTRACT_REF in cli("list", "data-contracts").stdout
