"""Hostile data: errors name lines, positions and counts, never the values; odd
encodings and line endings; damaged workspace files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.small_job import setup

COLUMNS = ["user", "session", "email", "ts", "consent", "note"]
ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "n1"],
    ["u2", "s2", "b@x.org", "2010-12-01 09:00:00", "", "n2"],
]


def _source(tmp_path: Path) -> Path:
    return tmp_path / "bucket" / "events.csv"


def _lines(rows: list[list[str]], ending: str = "\n") -> str:
    return "".join(",".join(row) + ending for row in rows)


def test_a_file_without_header_does_not_print_its_first_row(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    _source(tmp_path).write_text(_lines([["secret-user", "s1", "private@x.org",
                                          "2010-12-01 08:26:00", "", "n"], *ROWS]))
    stderr = cli("create", "batch-job", "-F", str(job), code=2).stderr
    assert "does not match contract" in stderr
    assert "the file has 6 columns, the contract 6" in stderr
    assert "positions [1, 2, 3, 4, 5, 6]" in stderr
    assert "secret-user" not in stderr and "private@x.org" not in stderr


def test_invalid_utf8_in_a_data_row_names_the_line_not_the_header(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    data = (_lines([COLUMNS]) + "u1,s1,").encode() + b"caf\xe9@x.org" + (
        b",2010-12-01 08:26:00,,n1\n")
    _source(tmp_path).write_bytes(data)
    stderr = cli("create", "batch-job", "-F", str(job), code=1).stderr
    assert "header" not in stderr
    assert "INVALID ENCODING" in stderr and "at line 2" in stderr
    assert "caf" not in stderr


def test_invalid_utf8_in_the_header_names_line_1(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    _source(tmp_path).write_bytes(b"user,sess\xffion,email,ts,consent,note\n")
    stderr = cli("create", "batch-job", "-F", str(job), code=2).stderr
    assert "line 1 (the header) is not UTF-8 text (byte 10)" in stderr


def test_a_two_byte_character_across_byte_65536_is_fine(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    head = _lines([COLUMNS]).encode()
    filler = []
    size = len(head)
    row = 0
    while size < 65536 - 200:
        line = f"u{row},s{row},e{row}@x.org,2010-12-01 08:26:00,,note\n".encode()
        filler.append(line)
        size += len(line)
        row += 1
    # one more row whose note puts the 2-byte "é" at bytes 65535-65536
    prefix = b"u,s,e@x.org,2010-12-01 08:26:00,,"
    pad = 65535 - size - len(prefix)
    last = prefix + b"x" * pad + "é".encode() + b"\n"
    data = head + b"".join(filler) + last
    assert data[65535:65537] == "é".encode()
    _source(tmp_path).write_bytes(data)
    cli("create", "batch-job", "-F", str(job))
    assert (tmp_path / "bucket" / "out" / "encrypted.csv").is_file()


def test_mixed_line_endings_fail_naming_the_line(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    _source(tmp_path).write_bytes((_lines([COLUMNS, ROWS[0]], "\r\n") + _lines([ROWS[1]])
                                   + _lines([ROWS[0]], "\r\n")).encode())
    stderr = cli("create", "batch-job", "-F", str(job), code=1).stderr
    assert "mixed line endings: line 3 ends with LF, line 1 with CRLF" in stderr
    assert "state machine" not in stderr


def test_sql_errors_do_not_quote_values(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    cli("create", "batch-job", "-F", str(job))
    encrypted = tmp_path / "bucket" / "out" / "encrypted.csv"
    stderr = cli("sql", f"SELECT decrypt(email, \"strmMeta.keyLink\")::INTEGER "
                        f"FROM read_csv('{encrypted}')", code=2).stderr
    assert stderr.startswith("error: SQL: Conversion Error")
    assert "a@x.org" not in stderr and "b@x.org" not in stderr


def test_a_damaged_key_store_is_a_clear_error(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    cli("create", "batch-job", "-F", str(job))
    (cli.workspace / "keystore.duckdb").write_bytes(b"\x00garbage" * 1000)
    for command in (["list", "data-subjects"], ["list", "data-subject-keylinks", "u1"],
                    ["get", "data-subject", "u1"], ["sql", "SELECT 1"]):
        stderr = cli(*command, code=2).stderr
        assert "keystore.duckdb of the workspace is damaged, truncated" in stderr, command
        assert "Traceback" not in stderr
    stderr = cli("create", "batch-job", "-F", str(job), code=1).stderr
    assert "ended in ERROR" in stderr
    jobs = json.loads(cli("list", "batch-jobs", "-o", "json").stdout)["batchJobs"]
    assert jobs[-1]["states"][-1]["state"] == "ERROR"


def test_a_damaged_warehouse_is_a_clear_error(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    cli("create", "batch-job", "-F", str(job))
    (cli.workspace / "warehouse.duckdb").write_bytes(b"DUCK" * 100)
    stderr = cli("sql", "SELECT 1", code=2).stderr
    assert "warehouse.duckdb of the workspace is damaged, truncated" in stderr
