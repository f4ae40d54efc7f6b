"""dbt's JSON schemas, kept between processes.

dbt validates its project, profile and nodes against JSON schemas that mashumaro
builds from dbt's dataclasses, once per class and per process. A job's dbt run
validates about 15 classes; building their schemas cost ~0.75 s of a cold job's
~4 s (measured on the reference job, 2026-12-01), every time, for output that
only changes when the installed packages do.

A schema is plain JSON, so the first process builds them and keeps them in the
user cache, under the versions of the packages that define them; later processes
read them from there. Any other set of versions builds its own. A schema is only
ever used as it was built, so a missing or unreadable cache costs the build, nothing
more.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

# Where the schema classes and the code that builds their schemas come from.
_PACKAGES = ("dbt-core", "dbt-common", "dbt-adapters", "dbt-duckdb", "dbt-spark", "mashumaro")
_FILE = "dbt-json-schemas.json"


def package_versions() -> dict[str, str]:
    """The installed versions of the packages whose classes dbt's caches serve."""
    found = {}
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = ""
    return found


class SchemaCache:
    """dbt's schema builder with the schemas of earlier processes in front of it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / _FILE
        self.versions = package_versions()
        self.schemas: dict[str, Any] = {}
        self.added = False
        self._lock = threading.Lock()
        try:
            saved = json.loads(self.path.read_text())
            if saved.get("versions") == self.versions:
                self.schemas = saved["schemas"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # none yet, or unreadable: build them

    def keep_in(self, folder: Path) -> None:
        """Keep the schemas in ``folder`` from now on (a process that changed its cache
        folder): all of them, at the next keep()."""
        if folder / _FILE != self.path:
            self.path = folder / _FILE
            self.added = bool(self.schemas)

    def schema_of(self, cls: type, build: Callable[[type], Any]) -> Any:
        key = f"{cls.__module__}.{cls.__qualname__}"
        schema = self.schemas.get(key)
        if schema is None:
            schema = build(cls)
            with self._lock:
                self.schemas[key] = schema
                self.added = True
        return schema

    def keep(self) -> None:
        """Save the schemas if this process built new ones (atomically: another job
        may be reading them)."""
        if not self.added:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            aside = self.path.with_name(f".{_FILE}.{os.getpid()}")
            aside.write_text(json.dumps({"versions": self.versions, "schemas": self.schemas}))
            os.replace(aside, self.path)
            self.added = False
        except (OSError, TypeError, ValueError):
            pass  # only a cache


_installed: SchemaCache | None = None


def use_schema_cache(folder: Path) -> SchemaCache | None:
    """Make dbt take its JSON schemas from the cache in ``folder`` (once per process);
    None when this dbt does not build them the way this module knows."""
    global _installed
    if _installed is not None:
        _installed.keep_in(folder)
        return _installed
    from dbt_common.dataclass_schema import dbtClassMixin

    method = dbtClassMixin.__dict__.get("json_schema")
    build = getattr(getattr(method, "__func__", None), "__wrapped__", None)
    if not isinstance(method, classmethod) or build is None:
        return None  # a dbt release that builds schemas differently: leave it alone
    cache = SchemaCache(folder)

    @functools.lru_cache
    def json_schema(cls: type) -> Any:
        return cache.schema_of(cls, build)

    # Classes that define their own json_schema (dbt's versioned artifacts) keep it.
    dbtClassMixin.json_schema = classmethod(json_schema)  # type: ignore[assignment,arg-type]
    _installed = cache
    return cache
