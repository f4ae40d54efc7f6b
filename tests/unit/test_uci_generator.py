"""Tests of the UCI-Online-Retail-shaped CSV generator (bench/uci_generator.py)."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
GENERATOR = REPO / "bench" / "uci_generator.py"
SAMPLE = REPO / "seeds" / "sample" / "uci_online_retail_sample.csv"

_spec = importlib.util.spec_from_file_location("uci_generator", GENERATOR)
assert _spec is not None and _spec.loader is not None
gen = importlib.util.module_from_spec(_spec)
sys.modules["uci_generator"] = gen
_spec.loader.exec_module(gen)

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country".split(
    ","
)
ROWS = 4_000


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("uci") / "uci.csv"
    gen.write_uci_csv(path, ROWS, seed=3)
    return path


@pytest.fixture(scope="module")
def records(csv_path: Path) -> list[dict[str, str]]:
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert header == HEADER
        return [dict(zip(HEADER, row, strict=True)) for row in reader]


def test_same_rows_and_seed_give_identical_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    gen.write_uci_csv(a, 2_500, seed=11)
    gen.write_uci_csv(b, 2_500, seed=11)
    gen.write_uci_csv(c, 2_500, seed=12)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_header_column_count_and_line_endings(csv_path: Path) -> None:
    raw = csv_path.read_bytes()
    assert raw.startswith((",".join(HEADER) + "\n").encode())
    assert b"\r" not in raw
    assert raw.endswith(b"\n")
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADER
    assert len(rows) == ROWS + 1
    assert {len(r) for r in rows} == {8}


def test_quoting_round_trips_like_pandas(csv_path: Path, records: list[dict[str, str]]) -> None:
    descriptions = [r["Description"] for r in records]
    assert any("," in d for d in descriptions)
    assert any('"' in d for d in descriptions)
    raw = csv_path.read_text(encoding="utf-8")
    # Quoted only where needed, inner quotes doubled.
    assert re.search(r',"[^",]*, [^"]*",', raw)
    assert re.search(r',"[^"]*""[^"]+""[^"]*",', raw)
    assert '"United Kingdom"' not in raw
    # Writing the parsed rows back with QUOTE_MINIMAL (what pandas does) gives the same text.
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([r[c] for c in HEADER] for r in records)
    assert out.getvalue() == raw


def test_about_a_quarter_of_rows_have_no_customer(records: list[dict[str, str]]) -> None:
    empty = sum(r["CustomerID"] == "" for r in records)
    assert 0.20 <= empty / len(records) <= 0.30
    ids = {r["CustomerID"] for r in records if r["CustomerID"]}
    assert all(re.fullmatch(r"\d{5}", i) and 12_346 <= int(i) <= 18_287 for i in ids)
    countries: dict[str, set[str]] = defaultdict(set)
    for r in records:
        if r["CustomerID"]:
            countries[r["CustomerID"]].add(r["Country"])
    assert all(len(c) == 1 for c in countries.values())
    uk = sum(r["Country"] == "United Kingdom" for r in records)
    assert uk / len(records) > 0.75


def test_timestamps_format_window_and_invoices(records: list[dict[str, str]]) -> None:
    first, end = datetime(2010, 12, 1), datetime(2011, 12, 10)
    by_invoice: dict[str, set[str]] = defaultdict(set)
    for r in records:
        stamp = r["InvoiceDate"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00", stamp)
        t = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
        assert first <= t < end
        assert 7 <= t.hour <= 20
        by_invoice[r["InvoiceNo"]].add(stamp)
    assert all(len(s) == 1 for s in by_invoice.values())
    assert len(by_invoice) < len(records) / 5  # several rows per invoice
    # Invoice numbers: 6 digits, increasing with time.
    numbers = [(int(r["InvoiceNo"].removeprefix("C")), r["InvoiceDate"]) for r in records]
    assert all(100_000 <= n <= 999_999 for n, _ in numbers)
    assert numbers == sorted(numbers)
    stamps = [r["InvoiceDate"] for r in records]
    assert stamps == sorted(stamps)


def test_cancellations_have_negative_quantities(records: list[dict[str, str]]) -> None:
    invoices = {r["InvoiceNo"] for r in records}
    cancelled = {i for i in invoices if i.startswith("C")}
    assert 0.04 <= len(cancelled) / len(invoices) <= 0.15
    for r in records:
        assert re.fullmatch(r"C?\d{6}", r["InvoiceNo"])
        qty = int(r["Quantity"])
        assert (qty < 0) == r["InvoiceNo"].startswith("C")


def test_value_shapes(records: list[dict[str, str]]) -> None:
    for r in records:
        # pandas' float repr of a price in pence: 2.55, 2.1, 12.75, 0.0
        assert re.fullmatch(r"\d+\.(0|[1-9]|\d[1-9])", r["UnitPrice"]), r["UnitPrice"]
        assert re.fullmatch(r"\d{5}[A-Z]?|[A-Z][A-Z0-9 ]*", r["StockCode"]), r["StockCode"]
    products = [r for r in records if re.fullmatch(r"\d{5}[A-Z]?", r["StockCode"])]
    assert all(r["Description"] == r["Description"].upper() for r in products)
    assert sum(r["Description"] == "" for r in records) >= 1
    assert any(r["UnitPrice"] == "0.0" for r in records)
    assert any(r["StockCode"] == "POST" for r in records)


def test_duckdb_reads_it(csv_path: Path) -> None:
    rel = duckdb.sql(f"select * from read_csv('{csv_path}', all_varchar=true, header=true)")
    assert rel.columns == HEADER
    count, descriptions = duckdb.sql(
        f"select count(*), count(*) filter (where Description like '%,%') "
        f"from read_csv('{csv_path}', all_varchar=true, header=true)"
    ).fetchall()[0]
    assert count == ROWS
    assert descriptions > 0


def test_zero_rows_writes_only_the_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    gen.write_uci_csv(path, 0)
    assert path.read_text() == ",".join(HEADER) + "\n"
    with pytest.raises(ValueError):
        gen.write_uci_csv(path, -1)


def test_command_line_matches_function(tmp_path: Path) -> None:
    cli, fn = tmp_path / "cli.csv", tmp_path / "fn.csv"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--rows", "777", "--seed", "5", "-o", str(cli)],
        check=True,
        capture_output=True,
    )
    gen.write_uci_csv(fn, 777, seed=5)
    assert cli.read_bytes() == fn.read_bytes()
    assert cli.read_bytes().count(b"\n") == 778


def test_bundled_sample_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "sample.csv"
    gen.write_uci_csv(fresh, 5_000, seed=0)
    assert SAMPLE.read_bytes() == fresh.read_bytes()
