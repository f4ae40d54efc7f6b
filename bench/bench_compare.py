"""A/B benchmark: cold batch jobs of an earlier revision against this checkout, alternated.

Timings on a shared VM drift by 2x within an hour, so two ``make bench`` runs at
different times do not tell what a change did. This runs the same job through both
versions in turn (same input, fresh workspace each run, no warm server):

1. ``git worktree add`` the base revision in a temporary folder and lay its sources
   out as a wheel installs them (its own ``tests/installed_layout.py``); both sides
   byte-compiled, as ``make compile`` does;
2. generate the input (``bench/uci_generator.py``), UCI-shaped, ``--rows`` rows;
3. run ``duckshred create batch-job`` on the reference job, base then this checkout,
   ``--pairs`` + 1 times; the first pair only fills each side's caches (dbt's parse,
   ...), which live in a separate ``XDG_CACHE_HOME`` per side;
4. print each run, then medians of end to end (wall clock), dbt's start-up, the
   job's processing (from its FINISHED message) and the job process's CPU time
   (user + system, all threads), and the median of each pair's difference.

The base revision runs with this checkout's virtual environment (same packages).

Usage::

    python bench/bench_compare.py --base d648fd5 [--rows 541909] [--pairs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO.parent / "shared" / "strm-reference"
PACKAGE_DIRS = ("duckshred", "crypto", "javatime", "udf", "service", "cli")
STARTUP = re.compile(r"start-up ([\d.]+) s")
FINISHED = re.compile(r"Processed (\d+) records in ([\d.]+) s\.")


def _run(command: list[str], env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr}")
    return result


def _job(side: str, folder: Path, source: Path, env: dict[str, str]) -> dict[str, float]:
    """One cold job in a fresh workspace: wall clock, dbt start-up, processing (s)."""
    duckshred = str(Path(sys.executable).with_name("duckshred"))
    site = folder / f"{side}-run"
    shutil.rmtree(site, ignore_errors=True)
    (site / "bucket").mkdir(parents=True)
    shutil.copy(source, site / "bucket" / "uci_online_retail.csv")
    workspace = ["--workspace", str(site / "workspace")]
    _run([duckshred, *workspace, "create", "data-connector", "s3-batch-demo",
          "--path", str(site / "bucket")], env)
    _run([duckshred, *workspace, "create", "data-contract", "strmprivacy/online-retail/1.0.0",
          "-F", str(REFERENCE / "online-retail-contract.json"),
          "--schema", str(REFERENCE / "online-retail.json")], env)
    cpu_before = _children_cpu()
    started = time.perf_counter()
    result = _run([duckshred, *workspace, "create", "batch-job",
                   "-F", str(REFERENCE / "batch-job-config.json")], env)
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    startup, finished = STARTUP.search(result.stderr), FINISHED.search(result.stderr)
    if startup is None or finished is None:
        raise SystemExit(f"{side}: no start-up or FINISHED line in the job's output")
    shutil.rmtree(site)
    return {"end to end": wall, "dbt start-up": float(startup.group(1)),
            "processing": float(finished.group(2)), "cpu": cpu}


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes so far: time stolen
    by the VM's neighbours is not in it, so it drifts less than the wall clock."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the git revision to compare with")
    parser.add_argument("--rows", type=int, default=541_909)
    parser.add_argument("--pairs", type=int, default=5, help="measured pairs (after one warm-up)")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="duckshred-compare-"))
    base_tree, base_layout = folder / "base-tree", folder / "base-layout"
    try:
        _run(["git", "worktree", "add", "--detach", str(base_tree), args.base], cwd=REPO)
        _run([sys.executable, "-m", "tests.installed_layout", str(base_layout)], cwd=base_tree)
        for tree in (REPO, base_tree):
            _run([sys.executable, "-m", "compileall", "-q",
                  *[str(tree / name) for name in PACKAGE_DIRS]])
        source = folder / "uci_online_retail.csv"
        _run([sys.executable, str(REPO / "bench" / "uci_generator.py"), "--rows",
              str(args.rows), "--seed", "0", "-o", str(source)])

        environments = {}
        for side in ("base", "this"):
            env = {**os.environ, "DUCKSHRED_SERVER": "off",
                   "XDG_CACHE_HOME": str(folder / f"cache-{side}")}
            env.pop("PYTHONPATH", None)
            if side == "base":
                env["PYTHONPATH"] = str(base_layout)  # ahead of the editable install
            environments[side] = env

        now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(f"# {args.base} (base) against this checkout, {args.rows:,} rows, "
              f"{args.pairs} pairs after one warm-up, {now}")
        samples: dict[str, list[dict[str, float]]] = {"base": [], "this": []}
        for pair in range(args.pairs + 1):
            # Each side goes first in every other pair, so that neither always runs
            # in the other's wake (page cache, the VM's drift within a pair).
            for side in ("base", "this") if pair % 2 else ("this", "base"):
                timing = _job(side, folder, source, environments[side])
                label = "warm-up" if pair == 0 else f"pair {pair}"
                print(f"{label:8} {side:5} " + ", ".join(f"{name} {value:.2f} s"
                                                       for name, value in timing.items()))
                if pair:
                    samples[side].append(timing)
        # The pairs' own differences: the two runs of a pair are seconds apart, so the
        # VM's drift over the whole comparison mostly cancels out of them.
        print("medians (and the median of the pairs' differences):")
        for name in samples["base"][0]:
            before = statistics.median(t[name] for t in samples["base"])
            after = statistics.median(t[name] for t in samples["this"])
            paired = statistics.median(b[name] - a[name] for a, b in
                                       zip(samples["base"], samples["this"], strict=True))
            print(f"  {name:13} {before:6.2f} s -> {after:6.2f} s "
                  f"({100 * (after - before) / before:+.0f}%); pairs {paired:+.2f} s")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=REPO,
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
