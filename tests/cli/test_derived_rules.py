"""Consent extraction, CUMULATIVE and GRANULAR derived data, masking, formats and
key re-use, on small hand-made inputs."""

from __future__ import annotations

import base64
import json

import duckdb

import duckshred
from duckshred.crypto import mask_value
from tests.cli.small_job import read_rows, setup

# user (PII level 1), session (key field), email (PII level 2), ts, consent, note
ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "[1,2]", "both"],
    ["u2", "s2", "b@x.org", "2010-12-01 09:00:00", "1", "one"],
    ["u3", "s3", "c@x.org", "2010-12-01 10:00:00", "2", "two"],
    ["u4", "s4", "d@x.org", "2010-12-02 23:30:00", "garbage", "default"],
    ["u5", "s5", "e@x.org", "2010-12-02 10:00:00", "marketing", "pattern"],
    ["", "s6", "", "2010-12-02 10:00:00", "[]", "empty consent"],
]
CONSENT = {"default_consent_levels": [1],
           "consent_level_extractor": {
               "field": "consent",
               "field_patterns": {"marketing": {"consent_levels": [2, 3]}}}}


def _run(cli, tmp_path, derived, **options):
    job = setup(cli, tmp_path, ROWS, derived=derived, consent=CONSENT, **options)
    cli("create", "batch-job", "-F", str(job))
    out = tmp_path / "bucket" / "out"
    return read_rows(out / "encrypted.csv"), [read_rows(out / f"derived-{i}.csv")
                                              for i in range(len(derived))]


def _is_ciphertext(value: str, plaintext: str) -> bool:
    raw = base64.b64decode(value, validate=True)
    return raw[0] == 1 and len(raw) == len(plaintext.encode()) + 21


def test_consent_extraction(cli, tmp_path):
    encrypted, _ = _run(cli, tmp_path, [])
    assert [r["strmMeta.consentLevels"] for r in encrypted] == [
        "[1,2]", "[1]", "[2]", "[1]", "[2,3]", "[]"]


def test_every_pii_field_is_encrypted_whatever_the_consent(cli, tmp_path):
    encrypted, _ = _run(cli, tmp_path, [])
    for row, source in zip(encrypted, ROWS, strict=True):
        assert _is_ciphertext(row["user"], source[0])
        assert _is_ciphertext(row["email"], source[2])
        assert (row["session"], row["ts"], row["note"]) == (source[1], source[3], source[5])


def test_cumulative(cli, tmp_path):
    _, (level1, level2) = _run(cli, tmp_path, [
        {"consent_levels": [1], "consent_level_type": "CUMULATIVE"},
        {"consent_levels": [2], "consent_level_type": "CUMULATIVE"},
    ])
    # [1]: every row whose highest level is >= 1; level-1 fields decrypted, level 2 not
    assert [r["note"] for r in level1] == ["both", "one", "two", "default", "pattern"]
    assert [r["user"] for r in level1] == ["u1", "u2", "u3", "u4", "u5"]
    assert all(_is_ciphertext(r["email"], "a@x.org") for r in level1)
    # [2]: rows whose highest level is >= 2; both levels decrypted
    assert [r["note"] for r in level2] == ["both", "two", "pattern"]
    assert [(r["user"], r["email"]) for r in level2] == [
        ("u1", "a@x.org"), ("u3", "c@x.org"), ("u5", "e@x.org")]


def test_granular(cli, tmp_path):
    _, (only2, both) = _run(cli, tmp_path, [
        {"consent_levels": [2], "consent_level_type": "GRANULAR"},
        {"consent_levels": [1, 2], "consent_level_type": "GRANULAR"},
    ])
    # R=[2] subset of E: rows with level 2; only level-2 fields decrypted
    assert [r["note"] for r in only2] == ["both", "two", "pattern"]
    assert [r["email"] for r in only2] == ["a@x.org", "c@x.org", "e@x.org"]
    assert all(_is_ciphertext(r["user"], "u1") for r in only2)
    assert [(r["note"], r["user"], r["email"]) for r in both] == [("both", "u1", "a@x.org")]


def test_masking_after_decryption(cli, tmp_path):
    masked = {"seed": "hi-there", "field_patterns": {
        "test/events/1.0.0": {"field_patterns": ["email", "note"]}}}
    _, (derived,) = _run(cli, tmp_path, [
        {"consent_levels": [2], "consent_level_type": "CUMULATIVE", "masked_fields": masked}])
    assert [r["email"] for r in derived] == [mask_value(e, "hi-there")
                                             for e in ("a@x.org", "c@x.org", "e@x.org")]
    assert derived[0]["note"] == mask_value("both", "hi-there")
    assert derived[0]["user"] == "u1"


