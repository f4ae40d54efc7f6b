"""The command line as a tool in a pipeline: stdout carries the result alone,
every offered -o format works, errors and exits are as documented."""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from duckshred.cli.app import app
from duckshred.udf.faults import PAUSE_ENV
from tests.cli.ctrl_c import default_ctrl_c
from tests.cli.small_job import setup
from tests.conftest import REPO

ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "n1"],
    ["u2", "s2", "", "2010-12-01 09:00:00", "", "n2"],
]
FORMATS = ["table", "json", "plain", "csv"]


@pytest.fixture
def finished(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    result = cli("create", "batch-job", "-F", str(job))
    return {"job_id": result.stdout.strip(), "job_file": job, "result": result}


def test_create_batch_job_prints_only_the_job_id_on_stdout(finished):
    result = finished["result"]
    assert result.stdout.splitlines() == [finished["job_id"]]
    assert len(finished["job_id"]) == 36
    assert "Processed 2 records" in result.stderr


def test_a_failed_job_names_its_id_on_stderr_and_prints_nothing_on_stdout(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS, timestamp_format="yyyyMMdd HH:mm:ss")
    result = cli("create", "batch-job", "-F", str(job), code=1)
    assert result.stdout == ""
    job_id = json.loads(cli("list", "batch-jobs", "-o", "json").stdout)["batchJobs"][0]["id"]
    assert f"batch job {job_id} ended in ERROR" in result.stderr
    assert "in row #1" in result.stderr
    assert "macro" not in result.stderr.lower()


def test_create_batch_job_json_is_the_job_record(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    document = json.loads(cli("create", "batch-job", "-F", str(job), "-o", "json").stdout)
    assert document["batchJob"]["states"][-1]["state"] == "FINISHED"


def _commands(job_id: str) -> list[list[str]]:
    return [
        ["list", "data-connectors"], ["list", "data-contracts"],
        ["get", "data-contract", "test/events/1.0.0"],
        ["list", "batch-jobs"], ["get", "batch-job", job_id],
        ["list", "data-subjects"], ["list", "data-subject-keylinks", "u1", "u2"],
        ["get", "data-subject", "u2"], ["sql", "SELECT 1 AS one, NULL AS nothing"],
    ]


def _looks_like(output: str, stdout: str) -> None:
    if output == "json":
        json.loads(stdout)
    elif output == "csv":
        rows = list(csv.reader(io.StringIO(stdout)))
        assert rows and len({len(r) for r in rows}) == 1, stdout
    elif output == "table":
        header = stdout.splitlines()[0]
        assert "," not in header and "   " in header + "   ", stdout
        assert not header.startswith(("{", "[")), stdout
    else:
        assert not stdout.lstrip().startswith(("{", "[")), stdout


@pytest.mark.parametrize("output", FORMATS)
def test_every_read_command_prints_every_offered_format(cli, finished, output):
    for command in _commands(finished["job_id"]):
        result = cli(*command, "-o", output)
        _looks_like(output, result.stdout)
        help_text = cli(*command[:2], "--help").stdout
        assert "csv" in help_text and "plain" in help_text


def test_deleting_commands_take_output_formats(cli, finished):
    assert json.loads(cli("delete", "data-subjects", "u1", "--yes", "-o", "json").stdout
                      )["deletedKeylinksCount"] == 1
    assert json.loads(cli("delete", "batch-job", finished["job_id"], "-o", "json").stdout
                      ) == {"deletedBatchJobs": [finished["job_id"]]}


def test_tables_show_null_apart_from_the_empty_string(cli, tmp_path):
    cli("create", "data-connector", "x", "--path", str(tmp_path))
    lines = cli("sql", "SELECT NULL AS a, '' AS b, 'v' AS c").stdout.splitlines()
    assert lines[1].split() == ["NULL", "v"]
    assert cli("sql", "SELECT NULL AS a, '' AS b", "-o", "csv").stdout == "a,b\n,\n"


def test_an_unknown_workspace_is_an_error_naming_it(tmp_path):
    from typer.testing import CliRunner

    typo = tmp_path / "typo"
    for command in (["list", "batch-jobs"], ["list", "data-subjects"], ["sql", "SELECT 1"],
                    ["get", "batch-job", "x"]):
        result = CliRunner().invoke(app, ["--workspace", str(typo), *command])
        assert result.exit_code == 2, command
        assert f"workspace {typo} does not exist" in result.stderr
    assert not typo.exists()
    result = CliRunner().invoke(app, ["--workspace", str(typo), "create", "data-connector",
                                      "c", "--path", str(tmp_path)])
    assert result.exit_code == 0 and typo.is_dir()


def test_connect_refuses_an_unknown_workspace_unless_asked_to_create(tmp_path):
    import duckshred
    from duckshred.service.errors import NotFoundError

    with pytest.raises(NotFoundError, match=str(tmp_path / "typo")):
        duckshred.connect(tmp_path / "typo")
    duckshred.connect(tmp_path / "new", create=True).close()
    assert (tmp_path / "new").is_dir()


def test_declining_the_shred_prompt_exits_2_and_shreds_nothing(cli, finished):
    result = cli("delete", "data-subjects", "u1", input="n\n", code=2)
    assert "nothing was changed" in result.stderr
    assert "u1" in cli("list", "data-subjects").stdout.split()


def test_version_and_completion():
    from typer.testing import CliRunner

    import duckshred

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"duckshred {duckshred.__version__}"
    assert "--install-completion" in CliRunner().invoke(app, ["--help"]).stdout


def _duckshred(workspace: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "duckshred.cli", "--workspace", str(workspace), *args]


def test_a_closed_pipe_ends_quietly(cli, finished):
    listing = subprocess.run(  # noqa: S602 - a fixed pipeline of our own command
        " ".join(_duckshred(cli.workspace, "list", "data-subjects", "--page-size", "1",
                            "-o", "plain")) + " | head -c 0",
        shell=True, capture_output=True, text=True, timeout=60, check=False)
    assert listing.stderr == ""
    # The same with a reader that leaves after one line of a long listing.
    process = subprocess.Popen(_duckshred(cli.workspace, "sql", "SELECT range FROM range(200000)",
                                          "-o", "plain"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""


def test_ctrl_c_ends_with_a_short_message_and_no_traceback(cli, finished):
    process = subprocess.Popen(_duckshred(cli.workspace, "create", "batch-job", "-F",
                                          str(finished["job_file"])),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=default_ctrl_c)
    assert process.stderr is not None
    first = process.stderr.readline()
    assert "started" in first, first
    time.sleep(0.3)  # inside dbt's start-up: a job of two rows takes seconds more
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode in (130, 2), stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    assert stdout == ""


def test_ctrl_c_inside_a_model_exits_130_and_rolls_the_job_back(cli, finished, tmp_path):
    flag = tmp_path / "paused"
    process = subprocess.Popen(_duckshred(cli.workspace, "create", "batch-job", "-F",
                                          str(finished["job_file"])),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, PAUSE_ENV: f"model:job_keys={flag}"},
                               preexec_fn=default_ctrl_c)
    deadline = time.monotonic() + 120
    while not flag.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert flag.exists(), process.communicate()[1]  # job_keys has run; dbt goes on
    process.send_signal(signal.SIGINT)
    time.sleep(0.5)
    flag.unlink()  # dbt's worker thread, paused in its event, carries on
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    assert stdout == ""
    job_id = stderr.split("batch job ")[1].split()[0]
    record = json.loads(cli("get", "batch-job", job_id, "-o", "json").stdout)["batchJob"]
    assert record["states"][-1]["state"] == "ERROR"
    assert "interrupted (Ctrl-C)" in record["states"][-1]["message"]
    assert not record["outputs"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_cli_modules_call_the_service_layer_only():
    for module in sorted((REPO / "cli").glob("*.py")):
        for name in _imports(module):
            top = name.split(".")
            assert top[0] not in {"duckdb", "dbt", "subprocess"}, (module.name, name)
            if top[0] == "duckshred" and len(top) > 1:
                assert top[1] in {"cli", "service"}, (module.name, name)


def test_one_module_per_noun():
    nouns = {p.stem for p in (REPO / "cli").glob("*.py")}
    assert {"connectors", "contracts", "batch_jobs", "data_subjects", "sql"} <= nouns
    app_source = (REPO / "cli" / "app.py").read_text()
    assert "def " not in app_source.split("app = typer.Typer(")[1].split("def _print_version")[0]


def test_help_runs_without_a_workspace(tmp_path):
    env = {**os.environ, "DUCKSHRED_HOME": str(tmp_path / "none")}
    result = subprocess.run([sys.executable, "-m", "duckshred.cli", "list", "--help"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0 and "data-subjects" in result.stdout


_HEAVY = {"dbt", "duckdb", "pyarrow", "numpy", "tink", "fsspec", "yaml"}
# Read-only commands need no contract or job-file models either (pydantic models
# are built when their module loads).
_NOT_NEEDED = {"duckshred.service.contracts", "duckshred.service.config",
               "duckshred.service.plan", "duckshred.service.dbt_runner"}


def _loaded_by(workspace: Path, command: list[str], code: int) -> tuple[set[str], set[str]]:
    """(heavy top-level packages, service modules not needed) a fresh interpreter
    loaded to run ``command``; the command must end with ``code``."""
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from duckshred.cli.app import app\n"
        f"result = CliRunner().invoke(app, ['--workspace', {str(workspace)!r}, "
        f"*{command!r}])\n"
        f"assert result.exit_code == {code}, (result.exit_code, result.output)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('duckshred.'))))\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n")
    ours, tops = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                timeout=60, check=True).stdout.splitlines()
    return set(tops.split()) & _HEAVY, set(ours.split()) & _NOT_NEEDED


@pytest.mark.parametrize(("command", "allowed"), [
    (["list", "batch-jobs"], set()),
    (["get", "batch-job", "{job_id}"], set()),
    (["list", "data-subjects"], {"duckdb"}),  # the key store is a DuckDB file
    (["list", "data-subject-keylinks", "u1", "u2"], {"duckdb"}),
])
def test_read_only_commands_load_no_dbt_arrow_or_tink(finished, cli, command, allowed):
    """What keeps read-only commands quick to start (see README: start-up)."""
    command = [part.format(**finished) for part in command]
    heavy, not_needed = _loaded_by(cli.workspace, command, 0)
    assert heavy <= allowed, heavy
    assert not not_needed, not_needed


@pytest.mark.parametrize(("command", "code"), [
    (["list", "batch-jobs"], 0),
    (["list", "data-subjects"], 2),  # no key store yet: a clear error
])
def test_read_only_commands_on_an_empty_workspace_load_no_dbt_or_duckdb(cli, command, code):
    cli("create", "data-connector", "local", "--path", str(cli.workspace.parent))
    heavy, not_needed = _loaded_by(cli.workspace, command, code)
    assert not heavy, heavy
    assert not not_needed, not_needed
