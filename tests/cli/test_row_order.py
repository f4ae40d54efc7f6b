"""Outputs keep the input order across many of DuckDB's row groups (a join or a
parallel scan would shuffle them there, not on a few rows), row for row."""

from __future__ import annotations

import base64

from tink import daead

from duckshred.crypto import cipher_for
from tests.cli.small_job import read_rows, setup

ROWS = 300_000  # DuckDB works in row groups of 122,880 rows: three of them


def test_outputs_keep_input_order_and_pair_every_row(cli, tmp_path):
    daead.register()
    rows = [[f"u{i % 997}", f"s{i % 1009}", f"e{i % 13}@x.org",
             f"2010-12-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00", str(1 + i % 2), f"n{i}"]
            for i in range(ROWS)]
    job = setup(cli, tmp_path, rows, derived=[
        {"consent_levels": [2], "consent_level_type": "CUMULATIVE"},
        {"consent_levels": [1], "consent_level_type": "GRANULAR"}],
        consent={"default_consent_levels": [1],
                 "consent_level_extractor": {"field": "consent"}})
    cli("create", "batch-job", "-F", str(job))
    out = tmp_path / "bucket" / "out"
    keys = {row["keyLink"]: row["encryptionKey"] for row in read_rows(out / "keys.csv")}
    encrypted = read_rows(out / "encrypted.csv")
    assert [row["note"] for row in encrypted] == [row[5] for row in rows]
    for ours, original in zip(encrypted, rows, strict=True):
        cipher = cipher_for(keys[ours["strmMeta.keyLink"]])
        assert cipher.decrypt(ours["user"]) == original[0]
        assert cipher.decrypt(ours["email"]) == original[2]
        assert ours["ts"] == original[3]
    assert len(base64.b64decode(encrypted[0]["user"])) == len("u0") + 21
    level_two, level_one = (read_rows(out / f"derived-{i}.csv") for i in range(2))
    assert [row["note"] for row in level_two] == [row[5] for row in rows if row[4] == "2"]
    assert [row["note"] for row in level_one] == [row[5] for row in rows if row[4] == "1"]
    assert [row["user"] for row in level_two] == [row[0] for row in rows if row[4] == "2"]
    assert all(row["email"] == original[2] for row, original in zip(
        level_two, (row for row in rows if row[4] == "2"), strict=True))
