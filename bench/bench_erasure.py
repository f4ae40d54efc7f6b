"""Benchmark: what erasure costs (issue 8), on the 541,909-row generated UCI job.

1. run the reference batch job through the CLI on ``--rows`` generated rows;
2. ``decrypt()`` of every CustomerID of the encrypted file: the former mechanism (key
   store attached, a SQL macro looking keysets up) against ``duckshred.connect``'s
   (keysets read through a reader that checks the store's file identity every batch
   and never keeps the store open), in the same process, cold and warm cipher cache,
   and once more right after the store changed (the reader reloads); then the first
   query of a fresh process (``duckshred.connect`` and one query in a new interpreter:
   imports, the store's load and every cipher built), and whether it imported pandas;
3. shred one subject (in-process ``delete_data_subjects``: key store rewrite, ledger,
   receipt with the scan of every workspace file and of the outputs), store of ~20k keys;
4. purge one subject (``--purge-outputs``): rewrite the 541,909-row derived file, the
   keys export, the derived warehouse table and the warehouse file;
5. grow the key store to ``--big-keys`` keys (synthetic keys of another group) and
   shred one subject again.

Usage::

    python bench/bench_erasure.py [--rows 541909] [--big-keys 200000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import duckdb

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO.parent / "shared" / "strm-reference"
CONTRACT_REF = "strmprivacy/online-retail/1.0.0"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _cli(workspace: Path, *args: str) -> tuple[str, float]:
    exe = Path(sys.executable).with_name("duckshred")
    start = time.perf_counter()
    done = subprocess.run([str(exe), "--workspace", str(workspace), *args],  # noqa: S603
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"duckshred {' '.join(args)} failed: {done.stderr}")
    return done.stdout, time.perf_counter() - start


def _timed(function, runs: int = 3) -> list[float]:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def _fmt(times: list[float], unit: str = "s") -> str:
    scale = 1e3 if unit == "ms" else 1
    return (f"median {statistics.median(times) * scale:.3f} {unit} of "
            f"{[round(t * scale, 3) for t in times]}")


def _key_count(workspace: Path) -> int:
    conn = duckdb.connect()
    conn.execute("ATTACH ? AS k (READ_ONLY)", [str(workspace / "keystore.duckdb")])
    try:
        return conn.execute("SELECT count(*) FROM k.encryption_keys").fetchone()[0]
    finally:
        conn.close()


_FRESH_PROCESS = """
import json, sys, time
start = time.perf_counter()
import duckshred
conn = duckshred.connect(sys.argv[1])
connected, cpu = time.perf_counter(), time.process_time()
count = conn.execute(sys.argv[3], [sys.argv[2]]).fetchone()[0]
print(json.dumps({"connect_s": connected - start, "query_s": time.perf_counter() - connected,
                  "query_cpu_s": time.process_time() - cpu, "count": count,
                  "pandas": "pandas" in sys.modules}))
