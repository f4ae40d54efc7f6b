"""The typed batch job config, contract and job plan (service/config.py, contracts.py, plan.py)."""

from __future__ import annotations

import copy
import json
import re

import pytest
from pydantic import ValidationError

from duckshred.service.config import parse_config
from duckshred.service.contracts import normalise_contract
from duckshred.service.errors import ConfigError
from duckshred.service.plan import DerivedPlan, JobPlan, compile_plan
from tests.cli.small_job import job_config


def _camel(value):
    """The same document with every field name in camelCase (data-keyed maps too, as a
    STRM file would have them: their keys are values, and stay as they are)."""
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key): _camel(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return value


def _config(**changes):
    return {**job_config(), **changes}


def test_both_spellings_give_the_same_config():
    snake = job_config()
    assert "source_data" in snake
    assert parse_config(_camel(snake)) == parse_config(snake)


def test_the_kept_document_reads_back_to_the_same_config():
    config = parse_config(_camel(job_config()))
    assert parse_config(json.loads(json.dumps(config.raw))) == config
    assert "sourceData" not in config.raw and "source_data" in config.raw


def test_an_unknown_field_is_named_as_the_user_spelled_it():
    document = _camel(job_config())
    document["encryption"]["timestampConfig"]["zoneOffsett"] = "+01:00"
    document["sourceData"]["fileNmae"] = "x.csv"
    with pytest.raises(ConfigError) as error:
        parse_config(document, origin="job.json")
    message = str(error.value)
    assert message.startswith("job.json: ")
    assert "unknown field `encryption.timestamp_config.zoneOffsett`" in message
    assert "unknown field `source_data.fileNmae`" in message


def test_missing_and_mistyped_fields_are_named_without_quoting_values():
    document = job_config()
    del document["encryption"]["timestamp_config"]["format"]
    document["consent"] = {"default_consent_levels": ["secret@x.org"]}
    with pytest.raises(ConfigError) as error:
        parse_config(document)
    message = str(error.value)
    assert "missing field in `encryption.timestamp_config`: 'format'" in message
    assert "`consent.default_consent_levels.0`" in message
    assert "secret@x.org" not in message


@pytest.mark.parametrize(("levels", "problem"), [
    ([1, 2], r"`derived_data\.0`: CUMULATIVE takes one consent level, got \[1, 2\]"),
    ([], r"`derived_data\.0\.consent_levels`: List should have at least 1 item"),
])
def test_cumulative_takes_one_level_checked_in_the_config(levels, problem):
    derived = {"target": job_config()["encrypted_data"]["target"],
               "consent_levels": levels, "consent_level_type": "CUMULATIVE"}
    with pytest.raises(ConfigError, match=problem):
        parse_config(_config(derived_data=[derived]))


def test_the_plan_uses_the_same_consent_rule():
    with pytest.raises(ValidationError, match="CUMULATIVE takes one consent level"):
        DerivedPlan(consent_levels=[1, 2], consent_level_type="CUMULATIVE",
                    masked_fields=[], mask_seed="")
    DerivedPlan(consent_levels=[1, 2], consent_level_type="GRANULAR",
                masked_fields=[], mask_seed="")


CONTRACT = {"key_field": "user", "data_subject_field": "user",
            "columns": [{"name": "user", "pii": True, "purpose_level": 0},
                        {"name": "session"}, {"name": "email", "pii": True, "purpose_level": 1},
                        {"name": "ts"}, {"name": "consent"}, {"name": "note"}]}


def test_the_contract_keeps_its_catalog_form_and_lists_pii_once():
    contract = normalise_contract("test/events/1.0.0", copy.deepcopy(CONTRACT))
    assert contract.pii_fields == {"user": 0, "email": 1}
    document = contract.document()
    assert document["columns"][0] == {"name": "user", "type": "STRING", "pii": True,
                                      "purpose_level": 0}
    assert document["columns"][1] == {"name": "session", "type": "STRING"}
    assert list(document) == ["ref", "key_field", "data_subject_field", "columns",
                              "validations"]
    assert type(contract).model_validate(document) == contract


def test_the_plan_follows_the_files_column_order_and_dumps_as_dbt_reads_it():
    contract = normalise_contract("test/events/1.0.0", copy.deepcopy(CONTRACT))
    header = ["note", "email", "ts", "consent", "session", "user"]
    plan = compile_plan(parse_config(job_config()), contract, header, "job-1", "/data/e.csv")
    assert [c.name for c in plan.contract.columns] == header
    assert list(plan.pii_fields.items()) == [("email", 1), ("user", 0)]
    dumped = json.loads(plan.model_dump_json())
    assert set(dumped) == {"job_id", "group_id", "source_path", "source_format", "contract",
                           "pii_fields", "timestamp", "consent", "derived"}
    assert JobPlan.model_validate(dumped) == plan


def test_the_plan_rejects_a_header_that_does_not_match():
    contract = normalise_contract("test/events/1.0.0", copy.deepcopy(CONTRACT))
    with pytest.raises(ConfigError, match=r"contract columns missing from the file: \['note'\]"):
        compile_plan(parse_config(job_config()), contract,
                     ["user", "session", "email", "ts", "consent"], "job-1", None)
