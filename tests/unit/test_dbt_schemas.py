"""dbt's JSON schemas kept between processes (service/dbt_schemas.py): a later process
validates with exactly what dbt builds, and builds again for other package versions or
a damaged cache file."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.contracts.graph.nodes import ModelNode
from dbt.contracts.project import Project
from dbt_common.dataclass_schema import ValidationError, dbtClassMixin
from mashumaro.jsonschema import build_json_schema

from duckshred.service import dbt_runner
from duckshred.service.dbt_schemas import SchemaCache, use_schema_cache
from duckshred.service.generated_code import CodeCache
from duckshred.udf.layout import user_cache_dir

CLASSES = (ModelNode, Project, DuckDBCredentials)


def _dbt_build(cls: type) -> Any:
    return build_json_schema(cls).to_dict()


def _must_not_build(cls: type) -> Any:
    raise AssertionError(f"{cls.__name__}'s schema was built again")


def test_a_later_process_gets_the_schemas_dbt_built(tmp_path):
    first = SchemaCache(tmp_path)
    for cls in CLASSES:
        first.schema_of(cls, _dbt_build)
    first.keep()

    later = SchemaCache(tmp_path)  # as a new process would
    for cls in CLASSES:
        assert later.schema_of(cls, _must_not_build) == _dbt_build(cls)
    assert not later.added


def test_other_package_versions_or_a_damaged_file_build_again(tmp_path):
    first = SchemaCache(tmp_path)
    first.schema_of(Project, _dbt_build)
    first.keep()
    saved = json.loads(first.path.read_text())
    saved["versions"]["dbt-core"] = "0.0.1"
    first.path.write_text(json.dumps(saved))
    built: list[type] = []

    def counting_build(cls: type) -> Any:
        built.append(cls)
        return _dbt_build(cls)

    assert SchemaCache(tmp_path).schema_of(Project, counting_build) == _dbt_build(Project)
    first.path.write_text('{"versions": ')
    again = SchemaCache(tmp_path)
    assert again.schema_of(Project, counting_build) == _dbt_build(Project)
    assert built == [Project, Project]
    again.keep()  # the damaged file is replaced by a good one
    assert SchemaCache(tmp_path).schema_of(Project, _must_not_build) == _dbt_build(Project)


def test_dbt_validates_with_the_cached_schemas(tmp_path):
    cache = use_schema_cache(tmp_path)
    assert cache is not None, "this dbt builds its schemas another way: revisit dbt_schemas.py"
    # The process-wide cache is installed once; whichever folder it keeps to, dbt's
    # validation goes through it, and still rejects what it should.
    cache.schemas.pop(f"{Project.__module__}.{Project.__qualname__}", None)
    dbtClassMixin.json_schema.cache_clear()  # type: ignore[attr-defined]
    Project.validate({"name": "ok", "version": "1.0", "profile": "p"})
    with pytest.raises(ValidationError):
        Project.validate({"name": 1})
    assert cache.schemas[f"{Project.__module__}.{Project.__qualname__}"] == _dbt_build(Project)
    assert cache.added


def test_a_job_keeps_the_schemas_and_code_for_the_next_process(cli, tmp_path):
    from tests.cli.small_job import setup

    job = setup(cli, tmp_path, [["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", ""]])
    cli("create", "batch-job", "-F", str(job))
    kept = dbt_runner.dbt_cache_dir() / "dbt-json-schemas.json"
    schemas = json.loads(kept.read_text())["schemas"]
    assert f"{Project.__module__}.{Project.__qualname__}" in schemas
    assert f"{DuckDBCredentials.__module__}.{DuckDBCredentials.__qualname__}" in schemas
    assert schemas[f"{Project.__module__}.{Project.__qualname__}"] == _dbt_build(Project)
    # and the generated code compiled on the way (service/generated_code.py)
    assert CodeCache(user_cache_dir()).codes
