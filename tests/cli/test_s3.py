"""S3 connectors against a real S3-compatible server (moto) on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import setup_reference_job


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("moto S3 server did not start")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    import s3fs

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    filesystem = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint},
                                   skip_instance_cache=True)
    filesystem.mkdir("batch-demo")
    yield filesystem
    filesystem.rm("batch-demo", recursive=True)


def test_reference_job_through_an_s3_connector(cli, tmp_path, reference_dir, s3, s3_endpoint):
    s3.put_file(str(reference_dir / "uci_online_retail.csv"), "batch-demo/uci_online_retail.csv")
    config = setup_reference_job(cli, reference_dir, tmp_path / "unused")
    cli("create", "data-connector", "s3-batch-demo", "--s3-bucket", "batch-demo",
        "--endpoint-url", s3_endpoint, "--region", "us-east-1", "--update")
    listed = json.loads(cli("list", "data-connectors", "-o", "json").stdout)["dataConnectors"]
    assert listed == [{"name": "s3-batch-demo", "kind": "s3", "bucket": "batch-demo",
                       "endpoint_url": s3_endpoint, "region": "us-east-1"}]
    assert "testing" not in json.dumps(listed)  # credentials are never stored
    cli("create", "batch-job", "-F", str(config))
    written = sorted(Path(p).name for p in s3.ls("batch-demo/uci_online_retail"))
    assert written == ["decrypted-0.csv", "encrypted.csv", "keys.csv"]
    derived = s3.cat_file("batch-demo/uci_online_retail/decrypted-0.csv")
    assert len(derived) == (reference_dir / "decrypted-0.csv").stat().st_size
    assert s3.cat_file("batch-demo/uci_online_retail/keys.csv").count(b"\r\n") == 656


def test_missing_s3_source_is_a_clear_error(cli, tmp_path, reference_dir, s3, s3_endpoint):
    config = setup_reference_job(cli, reference_dir, tmp_path / "unused")
    cli("create", "data-connector", "s3-batch-demo", "--s3-bucket", "batch-demo",
        "--endpoint-url", s3_endpoint, "--update")
    stderr = cli("create", "batch-job", "-F", str(config), code=2).stderr
    assert "source file s3-batch-demo:uci_online_retail.csv does not exist" in stderr
    assert s3.ls("batch-demo") == []


def _small_job_on_s3(cli, tmp_path, s3, s3_endpoint, rows) -> Path:
    """The small job (one derived dataset) with its connector `local` on the S3 bucket,
    run once; returns its job file."""
    from tests.cli.small_job import setup

    config = setup(cli, tmp_path, rows, derived=[
        {"consent_levels": [2], "consent_level_type": "CUMULATIVE"}])
    s3.put_file(str(tmp_path / "bucket" / "events.csv"), "batch-demo/events.csv")
    cli("create", "data-connector", "local", "--s3-bucket", "batch-demo",
        "--endpoint-url", s3_endpoint, "--region", "us-east-1", "--update")
    cli("create", "batch-job", "-F", str(config))
    return config


def test_purging_a_subject_rewrites_the_s3_outputs(cli, tmp_path, s3, s3_endpoint):
    rows = [["alice", "s1", "alice@x.org", "2010-12-01 08:26:00", "", "a"],
            ["bob", "s2", "bob@x.org", "2010-12-01 09:00:00", "", "b"],
            ["carol", "s3", "carol@x.org", "2010-12-01 09:30:00", "", "c"]]
    _small_job_on_s3(cli, tmp_path, s3, s3_endpoint, rows)
    derived_before = s3.cat_file("batch-demo/out/derived-0.csv").split(b"\r\n")
    keys_before = s3.cat_file("batch-demo/out/keys.csv").split(b"\r\n")
    receipt = json.loads(cli("delete", "data-subjects", "bob", "--yes", "-o", "json").stdout)
    (bob_link,) = receipt["keyLinks"]
    statuses = {o["location"]: o["status"] for o in receipt["outputs"] if "File" in o["kind"]}
    assert statuses == {"local:out/encrypted.csv": "shredded",
                        "local:out/keys.csv": "holdsKeyMaterial",
                        "local:out/derived-0.csv": "holdsPlaintext"}
    # S3 objects unchanged since the job wrote them (same ETag) are not read again
    assert {o["checkedBy"] for o in receipt["outputs"] if "File" in o["kind"]} == {
        "fingerprint"}
    receipt = json.loads(cli("delete", "data-subjects", "bob", "--yes", "--purge-outputs",
                             "-o", "json").stdout)
    statuses = {o["location"]: o["status"] for o in receipt["outputs"] if "File" in o["kind"]}
    assert statuses == {"local:out/encrypted.csv": "shredded",
                        "local:out/keys.csv": "nothingLeft",
                        "local:out/derived-0.csv": "nothingLeft"}
    assert receipt["keyMaterialCheck"]["keyMaterialFound"] is False
    derived_after = s3.cat_file("batch-demo/out/derived-0.csv").split(b"\r\n")
    assert derived_after == [line for line in derived_before if b"bob" not in line]
    assert len(derived_after) == len(derived_before) - 1
    keys_after = s3.cat_file("batch-demo/out/keys.csv").split(b"\r\n")
    assert keys_after == [line for line in keys_before if bob_link.encode() not in line]
    assert len(keys_after) == len(keys_before) - 1


def test_a_job_killed_between_backing_up_an_s3_target_and_journaling_it_leaves_no_copy(
        cli, tmp_path, s3, s3_endpoint):
    import os

    from duckshred.udf.faults import CRASH_ENV

    rows = [["alice", "s1", "alice@x.org", "2010-12-01 08:26:00", "", "a"]]
    config = _small_job_on_s3(cli, tmp_path, s3, s3_endpoint, rows)
    before = {path: s3.cat_file(path) for path in s3.ls("batch-demo/out")}
    killed = subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, "-m", "duckshred.cli", "--workspace", str(cli.workspace),
         "create", "batch-job", "-F", str(config)],
        env={**os.environ, CRASH_ENV: "staged-one"}, capture_output=True, text=True,
        timeout=300, check=False)
    assert killed.returncode == -9, killed.stderr
    s3.invalidate_cache()
    # the earlier object was copied to a backup beside it, and the kill came before the
    # journal named it: recovery (the next command's first step) finds it by its name
    assert any(".bak" in path for path in s3.ls("batch-demo/out", refresh=True))
    cli("list", "batch-jobs")
    s3.invalidate_cache()
    assert {path: s3.cat_file(path) for path in s3.ls("batch-demo/out", refresh=True)} == before
