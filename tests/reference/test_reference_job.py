"""Reference compatibility: the real STRM batch job, its contract and input,
run unchanged; outputs compared with the reference system's real files."""

from __future__ import annotations

import base64
import csv
import json
import re
from pathlib import Path

import tink
from tink import cleartext_keyset_handle, daead

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _canonical_keylinks(data: bytes) -> tuple[bytes, int]:
    """Each keyLink replaced by its order of first appearance: equal results mean equal
    bytes elsewhere AND rows grouped under keyLinks exactly alike."""
    seen: dict[bytes, bytes] = {}
    canonical = UUID.sub(lambda m: seen.setdefault(m.group(0), b"K%d" % len(seen)), data)
    return canonical, len(seen)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_derived_output_is_byte_identical_but_for_keylinks(reference_run, reference_dir):
    ours, our_keys = _canonical_keylinks((reference_run["out"] / "decrypted-0.csv").read_bytes())
    theirs, their_keys = _canonical_keylinks((reference_dir / "decrypted-0.csv").read_bytes())
    assert our_keys == their_keys == 655
    assert ours == theirs


def test_keys_file_has_one_row_per_key_in_the_reference_shape(reference_run, reference_dir):
    keys = _rows(reference_run["out"] / "keys.csv")
    assert len(keys) == 655
    assert list(keys[0]) == ["keyLink", "encryptionKey"]
    vector = json.loads((reference_dir / "published-key-vector.json").read_text())
    reference_shape = re.sub(r'"(value)":"[^"]+"|\d+', "", vector["encryptionKey"])
    for row in keys:
        assert re.sub(r'"(value)":"[^"]+"|\d+', "", row["encryptionKey"]) == reference_shape
    first_line = (reference_run["out"] / "keys.csv").read_bytes().split(b"\r\n")[0]
    assert first_line == b'"keyLink","encryptionKey"'


def test_blog_snippet_decrypts_every_customer_id(reference_run, reference_dir):
    keys = {row["keyLink"]: row["encryptionKey"]
            for row in _rows(reference_run["out"] / "keys.csv")}
    encrypted = _rows(reference_run["out"] / "encrypted.csv")
    source = _rows(reference_dir / "uci_online_retail.csv")
    assert len(encrypted) == len(source) == 19998
    primitives = {}
    for ours, original in zip(encrypted, source, strict=True):
        link = ours["strmMeta.keyLink"]
        if link not in primitives:
            reader = tink.JsonKeysetReader(keys[link])
            primitives[link] = cleartext_keyset_handle.read(reader).primitive(
                daead.DeterministicAead)
        clear_text = primitives[link].decrypt_deterministically(
            base64.b64decode(ours["CustomerID"]), b"").decode("utf-8")
        assert clear_text == original["CustomerID"]
        assert len(base64.b64decode(ours["CustomerID"])) == len(original["CustomerID"]) + 21
        for column in ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                       "UnitPrice", "Country"):
            assert ours[column] == original[column]
        assert ours["strmMeta.consentLevels"] == "[2]"


def test_no_plaintext_customer_id_in_the_encrypted_file(reference_run, reference_dir):
    ids = {row["CustomerID"] for row in _rows(reference_dir / "uci_online_retail.csv")} - {""}
    assert len(ids) > 500
    column = [row["CustomerID"] for row in _rows(reference_run["out"] / "encrypted.csv")]
    assert not ids & set(column)
    assert not any(i in value for value in column for i in ids if len(i) == len(value))


def test_encrypted_file_format(reference_run):
    lines = (reference_run["out"] / "encrypted.csv").read_bytes().split(b"\r\n")
    assert lines[0].startswith(b'"InvoiceNo","StockCode"')
    assert lines[0].endswith(b'"strmMeta.keyLink","strmMeta.billingId","strmMeta.consentLevels"')
    assert lines[-1] == b""  # CRLF after the last row too
    assert b'"strmprivacy/online-retail/1.0.0","0","1291188360000","' in lines[1]
    assert lines[1].endswith(b'",,"[2]"')


def test_the_job_record_has_the_reference_states(reference_run):
    job = json.loads(reference_run["cli"]("get", "batch-job", reference_run["job_id"],
                                          "-o", "json").stdout)["batchJob"]
    assert [s["state"] for s in job["states"]] == ["PENDING", "STARTED", "RUNNING", "FINISHED"]
    assert re.fullmatch(r"Processed 19998 records in [\d.]+ s\. which is \d+ records/s\.",
                        job["states"][-1]["message"])
