"""Generated code (dataclasses', mashumaro's) compiled once and kept between processes
(service/generated_code.py): a later process compiles nothing it met before, dbt's
classes behave as with freshly compiled code, one-off texts are not kept, and another
interpreter or a damaged file compiles again."""

from __future__ import annotations

import json
import marshal
import subprocess
import sys
from pathlib import Path

from duckshred.service import generated_code
from duckshred.service.generated_code import CodeCache

STABLE = "def twice(x):\n    return 2 * x\n"
ONE_OFF = "def f(self):\n    return self.__x_serialize_0123456789abcdef0123456789abcdef(1)\n"


def _run(code, name):
    space: dict = {}
    exec(code, space)  # noqa: S102
    return space[name]


def test_a_later_process_gets_the_code_without_compiling(tmp_path):
    first = CodeCache(tmp_path)
    first.code_of(STABLE)
    first.code_of(STABLE)  # the same text again: compiled once
    assert first.compiled == 1
    assert first.code_of(STABLE, "<template>").co_filename == "<template>"  # its own code
    assert first.compiled == 2
    first.keep()

    later = CodeCache(tmp_path)  # as a new process would
    assert _run(later.code_of(STABLE), "twice")(21) == 42
    assert later.compiled == 0
    assert not later.added


def test_one_off_texts_are_compiled_but_not_kept(tmp_path):
    cache = CodeCache(tmp_path)
    assert _run(cache.code_of(ONE_OFF), "f") is not None
    assert ("<string>", ONE_OFF) not in cache.codes
    assert not cache.added
    cache.keep()
    assert not cache.path.exists()


def test_another_interpreter_or_a_damaged_file_compiles_again(tmp_path):
    first = CodeCache(tmp_path)
    first.code_of(STABLE)
    first.keep()
    saved = marshal.loads(first.path.read_bytes())  # noqa: S302 (the test's own file)
    saved["interpreter"] = (b"\0\0\r\n", "2.7.18")
    first.path.write_bytes(marshal.dumps(saved))
    other = CodeCache(tmp_path)
    other.code_of(STABLE)
    assert other.compiled == 1

    first.path.write_bytes(first.path.read_bytes()[:40])  # cut short
    damaged = CodeCache(tmp_path)
    assert _run(damaged.code_of(STABLE), "twice")(2) == 4
    assert damaged.compiled == 1
    damaged.keep()  # the damaged file is replaced by a good one
    assert CodeCache(tmp_path).codes.keys() == {("<string>", STABLE)}


def test_a_file_past_its_limit_keeps_only_what_its_last_process_used(tmp_path, monkeypatch):
    first = CodeCache(tmp_path)
    first.code_of(STABLE)
    first.code_of("x = 1\n")
    first.keep()
    monkeypatch.setattr(generated_code, "_LIMIT", 2)
    later = CodeCache(tmp_path)
    later.code_of("y = 2\n")  # three texts now, one over the limit
    later.code_of(STABLE)
    later.keep()
    assert CodeCache(tmp_path).codes.keys() == {("<string>", "y = 2\n"), ("<string>", STABLE)}


def test_a_file_others_may_write_is_not_run(tmp_path):
    first = CodeCache(tmp_path)
    first.code_of(STABLE)
    first.keep()
    assert first.path.stat().st_mode & 0o777 == 0o600
    first.path.chmod(0o666)
    assert not CodeCache(tmp_path).codes


# A fresh interpreter that imports dbt (with or without the cache) and round-trips
# dbt's objects through their mashumaro methods.
_PROCESS = """
import json, sys
from pathlib import Path
cache = None
if sys.argv[1] == "cache":
    from duckshred.service.generated_code import use_code_cache
    cache = use_code_cache(Path(sys.argv[2]))
    assert cache is not None, "dataclasses and mashumaro exec another way: see generated_code.py"
from dbt.contracts.project import Project
from dbt.artifacts.resources import NodeConfig
project = Project.from_dict({"name": "p", "version": "1.0", "profile": "x",
                             "model-paths": ["m"], "vars": {"a": 1}})
config = NodeConfig.from_dict({"materialized": "table", "tags": ["t"], "pre-hook": ["select 1"]})
out = {"project": project.to_dict(), "config": config.to_dict()}
if cache is not None:
    import dataclasses
    from mashumaro.core.meta.code import builder
    from dbt_common.clients.jinja import get_environment
    template = "{% for x in [1, 2] %}{{ x * 3 }},{% endfor %}"
    out["rendered"] = get_environment().from_string(template).render({})
    import jinja2.environment
    out["through_cache"] = ["exec" in vars(dataclasses), "exec" in vars(builder),
                            "compile" in vars(jinja2.environment)]
    cache.keep()
    out["compiled"] = cache.compiled
    out["kept"] = len(cache.codes)
print(json.dumps(out, sort_keys=True, default=str))
"""


def _process(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROCESS, *args], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_dbt_runs_the_same_on_cached_code_and_a_later_process_compiles_nothing(tmp_path):
    plain = _process("plain")
    first = _process("cache", str(tmp_path))
    later = _process("cache", str(tmp_path))
    assert first["compiled"] > 0  # dbt's classes went through the cache
    assert first["through_cache"] == [True, True, True]  # all three generators
    assert first["rendered"] == later["rendered"] == "3,6,"
    assert later["compiled"] == 0
    assert later["kept"] == first["kept"]
    for result in (first, later):
        assert result["project"] == plain["project"]
        assert result["config"] == plain["config"]
    assert Path(tmp_path, "generated-code.marshal").is_file()
