"""Failures outside a step's own code reach the brain as plainly as step failures do.

Each test fails a real run on a real Dagster instance (in process, under the multiprocess
executor, through a code server or a run launcher), reads it back with `from_run` as the
run-failure sensor does, and checks both the evidence (the deciding text is in it) and the
offline brain's answer on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.errors import DagsterImportError
from dagster._core.test_utils import poll_for_finished_run
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import ModuleTarget
from dagster._grpc.impl import core_execute_run

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.evidence import MAX_EVENTS, failure_of, from_run, strip_dagster_records
from dagster_sentinel.hooks import sentinel_failure_hook
from dagster_sentinel.resources import sentinel_for
from sentinel_brain.diagnose import diagnose
from sentinel_brain.models import Category, Evidence, Report
from tests.fakes import failing_jobs as jobs
from tests.fakes.loopback import free_port, health_endpoint

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def instance(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test(temp_dir=str(dagster_home)) as inst:
        yield inst


def read_back(instance: dg.DagsterInstance, run_id: str) -> tuple[Evidence, Report]:
    run = instance.get_run_by_id(run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.FAILURE
    evidence = from_run(instance, run)
    report = diagnose(evidence)
    assert not report.degraded, report.notes
    return evidence, report


def run_multiprocess(instance: dg.DagsterInstance, job: dg.JobDefinition) -> str:
    """Run a job of this module under its multiprocess executor (each step in a process)."""
    result = dg.execute_job(dg.reconstructable(job), instance=instance, raise_on_error=False)
    return result.run_id


def top(report: Report) -> Category:
    assert report.top is not None
    return report.top.category


# ---------------------------------------------------------------- resource initialisation


@pytest.mark.parametrize(
    "executor", ["in_process", pytest.param("multiprocess", marks=pytest.mark.slow)]
)
def test_resource_env_var_missing(
    instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch, executor: str
) -> None:
    monkeypatch.delenv("SENTINEL_TEST_WAREHOUSE_URL", raising=False)
    if executor == "in_process":
        # No step runs: the in-process executor fails the run while initialising resources.
        result = jobs.resource_env_job.execute_in_process(instance=instance, raise_on_error=False)
        run_id = result.run_id
    else:
        # The step's own process fails (STEP_FAILURE) after RESOURCE_INIT_FAILURE.
        run_id = run_multiprocess(instance, jobs.resource_env_job)
    evidence, report = read_back(instance, run_id)

    assert evidence.phase == "resource_init"
    assert evidence.step == "load_orders"
    assert "resource: warehouse" in evidence.text
    assert "KeyError: 'SENTINEL_TEST_WAREHOUSE_URL'" in evidence.text
    assert evidence.root is not None and evidence.root.type == "KeyError"
    assert top(report) == Category.CONFIG_ERROR
    assert failure_of(evidence, "sensor").title == "KeyError in resource init of load_orders"


@pytest.mark.slow
def test_resource_connection_refused_in_step_process(instance: dg.DagsterInstance) -> None:
    port = free_port()
    result = dg.execute_job(
        dg.reconstructable(jobs.resource_refused_job),
        instance=instance,
        run_config={"resources": {"warehouse": {"config": {"port": port}}}},
        raise_on_error=False,
    )
    evidence, report = read_back(instance, result.run_id)

    # In its own process the step fails (STEP_FAILURE) after RESOURCE_INIT_FAILURE.
    assert evidence.phase == "resource_init"
    assert evidence.step == "load_orders"
    assert "resource: warehouse" in evidence.text
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in evidence.text
    assert top(report) == Category.DEPENDENCY_UNAVAILABLE


# ---------------------------------------------------------------- run-level, no step


def test_launch_failure_without_a_step(dagster_home: Path) -> None:
    launcher = {
        "module": "tests.fakes.failing_jobs",
        "class": "UnreachableRunLauncher",
        "config": {"port": free_port()},
    }
    with dg.instance_for_test(
        temp_dir=str(dagster_home), overrides={"run_launcher": launcher}
    ) as instance:
        run = instance.create_run_for_job(job_def=jobs.dbt_job)
        with pytest.raises(ConnectionRefusedError):
            # The launcher never reads the workspace: it fails reaching its container API.
            instance.launch_run(run.run_id, workspace=None)  # type: ignore[arg-type]
        evidence, report = read_back(instance, run.run_id)

    assert evidence.phase == "run"
    assert evidence.step is None
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in evidence.text
    assert top(report) == Category.DEPENDENCY_UNAVAILABLE


def test_run_config_env_var_missing_in_run_worker(
    instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Submitted where the variable is set, executed by a worker where it is not."""
    run_config = {"resources": {"warehouse": {"config": {"url": {"env": "SENTINEL_TEST_DSN"}}}}}
    monkeypatch.setenv("SENTINEL_TEST_DSN", "postgresql://warehouse.internal/analytics")
    run = instance.create_run_for_job(job_def=jobs.launch_config_job, run_config=run_config)
    monkeypatch.delenv("SENTINEL_TEST_DSN")
    # What `dagster api execute_run` (the run worker) does with a launched run.
    with pytest.raises(dg.DagsterInvalidConfigError):
        for _ in core_execute_run(
            dg.reconstructable(jobs.launch_config_job), run, instance, inject_env_vars=False
        ):
            pass
    evidence, report = read_back(instance, run.run_id)

    assert evidence.phase == "run"
    assert evidence.step is None
    assert 'environment variable "SENTINEL_TEST_DSN" which is not set' in evidence.text
    assert evidence.root is not None
    assert top(report) == Category.CONFIG_ERROR