def test_top_level_masked_fields_apply_to_every_derived_dataset(cli, tmp_path):
    masked = {"field_patterns": {"test/events/1.0.0": {"field_patterns": ["user"]}}}
    _, (derived,) = _run(cli, tmp_path, [
        {"consent_levels": [1], "consent_level_type": "CUMULATIVE"}], masked_fields=masked)
    assert derived[0]["user"] == mask_value("u1", "")


def test_empty_values_and_nulls_in_the_csv(cli, tmp_path):
    encrypted, (derived,) = _run(cli, tmp_path, [
        {"consent_levels": [1], "consent_level_type": "GRANULAR"}])
    empty = encrypted[5]
    assert _is_ciphertext(empty["user"], "")  # the empty string is encrypted
    raw = (tmp_path / "bucket" / "out" / "encrypted.csv").read_bytes().split(b"\r\n")
    assert raw[1].endswith(b',,"[1,2]"')  # billingId NULL -> nothing between commas


def test_parquet_target(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, derived=[
        {"consent_levels": [2], "consent_level_type": "CUMULATIVE"}], consent=CONSENT)
    config = json.loads(job.read_text())
    config["derived_data"][0]["target"] = {"data_connector_ref": {"name": "local"},
                                           "file_name": "out/derived.parquet",
                                           "data_type": {"parquet": {}}}
    job.write_text(json.dumps(config))
    cli("create", "batch-job", "-F", str(job))
    rows = duckdb.sql(f"SELECT note, user FROM '{tmp_path}/bucket/out/derived.parquet'").fetchall()
    assert rows == [("both", "u1"), ("two", "u3"), ("pattern", "u5")]


def test_same_group_reuses_keys_other_group_does_not(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    cli("create", "batch-job", "-F", str(job))
    first = {r["keyLink"]: r["encryptionKey"]
             for r in read_rows(tmp_path / "bucket" / "out" / "keys.csv")}
    cli("create", "batch-job", "-F", str(job))
    second = {r["keyLink"]: r["encryptionKey"]
              for r in read_rows(tmp_path / "bucket" / "out" / "keys.csv")}
    assert first == second and len(first) == 6  # one key per (session, UTC day)
    config = json.loads(job.read_text())
    config["encryption"].pop("batch_job_group_id")
    job.write_text(json.dumps(config))
    cli("create", "batch-job", "-F", str(job))
    third = {r["keyLink"] for r in read_rows(tmp_path / "bucket" / "out" / "keys.csv")}
    assert not third & set(first)
    with duckdb.connect(str(cli.workspace / "keystore.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM encryption_keys").fetchone()[0] == 12


def test_keys_are_per_utc_day(cli, tmp_path):
    rows = [["u1", "s1", "a", "2010-12-01 00:30:00", "", ""],   # 2010-11-30 23:30 UTC
            ["u1", "s1", "a", "2010-12-01 01:30:00", "", ""],   # 2010-12-01 00:30 UTC
            ["u1", "s1", "a", "2010-12-01 23:30:00", "", ""]]   # 2010-12-01 22:30 UTC
    job = setup(cli, tmp_path, rows)
    cli("create", "batch-job", "-F", str(job))
    encrypted = read_rows(tmp_path / "bucket" / "out" / "encrypted.csv")
    links = [r["strmMeta.keyLink"] for r in encrypted]
    assert links[0] != links[1] == links[2]
    assert [r["strmMeta.timestamp"] for r in encrypted] == [
        "1291159800000", "1291163400000", "1291242600000"]
    expiries = json.loads(cli("list", "data-subject-keylinks", "u1", "-o", "json").stdout)
    assert [k["expiryTime"] for k in expiries["dataSubjectKeylinks"][0]["keylinksAndTimestamps"]
            ] == ["2010-12-01T00:00:00Z", "2010-12-02T00:00:00Z"]


def test_sql_decrypt_over_the_encrypted_file(cli, tmp_path):
    _run(cli, tmp_path, [])
    conn = duckshred.connect(cli.workspace)
    rows = conn.execute(f"""
        SELECT decrypt("user", "strmMeta.keyLink"), decrypt(email, "strmMeta.keyLink")
        FROM read_csv('{tmp_path}/bucket/out/encrypted.csv', all_varchar = true)""").fetchall()
    conn.close()
    assert rows == [(r[0], r[2]) for r in ROWS]
    output = cli("sql", "SELECT count(*) AS n FROM keystore.encryption_keys", "-o", "json").stdout
    assert json.loads(output) == [{"n": 6}]
