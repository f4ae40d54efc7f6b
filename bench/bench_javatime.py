"""Benchmark: Java-pattern parsing of distinct timestamp texts, this package against a
reference implementation loaded from another revision (by default the module this package
replaced, ``udf/javatime.py`` at commit c028029, read with ``git show``).

Both parse the same texts in the same process, alternating rounds, and the best round of
each is reported, in CPU time of this process (the machines it runs on are shared, and
wall-clock time mostly measures the neighbours); a job calls the parser once per distinct
text, so this is its cost.

Usage::

    python bench/bench_javatime.py [--texts 100000] [--rounds 5] [--old-rev c028029]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

from duckshred.javatime import compile_pattern

ROOT = Path(__file__).resolve().parents[1]

# (pattern, default zone, how to write a datetime in it)
CASES = [
    ("yyyy-MM-dd HH:mm:ss", "Europe/Amsterdam", lambda m: m.strftime("%Y-%m-%d %H:%M:%S")),
    ("M/d/yyyy H:mm", "America/New_York", lambda m: f"{m.month}/{m.day}/{m.year} {m:%H:%M}"),
    (
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        "UTC",
        lambda m: m.strftime("%Y-%m-%dT%H:%M:%S.") + f"{m.microsecond // 1000:03d}+02:00",
    ),
    ("EEE, d MMM yyyy HH:mm:ss Z", "UTC", lambda m: m.strftime("%a, %-d %b %Y %H:%M:%S +0100")),
    ("yyyyMMddHHmmss", "Europe/Amsterdam", lambda m: m.strftime("%Y%m%d%H%M%S")),
]
BROKEN_SHARE = 0.02  # a few rows that do not parse, which take the full path


def _load_old(rev: str) -> ModuleType:
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:udf/javatime.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "javatime_reference.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("javatime_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["javatime_reference"] = module
    spec.loader.exec_module(module)
    return module


def _texts(write, count: int, rnd: random.Random) -> list[str]:
    start = datetime(2000, 1, 1)
    texts = set()
    while len(texts) < count:
        moment = start + timedelta(
            seconds=rnd.randrange(30 * 365 * 86_400), microseconds=rnd.randrange(10**6)
        )
        text = write(moment)
        if rnd.random() < BROKEN_SHARE:
            text = text[:-1] + "x"
        texts.add(text)
    return sorted(texts, key=lambda _: rnd.random())


def _run(compiled, texts: list[str], zone: str, error: type[Exception]) -> tuple[float, list]:
    parse = compiled.parse_epoch_millis
    results: list = []
    began = time.process_time()
    for text in texts:
        try:
            results.append(parse(text, zone))
        except error as caught:
            results.append(str(caught))
    return time.process_time() - began, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--old-rev", default="c028029")
    args = parser.parse_args()
    old = _load_old(args.old_rev)
    rnd = random.Random(9)  # noqa: S311 - reproducible benchmark data
    print(
        f"{args.texts:,} distinct texts per pattern ({BROKEN_SHARE:.0%} broken), "
        f"best of {args.rounds} rounds, CPU time"
    )
    print(f"{'pattern':34} {'new µs/text':>12} {'old µs/text':>12} {'new/old':>8}")
    total_new = total_old = 0.0
    from duckshred.javatime import JavaDateTimeParseError

    for pattern, zone, write in CASES:
        texts = _texts(write, args.texts, rnd)
        new_fmt, old_fmt = compile_pattern(pattern), old.compile_pattern(pattern)
        best_new = best_old = float("inf")
        for _ in range(args.rounds):
            seconds, new_results = _run(new_fmt, texts, zone, JavaDateTimeParseError)
            best_new = min(best_new, seconds)
            seconds, old_results = _run(old_fmt, texts, zone, old.JavaDateTimeParseError)
            best_old = min(best_old, seconds)
        assert new_results == old_results, f"results differ for {pattern}"
        total_new += best_new
        total_old += best_old
        per_new, per_old = best_new / len(texts) * 1e6, best_old / len(texts) * 1e6
        print(f"{pattern:34} {per_new:12.2f} {per_old:12.2f} {best_new / best_old:8.2f}")
    print(f"{'all':34} {'':12} {'':12} {total_new / total_old:8.2f}")


if __name__ == "__main__":
    main()
