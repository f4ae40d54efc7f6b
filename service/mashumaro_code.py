"""mashumaro's generated code, compiled once per source text and kept between processes.

dbt's dataclasses get their (de)serialisers from mashumaro, which writes each method
as Python source and ``exec``s it. dbt asks for lazy compilation, so importing dbt
gives every class a small stub, and the stubs of most classes are the same text. A
cold job's process compiled 1,380 sources of which only 144 differ: 0.2-0.3 s of
every dbt start-up spent compiling the same text again, and again in the next process
(measured on the reference job, 2026-12-01).

Compiling a text always gives the same code for one interpreter, so each text is
compiled once per process, and the code objects are kept on disk in marshal's format
(the one .pyc files use) under the interpreter's bytecode magic number and the
versions of the packages whose classes the code serves. A text is looked up as
itself, never by a digest of it, so a hit is the code of exactly that text.
"""

from __future__ import annotations

import importlib.util
import marshal
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any

from duckshred.service.dbt_schemas import package_versions

_FILE = "mashumaro-code.marshal"
# mashumaro names some helper methods with a random uuid4 hex (unpackers of unions,
# field (de)serialisers): a text
# that names one is never met again, so it is compiled but not kept.
_ONE_OFF = re.compile(r"_[0-9a-f]{32}\b")
# Another interpreter's code objects cannot be read or run here.
_INTERPRETER = (importlib.util.MAGIC_NUMBER, sys.version)


class CodeCache:
    """Compiled code by source text: this process's, and what earlier ones kept."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / _FILE
        self.versions = package_versions()
        self.codes: dict[str, CodeType] = {}
        self.added = False
        self.compiled = 0  # texts this process compiled and kept
        self._lock = threading.Lock()
        try:
            saved = marshal.loads(_own_file(self.path))  # noqa: S302 (see _own_file)
            if (saved.get("interpreter") == _INTERPRETER
                    and saved.get("versions") == self.versions):
                self.codes = {text: code for text, code in saved["codes"].items()
                              if isinstance(text, str) and isinstance(code, CodeType)}
        except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
            pass  # none yet, or unreadable: compile

    def keep_in(self, folder: Path) -> None:
        """Keep the code in ``folder`` from now on (a process that changed its cache
        folder): all of it, at the next keep()."""
        if folder / _FILE != self.path:
            self.path = folder / _FILE
            self.added = bool(self.codes)

    def code_of(self, text: str) -> CodeType:
        code = self.codes.get(text)
        if code is None:
            # As mashumaro's exec(text) compiles it (its module has no __future__ imports).
            code = compile(text, "<string>", "exec", dont_inherit=True)
            if _ONE_OFF.search(text):
                return code
            with self._lock:
                self.codes[text] = code
                self.added = True
                self.compiled += 1
        return code

    def keep(self) -> None:
        """Save the code if this process compiled any (atomically: another job may be
        reading it)."""
        if not self.added:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            aside = self.path.with_name(f".{_FILE}.{os.getpid()}")
            with self._lock:
                data = marshal.dumps({"interpreter": _INTERPRETER, "versions": self.versions,
                                      "codes": dict(self.codes)})
            aside.unlink(missing_ok=True)
            with os.fdopen(os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                           "wb") as file:
                file.write(data)
            os.replace(aside, self.path)
            self.added = False
        except (OSError, ValueError):
            pass  # only a cache


def _own_file(path: Path) -> bytes:
    """The bytes of ``path`` if this user wrote it and no one else may: code run from it
    must be trusted as much as the .pyc files of this user's environment."""
    with path.open("rb") as file:
        status = os.fstat(file.fileno())
        if status.st_uid != os.getuid() or status.st_mode & 0o022:
            raise ValueError(f"{path} is not this user's alone")
        return file.read()


_installed: CodeCache | None = None


def use_code_cache(folder: Path) -> CodeCache | None:
    """Make mashumaro take compiled code from the cache in ``folder`` (once per process;
    before dbt is imported, whose classes compile their stubs as they are defined).
    None when this mashumaro compiles differently from what this module knows."""
    global _installed
    if _installed is not None:
        _installed.keep_in(folder)
        return _installed
    from mashumaro.core.meta.code.builder import CodeBuilder

    original: Callable[[Any], None] | None = CodeBuilder.__dict__.get("compile")
    names = getattr(getattr(original, "__code__", None), "co_names", ())
    if original is None or "exec" not in names or "as_text" not in names:
        return None  # a mashumaro release that compiles another way: leave it alone
    cache = CodeCache(folder)
    compile_as_mashumaro_does = original

    def compile_with_cache(self: Any) -> None:
        if self.get_config().debug:  # mashumaro prints the code first
            compile_as_mashumaro_does(self)
            return
        exec(cache.code_of(self.lines.as_text()), self.globals, self.__dict__)  # noqa: S102

    CodeBuilder.compile = compile_with_cache  # type: ignore[method-assign]
    _installed = cache
    return cache
