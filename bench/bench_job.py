"""Benchmark: a full STRM batch job through the duckshred CLI, on generated UCI data.

For each ``--rows N``:

1. generate N UCI-Online-Retail-shaped rows (``bench/uci_generator.py``);
2. three times (``--runs``), each in a fresh workspace set up with the CLI (data
   connector + the reference contract), time ``duckshred create batch-job -F
   batch-job-config.json`` end to end (wall clock of the subprocess, Python and dbt
   start-up included) and its peak RSS;
3. read each job's own duration from ``get batch-job ID -o json``; report medians;
   then the same runs through a warm server (``duckshred server start``, private socket);
4. time the I/O floor: plain DuckDB reading the same CSV into a table and writing
   same-shaped encrypted-like and derived-like CSVs from it, in input order, which
   a scan keeps: nothing is sorted (median of 3);
5. time a naive pandas + Tink ``df.apply`` baseline (once; on the first 541,909 rows
   and extrapolated when N > 1,000,000);
6. time on-the-fly ``decrypt()`` of every CustomerID of the encrypted output;
7. time shredding one data subject (CLI, and in-process);
8. print a table and the targets of the issue as PASS/MISS.

Usage::

    python bench/bench_job.py --rows 541909 [--rows 10000000] [--runs 3]
                              [--json out.json] [--workdir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import csv
import gc
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO.parent / "shared" / "strm-reference"
CONTRACT_REF = "strmprivacy/online-retail/1.0.0"
CONNECTOR = "s3-batch-demo"
SOURCE_NAME = "uci_online_retail.csv"
ENCRYPTED_NAME = "uci_online_retail/encrypted.csv"
COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
           "CustomerID", "Country"]
REFERENCE_ROWS = 541_909  # the real UCI data set; the naive baseline's sample size
NAIVE_MAX_ROWS = 1_000_000
FINISHED = re.compile(r"Processed (\d+) records in ([\d.]+) s\. which is (\d+) records/s\.")
CSV_OUT = "HEADER, FORCE_QUOTE *, NEW_LINE '\r\n'"

# Targets from the issue.
E2E_MIN_RPS = 130_000
JOB_MIN_RPS = 250_000
JOB_MAX_FLOOR_RATIO = 1.8
DECRYPT_MAX_S = 0.6
SHRED_MAX_MS = 300
JOB_RUNS = 3  # default: the job runs this many times per size, each in a fresh workspace
BIG_ROWS = 10_000_000
BIG_MAX_RSS_MB = 3 * 1024
BIG_MAX_PER_ROW_RATIO = 1.2


class BenchError(RuntimeError):
    """A duckshred command failed: the benchmark reports it and goes on."""


# -- helpers ------------------------------------------------------------------------------


def load_generator() -> ModuleType:
    """``bench/uci_generator.py`` (bench/ is a script folder, not a package)."""
    path = Path(__file__).resolve().parent / "uci_generator.py"
    spec = importlib.util.spec_from_file_location("uci_generator", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def duckshred_exe() -> str:
    beside = Path(sys.executable).with_name("duckshred")
    if beside.exists():
        return str(beside)
    found = shutil.which("duckshred")
    if not found:
        raise SystemExit("duckshred is not installed next to this Python nor on PATH")
    return found


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = 0.0
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                ram_gib = int(line.split()[1]) / 1024**2
                break
    versions = {}
    for package in ("duckshred", "duckdb", "dbt-core", "dbt-duckdb", "tink", "pandas"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "ram_gib": round(ram_gib, 1),
            "python": platform.python_version(), "versions": versions}


@dataclass
class Measured:
    returncode: int
    wall_s: float
    max_rss_mb: float
    stdout: str
    stderr: str
    # (seconds since the start, line) of every stderr line, as it arrived
    stderr_lines: list[tuple[float, str]]


def run_measured(cmd: list[str]) -> Measured:
    """Run ``cmd`` as a user would; wall clock and the peak RSS of that one child
    (``wait4`` gives the child's own rusage, not the max over every earlier child).
    stderr is read as it comes, so progress lines get a time stamp."""
    lines: list[tuple[float, str]] = []
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        assert proc.stderr is not None

        def read_stderr() -> None:
            for raw in proc.stderr:  # type: ignore[union-attr]
                lines.append((time.perf_counter() - start, raw.decode("utf-8", "replace")))

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        reader.join()
        proc.stderr.close()
        out.seek(0)
        return Measured(proc.returncode, wall, usage.ru_maxrss / 1024,
                        out.read().decode("utf-8", "replace"),
                        "".join(line for _, line in lines), lines)


def job_phases(run: Measured) -> dict[str, float]:
    """Where the wall clock of ``create batch-job`` went, from its time-stamped progress."""
    started = models_start = writing = finished = None
    for at, line in run.stderr_lines:
        if line.startswith("batch job ") and line.rstrip().endswith(" started"):
            started = at
        model = re.match(r"\s*1/\d+ .*OK in ([\d.]+) s", line)
        if model and models_start is None:
            models_start = at - float(model.group(1))
        if "writing outputs" in line and writing is None:
            writing = at
        if FINISHED.search(line):
            finished = at
    if None in (started, models_start, writing, finished):
        return {}
    assert started is not None and models_start is not None
    assert writing is not None and finished is not None
    return {"cli_start_and_submit_s": round(started, 2),
            "dbt_start_up_s": round(models_start - started, 2),
            "dbt_models_s": round(writing - models_start, 2),
            "writing_outputs_s": round(finished - writing, 2),
            "process_exit_s": round(run.wall_s - finished, 2)}


def cli(exe: str, workspace: Path, *args: str) -> Measured:
    cmd = [exe, "--workspace", str(workspace), *args]
    result = run_measured(cmd)
    if result.returncode != 0:
        shown = " ".join(f"'{a}'" if " " in a else a for a in cmd)
        raise BenchError(f"command failed (exit {result.returncode}): {shown}\n"
                         f"{result.stderr.strip()}")
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


_FRESH_PROCESS = """
import json, sys, time
start = time.perf_counter()
import duckshred
conn = duckshred.connect(sys.argv[1])
conn.execute("SET enable_progress_bar = false")  # it would print on stdout, beside the numbers
connected = time.perf_counter()
conn.execute(sys.argv[2]).fetchone()
print(json.dumps({"connect_s": connected - start, "query_s": time.perf_counter() - connected,
                  "pandas": "pandas" in sys.modules}))
"""


def fresh_process_decrypt(workspace: Path, query: str) -> dict[str, Any]:
    """``query`` as the first query of a new interpreter through ``duckshred.connect``."""
    done = subprocess.run([sys.executable, "-c", _FRESH_PROCESS, str(workspace), query],  # noqa: S603
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise BenchError(f"decrypt() in a fresh process failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sql_literal(text: str | Path) -> str:
    return str(text).replace("'", "''")


# -- 4. the I/O floor -------------------------------------------------------------------


def io_floor_once(source: Path, out_dir: Path, warehouse: bool = False) -> float:
    """Plain DuckDB (no duckshred functions): read the CSV as text into a table once
    (the job writes two files from one read), then write an encrypted-like and a
    derived-like CSV from it. A scan keeps the input order, so nothing is sorted:
    the floor is reading and writing, nothing else.

    ``warehouse``: also what a job keeps besides the files, the two tables in a DuckDB
    file, written from the source table and the CSVs written from them (as the job
    exports them): the floor of the job's whole output."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cols = ", ".join(f'coalesce("{c}", \'\') AS "{c}"' for c in COLUMNS)
    meta = (f"'{CONTRACT_REF}' AS \"strmMeta.eventContractRef\", 0 AS \"strmMeta.nonce\", "
            "1291188360000 AS \"strmMeta.timestamp\", "
            "'8f0c0d4e-6a55-4c1b-9d8e-3c1f2a7b5e90' AS \"strmMeta.keyLink\", "
            "NULL::VARCHAR AS \"strmMeta.billingId\", '[2]' AS \"strmMeta.consentLevels\"")
    enc_cols = ", ".join(
        "repeat('x', 36) AS \"CustomerID\"" if c == "CustomerID" else f'"{c}"' for c in COLUMNS)
    plain_cols = ", ".join(f'"{c}"' for c in COLUMNS)
    gc.collect()
    start = time.perf_counter()
    con = duckdb.connect()
    try:
        con.execute(f"""
            CREATE TEMP TABLE src AS
            SELECT {cols}
            FROM read_csv('{sql_literal(source)}', all_varchar=true, header=true)""")
        encrypted = f"SELECT {enc_cols}, {meta} FROM src"
        derived = f"SELECT {plain_cols}, {meta} FROM src"
        if warehouse:
            con.execute(f"ATTACH '{sql_literal(out_dir / 'warehouse.duckdb')}' AS w")
            con.execute(f"CREATE TABLE w.encrypted AS {encrypted}")
            con.execute(f"CREATE TABLE w.derived AS {derived}")
            encrypted, derived = "SELECT * FROM w.encrypted", "SELECT * FROM w.derived"
        con.execute(f"COPY ({encrypted}) "
                    f"TO '{sql_literal(out_dir / 'encrypted.csv')}' ({CSV_OUT})")
        con.execute(f"COPY ({derived}) "
                    f"TO '{sql_literal(out_dir / 'derived.csv')}' ({CSV_OUT})")
    finally:
        con.close()
    return time.perf_counter() - start


# -- 5. the naive baseline --------------------------------------------------------------


def naive_baseline(source: Path, out_dir: Path, rows: int | None) -> dict[str, float]:
    """pandas + Tink, a key per (CustomerID, UTC day) in a dict, ``df.apply`` per row,
    pandas ``to_csv`` for the encrypted, keys and derived files."""
    import pandas as pd
    import tink
    from tink import daead, secret_key_access

    daead.register()
    template = daead.deterministic_aead_key_templates.AES256_SIV
    out_dir.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    gc.collect()
    start = time.perf_counter()
    df = pd.read_csv(source, dtype=str, keep_default_na=False, nrows=rows)
    times["read"] = time.perf_counter() - start

    mark = time.perf_counter()
    local = pd.to_datetime(df["InvoiceDate"], format="%Y-%m-%d %H:%M:%S")
    utc = local.dt.tz_localize("Europe/Amsterdam").dt.tz_convert("UTC")
    df["__day"] = utc.dt.strftime("%Y-%m-%d")
    epoch_ms = (utc.astype("int64") // 10**6).astype(str)

    keys: dict[tuple[str, str], tuple[str, Any, Any]] = {}

    def encrypt_row(row: pd.Series) -> tuple[str, str]:
        subject = row["CustomerID"]
        entry = keys.get((subject, row["__day"]))
        if entry is None:
            handle = tink.new_keyset_handle(template)
            entry = (str(uuid.uuid4()), handle, handle.primitive(daead.DeterministicAead))
            keys[(subject, row["__day"])] = entry
        ciphertext = entry[2].encrypt_deterministically(subject.encode("utf-8"), b"")
        return base64.b64encode(ciphertext).decode("ascii"), entry[0]

    encrypted = df.apply(encrypt_row, axis=1)
    times["encrypt"] = time.perf_counter() - mark

    mark = time.perf_counter()
    meta = pd.DataFrame({
        "strmMeta.eventContractRef": CONTRACT_REF,
        "strmMeta.nonce": "0",
        "strmMeta.timestamp": epoch_ms,
        "strmMeta.keyLink": [link for _, link in encrypted],
        "strmMeta.billingId": None,
        "strmMeta.consentLevels": "[2]",
    }, index=df.index)
    plain = df[COLUMNS]
    enc = plain.assign(CustomerID=[c for c, _ in encrypted])
    options: dict[str, Any] = {"index": False, "quoting": csv.QUOTE_ALL, "lineterminator": "\r\n"}
    pd.concat([enc, meta], axis=1).to_csv(out_dir / "encrypted.csv", **options)
    pd.DataFrame(
        [(link, json.dumps(json.loads(tink.json_proto_keyset_format.serialize(
            handle, secret_key_access.TOKEN)), separators=(",", ":")))
         for link, handle, _ in keys.values()],
        columns=["keyLink", "encryptionKey"],
    ).to_csv(out_dir / "keys.csv", **options)
    pd.concat([plain, meta], axis=1).to_csv(out_dir / "derived.csv", **options)
    times["write"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    times["rows"] = len(df)
    times["keys"] = len(keys)
    return times


# -- one size ---------------------------------------------------------------------------


def job_states(job: dict[str, Any]) -> dict[str, Any]:
    states = job["states"]
    found: dict[str, Any] = {"final_state": states[-1]["state"],
                             "final_message": states[-1]["message"]}
    stamps = [(s["state"], datetime.fromisoformat(s["stateTime"].replace("Z", "+00:00")))
              for s in states]
    found["state_durations_s"] = {f"{a}->{b}": round((tb - ta).total_seconds(), 3)
                                  for (a, ta), (b, tb) in zip(stamps, stamps[1:], strict=False)}
    match = FINISHED.search(states[-1]["message"])
    if match:
        found["records"] = int(match.group(1))
        found["seconds"] = float(match.group(2))
        found["records_per_s"] = int(match.group(3))
    return found


def keystore_counts(workspace: Path) -> tuple[int, int]:
    con = duckdb.connect(str(workspace / "keystore.duckdb"), read_only=True)
    try:
        (keys,) = con.execute("SELECT count(*) FROM encryption_keys").fetchone()
        (subjects,) = con.execute(
            "SELECT count(DISTINCT data_subject) FROM data_subject_keys").fetchone()
    finally:
        con.close()
    return int(keys), int(subjects)


def run_job(exe: str, workspace: Path, bucket: Path, rows: int) -> dict[str, Any]:
    """One ``create batch-job`` in a fresh workspace, and the job's own account of it."""
    cli(exe, workspace, "create", "data-connector", CONNECTOR, "--path", str(bucket))
    cli(exe, workspace, "create", "data-contract", CONTRACT_REF,
        "-F", str(REFERENCE / "online-retail-contract.json"),
        "--schema", str(REFERENCE / "online-retail.json"))
    job_run = cli(exe, workspace, "create", "batch-job",
                  "-F", str(REFERENCE / "batch-job-config.json"))
    job_id = job_run.stdout.strip().splitlines()[-1]
    found: dict[str, Any] = {
        "job_id": job_id, "e2e_s": round(job_run.wall_s, 3),
        "peak_rss_mb": round(job_run.max_rss_mb, 1), "stderr_lines": job_run.stderr_lines,
        "model_s": {name: float(seconds) for name, seconds in
                    re.findall(r"\d+/\d+ (\w+): OK in ([\d.]+) s", job_run.stderr)},
        "phases": job_phases(job_run)}
    # dbt runs two models at a time (profiles.yml), so their times overlap: the wall clock
    # from the first model to dbt's end, where the progress lines tell it, not their sum.
    found["dbt_models_s"] = found["phases"].get(
        "dbt_models_s", round(sum(found["model_s"].values()), 3))
    details = json.loads(cli(exe, workspace, "get", "batch-job", job_id, "-o", "json").stdout)
    found["job"] = job_states(details["batchJob"])
    if "seconds" not in found["job"]:
        raise BenchError(f"job {job_id} did not report FINISHED: "
                         f"{found['job']['final_message']}")
    if found["job"]["records"] != rows:
        print(f"  note: the job reports {found['job']['records']:,} records for {rows:,} rows")
    return found


def bench_size(rows: int, folder: Path, exe: str, generator: ModuleType,
               job_runs: int = JOB_RUNS) -> dict[str, Any]:
    from duckshred.crypto import clear_cipher_cache

    r: dict[str, Any] = {"rows": rows}
    bucket = folder / "bucket"
    bucket.mkdir(parents=True)
    source = bucket / SOURCE_NAME
    print(f"\n## {rows:,} rows")

    # 1. data
    start = time.perf_counter()
    generator.write_uci_csv(source, rows, seed=0)
    r["generate_s"] = round(time.perf_counter() - start, 2)
    r["source_mb"] = round(source.stat().st_size / 1e6, 1)
    print(f"generated {source.name}: {r['source_mb']} MB in {r['generate_s']} s")

    # 2-3. the job, end to end as a user runs it, JOB_RUNS times in fresh workspaces
    runs = []
    for run in range(job_runs):
        workspace = folder / f"workspace-{run}"
        shutil.rmtree(bucket / "uci_online_retail", ignore_errors=True)
        runs.append(run_job(exe, workspace, bucket, rows))
        print(f"run {run + 1}/{job_runs}: end to end {runs[-1]['e2e_s']:.2f} s, job's own "
              f"{runs[-1]['job']['seconds']:.2f} s, dbt models {runs[-1]['dbt_models_s']:.2f} s, "
              f"peak RSS {runs[-1]['peak_rss_mb']:.0f} MB")
    typical = sorted(runs, key=lambda run: run["job"]["seconds"])[len(runs) // 2]
    print(f"the median run ({typical['job_id']}), as it went:")
    for at, line in typical["stderr_lines"]:
        if line.strip():
            print(f"    | {at:6.2f} s  {line.strip()}")
    if typical["phases"]:
        print("  where the wall clock went: " + ", ".join(
            f"{name.removesuffix('_s').replace('_', ' ')} {value:.2f} s"
            for name, value in typical["phases"].items()))
    r["job_id"] = runs[-1]["job_id"]
    r["e2e_runs_s"] = [run["e2e_s"] for run in runs]
    r["e2e_s"] = round(median(r["e2e_runs_s"]), 3)
    r["e2e_records_per_s"] = round(rows / r["e2e_s"])
    r["peak_rss_mb"] = max(run["peak_rss_mb"] for run in runs)
    r["dbt_models_s"] = round(median([run["dbt_models_s"] for run in runs]), 3)
    r["model_s"] = {name: round(median([run["model_s"].get(name, 0.0) for run in runs]), 3)
                    for name in typical["model_s"]}
    r["phases"] = {name: round(median([run["phases"].get(name, 0.0) for run in runs]), 2)
                   for name in typical["phases"]}
    job_seconds = [run["job"]["seconds"] for run in runs]
    r["job"] = {**typical["job"], "runs_s": job_seconds, "seconds": round(median(job_seconds), 3),
                "records_per_s": round(rows / median(job_seconds))}
    print(f"medians of {job_runs}: end to end {r['e2e_s']:.2f} s of {r['e2e_runs_s']} "
          f"({r['e2e_records_per_s']:,} records/s); job's own {r['job']['seconds']:.2f} s of "
          f"{job_seconds} ({r['job']['records_per_s']:,} records/s); per model "
          + ", ".join(f"{name} {value:.2f} s" for name, value in r["model_s"].items()))

    # 3b. the same job through a warm server (`duckshred server start`: dbt imported and
    # the project parsed once, a forked child per job). Peak RSS is the caller's alone
    # there (the job runs in the server's child), so it is not reported for these runs.
    os.environ.update({"DUCKSHRED_SERVER": "on",
                       "DUCKSHRED_SERVER_SOCKET": str(folder / "server" / "s.sock")})
    try:
        cli(exe, folder / "server-ws", "server", "start")
        warm_runs = []
        # their own bucket: the later steps read the cold runs' outputs with their keys
        warm_bucket = folder / "warm-bucket"
        warm_bucket.mkdir()
        os.link(source, warm_bucket / SOURCE_NAME)
        for run in range(job_runs):
            shutil.rmtree(warm_bucket / "uci_online_retail", ignore_errors=True)
            warm_runs.append(run_job(exe, folder / f"warm-workspace-{run}", warm_bucket, rows))
            print(f"warm run {run + 1}/{job_runs}: end to end {warm_runs[-1]['e2e_s']:.2f} s, "
                  f"job's own {warm_runs[-1]['job']['seconds']:.2f} s")
        cli(exe, folder / "server-ws", "server", "stop")
    finally:
        os.environ["DUCKSHRED_SERVER"] = "off"
    shutil.rmtree(warm_bucket)
    r["warm_e2e_runs_s"] = [run["e2e_s"] for run in warm_runs]
    r["warm_e2e_s"] = round(median(r["warm_e2e_runs_s"]), 3)
    r["warm_e2e_records_per_s"] = round(rows / r["warm_e2e_s"])
    r["warm_job_s"] = round(median([run["job"]["seconds"] for run in warm_runs]), 3)
    print(f"warm server, medians of {job_runs}: end to end {r['warm_e2e_s']:.2f} s of "
          f"{r['warm_e2e_runs_s']} ({r['warm_e2e_records_per_s']:,} records/s); job's own "
          f"{r['warm_job_s']:.2f} s")

    keys, subjects = keystore_counts(workspace)
    r["keys"], r["subjects"] = keys, subjects
    r["warnings"] = []
    if rows and not keys:
        r["warnings"].append("the job left no keys in the key store")
    encrypted = bucket / ENCRYPTED_NAME
    r["output_mb"] = {p.name: round(p.stat().st_size / 1e6, 1)
                      for p in sorted((bucket / "uci_online_retail").iterdir())}
    print(f"key store: {keys:,} keys, {subjects:,} data subjects; outputs (MB): {r['output_mb']}")

    # 4. I/O floor
    floors, floors_warehouse = [], []
    for _ in range(3):
        floors.append(io_floor_once(source, folder / "floor"))
        shutil.rmtree(folder / "floor")
        floors_warehouse.append(io_floor_once(source, folder / "floor", warehouse=True))
        shutil.rmtree(folder / "floor")
    r["floor_runs_s"] = [round(t, 3) for t in floors]
    r["floor_s"] = round(median(floors), 3)
    r["job_floor_ratio"] = round(r["job"]["seconds"] / r["floor_s"], 2)
    r["floor_warehouse_runs_s"] = [round(t, 3) for t in floors_warehouse]
    r["floor_warehouse_s"] = round(median(floors_warehouse), 3)
    r["job_floor_warehouse_ratio"] = round(r["job"]["seconds"] / r["floor_warehouse_s"], 2)
    threads = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"I/O floor (read CSV + write 2 CSVs, plain DuckDB, {threads} threads): "
          f"median {r['floor_s']:.2f} s of {r['floor_runs_s']}; job / floor = "
          f"{r['job_floor_ratio']:.2f}x")
    print(f"I/O floor with the warehouse (+ both tables in a DuckDB file, CSVs from them): "
          f"median {r['floor_warehouse_s']:.2f} s of {r['floor_warehouse_runs_s']}; "
          f"job / that floor = {r['job_floor_warehouse_ratio']:.2f}x")

    # 5. naive baseline
    sample = rows if rows <= NAIVE_MAX_ROWS else REFERENCE_ROWS
    naive = naive_baseline(source, folder / "naive", None if sample == rows else sample)
    shutil.rmtree(folder / "naive")
    naive_s = naive["total"] * rows / naive["rows"]
    r["naive"] = {k: round(v, 3) for k, v in naive.items()}
    r["naive_s"] = round(naive_s, 2)
    r["naive_extrapolated"] = sample != rows
    r["speedup"] = round(naive_s / r["e2e_s"], 1)
    how = (f"on the first {sample:,} rows, extrapolated per row to {rows:,}"
           if sample != rows else "on all rows")
    print(f"naive pandas + Tink df.apply ({how}): {naive_s:.1f} s "
          f"(read {naive['read']:.1f}, parse+encrypt {naive['encrypt']:.1f}, "
          f"write 3 CSVs {naive['write']:.1f}; {int(naive['keys']):,} keys); "
          f"speed-up of duckshred end to end over it: {r['speedup']}x")

    # 6. on-the-fly decryption
    query = (f"SELECT count(decrypt(CustomerID, \"strmMeta.keyLink\")) "
             f"FROM read_csv('{sql_literal(encrypted)}', all_varchar=true)")
    import duckshred

    con = duckshred.connect(workspace)
    cold, warm = [], []
    try:
        for _ in range(3):
            clear_cipher_cache()  # as a fresh CLI process would see it
            gc.collect()
            start = time.perf_counter()
            (count,) = con.execute(query).fetchone()
            cold.append(time.perf_counter() - start)
        for _ in range(3):
            start = time.perf_counter()
            con.execute(query).fetchone()
            warm.append(time.perf_counter() - start)
    finally:
        con.close()
        clear_cipher_cache()
    r["decrypt_count"] = int(count)
    if count != rows:
        r["warnings"].append(f"decrypt() gave {count:,} non-NULL values for {rows:,} rows")
    r["decrypt_runs_s"] = [round(t, 3) for t in cold]
    r["decrypt_s"] = round(median(cold), 3)
    r["decrypt_warm_s"] = round(median(warm), 3)
    # The cold: the first query of a fresh process through duckshred.connect
    # (this process has long imported everything, pandas too for the naive baseline).
    fresh = [fresh_process_decrypt(workspace, query) for _ in range(3)]
    r["decrypt_fresh_runs_s"] = [round(run["query_s"], 3) for run in fresh]
    r["decrypt_fresh_s"] = round(median(r["decrypt_fresh_runs_s"]), 3)
    r["decrypt_fresh_connect_s"] = round(median(run["connect_s"] for run in fresh), 3)
    r["decrypt_fresh_imports_pandas"] = any(run["pandas"] for run in fresh)
    sql_run = cli(exe, workspace, "sql", query, "-o", "csv")
    r["decrypt_cli_s"] = round(sql_run.wall_s, 3)
    cli_count = sql_run.stdout.strip().splitlines()[-1]
    print(f"decrypt() of {count:,} values: first query of a fresh process median "
          f"{r['decrypt_fresh_s']:.3f} s of {r['decrypt_fresh_runs_s']} (import and connect "
          f"{r['decrypt_fresh_connect_s']:.3f} s before it; pandas imported: "
          f"{r['decrypt_fresh_imports_pandas']}); in-process median {r['decrypt_s']:.3f} s "
          f"(cold primitive cache; warm {r['decrypt_warm_s']:.3f} s); "
          f"CLI `sql` wall clock {sql_run.wall_s:.2f} s (count {cli_count})")

    # 7. shredding
    from duckshred.service.subjects import delete_data_subjects
    from duckshred.service.workspace import Workspace

    listed = json.loads(cli(exe, workspace, "list", "data-subjects", "--page-size", "6",
                            "-o", "json").stdout)
    ids = [s["dataSubjectId"] for s in listed["dataSubjects"] if s["dataSubjectId"]]
    if len(ids) < 4:
        raise BenchError(f"expected at least 4 data subjects, found {ids}")
    shred = cli(exe, workspace, "delete", "data-subjects", ids[0], "--yes")
    r["shred_cli_s"] = round(shred.wall_s, 3)
    r["shred_cli_keylinks"] = int(shred.stdout.strip().splitlines()[0])
    in_process, receipts = [], []
    for subject in ids[1:4]:
        gc.collect()
        start = time.perf_counter()
        receipts.append(delete_data_subjects(Workspace.resolve(workspace), [subject]))
        in_process.append(time.perf_counter() - start)
    r["shred_runs_ms"] = [round(t * 1e3, 1) for t in in_process]
    r["shred_ms"] = round(median(in_process) * 1e3, 1)
    r["shred_keylinks"] = [rc["deletedKeylinksCount"] for rc in receipts]
    r["key_material_found"] = any(rc["keyMaterialCheck"]["keyMaterialFound"] for rc in receipts)
    keys_after, _ = keystore_counts(workspace)
    r["keys_after_shred"] = keys_after
    print(f"shred subject {ids[0]} via CLI: {shred.wall_s:.2f} s wall clock "
          f"({r['shred_cli_keylinks']} keyLinks); in-process delete_data_subjects on "
          f"{ids[1:4]}: median {r['shred_ms']:.0f} ms of {r['shred_runs_ms']} "
          f"(keyLinks {r['shred_keylinks']}, key material left: {r['key_material_found']}); "
          f"key store {keys:,} -> {keys_after:,} keys")
    return r


# -- report -------------------------------------------------------------------------------


def report(results: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in results if "error" not in r]
    print("\n## Results\n")
    header = ["rows", "end-to-end s", "e2e records/s", "warm server e2e s",
              "warm records/s", "job records/s", "I/O floor s",
              "job/floor", "naive s", "speed-up", "decrypt() s (fresh)", "shred ms", "peak RSS MB",
              "keys"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for r in ok:
        naive = f"{r['naive_s']:.1f}" + ("*" if r["naive_extrapolated"] else "")
        print("| " + " | ".join([
            f"{r['rows']:,}", f"{r['e2e_s']:.2f}", f"{r['e2e_records_per_s']:,}",
            f"{r['warm_e2e_s']:.2f}", f"{r['warm_e2e_records_per_s']:,}",
            f"{r['job']['records_per_s']:,}", f"{r['floor_s']:.2f}",
            f"{r['job_floor_ratio']:.2f}x", naive, f"{r['speedup']}x",
            f"{r['decrypt_fresh_s']:.3f}", f"{r['shred_ms']:.0f}", f"{r['peak_rss_mb']:.0f}",
            f"{r['keys']:,}"]) + " |")
    if any(r["naive_extrapolated"] for r in ok):
        print(f"\n\\* naive baseline run on the first {REFERENCE_ROWS:,} rows and extrapolated "
              "per row.")
    for r in results:
        if "error" in r:
            print(f"\n{r['rows']:,} rows: FAILED: {r['error']}")
        for warning in r.get("warnings", []):
            print(f"\nWARNING ({r['rows']:,} rows): {warning}")

    print("\n## Targets\n")
    targets: list[dict[str, Any]] = []

    def target(name: str, value: str, passed: bool | None) -> None:
        targets.append({"target": name, "value": value, "result": verdict(passed)})
        print(f"{verdict(passed):4s}  {name}: {value}")

    for r in ok:
        n = r["rows"]
        target(f"{n:,} rows: end to end >= {E2E_MIN_RPS:,} records/s (cold CLI)",
               f"{r['e2e_records_per_s']:,} records/s", r["e2e_records_per_s"] >= E2E_MIN_RPS)
        target(f"{n:,} rows: end to end >= {E2E_MIN_RPS:,} records/s (warm server)",
               f"{r['warm_e2e_records_per_s']:,} records/s",
               r["warm_e2e_records_per_s"] >= E2E_MIN_RPS)
        target(f"{n:,} rows: job >= {JOB_MIN_RPS:,} records/s",
               f"{r['job']['records_per_s']:,} records/s",
               r["job"]["records_per_s"] >= JOB_MIN_RPS)
        target(f"{n:,} rows: job <= {JOB_MAX_FLOOR_RATIO}x the I/O floor",
               f"{r['job']['seconds']:.2f} s / {r['floor_s']:.2f} s = "
               f"{r['job_floor_ratio']:.2f}x", r["job_floor_ratio"] <= JOB_MAX_FLOOR_RATIO)
        # Not the target, for context: the floor of everything the job writes.
        print(f"info  {n:,} rows: job / I/O floor with the warehouse tables: "
              f"{r['job']['seconds']:.2f} s / {r['floor_warehouse_s']:.2f} s = "
              f"{r['job_floor_warehouse_ratio']:.2f}x")
        scaled = r["decrypt_fresh_s"] * REFERENCE_ROWS / n
        note = "" if n == REFERENCE_ROWS else f" (scaled per row from {n:,} values)"
        if r["decrypt_count"] != n:
            note += f"; but only {r['decrypt_count']:,} of {n:,} values decrypted"
        target(f"{n:,} rows: decrypt() of {REFERENCE_ROWS:,} values <= {DECRYPT_MAX_S:g} s "
               "(first query of a fresh process)",
               f"{scaled:.3f} s{note}", scaled <= DECRYPT_MAX_S and r["decrypt_count"] == n)
        target(f"{n:,} rows: shred of one subject <= {SHRED_MAX_MS} ms "
               f"(key store of {r['keys']:,} keys)", f"{r['shred_ms']:.0f} ms",
               r["shred_ms"] <= SHRED_MAX_MS if n == REFERENCE_ROWS else None)
    small = next((r for r in ok if r["rows"] == REFERENCE_ROWS), None)
    big = next((r for r in ok if r["rows"] >= BIG_ROWS), None)
    if big is not None:
        target(f"{big['rows']:,} rows: peak memory < {BIG_MAX_RSS_MB / 1024:g} GB",
               f"{big['peak_rss_mb']:,.0f} MB", big["peak_rss_mb"] < BIG_MAX_RSS_MB)
    else:
        target(f"{BIG_ROWS:,} rows: peak memory < {BIG_MAX_RSS_MB / 1024:g} GB",
               "not run (use --rows 10000000, `make bench-full`)", None)
    if big is not None and small is not None:
        e2e = (big["e2e_s"] / big["rows"]) / (small["e2e_s"] / small["rows"])
        own = (big["job"]["seconds"] / big["rows"]) / (small["job"]["seconds"] / small["rows"])
        target(f"per-row cost at {big['rows']:,} within {BIG_MAX_PER_ROW_RATIO}x of "
               f"{REFERENCE_ROWS:,} (end to end)", f"{e2e:.2f}x (job's own time: {own:.2f}x)",
               e2e <= BIG_MAX_PER_ROW_RATIO)
    else:
        target(f"per-row cost at {BIG_ROWS:,} within {BIG_MAX_PER_ROW_RATIO}x of "
               f"{REFERENCE_ROWS:,}", "needs both sizes in one run", None)
    return {"targets": targets}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append",
                        help=f"rows to generate (repeatable; default {REFERENCE_ROWS})")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the temporary folder goes (default: the system temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--runs", type=int, default=JOB_RUNS,
                        help=f"job runs per size, medians reported (default {JOB_RUNS})")
    parser.add_argument("--json", type=Path, default=None, help="save the numbers here")
    args = parser.parse_args(argv)
    sizes = args.rows or [REFERENCE_ROWS]

    os.environ["DUCKSHRED_SERVER"] = "off"  # cold runs: never a server the user runs
    info = machine()
    print("# duckshred batch-job benchmark\n")
    print(f"machine: {info['nproc']} cores (nproc), {info['cpu']}, {info['ram_gib']} GiB RAM; "
          f"Python {info['python']}, " + ", ".join(f"{k} {v}" for k, v in
                                                 info["versions"].items() if v))
    print(f"reference files: {REFERENCE}")
    exe = duckshred_exe()
    generator = load_generator()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="duckshred-bench-", dir=args.workdir))
    print(f"working folder: {base}")

    results: list[dict[str, Any]] = []
    try:
        for rows in sizes:
            folder = base / f"rows-{rows}"
            try:
                results.append(bench_size(rows, folder, exe, generator, args.runs))
            except BenchError as error:
                print(f"\nERROR: {error}")
                results.append({"rows": rows, "error": str(error)})
            finally:
                if not args.keep:
                    shutil.rmtree(folder, ignore_errors=True)
        summary = report(results)
    finally:
        if args.keep:
            print(f"\nkept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results, **summary},
                                        indent=2) + "\n")
        print(f"\nnumbers saved to {args.json}")
    return 1 if any("error" in r or r.get("warnings") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
