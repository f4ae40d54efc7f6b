"""A running job shows where it is: per-model steps with rows/s on stderr, a live
bar on a terminal, and its current step in the job record for `get batch-job`."""

from __future__ import annotations

import io
import json

from rich.console import Console

from duckshred.cli.progress import JobProgress
from duckshred.service.jobs import run_submitted_job, submit_batch_job
from duckshred.service.progress import ModelStep
from duckshred.service.workspace import Workspace
from tests.cli.small_job import setup

ROWS = [
    ["u1", "s1", "a@x.org", "2010-12-01 08:26:00", "", "n1"],
    ["u2", "s2", "b@x.org", "2010-12-01 09:00:00", "", "n2"],
    ["u3", "s2", "c@x.org", "2010-12-02 09:00:00", "", "n3"],
]


def test_each_model_reports_its_rows_and_rate(cli, tmp_path):
    job = setup(cli, tmp_path, ROWS)
    stderr = cli("create", "batch-job", "-F", str(job)).stderr
    assert "stg_source_rows: OK in " in stderr
    staged = next(line for line in stderr.splitlines() if "stg_source_rows" in line)
    assert ", 3 rows (" in staged and "rows/s)" in staged
    assert "encrypted: OK" in stderr


def test_the_live_display_draws_a_bar_and_keeps_the_finished_steps():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    with JobProgress(console) as show:
        assert show._bar is not None
        show(ModelStep(1, 2, "stg_source_rows"))
        show(ModelStep(1, 2, "stg_source_rows", "OK", 0.5, 1000))
        show(ModelStep(2, 2, "encrypted"))
        show(ModelStep(2, 2, "encrypted", "OK", 0.25, 1000))
        show("writing outputs")
        assert show._bar.tasks[0].completed == 2 and show._bar.tasks[0].total == 2
    drawn = screen.getvalue()
    assert "stg_source_rows: OK in 0.50 s, 1,000 rows (2,000 rows/s)" in drawn
    assert "writing outputs" in drawn


def test_the_bar_never_goes_back_when_models_finish_out_of_order():
    # dbt runs `derived` and `encrypted` side by side (two threads): 7 may finish first.
    screen = io.StringIO()
    with JobProgress(Console(file=screen, force_terminal=True, width=100)) as show:
        show(ModelStep(6, 8, "derived"))
        show(ModelStep(7, 8, "encrypted"))
        show(ModelStep(7, 8, "encrypted", "OK", 0.5, 1000))
        assert show._bar.tasks[0].completed == 7
        show(ModelStep(6, 8, "derived", "OK", 0.6, 1000))
        assert show._bar.tasks[0].completed == 7
        show(ModelStep(8, 8, "keystore_commit", "OK", 0.1, None))
        assert show._bar.tasks[0].completed == 8
    assert "derived: OK in 0.60 s" in screen.getvalue()


def test_get_batch_job_shows_the_current_step_of_a_running_job(cli, tmp_path):
    job_file = setup(cli, tmp_path, ROWS)
    cli("list", "batch-jobs")  # the workspace exists
    workspace = Workspace.resolve(cli.workspace)
    submitted = submit_batch_job(workspace, job_file)
    seen: list[tuple[str, str, dict]] = []

    def look(step):
        shown = cli("get", "batch-job", submitted.job_id).stdout
        record = json.loads(cli("get", "batch-job", submitted.job_id, "-o", "json").stdout)
        seen.append((str(step), shown, record["batchJob"]))

    run_submitted_job(workspace, submitted.job_id, look)
    assert len(seen) >= 4
    for step, shown, record in seen:
        assert record["currentStep"] == step
        assert record["states"][-1]["state"] in {"STARTED", "RUNNING"}
        assert "(now)" in shown and step.split(":")[0] in shown
    listed = json.loads(cli("list", "batch-jobs", "-o", "json").stdout)["batchJobs"][0]
    assert listed["states"][-1]["state"] == "FINISHED"
    assert "(now)" not in cli("get", "batch-job", submitted.job_id).stdout
