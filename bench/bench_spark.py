"""Benchmark: the same batch job on the DuckDB engine and on local Spark, in one run.

For each ``--rows N``: generate N UCI-shaped rows (``bench/uci_generator.py``), then
for each engine run ``duckshred create batch-job -F batch-job-config.json --engine E``
in a fresh workspace, as a user would, and report

- the wall clock end to end (CLI, dbt and, for Spark, the JVM start-up included),
- the job's processing as it records it ("Processed N records in S s"),
- the peak memory of the whole process tree (Python, and Spark's JVM and Python
  workers), sampled every 100 ms from /proc (``wait4``'s ``ru_maxrss`` would miss the
  JVM, which is a grandchild),
- whether the two engines' derived files are identical but for keyLinks.

Usage::

    python bench/bench_spark.py --rows 541909 [--rows 10000000] [--engine duckdb
                                --engine spark] [--workdir DIR] [--keep] [--json out.json]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO.parent / "shared" / "strm-reference"
CONTRACT_REF = "strmprivacy/online-retail/1.0.0"
FINISHED = re.compile(r"Processed (\d+) records in ([\d.]+) s\. which is (\d+) records/s\.")
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def load_generator() -> ModuleType:
    path = Path(__file__).resolve().parent / "uci_generator.py"
    spec = importlib.util.spec_from_file_location("uci_generator", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))  # fields[1]: ppid
        rss[int(entry)] = int(fields[21]) * page  # fields[21]: rss in pages
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_sampled(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd``; wall clock, peak RSS of its process tree, stdout and stderr."""
    peak = 0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss_bytes(proc.pid))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        return {"code": code, "wall_s": wall, "peak_rss_mb": peak / 2**20,
                "stdout": out.read().decode("utf-8", "replace"),
                "stderr": err.read().decode("utf-8", "replace")}


def cli(workspace: Path, *args: str) -> dict[str, Any]:
    exe = str(Path(sys.executable).with_name("duckshred"))
    result = run_sampled([exe, "--workspace", str(workspace), *args])
    if result["code"] != 0:
        raise SystemExit(f"duckshred {' '.join(args)} failed (exit {result['code']}):\n"
                         f"{result['stderr'][-3000:]}")
    return result


def canonical_digest(path: Path) -> str:
    seen: dict[bytes, bytes] = {}
    data = UUID.sub(lambda m: seen.setdefault(m.group(0), b"K%d" % len(seen)),
                    path.read_bytes())
    return hashlib.sha256(data).hexdigest()


def bench_engine(rows: int, source: Path, folder: Path, engine: str) -> dict[str, Any]:
    bucket, workspace = folder / engine / "bucket", folder / engine / "workspace"
    bucket.mkdir(parents=True)
    os.link(source, bucket / source.name)  # a hard link: the connector sees a plain file
    cli(workspace, "create", "data-connector", "s3-batch-demo", "--path", str(bucket))
    cli(workspace, "create", "data-contract", CONTRACT_REF,
        "-F", str(REFERENCE / "online-retail-contract.json"),
        "--schema", str(REFERENCE / "online-retail.json"))
    run = cli(workspace, "create", "batch-job", "-F", str(REFERENCE / "batch-job-config.json"),
              "--engine", engine)
    finished = FINISHED.search(run["stderr"])
    processing_s = float(finished.group(2)) if finished else float("nan")
    derived = bucket / "uci_online_retail" / "decrypted-0.csv"
    result = {"engine": engine, "rows": rows, "e2e_s": round(run["wall_s"], 2),
              "e2e_rps": round(rows / run["wall_s"]), "processing_s": processing_s,
              "processing_rps": round(rows / processing_s) if finished else None,
              "peak_rss_mb": round(run["peak_rss_mb"]),
              "derived_digest": canonical_digest(derived)}
    print(f"  {engine:6} end to end {result['e2e_s']:8.2f} s {result['e2e_rps']:>9,} rec/s | "
          f"processing {processing_s:8.2f} s {result['processing_rps'] or 0:>9,} rec/s | "
          f"peak RSS (process tree) {result['peak_rss_mb']:>6,} MB", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append",
                        help="rows to generate (repeatable; default 541909)")
    parser.add_argument("--engine", action="append", choices=["duckdb", "spark"],
                        help="engines to run (repeatable; default both)")
    parser.add_argument("--workdir", type=Path, help="where to put data and workspaces")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    engines = args.engine or ["duckdb", "spark"]
    os.environ["DUCKSHRED_SERVER"] = "off"  # both engines start cold: no warm server
    generator = load_generator()
    root = Path(tempfile.mkdtemp(prefix="bench-spark-", dir=args.workdir))
    print(f"machine: {os.cpu_count()} cores (shared with whatever else runs now); "
          f"files in {root}")
    results = []
    try:
        for rows in args.rows or [541_909]:
            folder = root / f"rows-{rows}"
            folder.mkdir()
            source = folder / "uci_online_retail.csv"
            generator.write_uci_csv(source, rows, seed=0)
            print(f"\n## {rows:,} rows ({source.stat().st_size / 1e6:.0f} MB)", flush=True)
            by_engine = {engine: bench_engine(rows, source, folder, engine)
                         for engine in engines}
            results.extend(by_engine.values())
            if {"duckdb", "spark"} <= by_engine.keys():
                duck, spark = by_engine["duckdb"], by_engine["spark"]
                same = duck["derived_digest"] == spark["derived_digest"]
                print(f"  spark/duckdb: end to end {spark['e2e_s'] / duck['e2e_s']:.1f}x the "
                      f"time, processing {spark['processing_s'] / duck['processing_s']:.1f}x, "
                      f"peak memory {spark['peak_rss_mb'] / duck['peak_rss_mb']:.1f}x; derived "
                      f"files identical but for keyLinks: {same}")
            shutil.rmtree(folder / "duckdb" / "workspace" / "tmp", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
