"""Data subjects of the reference run: paging over 560 subjects (the empty one
included) and shredding customer 17850 while every other customer decrypts.

The shredding tests run on a copy of the session's reference workspace."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

import duckshred
from tests.conftest import Cli


def test_560_subjects_page_in_ascending_order(reference_run):
    cli = reference_run["cli"]
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        args = ["list", "data-subjects", "--page-size", "100", "-o", "plain"]
        lines = cli(*args, *(["--page-token", token] if token else [])).stdout.split("\n")
        token, ids = lines[0], lines[1:-1]
        seen += ids
        pages += 1
        if not token:
            break
    assert pages == 6
    assert len(seen) == 560 == len(set(seen))
    assert seen == sorted(seen)
    assert seen[0] == ""  # rows without a customer id: one subject, one key a day


def test_data_subjects_json_shape(reference_run):
    page = json.loads(reference_run["cli"]("list", "data-subjects", "--page-size", "3",
                                           "-o", "json").stdout)
    ids = [s["dataSubjectId"] for s in page["dataSubjects"]]
    assert len(ids) == 3 and ids[0] == "" and ids == sorted(ids)
    assert page["nextPageToken"]
    after = json.loads(reference_run["cli"]("list", "data-subjects", "--page-size", "1",
                                            "--page-token", page["nextPageToken"],
                                            "-o", "json").stdout)
    assert after["dataSubjects"][0]["dataSubjectId"] > page["dataSubjects"][-1]["dataSubjectId"]


def test_keylinks_of_a_subject(reference_run):
    result = json.loads(reference_run["cli"]("list", "data-subject-keylinks", "17850",
                                             "-o", "json").stdout)
    (entry,) = result["dataSubjectKeylinks"]
    assert entry["dataSubjectId"] == "17850"
    links = entry["keylinksAndTimestamps"]
    assert links and all(link["expiryTime"].endswith("T00:00:00Z") for link in links)
    table = reference_run["cli"]("list", "data-subject-keylinks", "17850", "--tz",
                                 "Europe/Amsterdam").stdout.splitlines()
    assert table[0].split() == ["DATASUBJECT", "KEYLINK", "EXPIRY"]
    assert table[1].split()[2].endswith(("T01:00:00.000000+0100", "T02:00:00.000000+0200"))


@pytest.fixture
def shredded(reference_run, tmp_path):
    """A copy of the reference workspace in which customer 17850 was deleted."""
    workspace = tmp_path / "workspace"
    shutil.copytree(reference_run["workspace"], workspace)
    cli = Cli(workspace)
    before = json.loads(cli("list", "data-subject-keylinks", "17850", "-o", "json").stdout)
    links = [k["keyLink"] for k in before["dataSubjectKeylinks"][0]["keylinksAndTimestamps"]]
    conn = duckshred.connect(workspace, keystore_tables=True)
    keysets = [row[0] for row in conn.execute(
        "SELECT keyset FROM keystore.encryption_keys WHERE list_contains(?, key_link)",
        [links]).fetchall()]
    conn.close()
    receipt = json.loads(cli("delete", "data-subjects", "17850", "--yes", "-o", "json").stdout)
    return {"cli": cli, "workspace": workspace, "links": links, "keysets": keysets,
            "receipt": receipt}


def test_delete_reports_the_count_and_a_receipt(shredded):
    receipt = shredded["receipt"]
    assert receipt["deletedKeylinksCount"] == len(shredded["links"]) > 0
    assert sorted(receipt["keyLinks"]) == sorted(shredded["links"])
    # the keys export the job wrote into the target still holds them, and says so
    assert receipt["keyMaterialCheck"]["keyMaterialFound"] is True
    assert receipt["keyMaterialCheck"]["filesWithKeyMaterial"] == [
        "s3-batch-demo:uci_online_retail/keys.csv"]
    assert receipt["derivedDatasetsWithDecryptedValues"][0]["target"].endswith("decrypted-0.csv")
    assert not any(k in json.dumps(receipt) for k in shredded["keysets"])
    assert shredded["cli"]("list", "data-subject-keylinks", "17850", "-o", "json").stdout.count(
        "keyLink") == 0
    assert shredded["cli"]("delete", "data-subjects", "17850", "--yes").stdout.strip() == "0"


def test_shredded_subject_decrypts_to_null_others_still_decrypt(shredded, reference_run,
                                                                reference_dir):
    encrypted = reference_run["out"] / "encrypted.csv"
    conn = duckshred.connect(shredded["workspace"])
    rows = conn.execute(f"""
        SELECT "strmMeta.keyLink" AS link, decrypt(CustomerID, "strmMeta.keyLink") AS customer
        FROM read_csv('{encrypted}', all_varchar = true)""").fetchall()
    conn.close()
    with open(reference_dir / "uci_online_retail.csv", newline="") as stream:
        source = [row["CustomerID"] for row in csv.DictReader(stream)]
    shredded_rows = [i for i, (link, _) in enumerate(rows) if link in shredded["links"]]
    assert shredded_rows and all(source[i] == "17850" for i in shredded_rows)
    assert all(rows[i][1] is None for i in shredded_rows)
    others = [(customer, source[i]) for i, (link, customer) in enumerate(rows)
              if link not in shredded["links"]]
    assert len(others) == len(rows) - len(shredded_rows)
    assert all(customer == original for customer, original in others)


def test_shredded_key_material_is_in_no_workspace_file(shredded):
    from duckshred.crypto import keyset_key_material

    needles = []
    for keyset in shredded["keysets"]:
        needles += [keyset.encode(), json.loads(keyset)["key"][0]["keyData"]["value"].encode(),
                    *keyset_key_material(keyset)]
    assert len(needles) == 3 * len(shredded["links"])
    files = [p for p in Path(shredded["workspace"]).rglob("*") if p.is_file()]
    assert any(p.name == "keystore.duckdb" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not any(needle in data for needle in needles), path


def test_access_request_after_shredding_finds_nothing(shredded, reference_run, reference_dir):
    after = json.loads(shredded["cli"]("get", "data-subject", "17850", "-o", "json").stdout)
    assert after["records"] == []
    before = json.loads(reference_run["cli"]("get", "data-subject", "17850", "-o", "json").stdout)
    assert before["records"] and all(r["values"]["CustomerID"] == "17850"
                                     for r in before["records"])
    other = json.loads(shredded["cli"]("get", "data-subject", "12748", "-o", "json").stdout)
    assert other["records"] and other["records"][0]["values"]["CustomerID"] == "12748"
    with open(reference_dir / "uci_online_retail.csv", newline="") as stream:
        expected = sum(row["CustomerID"] == "12748" for row in csv.DictReader(stream))
    assert len(other["records"]) == expected > 300
