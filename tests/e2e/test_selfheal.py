"""Self-healing end to end: the real webserver and daemon (two processes), the demo job that
fails while a loopback service refuses connections, Sentinel's hook deciding and
`sentinel_remediation_sensor` launching through GraphQL.

- a transient failure is recovered with no human;
- a ZeroDivisionError job, opted in, is never retried;
- Dagster's own run retries come first;
- the daemon stopped between scheduling and launching: the retry is neither lost nor
  duplicated, and a launch left half-recorded is adopted, not repeated.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_sentinel.actions import ActionContext, ActionName, PolicyFile, action_key, offered
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.dagster_api import DagsterClient, RunInfo
from dagster_sentinel.incidents import Failure, Incident, IncidentStore
from dagster_sentinel.outbox import Outbox
from dagster_sentinel.remediation_chatops import run_action
from dagster_sentinel.remediation_store import RemediationStore, remediations
from dagster_sentinel.reporting import Sentinel
from dagster_sentinel.settings import SentinelSettings
from dagster_sentinel.store import transaction
from dagster_sentinel.timeline import TimelineStore
from sentinel_brain.models import Evidence
from tests.fakes.dagster_split import Split, split_deployment
from tests.fakes.rates_service import RatesService
from tests.fakes.ticks import wait_sensor_ticks

pytestmark = pytest.mark.e2e

DELAY_S = 3.0


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dagster_home")


@pytest.fixture(scope="module")
def deployment(home: Path) -> Iterator[Split]:
    env = {
        "SENTINEL_AUTO_RETRY": "job:demo_dependency,job:demo_etl",
        "SENTINEL_AUTO_RETRY_DELAY_S": str(DELAY_S),
        "SENTINEL_AUTO_RETRY_MAX": "3",
    }
    with split_deployment(home, env, run_retries=True) as dep:
        yield dep


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'sentinel' / 'sentinel.db'}"


def _config(url: str) -> dict[str, object]:
    return {"ops": {"fetch_rates": {"config": {"url": url, "timeout_s": 2.0}}}}


def _wait(predicate, timeout: float, what: str, dep: Split):  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen in {timeout:.0f} s\n{dep.log_tail()}")


def _retries(dep: Split, original: str) -> list[RunInfo]:
    client = DagsterClient(dep.graphql_url, timeout_s=10)
    try:
        return client.runs_with_tag("sentinel/remediation_of", original, limit=50)
    finally:
        client.close()


def test_a_transient_failure_is_recovered_with_no_human(deployment: Split, home: Path) -> None:
    service = RatesService()
    run_id = deployment.launch("demo_dependency", _config(service.url))
    assert deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300) == "FAILURE"
    store = RemediationStore(_url(home))
    _wait(lambda: store.chain(run_id), 60, "a scheduled retry", deployment)
    service.up()  # the dependency is back
    try:
        recovered = _wait(
            lambda: [r for r in _retries(deployment, run_id) if r.status == "SUCCESS"],
            180,
            "a successful retry",
            deployment,
        )
        assert recovered[0].tags["sentinel/attempt"] in {"1", "2", "3"}
        rows = _wait(
            lambda: (
                [r for r in store.chain(run_id) if r.status == "succeeded"] and store.chain(run_id)
            ),
            60,
            "the retry recorded as succeeded",
            deployment,
        )
        incident_id = rows[0].incident_id
        incident = _wait(
            lambda: (
                (i := IncidentStore(_url(home)).get(incident_id)) and i.status == "resolved" and i
            ),
            60,
            "the incident resolved",
            deployment,
        )
        assert incident.resolved_by_run_id == recovered[0].run_id
        # The sensor resolves the incident, then records the timeline entry, then queues the
        # thread reply (Slack is not configured here: it waits in the outbox): wait for the
        # last of them before reading the others.
        said = _wait(
            lambda: Outbox(_url(home)).get(f"{incident_id}:autoretry:{run_id}:recovered"),
            60,
            "the recovery reply queued",
            deployment,
        )
        assert "recovered automatically after" in said.payload
        entries = TimelineStore(_url(home)).entries(incident_id)
        # No human did anything: every timeline entry is Sentinel's own.
        assert {e.actor for e in entries} == {"sentinel"}
        assert ("auto_retry", "recovered") in {(e.action, e.result) for e in entries}
    finally:
        service.down()


def test_a_code_error_opted_in_is_never_retried(deployment: Split, home: Path) -> None:
    run_id = deployment.launch("demo_etl")
    assert deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300) == "FAILURE"
    timeline = TimelineStore(_url(home))
    incidents = IncidentStore(_url(home))

    def skipped() -> bool:
        mine = [i for i in incidents.all() if i.job == "demo_etl"]
        return bool(mine) and any(
            e.result == "skipped" for e in timeline.entries(mine[0].id) if e.action == "auto_retry"
        )

    _wait(skipped, 60, "the auto-retry decision", deployment)
    # Two remediation-sensor ticks that evaluated after the decision launched nothing.
    decided_by = time.time()
    wait_sensor_ticks(
        deployment.client, "sentinel_remediation_sensor", decided_by, log=deployment.log_tail
    )
    assert _retries(deployment, run_id) == []
    assert RemediationStore(_url(home)).chain(run_id) == []


def test_dagster_run_retries_come_first(deployment: Split, home: Path) -> None:
    service = RatesService()
    run_id = deployment.launch(
        "demo_dependency", _config(service.url), tags={"dagster/max_retries": "1"}
    )
    assert deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300) == "FAILURE"
    client = DagsterClient(deployment.graphql_url, timeout_s=10)
    try:
        dagster_retry = _wait(
            lambda: client.runs_with_tag("dagster/parent_run_id", run_id),
            240,
            "Dagster's own retry",
            deployment,
        )[0]
    finally:
        client.close()
    assert dagster_retry.tags.get("dagster/retry_number") == "1"
    # Sentinel left the original run to Dagster: no retry of its own on top.
    assert RemediationStore(_url(home)).chain(run_id) == []
    assert _retries(deployment, run_id) == []
    # Dagster's last attempt fails too: only now may Sentinel retry (the service is back).
    service.up()
    try:
        deployment.wait_status(dagster_retry.run_id, ("FAILURE", "SUCCESS"), timeout=300)
        if deployment.status(dagster_retry.run_id) == "FAILURE":
            _wait(
                lambda: [r for r in _retries(deployment, dagster_retry.run_id) if r.finished],
                240,
                "Sentinel's retry after Dagster's",
                deployment,
            )
    finally:
        service.down()


def test_a_daemon_restart_neither_loses_nor_duplicates_a_retry(
    deployment: Split, home: Path
) -> None:
    service = RatesService()
    run_id = deployment.launch("demo_dependency", _config(service.url))
    assert deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300) == "FAILURE"
    store = RemediationStore(_url(home))
    row = _wait(lambda: store.chain(run_id), 60, "a scheduled retry", deployment)[0]
    deployment.stop_daemon()  # between scheduling and launching
    assert store.get(row.key).status == "scheduled"  # type: ignore[union-attr]
    time.sleep(max(row.due_at - time.time(), 0) + 2)  # due while no daemon runs
    assert _retries(deployment, run_id) == []
    service.up()
    deployment.start_daemon()
    try:
        done = _wait(
            lambda: [r for r in _retries(deployment, run_id) if r.status == "SUCCESS"],
            240,
            "the retry after the restart",
            deployment,
        )
        assert len(_retries(deployment, run_id)) == 1 and done[0].tags["sentinel/attempt"] == "1"
        _wait(
            lambda: store.get(row.key).status == "succeeded",  # type: ignore[union-attr]
            60,
            "the retry recorded",
            deployment,
        )
        # A process that died after launching but before recording it: the row is left in
        # "launching". The sensor finds the run by its tags and adopts it; nothing relaunches.
        with transaction(store.engine) as conn:
            conn.execute(
                remediations.update()
                .where(remediations.c.key == row.key)
                .values(status="launching", run_id=None, updated_at=time.time() - 3600)
            )
        adopted = _wait(
            lambda: (r := store.get(row.key)) and r.status == "succeeded" and r,
            60,
            "the half-recorded launch adopted",
            deployment,
        )
        assert adopted.run_id == done[0].run_id
        assert len(_retries(deployment, run_id)) == 1
    finally:
        service.down()


# --- remediation actions through GraphQL -------------------------------------------------------


def _sentinel(home: Path) -> Sentinel:
    env = {"DAGSTER_HOME": str(home), "SENTINEL_BRAIN": "rules"}
    return Sentinel(SentinelSettings.from_config(SentinelConfig.from_env(env)))


def _incident(s: Sentinel, run_id: str, kind: str, tags: dict[str, str], **facts: str) -> Incident:
    reg = s.store.register(
        Failure(
            fingerprint=uuid.uuid4().hex[:16], kind=kind, run_id=run_id, source="manual", **facts
        )
    )
    s.store.save_evidence(reg.incident.id, Evidence(tags=tags, run_id=run_id).model_dump_json())
    found = s.store.get(reg.incident.id)
    assert found is not None
    return found


def test_materialize_the_missing_upstream_then_reexecute(deployment: Split, home: Path) -> None:
    # region_averages alone, before raw_orders was ever materialized: its input is missing.
    run_id = deployment.launch("demo_assets_job", asset_selection=[["region_averages"]])
    assert deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300) == "FAILURE"
    s = _sentinel(home)
    incident = _wait(
        lambda: next((i for i in s.store.all() if i.last_run_id == run_id and i.report_json), None),
        60,
        "the diagnosed incident",
        deployment,
    )
    assert incident.asset == "region_averages"
    assert incident.category == "missing_input"
    client = DagsterClient(deployment.graphql_url, timeout_s=10)
    try:
        ctx_actions = [a.spec.name for a in offered(ActionContext.of(incident), PolicyFile())]
        assert ctx_actions[0] == ActionName.MATERIALIZE_UPSTREAM
        result = run_action(
            s,
            client,
            incident,
            ActionName.MATERIALIZE_UPSTREAM,
            user="UOPS",
            approver=True,
            policy=PolicyFile(),
        )
        assert result.status == "launched" and "raw_orders" in result.message
        again = run_action(
            s,
            client,
            incident,
            ActionName.MATERIALIZE_UPSTREAM,
            user="UOPS",
            approver=True,
            policy=PolicyFile(),
        )
        assert again.status == "already"  # idempotent: one upstream run, one re-execution
        store = RemediationStore(_url(home))
        key = action_key(incident, ActionName.MATERIALIZE_UPSTREAM, run_id)
        row = _wait(
            lambda: (r := store.get(key)) and r.status in ("succeeded", "failed") and r,
            240,
            "upstream materialized, then re-executed",
            deployment,
        )
        assert row.status == "succeeded"
        upstream = client.run(row.stage_run_id or "")
        rerun = client.run(row.run_id or "")
        assert upstream is not None and upstream.status == "SUCCESS"
        assert rerun is not None and rerun.status == "SUCCESS"
        assert rerun.tags["sentinel/remediation_of"] == run_id
        entries = TimelineStore(_url(home)).entries(incident.id)
        assert ("UOPS", "materialize_upstream", "launched") in [
            (e.actor, e.action, e.result) for e in entries
        ]
    finally:
        client.close()


def test_terminate_a_stuck_run_and_relaunch_it(deployment: Split, home: Path) -> None:
    # A dependency that accepts connections and never answers: the run hangs in fetch_rates.
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)
    port = hang.getsockname()[1]
    url = f"http://127.0.0.1:{port}/rates"
    run_id = deployment.launch(
        "demo_dependency", {"ops": {"fetch_rates": {"config": {"url": url, "timeout_s": 300}}}}
    )
    deployment.wait_status(run_id, ("STARTED",), timeout=300)
    s = _sentinel(home)
    incident = _incident(s, run_id, "long_running_run", {}, job="demo_dependency")
    client = DagsterClient(deployment.graphql_url, timeout_s=10)
    service = RatesService(port)
    try:
        result = run_action(
            s,
            client,
            incident,
            ActionName.TERMINATE_AND_RELAUNCH,
            user="UOPS",
            approver=True,
            policy=PolicyFile(),
        )
        assert result.status == "launched"
        hang.close()
        service.up()  # the relaunch finds the dependency answering
        assert deployment.wait_status(run_id, ("CANCELED", "FAILURE"), timeout=120) == "CANCELED"
        relaunched = _wait(
            lambda: [r for r in _retries(deployment, run_id) if r.status == "SUCCESS"],
            240,
            "the relaunch",
            deployment,
        )
        assert relaunched[0].tags["sentinel/action"] == "terminate_and_relaunch"
    finally:
        service.down()
        hang.close()
        client.close()


def test_pause_and_resume_the_schedule_behind_a_failure(deployment: Split, home: Path) -> None:
    run_id = deployment.launch("sentinel_digest_job", location="sentinel")
    deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300)
    s = _sentinel(home)
    tags = {"dagster/schedule_name": "sentinel_daily_digest"}
    incident = _incident(s, run_id, "failure", tags, job="sentinel_digest_job")
    client = DagsterClient(deployment.graphql_url, timeout_s=10)
    try:
        paused = run_action(
            s,
            client,
            incident,
            ActionName.PAUSE_AUTOMATION,
            user="UOPS",
            approver=True,
            policy=PolicyFile(),
        )
        assert (paused.status, paused.message) == (
            "done",
            "schedule sentinel_daily_digest is STOPPED",
        )
        origin = client.run_origin(run_id)
        assert origin is not None and origin.location == "sentinel"
        assert (
            client.set_instigator(
                "schedule",
                location="sentinel",
                repository=origin.repository or "",
                name="sentinel_daily_digest",
                running=False,
            )
            == "STOPPED"
        )  # idempotent
        # Once paused, the incident offers resume instead of pause.
        resumed = run_action(
            s,
            client,
            incident,
            ActionName.RESUME_AUTOMATION,
            user="UOPS",
            approver=True,
            policy=PolicyFile(),
        )
        assert (resumed.status, resumed.message) == (
            "done",
            "schedule sentinel_daily_digest is RUNNING",
        )
    finally:
        client.close()
