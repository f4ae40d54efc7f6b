"""Lay the source folders out as the wheel installs them (duckshred/crypto, ...).

The layers live in top-level folders mapped onto ``duckshred.*`` by
pyproject.toml's ``package-dir``; tools that read code from the file system
(mypy, import-linter) cannot follow that mapping through an editable install,
so ``make lint`` points them at this tree instead: symbolic links, so their
messages name the real files. Tests use copies they can break on purpose.

    python -m tests.installed_layout DEST [--copy]
"""

from __future__ import annotations

import argparse
import shutil
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def package_dirs() -> dict[str, Path]:
    """``duckshred.x`` -> its source folder, as pyproject.toml maps them."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    return {name: REPO / folder for name, folder in mapping.items()}


def build(dest: Path, *, copy: bool = False) -> Path:
    """(Re)make ``dest`` holding the installed layout; return ``dest``."""
    shutil.rmtree(dest, ignore_errors=True)
    for name, source in package_dirs().items():
        target = dest.joinpath(*name.split("."))
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.count(".") == 0:  # the root package: its own files only
            target.mkdir()
            for item in source.glob("*.py"):
                shutil.copy2(item, target / item.name)
        elif copy:
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.symlink_to(source, target_is_directory=True)
    return dest


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--copy", action="store_true", help="copy instead of linking")
    options = parser.parse_args()
    build(options.dest, copy=options.copy)