def test_run_worker_cannot_load_the_code(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    """The worker's image lacks the code location's package: the run fails before any step."""
    run = instance.create_run_for_job(job_def=jobs.dbt_job)
    recon = ReconstructableRepository.for_module(
        "partner_sdk_jobs", "defs", working_directory=str(tmp_path)
    ).get_reconstructable_job("dbt_job")
    with pytest.raises(DagsterImportError):
        for _ in core_execute_run(recon, run, instance, inject_env_vars=False):
            pass
    evidence, report = read_back(instance, run.run_id)

    assert evidence.phase == "run"
    assert evidence.step is None
    assert "No module named 'partner_sdk_jobs'" in evidence.text
    assert "Could not load job definition." in evidence.text
    assert evidence.root is not None and evidence.root.type == "ModuleNotFoundError"
    assert top(report) == Category.ENVIRONMENT


# ---------------------------------------------------------------- dying processes
# Exit code 137 is 128 + SIGKILL. Nothing in these runs says who sent the signal (no
# OOMKilled, no MemoryError, no memory warning), so the brain's answer is infrastructure
# (a worker process died) with resource exhaustion (the usual OOM killer) as runner-up.


@pytest.mark.slow
def test_step_process_exits_137(instance: dg.DagsterInstance) -> None:
    evidence, report = read_back(instance, run_multiprocess(instance, jobs.step_exit_job))

    assert evidence.phase == "step_process"
    assert evidence.step == "score_orders"
    explanation = "child process for step score_orders unexpectedly exited with code 137."
    assert explanation in evidence.text
    assert any(explanation in e for e in evidence.events)
    # The crash exception carried no message: the engine's explanation takes its place.
    assert evidence.root is not None and explanation in evidence.root.message
    assert "scoring: allocating feature matrix" in evidence.logs  # captured stderr
    assert top(report) == Category.INFRASTRUCTURE
    assert Category.RESOURCE_EXHAUSTION in [c.category for c in report.candidates[:3]]


@pytest.mark.slow
def test_step_process_sigkilled(instance: dg.DagsterInstance) -> None:
    evidence, report = read_back(instance, run_multiprocess(instance, jobs.step_sigkill_job))

    assert evidence.phase == "step_process"
    assert "child process for step rank_orders was terminated by signal 9 (SIGKILL)" in (
        evidence.text
    )
    assert evidence.root is not None and evidence.root.message.endswith("(SIGKILL).")
    assert "ranking orders" in evidence.logs
    assert top(report) == Category.INFRASTRUCTURE
    assert Category.RESOURCE_EXHAUSTION in [c.category for c in report.candidates[:3]]


@pytest.mark.slow
def test_run_worker_dies(instance: dg.DagsterInstance) -> None:
    """The run worker started by a code server dies; the server fails the run from outside."""
    target = ModuleTarget(
        module_name="tests.fakes.failing_jobs",
        attribute=None,
        working_directory=str(REPO),
        location_name="fakes",
    )
    with WorkspaceProcessContext(instance, target) as process_context:
        workspace = process_context.create_request_context()
        location = workspace.get_code_location("fakes")
        remote = location.get_repository("__repository__").get_full_job("worker_crash_job")
        run = instance.create_run_for_job(
            job_def=jobs.worker_crash_job,
            remote_job_origin=remote.get_remote_origin(),
            job_code_origin=remote.get_python_origin(),
        )
        instance.launch_run(run.run_id, workspace)
        poll_for_finished_run(instance, run.run_id, timeout=60)
    evidence, report = read_back(instance, run.run_id)

    assert evidence.phase == "run_worker"
    assert evidence.exceptions == []  # no error anywhere: only what the engine said
    assert f"Run execution process for {run.run_id} unexpectedly exited with code 137." in (
        evidence.text
    )
    assert "marked as failed from outside the execution context" in evidence.text
    assert "scoring: allocating feature matrix" in evidence.logs
    assert top(report) == Category.INFRASTRUCTURE
    assert Category.RESOURCE_EXHAUSTION in [c.category for c in report.candidates[:3]]
    title = failure_of(evidence, "sensor").title
    assert "unexpectedly exited with code 137" in title and "worker of worker_crash_job" in title


# ---------------------------------------------------------------- external processes
# Under the multiprocess executor, as in production: a step process's fds 1 and 2 are
# Dagster's capture files, which its subprocesses inherit. (Under pytest's fd capture an
# in-process step's subprocesses would write to pytest's files instead.)


@pytest.mark.slow
def test_pipes_external_exception(instance: dg.DagsterInstance) -> None:
    evidence, report = read_back(instance, run_multiprocess(instance, jobs.pipes_job))

    assert evidence.phase == "step"
    # The external process's own exception, reported through Pipes, is the root cause,
    # not Dagster's "External execution process failed with code 1".
    assert evidence.root is not None and evidence.root.type == "FileNotFoundError"
    assert "/nonexistent-sentinel-test/partner/feed.csv" in evidence.text
    assert "partner feed: 120 files" in evidence.logs
    assert top(report) == Category.MISSING_INPUT


@pytest.mark.slow
def test_bare_subprocess_stderr_is_the_evidence(instance: dg.DagsterInstance) -> None:
    evidence, report = read_back(instance, run_multiprocess(instance, jobs.pipes_bare_job))

    assert "External execution process failed with code 3" in evidence.text
    assert "AuthenticationException: Authentication failed." in evidence.logs
    assert "export: login as svc_export" in evidence.logs
    assert top(report) == Category.AUTH_FAILURE


@pytest.mark.slow
def test_dbt_cli_output_is_the_evidence(instance: dg.DagsterInstance) -> None:
    evidence, report = read_back(instance, run_multiprocess(instance, jobs.dbt_job))

    assert evidence.step == "dbt_build"
    assert "returned non-zero exit status 1" in evidence.text
    assert "Database Error in model orders (models/orders.sql)" in evidence.logs
    assert 'relation "raw.orders_v2" does not exist' in evidence.logs
    assert top(report) == Category.MISSING_INPUT
    assert report.top is not None
    assert any("raw.orders_v2" in quote for quote in report.top.evidence)


def test_hook_sees_the_pipes_process_exception(instance: dg.DagsterInstance) -> None:
    """Inside the failing step, too, the external exception is the root cause."""
    job = jobs.pipes_job.with_hooks({sentinel_failure_hook})
    job.execute_in_process(instance=instance, raise_on_error=False)
    incident = sentinel_for(SentinelConfig(), instance).store.all()[0]
    evidence = Evidence.model_validate_json(incident.evidence_json)

    chain = [e.type.rsplit(".", 1)[-1] for e in evidence.exceptions]
    assert chain[0] == "FileNotFoundError"
    assert "DagsterPipesExecutionError" in chain
    assert "/nonexistent-sentinel-test/partner/feed.csv" in evidence.text
    report = diagnose(evidence)
    assert not report.degraded
    assert top(report) == Category.MISSING_INPUT


# ---------------------------------------------------------------- plain helpers


def test_a_failure_stays_in_the_events_of_a_long_run(instance: dg.DagsterInstance) -> None:
    result = jobs.chatty_job.execute_in_process(instance=instance, raise_on_error=False)
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    evidence = from_run(instance, run)

    records = list(instance.all_logs(result.run_id))
    assert len(records) > 2 * MAX_EVENTS  # the failure is far from the end of the log
    failed = [e for e in evidence.events if e.startswith("STEP_FAILURE fetch_rates")]
    assert failed, evidence.events
    assert len(evidence.events) <= 2 * MAX_EVENTS
    assert evidence.step == "fetch_rates"
    assert "rates.example.internal" in evidence.text


def test_strip_dagster_records_keeps_what_the_step_wrote() -> None:
    run_id = "0f3c8d52-5d55-4a0e-9b7e-4f3d2f7c1a11"
    other = "7a1e0c55-1111-4a0e-9b7e-4f3d2f7c1a22"
    captured = "\n".join(
        [
            f"2026-12-04 16:23:24 +0000 - dagster - DEBUG - j - {run_id} - 1 - s - STEP_START - "
            'Started execution of step "s".',
            "export: login as svc_export",
            "Traceback (most recent call last):",
            '  File "export.py", line 3, in <module>',
            "AuthenticationException: Authentication failed.",
            f"2026-12-04 16:23:25 +0000 - dagster - ERROR - j - {run_id} - 1 - s - STEP_FAILURE - "
            'Execution of step "s" failed.',
            "",
            'dagster._core.errors.DagsterExecutionStepExecutionError: Error in op "s"::',
            "",
            "subprocess.CalledProcessError: Command 'x' returned non-zero exit status 3.",
            "",
            "Stack Trace:",
            '  File "/site-packages/dagster/x.py", line 57, in boundary',
            "    yield",
            "next step: writing summary",
            f"2026-12-04 16:23:26 +0000 - dagster - INFO - j - {other} - 2 - another run's record",
        ]
    )
    kept = strip_dagster_records(captured, run_id).splitlines()
    assert kept == [
        "export: login as svc_export",
        "Traceback (most recent call last):",
        '  File "export.py", line 3, in <module>',
        "AuthenticationException: Authentication failed.",
        "next step: writing summary",
        f"2026-12-04 16:23:26 +0000 - dagster - INFO - j - {other} - 2 - another run's record",
    ]


def test_hook_evidence_reads_the_live_capture_when_the_event_log_has_none(
    tmp_path: Path,
) -> None:
    """A Celery worker's step: its LOGS_CAPTURED event reaches the run only after the task
    returns, but the compute log manager is writing the step's output while the hook runs."""
    import sys

    from dagster._core.utils import make_new_run_id

    from dagster_sentinel.evidence import live_captured_logs

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        run_id = make_new_run_id()
        manager = instance.compute_log_manager
        with manager.capture_logs(manager.build_log_key_for_run(run_id, "stepkey")):
            print("transform_data: 8 orders across 3 regions")
            print("pandas warning on stderr", file=sys.stderr)
            logs = live_captured_logs(run_id, "transform_data")
            other = live_captured_logs(make_new_run_id(), "transform_data")
        assert "--- stdout (transform_data) ---\ntransform_data: 8 orders" in logs
        assert "--- stderr (transform_data) ---\npandas warning on stderr" in logs
        # Only the capture of that run: never another run's, nor the process's own console.
        assert other == ""
        assert live_captured_logs(run_id, "transform_data") == ""


# ------------------------------------------------------- what changed since the last success


def test_a_changed_value_the_failure_names_leads_as_config_error(
    instance: dg.DagsterInstance,
) -> None:
    with health_endpoint() as url:
        good = jobs.run_http_warehouse(instance, url)
        assert good.success
        port = free_port()
        bad = jobs.run_http_warehouse(instance, f"http://127.0.0.1:{port}")
    assert not bad.success
    evidence, report = read_back(instance, bad.run_id)

    ps = evidence.previous_success
    assert ps is not None and ps.run_id == good.run_id
    assert [(c.path, c.before, c.after) for c in ps.config_changes] == [
        ("resources.warehouse.config.url", url, f"http://127.0.0.1:{port}")
    ]
    assert top(report) == Category.CONFIG_ERROR
    assert report.top is not None and report.top.confidence >= 0.75
    quoted, fact = report.top.evidence[:2]
    assert f"port={port}" in quoted and quoted in evidence.text
    assert "resources.warehouse.config.url" in fact and good.run_id[:8] in fact
    assert "resources.warehouse.config.url" in report.top.remediation[0]
    # The surface reading stays in view, just behind.
    assert Category.DEPENDENCY_UNAVAILABLE in [c.category for c in report.candidates[1:3]]
    assert any("run config changed since in 1 place" in n for n in report.notes)


def test_no_change_since_the_last_success_keeps_the_surface_reading(
    instance: dg.DagsterInstance,
) -> None:
    port = free_port()
    with health_endpoint(port) as url:
        good = jobs.run_http_warehouse(instance, url)
    assert good.success
    bad = jobs.run_http_warehouse(instance, url)  # the same URL; nothing listens there any more
    assert not bad.success
    evidence, report = read_back(instance, bad.run_id)

    assert evidence.previous_success is not None
    assert evidence.previous_success.run_id == good.run_id
    assert evidence.previous_success.config_changes == []
    assert top(report) == Category.DEPENDENCY_UNAVAILABLE
    assert any("same run config" in n for n in report.notes)
