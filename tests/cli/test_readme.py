"""The README's commands run as written, on a fresh copy of the repository: the
tour's shell blocks in order, and `make demo` (quietly)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

VENV_BIN = Path(sys.executable).parent


def _shell_blocks(readme: str) -> list[str]:
    tour = readme[readme.index("## A short tour"):readme.index("## Performance")]
    return re.findall(r"```sh\n(.*?)```", tour, flags=re.S)


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tracked files as a clone has them, with a `.venv` that is this test's
    environment (so `make setup` and `. .venv/bin/activate` work without a download)."""
    root = tmp_path_factory.mktemp("clone") / "duckshred"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "activate").write_text(f'export PATH="{VENV_BIN}:$PATH"\n')
    for tool in ("duckshred", "python", "pip", "pytest", "dbt"):
        wrapper = bin_dir / tool
        wrapper.write_text(f'#!/bin/sh\nexec "{VENV_BIN / tool}" "$@"\n')
        wrapper.chmod(0o755)
    return root


def _run(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DUCKSHRED_HOME"}
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_the_tour_runs_as_written(fresh_clone):
    blocks = _shell_blocks((fresh_clone / "README.md").read_text())
    assert len(blocks) >= 2 and "create batch-job" in blocks[0]
    result = _run("\n".join(blocks), fresh_clone)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "12378" in result.stdout  # the first page of data subjects
    assert '"deletedKeylinksCount"' in result.stdout
    assert "Traceback" not in result.stderr


def test_make_demo_is_quiet_and_works(fresh_clone, tmp_path):
    result = _run(f"make demo WORKSPACE={tmp_path / 'ws'}", fresh_clone)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    output = result.stdout + result.stderr
    assert "warning" not in output.lower()
    assert len(output.splitlines()) < 60, output
    assert (tmp_path / "ws" / "demo-bucket" / "output" / "encrypted.csv").exists()
    assert not (fresh_clone / ".user.yml").exists()
    assert not (fresh_clone / "target").exists() and not (fresh_clone / "logs").exists()
