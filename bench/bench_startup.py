"""Benchmark: what a duckshred command costs before it does any work.

Start-up, not throughput: the bundled sample job (5,000 rows) through ``create
batch-job``, and the read-only commands (``list batch-jobs``, ``list data-subjects``,
``get batch-job``, ``list data-subject-keylinks``) on an empty and on a filled
workspace. Every command runs as a user runs it (a subprocess of the installed
``duckshred``); the script reports medians of wall clock and CPU time (user + system
of that child, which a loaded machine disturbs much less than the wall clock) and,
for jobs, dbt's start-up as the job records it (``timings.dbtStartupSeconds``: from
the job's RUNNING state to dbt's first model).

Several installations can be compared in one run (``--exe LABEL=PATH``, repeated):
their runs are interleaved, so a load that comes and goes hits each alike, and each
ratio is taken from numbers of the same run. Each installation gets its own parse
cache (``XDG_CACHE_HOME``), warmed by one job first; a job run in a fresh workspace
with a cold cache is reported apart (``first job, cold cache``).

Usage::

    python bench/bench_startup.py [--exe after=.venv/bin/duckshred --exe before=...]
                                  [--runs 7] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "seeds" / "sample"
SAMPLE_CSV = "uci_online_retail_sample.csv"
CONTRACT = "duckshred/online-retail-sample/1.0.0"
SUBJECTS = ["14775", "17268"]  # two CustomerIDs of the sample
READ_ONLY_MAX_S = 0.3  # issue 10: a read-only command starts in <= 0.3 s


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    stdout: str


def run_with_cpu(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> Run:
    """Wall clock and the child's own CPU time (``wait4`` gives one child's rusage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n"
                             f"{err.read().decode()}")
        return Run(wall, usage.ru_utime + usage.ru_stime, out.read().decode())


class Install:
    """One duckshred installation with its own parse cache and workspaces."""

    def __init__(self, label: str, exe: str, folder: Path) -> None:
        self.label, self.exe, self.folder = label, exe, folder
        self.env = {**os.environ, "XDG_CACHE_HOME": str(folder / "cache")}
        self.env.pop("DUCKSHRED_HOME", None)
        self.bucket = folder / "bucket"
        self.bucket.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / SAMPLE_CSV, self.bucket / SAMPLE_CSV)
        self.job_file = folder / "batch-job-config.json"
        shutil.copy(SAMPLE / "batch-job-config.json", self.job_file)
        self.fresh = 0

    def cli(self, workspace: Path, *args: str, ok: tuple[int, ...] = (0,)) -> Run:
        return run_with_cpu([self.exe, "--workspace", str(workspace), *args], self.env, ok)

    def new_workspace(self) -> Path:
        self.fresh += 1
        workspace = self.folder / f"ws-{self.fresh}"
        self.cli(workspace, "create", "data-connector", "sample", "--path", str(self.bucket))
        self.cli(workspace, "create", "data-contract", CONTRACT,
                 "-F", str(SAMPLE / "online-retail-sample.contract.yml"))
        return workspace

    def job(self, workspace: Path) -> tuple[Run, dict[str, Any]]:
        result = self.cli(workspace, "create", "batch-job", "-F", str(self.job_file))
        job_id = result.stdout.strip().splitlines()[-1]
        shown = self.cli(workspace, "get", "batch-job", job_id, "-o", "json").stdout
        return result, json.loads(shown)["batchJob"]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exe", action="append", default=[],
                        help="LABEL=PATH of a duckshred executable (repeatable); "
                             "default: this checkout's .venv")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None, help="save the numbers here")
    args = parser.parse_args(argv)
    os.environ["DUCKSHRED_SERVER"] = "off"  # cold start-up: never a warm server
    exes = [item.split("=", 1) for item in args.exe] or [
        ["this", str(Path(sys.executable).with_name("duckshred"))]]

    folder = Path(tempfile.mkdtemp(prefix="duckshred-startup-"))
    installs = [Install(label, exe, folder / label) for label, exe in exes]
    samples: dict[str, dict[str, list[float]]] = {i.label: {} for i in installs}

    def keep(install: Install, name: str, value: float) -> None:
        samples[install.label].setdefault(name, []).append(value)

    try:
        # Set-up: the first job of each installation runs with a cold parse cache.
        filled: dict[str, tuple[Path, Path, str]] = {}
        for install in installs:
            empty = install.new_workspace()
            workspace = install.new_workspace()
            result, record = install.job(workspace)
            keep(install, "first job, cold cache: wall", result.wall_s)
            keep(install, "first job, cold cache: dbt start-up",
                 record.get("timings", {}).get("dbtStartupSeconds", float("nan")))
            filled[install.label] = (empty, workspace, record["id"])

        for round_nr in range(args.runs):
            # Alternate the order, so neither installation always runs right after
            # the other's job.
            for install in installs if round_nr % 2 == 0 else installs[::-1]:
                empty, workspace, job_id = filled[install.label]
                fresh = install.new_workspace()
                result, record = install.job(fresh)
                timings = record.get("timings", {})
                keep(install, "job (fresh workspace): wall", result.wall_s)
                keep(install, "job (fresh workspace): cpu", result.cpu_s)
                keep(install, "job (fresh workspace): dbt start-up",
                     timings.get("dbtStartupSeconds", float("nan")))
                result, record = install.job(workspace)
                keep(install, "job (same workspace): wall", result.wall_s)
                keep(install, "job (same workspace): dbt start-up",
                     record.get("timings", {}).get("dbtStartupSeconds", float("nan")))
                commands = {
                    "list batch-jobs": (["list", "batch-jobs"], (0,)),
                    "list data-subjects": (["list", "data-subjects"], (0, 2)),
                    "get batch-job": (["get", "batch-job", job_id], (0, 2)),
                    "list data-subject-keylinks": (
                        ["list", "data-subject-keylinks", *SUBJECTS], (0, 2)),
                }
                for name, (command, ok) in commands.items():
                    for state, where in (("empty", empty), ("filled", workspace)):
                        # On an empty workspace the data-subject commands end in a
                        # clear error (no key store yet): exit 2 is their answer there.
                        measured = install.cli(where, *command,
                                               ok=ok if state == "empty" else (0,))
                        keep(install, f"{name} ({state}): wall", measured.wall_s)
                        keep(install, f"{name} ({state}): cpu", measured.cpu_s)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    labels = [i.label for i in installs]
    names = list(samples[labels[0]])
    print(f"duckshred start-up, medians of {args.runs} runs (first job: 1 run), seconds; "
          f"{len(os.sched_getaffinity(0))} cores; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    header = f"{'measure':<48}" + "".join(f"{label:>12}" for label in labels)
    if len(labels) > 1:
        header += "".join(f"{labels[0] + '/' + other:>16}" for other in labels[1:])
    print(header)
    summary: dict[str, Any] = {}
    for name in names:
        values = [median(samples[label][name]) for label in labels]
        line = f"{name:<48}" + "".join(f"{v:12.3f}" for v in values)
        line += "".join(f"{values[0] / v:15.2f}x" if v else f"{'':>16}" for v in values[1:])
        print(line)
        summary[name] = dict(zip(labels, values, strict=True))
    for label in labels:
        worst = max(v[label] for k, v in summary.items()
                    if k.startswith(("list ", "get ")) and k.endswith("wall"))
        print(f"{label}: slowest read-only command {worst:.3f} s wall "
              f"({'PASS' if worst <= READ_ONLY_MAX_S else 'MISS'} <= {READ_ONLY_MAX_S} s)")
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "medians": summary,
                                         "samples": samples}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
