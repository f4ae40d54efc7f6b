"""Generated Python code, compiled once per source text and kept between processes.

Importing dbt defines ~1,500 dataclasses, and two libraries write code for each as
Python source and ``exec`` it: the standard library's ``dataclasses`` (``__init__``,
``__eq__``, ...) and mashumaro (dbt's (de)serialisers; dbt asks for lazy compilation,
so each class first gets a small stub, and most stubs are the same text). Then dbt's
Jinja compiles each macro and model template it renders into Python. A cold job
compiled ~3,500 texts, ~1,750 of them different: 0.4-0.5 s of every dbt start-up,
again in every process (measured on the reference job, 2026-12-01).

Compiling a text always gives the same code for one interpreter, so each text is
compiled once per process, and the code objects are kept on disk in marshal's format
(the one .pyc files use) under the interpreter's bytecode magic number and the
versions of the packages whose classes the code serves. A text is looked up as
itself, never by a digest of it, so a hit is the code of exactly that text. The
cache stands in for the ``exec`` or ``compile`` those three modules call, and nothing
else: Jinja's parsing and code generation run as before, only their output's
compilation is cached.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import marshal
import os
import re
import sys
import threading
from pathlib import Path
from types import CodeType
from typing import Any

from duckshred.service.dbt_schemas import package_versions

_FILE = "generated-code.marshal"
# mashumaro names some helper methods with a random uuid4 hex (unpackers of unions,
# field (de)serialisers): a text that names one is never met again, so it is compiled
# but not kept.
_ONE_OFF = re.compile(r"_[0-9a-f]{32}\b")
# The modules that compile generated source, the function of each that does, and the
# builtin it calls by name (a release that does it elsewhere is left alone).
_GENERATORS = (("dataclasses", "_create_fn", "exec"),
               ("mashumaro.core.meta.code.builder", "CodeBuilder.compile", "exec"),
               ("jinja2.environment", "Environment._compile", "compile"))
# Beyond this many texts, a file keeps only what its last process used.
_LIMIT = 20_000
# Another interpreter's code objects cannot be read or run here.
_INTERPRETER = (importlib.util.MAGIC_NUMBER, sys.version)


class CodeCache:
    """Compiled code by source text: this process's, and what earlier ones kept."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / _FILE
        self.versions = package_versions()
        # (file name the code reports, source text) -> code
        self.codes: dict[tuple[str, str], CodeType] = {}
        self.added = False
        self.compiled = 0  # texts this process compiled and kept
        self.used: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        try:
            saved = marshal.loads(_own_file(self.path))  # noqa: S302 (see _own_file)
            if (saved.get("interpreter") == _INTERPRETER
                    and saved.get("versions") == self.versions):
                self.codes = {key: code for key, code in saved["codes"].items()
                              if isinstance(code, CodeType) and isinstance(key, tuple)}
        except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
            pass  # none yet, or unreadable: compile

    def keep_in(self, folder: Path) -> None:
        """Keep the code in ``folder`` from now on (a process that changed its cache
        folder): all of it, at the next keep()."""
        if folder / _FILE != self.path:
            self.path = folder / _FILE
            self.added = bool(self.codes)

    def code_of(self, text: str, filename: str = "<string>") -> CodeType:
        """The code of ``text`` as ``compile(text, filename, "exec")`` makes it in a module
        without __future__ imports (as the exec and compile calls stood in for do)."""
        key = (filename, text)
        code = self.codes.get(key)
        if code is not None:
            self.used.add(key)
        else:
            code = compile(text, filename, "exec", dont_inherit=True)
            if _ONE_OFF.search(text):
                return code
            with self._lock:
                self.codes[key] = code
                self.used.add(key)
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
                codes = self.codes if len(self.codes) <= _LIMIT else {
                    key: self.codes[key] for key in self.used}
                data = marshal.dumps({"interpreter": _INTERPRETER, "versions": self.versions,
                                      "codes": codes})
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
    """Make ``dataclasses``, mashumaro and Jinja take compiled code from the cache in
    ``folder`` (once per process; before dbt is imported, whose classes are compiled as
    they are defined). None when none of them compiles the way this module knows."""
    global _installed
    if _installed is not None:
        _installed.keep_in(folder)
        return _installed
    found = [(module, builtin) for module, builtin in map(_generator, _GENERATORS)
             if module is not None]
    if not found:
        return None
    cache = CodeCache(folder)

    def exec_cached(source: Any, globals_: dict[str, Any] | None = None,
                    locals_: Any = None) -> None:
        if isinstance(source, str) and globals_ is not None:
            source = cache.code_of(source)
        elif globals_ is None:  # exec's own default: the caller's namespaces
            caller = sys._getframe(1)
            globals_, locals_ = caller.f_globals, caller.f_locals if locals_ is None else locals_
        builtins.exec(source, globals_, locals_)  # noqa: S102

    def compile_cached(source: Any, filename: str, mode: str, *args: Any, **kwargs: Any
                       ) -> Any:
        # (dbt names a template after a random or temporary file when it debugs macros)
        if (isinstance(source, str) and filename == "<template>" and mode == "exec"
                and not args and not kwargs):
            return cache.code_of(source, filename)
        return builtins.compile(source, filename, mode, *args, **kwargs)

    stand_ins = {"exec": exec_cached, "compile": compile_cached}
    for module, builtin in found:
        setattr(module, builtin, stand_ins[builtin])  # found before the builtins
    _installed = cache
    return cache


def _generator(spec: tuple[str, str, str]) -> tuple[Any, str]:
    """The module and the builtin to stand in for, if the named function calls that
    builtin by name and the module has no __future__ features (the cached code is
    compiled without any)."""
    module_name, qualname, builtin = spec
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None, builtin
    function: Any = module
    for part in qualname.split("."):
        function = getattr(function, part, None)
    names = getattr(getattr(function, "__code__", None), "co_names", ())
    if builtin not in names or builtin in vars(module) or "annotations" in vars(module):
        return None, builtin
    return module, builtin
