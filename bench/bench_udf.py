"""Benchmark: ``tink_encrypt`` / ``tink_decrypt`` in DuckDB SQL against a bare Python loop.

One run measures, on the same inputs (400,000 customer-id-like values spread over
20,000 keysets made with ``tink_keyset_new()``):

* SQL: ``CREATE TABLE out AS SELECT tink_encrypt(v, k) FROM inputs`` on a
  ``duckshred.connect()`` connection (inputs materialised first, so only the
  function is timed);
* loop: a plain Python ``for`` loop calling Tink's ``encrypt_deterministically``
  and base64 on primitives looked up in a dict by keyset;
* Tink's floor: ``encrypt_deterministically`` alone (pre-encoded bytes, pre-resolved
  bound methods): what no wrapper can beat from Python;

each in two cache states, so that both sides pay (or skip) primitive construction
equally:

* cold: ``clear_cipher_cache()`` before the run; SQL builds the 20,000 primitives
  inside the query, the loop builds them (with the same ``cipher_for``) inside its
  timed section;
* warm: every primitive already cached / built before the clock starts.

Then the same for ``tink_decrypt``. Medians of ``--runs`` (5) runs; SQL and loop
runs alternate so drift hits both alike; the ratio SQL/loop is of medians taken in
this one process.

Usage::

    python bench/bench_udf.py [--values 400000] [--keysets 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import base64
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata

import duckshred
from duckshred.crypto import clear_cipher_cache
from duckshred.udf import functions

AD = b""  # associated data: empty, as in the reference system
VECTOR = 2_048  # rows per batch DuckDB hands a vectorised (arrow) function


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram = f", {int(line.split()[1]) / 1024**2:.1f} GiB RAM"
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("duckdb", "tink"))
    return f"{cores} cores, {cpu}{ram}; Python {platform.python_version()}, {versions}"


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fmt(seconds: list[float], count: int) -> str:
    """Median µs per item, with the spread of the runs."""
    med = statistics.median(seconds) / count * 1e6
    lo, hi = min(seconds) / count * 1e6, max(seconds) / count * 1e6
    return f"{med:7.2f}  ({lo:.2f}-{hi:.2f})"


def median_us(seconds: list[float], count: int) -> float:
    return statistics.median(seconds) / count * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=400_000)
    parser.add_argument("--keysets", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    n, n_keys, runs = args.values, args.keysets, args.runs

    print("duckshred bench-udf: tink_encrypt / tink_decrypt in DuckDB SQL vs a bare Python loop")
    print(f"machine: {machine()}")
    print(f"inputs: {n:,} values over {n_keys:,} keysets ({n / n_keys:g} values per keyset; "
          "consecutive rows use different keysets); median of "
          f"{runs} runs, (min-max) in brackets; all figures in µs per value")
    print()

    con = duckshred.connect()
    setup = time.perf_counter()
    con.execute(f"CREATE TABLE keysets AS SELECT i AS kid, tink_keyset_new() AS k "
                f"FROM range({n_keys}) t(i)")
    con.execute(f"""
        CREATE TABLE inputs AS
        SELECT i AS row_id, (12346 + hash(i) % 5942)::VARCHAR AS v, keysets.k
        FROM range({n}) t(i) JOIN keysets ON keysets.kid = i % {n_keys}
        ORDER BY i""")
    (distinct,) = con.execute("SELECT count(DISTINCT k) FROM keysets").fetchone()
    assert distinct == n_keys, "tink_keyset_new() returned repeated keysets"
    keysets = [k for (k,) in con.execute("SELECT k FROM keysets ORDER BY kid").fetchall()]
    pairs = con.execute("SELECT v, k FROM inputs ORDER BY row_id").fetchall()
    # Ciphertexts for the decryption runs (made once, warm).
    con.execute("CREATE TABLE dec_inputs AS "
                "SELECT row_id, tink_encrypt(v, k) AS c, k FROM inputs ORDER BY row_id")
    cipher_pairs = con.execute("SELECT c, k FROM dec_inputs ORDER BY row_id").fetchall()
    print(f"set-up (keysets, inputs, ciphertexts; untimed below): "
          f"{time.perf_counter() - setup:.1f} s")

    # -- the two sides --------------------------------------------------------------

    def sql(query: str, cold: bool) -> float:
        con.execute("DROP TABLE IF EXISTS out")
        if cold:
            clear_cipher_cache()
        return timed(lambda: con.execute(query))

    enc_sql = "CREATE TABLE out AS SELECT row_id, tink_encrypt(v, k) AS c FROM inputs"
    dec_sql = "CREATE TABLE out AS SELECT row_id, tink_decrypt(c, k) AS p FROM dec_inputs"

    def build_primitives() -> dict[str, object]:
        # The bare baseline: Tink's own JSON reader and its wrapped DeterministicAead
        # (what KeysetHandle.primitive returns), as a user of Tink alone would write it.
        import tink
        from tink import cleartext_keyset_handle, daead

        daead.register()
        return {k: cleartext_keyset_handle.read(tink.JsonKeysetReader(k)).primitive(
            daead.DeterministicAead) for k in keysets}

    warm_primitives = build_primitives()
    results: list[str] = []

    def enc_loop(primitives: dict[str, object]) -> None:
        out = results
        out.clear()
        append = out.append
        b64 = base64.b64encode
        for v, k in pairs:
            append(b64(primitives[k].encrypt_deterministically(v.encode("utf-8"), AD))
                   .decode("ascii"))

    def dec_loop(primitives: dict[str, object]) -> None:
        out = results
        out.clear()
        append = out.append
        b64d = base64.b64decode
        for c, k in cipher_pairs:
            append(primitives[k].decrypt_deterministically(b64d(c, validate=True), AD)
                   .decode("utf-8"))

    build_times: list[float] = []

    def loop(body: Callable[[dict[str, object]], None], cold: bool) -> float:
        if not cold:
            return timed(lambda: body(warm_primitives))
        clear_cipher_cache()
        gc.collect()
        start = time.perf_counter()
        primitives = build_primitives()
        built = time.perf_counter()
        body(primitives)
        end = time.perf_counter()
        build_times.append(built - start)
        return end - start

    # Tink's floor: the call alone, bound methods and bytes resolved beforehand.
    enc_calls = [(warm_primitives[k].encrypt_deterministically, v.encode("utf-8"))
                 for v, k in pairs]
    dec_calls = [(warm_primitives[k].decrypt_deterministically, base64.b64decode(c))
                 for c, k in cipher_pairs]

    def floor(calls: list[tuple[Callable[[bytes, bytes], bytes], bytes]]) -> float:
        def body() -> None:
            for call, data in calls:
                call(data, AD)
        return timed(body)

    # The functions' Python bodies alone, on the Arrow batches DuckDB would hand them
    # (2,048 rows): splits the SQL time into the body and the DuckDB <-> Arrow hand-off.
    def arrow_batches(query: str) -> list[tuple[object, object]]:
        table = con.sql(query).to_arrow_table()
        first, second = (table.column(i).combine_chunks() for i in range(2))
        return [(first.slice(i, VECTOR), second.slice(i, VECTOR))
                for i in range(0, len(first), VECTOR)]

    enc_batches = arrow_batches("SELECT v, k FROM inputs ORDER BY row_id")
    dec_batches = arrow_batches("SELECT c, k FROM dec_inputs ORDER BY row_id")

    def udf_body(function: Callable[..., object], batches: list[tuple[object, object]]
                 ) -> float:
        def body() -> None:
            for first, second in batches:
                function(first, second)
        return timed(body)

    # -- correctness, once: SQL and loop agree ---------------------------------------
    sql(enc_sql, cold=False)
    enc_loop(warm_primitives)
    sql_out = [c for (c,) in con.execute("SELECT c FROM out ORDER BY row_id").fetchall()]
    assert sql_out == results, "tink_encrypt in SQL and the Python loop disagree"
    sql(dec_sql, cold=False)
    dec_loop(warm_primitives)
    sql_out = [p for (p,) in con.execute("SELECT p FROM out ORDER BY row_id").fetchall()]
    assert sql_out == results == [v for v, _ in pairs], "tink_decrypt does not round-trip"

    # -- measurements -----------------------------------------------------------------
    t: dict[str, list[float]] = {}
    for _ in range(runs):
        for op, query, body, calls in (("encrypt", enc_sql, enc_loop, enc_calls),
                                       ("decrypt", dec_sql, dec_loop, dec_calls)):
            for state, cold in (("cold", True), ("warm", False)):
                t.setdefault(f"{op} sql {state}", []).append(sql(query, cold))
                t.setdefault(f"{op} loop {state}", []).append(loop(body, cold))
            t.setdefault(f"{op} floor", []).append(floor(calls))
        t.setdefault("encrypt body", []).append(udf_body(functions.encrypt, enc_batches))
        t.setdefault("decrypt body", []).append(udf_body(functions.decrypt, dec_batches))
    con.close()

    # -- report -------------------------------------------------------------------------
    summary: list[tuple[str, float, bool]] = []
    for op, fn in (("encrypt", "tink_encrypt"), ("decrypt", "tink_decrypt")):
        primitive_call = f"{op}_deterministically"
        print()
        print(f"{op.upper()}  ({fn} vs loop of {primitive_call} + base64)")
        print(f"  {'':34s}{'cold cache':>30s}{'warm cache':>26s}")
        print(f"  {'':34s}{'(incl. building primitives)':>30s}{'(primitives prebuilt)':>26s}")
        for label, key in ((f"SQL {fn}(v, k)", "sql"), ("Python loop, cached primitives", "loop")):
            cold_s, warm_s = t[f"{op} {key} cold"], t[f"{op} {key} warm"]
            print(f"  {label:34s}{fmt(cold_s, n):>30s}{fmt(warm_s, n):>26s}")
        ratios = []
        verdicts = []
        for state in ("cold", "warm"):
            ratio = (statistics.median(t[f"{op} sql {state}"])
                     / statistics.median(t[f"{op} loop {state}"]))
            ratios.append(f"{ratio:.2f}x")
            verdicts.append("yes" if ratio <= 1.0 else "no")
            summary.append((f"{op} {state}", ratio, ratio <= 1.0))
        print(f"  {'ratio SQL / loop (medians)':34s}{ratios[0]:>30s}{ratios[1]:>26s}")
        print(f"  {'SQL at least as fast as the loop?':34s}{verdicts[0]:>30s}{verdicts[1]:>26s}")
        print(f"  Tink floor, {primitive_call}() alone: "
              f"{fmt(t[f'{op} floor'], n)} µs per call")
        sql_us, floor_us = median_us(t[f"{op} sql warm"], n), median_us(t[f"{op} floor"], n)
        body_us, loop_us = median_us(t[f"{op} body"], n), median_us(t[f"{op} loop warm"], n)
        print(f"  function body alone ({fn}'s Python, warm, called on Arrow batches of "
              f"{VECTOR:,}, no DuckDB): {fmt(t[f'{op} body'], n).strip()}")
        print(f"  SQL warm {sql_us:.2f} = Tink floor {floor_us:.2f} + Python in the body "
              f"{body_us - floor_us:.2f} + DuckDB <-> Arrow hand-off {sql_us - body_us:.2f}; "
              f"body - bare loop: {body_us - loop_us:+.2f}")
    print()
    build_us = statistics.median(build_times) / n_keys * 1e6
    print(f"primitive construction (cipher_for, cold, in the loop runs): {build_us:.1f} µs per "
          f"keyset, {n_keys:,} keysets = {statistics.median(build_times) * 1e3:.0f} ms per run")
    print("cold: clear_cipher_cache() before each run; the SQL query and the loop both build "
          f"the {n_keys:,} primitives inside the timed section.")
    print("warm: primitives already cached (SQL) / built (loop) before the clock starts.")
    print()
    print("summary: " + "; ".join(
        f"{name} SQL/loop {ratio:.2f}x ({'SQL as fast or faster' if ok else 'SQL slower'})"
        for name, ratio, ok in summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
