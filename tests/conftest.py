"""Shared fixtures. The reference system's real files are read in place from
../shared/strm-reference (never copied into the project)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duckshred.cli.app import app

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "strm-reference"
SAMPLE = REPO / "seeds" / "sample"


@pytest.fixture(scope="session", autouse=True)
def private_parse_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep dbt's cached parse (see service/dbt_runner.py) out of the user's home, and
    the tests away from a warm server the user may be running (cli/server.py)."""
    with pytest.MonkeyPatch.context() as patch:
        cache = tmp_path_factory.mktemp("cache")
        patch.setenv("XDG_CACHE_HOME", str(cache))
        patch.setenv("DUCKSHRED_SERVER_SOCKET", str(cache / "no-server.sock"))
        yield


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    assert (REFERENCE / "batch-job-config.json").exists(), (
        f"the reference data must sit beside the checkout: {REFERENCE}")
    return REFERENCE


class Cli:
    """Runs `duckshred --workspace W ...` in-process and checks the exit code."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, input: str | None = None):  # noqa: A002
        result = self.runner.invoke(app, ["--workspace", str(self.workspace), *args],
                                    input=input, catch_exceptions=False)
        assert result.exit_code == code, (
            f"exit {result.exit_code} != {code}\nstdout: {result.stdout}\n"
            f"stderr: {result.stderr}")
        return result


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "workspace")


def setup_reference_job(cli: Cli, reference: Path, bucket: Path,
                        edit: Callable[[dict], None] | None = None) -> Path:
    """A connector `s3-batch-demo` over ``bucket`` holding the reference input,
    the reference contract, and the batch job file (optionally edited)."""
    bucket.mkdir(parents=True, exist_ok=True)
    shutil.copy(reference / "uci_online_retail.csv", bucket / "uci_online_retail.csv")
    cli("create", "data-connector", "s3-batch-demo", "--path", str(bucket))
    cli("create", "data-contract", "strmprivacy/online-retail/1.0.0",
        "-F", str(reference / "online-retail-contract.json"),
        "--schema", str(reference / "online-retail.json"))
    config = json.loads((reference / "batch-job-config.json").read_text())
    if edit:
        edit(config)
    config_path = bucket.parent / "batch-job-config.json"
    config_path.write_text(json.dumps(config))
    return config_path


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory: pytest.TempPathFactory, reference_dir: Path) -> dict:
    """The reference batch job, run once per session through the CLI."""
    root = tmp_path_factory.mktemp("reference-run")
    cli = Cli(root / "workspace")
    bucket = root / "bucket"
    config = setup_reference_job(cli, reference_dir, bucket)
    result = cli("create", "batch-job", "-F", str(config))
    job_id = result.stdout.strip().splitlines()[-1]
    return {"cli": cli, "bucket": bucket, "out": bucket / "uci_online_retail",
            "job_id": job_id, "config": config, "workspace": root / "workspace"}