"""


def _fresh_process_decrypt(root: Path, encrypted: Path, query: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _FRESH_PROCESS,  # noqa: S603
                           str(root), str(encrypted), query],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=541_909)
    parser.add_argument("--big-keys", type=int, default=200_000)
    parser.add_argument("--workdir", type=Path, default=None)
    options = parser.parse_args(argv)

    import duckshred
    from duckshred.crypto import clear_cipher_cache
    from duckshred.service.subjects import delete_data_subjects, list_data_subjects
    from duckshred.service.workspace import Workspace
    from duckshred.udf import attach_keystore, register_functions

    folder = options.workdir or Path(tempfile.mkdtemp(prefix="bench-erasure-"))
    bucket, root = folder / "bucket", folder / "workspace"
    bucket.mkdir(parents=True, exist_ok=True)
    print(f"duckshred bench-erasure: {options.rows:,} rows in {folder} "
          f"({os.cpu_count()} cores; the machine may be shared: compare ratios of one run)")
    _load("uci_generator").write_uci_csv(bucket / "uci_online_retail.csv", options.rows, seed=0)
    _cli(root, "create", "data-connector", "s3-batch-demo", "--path", str(bucket))
    _cli(root, "create", "data-contract", CONTRACT_REF,
         "-F", str(REFERENCE / "online-retail-contract.json"),
         "--schema", str(REFERENCE / "online-retail.json"))
    _, job_s = _cli(root, "create", "batch-job", "-F", str(REFERENCE / "batch-job-config.json"))
    workspace = Workspace.resolve(root)
    keys = _key_count(root)
    print(f"job: {job_s:.1f} s; key store: {keys:,} keys")

    encrypted = bucket / "uci_online_retail" / "encrypted.csv"
    query = ('SELECT count(decrypt(CustomerID, "strmMeta.keyLink")) '
             "FROM read_csv(?, all_varchar = true)")

    # 2. decrypt(): former mechanism against the reader, one process, same data
    former = register_functions(duckdb.connect())
    attach_keystore(former, workspace.keystore_path, read_only=True)  # defines the macro
    reader_conn = duckshred.connect(root)
    results = {}
    for name, conn in (("former (attached store + macro)", former),
                       ("reader (identity check per batch)", reader_conn)):
        counts = []

        def cold(conn=conn, counts=counts) -> None:
            clear_cipher_cache()
            counts.append(conn.execute(query, [str(encrypted)]).fetchone()[0])

        cold_times = _timed(cold)
        warm_times = _timed(lambda conn=conn: conn.execute(query, [str(encrypted)]).fetchone())
        results[name] = (cold_times, warm_times, counts[-1])
        print(f"decrypt() of {counts[-1]:,} values, {name}: cold {_fmt(cold_times)}; "
              f"warm {_fmt(warm_times)}")
    former.close()

    def after_change() -> None:
        os.utime(workspace.keystore_path)  # as a job commit or a shred would change it
        reader_conn.execute(query, [str(encrypted)]).fetchone()

    print(f"decrypt() right after the key store changed (reader reloads {keys:,} keys): "
          f"{_fmt(_timed(after_change))}")
    ratio = (statistics.median(results["reader (identity check per batch)"][0])
             / statistics.median(results["former (attached store + macro)"][0]))
    print(f"reader / former, cold: {ratio:.2f}x")
    fresh = [_fresh_process_decrypt(root, encrypted, query) for _ in range(5)]
    print(f"decrypt() as the first query of a fresh process: query "
          f"{_fmt([run['query_s'] for run in fresh])} (CPU "
          f"{_fmt([run['query_cpu_s'] for run in fresh])}); before it, import and "
          f"duckshred.connect {_fmt([run['connect_s'] for run in fresh])}; pandas imported: "
          f"{sorted({run['pandas'] for run in fresh})}")

    # 3. shred one subject, ~20k keys
    subjects = [s for s in list_data_subjects(workspace, 40)[0] if s]
    shred_times = []
    for subject in subjects[:3]:
        gc.collect()
        start = time.perf_counter()
        receipt = delete_data_subjects(workspace, [subject])
        shred_times.append(time.perf_counter() - start)
    print(f"shred one subject among {keys:,} keys (in-process, receipt with workspace and "
          f"output scans): {_fmt(shred_times, 'ms')}; keyLinks {receipt['deletedKeylinksCount']}")
    # the open reader connection sees it on its next query
    left = reader_conn.execute(query, [str(encrypted)]).fetchone()[0]
    print(f"  the connection opened before the shreds now decrypts {left:,} values")
    reader_conn.close()  # a purge rewrites the warehouse: no reader may hold it open

    # 4. purge one subject from the derived file
    derived = bucket / "uci_online_retail" / "decrypted-0.csv"
    lines_before = derived.read_bytes().count(b"\r\n")
    gc.collect()
    start = time.perf_counter()
    receipt = delete_data_subjects(workspace, [subjects[3]], purge_outputs=True)
    purge_s = time.perf_counter() - start
    lines_after = derived.read_bytes().count(b"\r\n")
    print(f"purge one subject ({lines_before - lines_after} rows) from the {lines_before - 1:,}"
          f"-row derived file (+ keys export, derived table, warehouse rewrite): "
          f"{purge_s:.3f} s; left: {sorted({o['status'] for o in receipt['outputs']})}")

    # 5. a store of ~200k keys
    extra = max(0, options.big_keys - _key_count(root))
    conn = duckdb.connect()
    register_functions(conn)
    conn.execute("ATTACH ? AS k", [str(workspace.keystore_path)])
    conn.execute("""
        INSERT INTO k.encryption_keys
        SELECT uuid()::VARCHAR, 'bench-synthetic', sha256(i::VARCHAR), DATE '2011-01-01',
               TIMESTAMPTZ '2011-01-02 00:00:00+00', tink_keyset_new_per_row(i::VARCHAR), 'bench'
        FROM range(?) AS t(i)""", [extra])
    conn.execute("""
        INSERT INTO k.data_subject_keys
        SELECT 'synthetic-' || (row_number() OVER () % 20000), key_link, expiry, 'bench'
        FROM k.encryption_keys WHERE group_id = 'bench-synthetic'""")
    conn.close()
    big = _key_count(root)
    big_times = []
    for subject in subjects[4:7]:
        gc.collect()
        start = time.perf_counter()
        delete_data_subjects(workspace, [subject])
        big_times.append(time.perf_counter() - start)
    print(f"shred one subject among {big:,} keys: {_fmt(big_times, 'ms')}")
    _, cli_s = _cli(root, "delete", "data-subjects", subjects[7], "--yes")
    print(f"  same through the CLI (process start included): {cli_s:.2f} s")
    print(json.dumps({"rows": options.rows, "keys": keys, "big_keys": big,
                      "decrypt_former_cold_s": statistics.median(
                          results["former (attached store + macro)"][0]),
                      "decrypt_reader_cold_s": statistics.median(
                          results["reader (identity check per batch)"][0]),
                      "decrypt_fresh_process_s": statistics.median(
                          run["query_s"] for run in fresh),
                      "shred_ms": statistics.median(shred_times) * 1e3,
                      "purge_s": purge_s, "shred_big_ms": statistics.median(big_times) * 1e3}))
    if options.workdir is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
