"""dbt functional tier: plain `dbt build` of the bundled sample job, no CLI."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml
from dbt.cli.main import dbtRunner

from duckshred.crypto import mask_value
from duckshred.service import project
from duckshred.service.config import load_config
from duckshred.service.contracts import normalise_contract, read_document
from duckshred.service.dbt_runner import _close_dbt_database
from duckshred.service.plan import JobPlan, compile_plan
from tests.conftest import REPO, SAMPLE


def _build(tmp_path) -> None:
    result = dbtRunner().invoke([
        "--quiet", "--log-path", str(tmp_path / "logs"), "build",
        "--project-dir", str(REPO), "--profiles-dir", str(REPO),
        "--target-path", str(tmp_path / "target")])
    _close_dbt_database()
    assert result.success, result.exception


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DUCKSHRED_HOME", str(tmp_path / "home"))
        patch.chdir(REPO)
        _build(tmp_path)
        first = _keys(tmp_path)
        _build(tmp_path)  # same group: every key is re-used
    return {"home": tmp_path / "home", "first_keys": first}


def _keys(tmp_path) -> dict[str, str]:
    with duckdb.connect(str(tmp_path / "home" / "keystore.duckdb"), read_only=True) as conn:
        return dict(conn.execute("SELECT key_link, keyset FROM encryption_keys").fetchall())


def _sample_rows() -> list[dict[str, str]]:
    with open(SAMPLE / "uci_online_retail_sample.csv", newline="") as stream:
        return list(csv.DictReader(stream))


def test_one_key_per_customer_and_utc_day(built):
    amsterdam = ZoneInfo("Europe/Amsterdam")
    days = {(row["CustomerID"], datetime.strptime(row["InvoiceDate"], "%Y-%m-%d %H:%M:%S")
             .replace(tzinfo=amsterdam).astimezone(UTC).date()) for row in _sample_rows()}
    assert len(built["first_keys"]) == len(days)


def test_a_second_build_reuses_the_groups_keys(built):
    with duckdb.connect(str(built["home"] / "keystore.duckdb"), read_only=True) as conn:
        now = dict(conn.execute("SELECT key_link, keyset FROM encryption_keys").fetchall())
    assert now == built["first_keys"]


def test_warehouse_holds_ciphertext_not_plaintext_or_keys(built):
    rows = _sample_rows()
    with duckdb.connect(str(built["home"] / "warehouse.duckdb"), read_only=True) as conn:
        tables = conn.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                              "ORDER BY ALL").fetchall()
        encrypted = conn.execute('SELECT "CustomerID", "strmMeta.keyLink" '
                                 "FROM jobs.encrypted ORDER BY __row_nr").fetchall()
        masked = conn.execute('SELECT "CustomerID" FROM jobs.derived '
                              "WHERE __derived_index = 1 ORDER BY __row_nr").fetchall()
    assert tables == [("jobs", "derived"), ("jobs", "encrypted")]
    assert len(encrypted) == len(rows)
    assert all(c != r["CustomerID"] and link for (c, link), r in zip(encrypted, rows, strict=True))
    assert [m for (m,) in masked] == [mask_value(r["CustomerID"], "sample-seed") for r in rows]
    data = (built["home"] / "warehouse.duckdb").read_bytes()
    assert not any(k.encode() in data for k in built["first_keys"].values())


def test_the_tables_use_the_names_python_reads_back(built):
    """service/project.py's names (declared in dbt_project.yml) are the models' columns."""
    with duckdb.connect(str(built["home"] / "warehouse.duckdb"), read_only=True) as conn:
        def columns(table: str) -> list[str]:
            return [row[0] for row in conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? "
                "AND table_name = ? ORDER BY column_index", [project.OUTPUTS_SCHEMA, table])
                .fetchall()]
        encrypted, derived = columns("encrypted"), columns("derived")
    assert encrypted[0] == project.ROW_NR and derived[:2] == [project.DERIVED_INDEX,
                                                              project.ROW_NR]
    meta = list(project.STRM_META.values())
    assert encrypted[-6:] == derived[-6:] == meta and project.KEY_LINK in meta


def test_key_store_holds_no_plaintext_key_values(built):
    with duckdb.connect(str(built["home"] / "keystore.duckdb"), read_only=True) as conn:
        hashes = [h for (h,) in conn.execute("SELECT key_value_hash FROM encryption_keys")
                  .fetchall()]
    assert all(len(h) == 64 for h in hashes)


def test_the_projects_plan_var_is_the_compiled_sample_job():
    """The `duckshred_job` var is what the CLI would hand dbt for the sample's files."""
    var_plan = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["duckshred_job"]
    config = load_config(SAMPLE / "batch-job-config.json")
    contract = normalise_contract(config.contract_ref, read_document(
        SAMPLE / "online-retail-sample.contract.yml"))
    with open(SAMPLE / "uci_online_retail_sample.csv", newline="") as stream:
        header = next(csv.reader(stream))
    compiled = compile_plan(config, contract, header, "sample", var_plan["source_path"])
    assert JobPlan.model_validate(var_plan) == compiled.model_copy(update={"group_id": "sample"})


def test_the_plan_names_the_pii_fields_once():
    plan = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["duckshred_job"]
    assert plan["pii_fields"] == {"CustomerID": 1}
    assert all(set(column) == {"name", "type"} for column in plan["contract"]["columns"])


def test_keys_are_committed_only_after_both_outputs_are_built(built, tmp_path_factory):
    import json

    manifest_path = next(tmp_path_factory.getbasetemp().glob("dbt*/target/manifest.json"))
    nodes = json.loads(manifest_path.read_text())["nodes"]
    commit = nodes["model.duckshred.keystore_commit"]["depends_on"]["nodes"]
    assert {"model.duckshred.encrypted", "model.duckshred.derived"} <= set(commit)
    compiled = nodes["model.duckshred.keystore_commit"]
    assert compiled["config"]["materialized"] == "keystore_commit"
