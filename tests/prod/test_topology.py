"""The production topology on loopback (`make run-prod`'s processes): PostgreSQL storage,
code servers, webserver and daemon apart, demo_etl's steps in a Celery worker.

Marked `prod` (needs PostgreSQL and RabbitMQ on 127.0.0.1; .ci/run starts both).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from dagster_graphql import DagsterGraphQLClient

from dagster_sentinel.incidents import IncidentStore
from dagster_sentinel.outbox import Outbox
from scripts import run_prod
from tests.fakes.prod_topology import Topology, broker_up, prod_topology
from tests.fakes.slack_server import FakeSlack
from tests.fakes.ticks import wait_sensor_ticks
from tests.sentinel.conftest import fresh_postgres_database

pytestmark = [pytest.mark.prod, pytest.mark.postgres]

SCENARIOS = ["schema_drift", "missing_file", "api_down"]


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def topo(
    tmp_path_factory: pytest.TempPathFactory, slack: FakeSlack, database: str
) -> Iterator[Topology]:
    if not broker_up():
        pytest.fail("RabbitMQ is not listening on 127.0.0.1:5672; .ci/run starts it")
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.url,
        "SLACK_CHANNEL": "#data-alerts",
        "SENTINEL_BRAIN": "rules",
    }
    home = tmp_path_factory.mktemp("prod_home")
    # A daemon killed mid-launch (the restart test) leaves that run STARTING until run
    # monitoring fails it: deploy/dagster-prod.yaml's 180 s start timeout, checked every
    # 120 s by Dagster's default, held the module up ~4 min; here it is 90 s, checked every 5 s.
    monitoring = {"start_timeout_seconds": 90, "poll_interval_seconds": 5}
    with prod_topology(home, database.rsplit("/", 1)[1], env, run_monitoring=monitoring) as t:
        # Warm-up: the code servers load, and a green demo_etl goes through Celery.
        ok = t.launch("demo_etl", {"ops": {"extract_data": {"config": {"scenario": "none"}}}})
        assert t.wait_terminal([ok])[ok] == "SUCCESS", t.log("celery-worker:0")[-3000:]
        yield t


def _top_level_of(slack: FakeSlack, run_id: str) -> list:
    return [c for c in slack.top_level() if f"/runs/{run_id}" in json.dumps(c.body)]


def _incident_of(database: str, run_id: str):
    found = [i for i in IncidentStore(database).all() if i.last_run_id == run_id]
    return found[0] if found else None


def test_celery_step_failure_is_reported_once_with_the_workers_logs(
    topo: Topology, slack: FakeSlack, database: str
) -> None:
    start = time.time()
    run_id = topo.launch("demo_etl")
    found = slack.wait_for(lambda c: f"/runs/{run_id}" in json.dumps(c.body), timeout=180)
    print(f"\nlaunch-to-Slack latency on the Celery topology: {time.time() - start:.1f} s")
    body = json.dumps(found[0].body)
    assert "ZeroDivisionError" in body and "transform_data" in body

    # Its evidence comes from the worker: the live exception's frames in the step's code,
    # the step's log lines written there and its stdout so far. (Dagster's Celery tasks hand
    # their LOGS_CAPTURED event back only when the task returns: the hook reads the capture
    # the worker is writing.)
    incident = _incident_of(database, run_id)
    assert incident is not None and incident.source == "hook"
    evidence = json.loads(incident.evidence_json or "{}")
    assert "etl.py" in json.dumps(evidence) and "average_by_region" in json.dumps(evidence)
    assert any("8 orders" in line for line in evidence.get("events", [])), evidence.get("events")
    assert "transform_data: 8 orders across" in evidence.get("logs", ""), evidence.get("logs")

    assert topo.wait_terminal([run_id])[run_id] == "FAILURE"
    failed_by = time.time()
    # The hook fired inside the Celery worker (its log has the step and the hook's events).
    # The worker's log is a file its output is redirected to: a line can land a moment
    # after the run's status does.
    hook_line = f"{run_id} - transform_data - HOOK_COMPLETED"
    deadline = time.time() + 30
    while hook_line not in topo.log("celery-worker:0") and time.time() < deadline:
        time.sleep(0.5)
    worker_log = topo.log("celery-worker:0")
    assert "Executing steps transform_data in celery worker" in worker_log
    assert hook_line in worker_log
    # The run-failure sensor sees the run too, and must not report it again: two of its
    # ticks evaluated after the failure (it posts within its tick).
    wait_sensor_ticks(
        topo.client, "sentinel_run_failure_sensor", failed_by, log=lambda: topo.log("daemon")
    )
    assert len(_top_level_of(slack, run_id)) == 1


def test_restarting_daemon_code_server_and_worker_mid_burst_loses_and_duplicates_nothing(
    topo: Topology, slack: FakeSlack, database: str
) -> None:
    runs = [
        topo.launch("demo_etl", {"ops": {"extract_data": {"config": {"scenario": s}}}})
        for s in SCENARIOS
    ]
    runs += [topo.launch("partner_export") for _ in range(3)]  # no hook: the sensor's path
    topo.restart("daemon")
    time.sleep(3)
    topo.restart("celery-worker:0")
    time.sleep(3)
    topo.restart("code-server:sentinel")
    statuses = topo.wait_terminal(runs, timeout=300)
    failed = [r for r, s in statuses.items() if s == "FAILURE"]
    assert len(failed) == len(runs), statuses

    store = IncidentStore(database)
    deadline = time.time() + 120
    while time.time() < deadline and not all(store.run_registered(r) for r in failed):
        time.sleep(2)
    missing = [r for r in failed if not store.run_registered(r)]
    assert not missing, f"failed runs never registered: {missing}"

    # Every incident's post is sent exactly once: Slack got as many top-level messages as
    # the outbox has sent posts, and each of these runs is covered by one of them.
    outbox = Outbox(database)
    deadline = time.time() + 120
    while time.time() < deadline and outbox.backlog():
        time.sleep(2)
    sent_posts = [i for i in outbox.items("sent") if i.kind == "post"]
    assert len(slack.top_level()) == len(sent_posts)
    incidents = {store.get(i.incident_id).fingerprint for i in sent_posts if i.incident_id}
    assert len(incidents) == len(sent_posts)  # one top-level message per incident
    assert len({_incident_of(database, r).id for r in runs[:3]}) == 3


def test_two_webservers_rediagnosing_give_one_report_per_incident(
    topo: Topology, slack: FakeSlack, database: str
) -> None:
    incident = next(i for i in IncidentStore(database).all() if i.job == "demo_etl")

    def posts_of_incident() -> list[Any]:
        # The topology's health sensors may open other incidents meanwhile: only this one's.
        return [c for c in slack.top_level() if incident.id in json.dumps(c.body)]

    posts_before = len(posts_of_incident())
    updates_before = len(slack.messages("chat.update"))
    port = run_prod.free_ports(1)[0]
    topo.extra_webserver(port)
    other = DagsterGraphQLClient("127.0.0.1", port_number=port)
    tags = {"dagster/partition": incident.id}
    runs = [
        topo.launch("sentinel_rca_job", location="sentinel", tags=tags),
        topo.launch("sentinel_rca_job", location="sentinel", tags=tags, client=other),
    ]
    statuses = topo.wait_terminal(runs)
    assert set(statuses.values()) == {"SUCCESS"}, statuses
    outbox = Outbox(database)
    # Each re-diagnosis queues one edit of the incident's message, keyed by its run.
    keys = [f"{incident.id}:rediagnosis:{run_id}:update" for run_id in runs]

    def delivered() -> bool:
        return all((item := outbox.get(k)) is not None and item.status == "sent" for k in keys)

    deadline = time.time() + 60
    while time.time() < deadline and not delivered():
        time.sleep(1)
    assert delivered(), [outbox.get(k) for k in keys]
    assert len(posts_of_incident()) == posts_before  # re-diagnoses update, never re-post
    post = outbox.get(f"{incident.id}:post")
    assert post is not None and post.ts
    # Both edits went to that one message. (Other queued edits of earlier tests' incidents
    # may be delivered meanwhile; they are not this incident's.)
    edits = [u for u in slack.messages("chat.update")[updates_before:] if u.body["ts"] == post.ts]
    assert len(edits) >= 2, edits


def test_one_sigterm_stops_the_whole_launcher_tree(tmp_path, database: str) -> None:
    """`make run-prod`'s launcher: one SIGTERM, every process group gone."""
    import os
    import subprocess
    import sys

    if not broker_up():
        pytest.fail("RabbitMQ is not listening on 127.0.0.1:5672")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENTINEL_"))}
    env.update(DAGSTER_HOME=str(tmp_path), DAGSTER_PG_DB=database.rsplit("/", 1)[1])
    port = run_prod.free_ports(1)[0]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scripts.run_prod",
            "--port",
            str(port),
            "--log-dir",
            str(tmp_path / "proc-logs"),
        ],
        env=env,
        cwd=run_prod.REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    deadline = time.time() + 120
    up = False
    while time.time() < deadline and not up:
        try:
            client._execute("{ version }")  # noqa: SLF001
            up = True
        except Exception:  # noqa: BLE001 - starting
            time.sleep(1)
    children = _descendants(proc.pid)
    assert up and len(children) >= 6
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    time.sleep(1)
    alive = [p for p in children if _alive(p)]
    assert not alive, f"orphans: {alive}"


def _descendants(pid: int) -> list[int]:
    import subprocess

    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    parents: dict[int, list[int]] = {}
    for line in out.splitlines():
        child, parent = (int(x) for x in line.split())
        parents.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False
