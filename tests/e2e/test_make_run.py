"""End to end, the `make run` path: the real webserver and daemon (`dagster dev`), a run
launched through GraphQL, the Slack message on a loopback Slack, the RCA materialization.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).parent / "dagster"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Deployment:
    def __init__(self, home: Path, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.home, self.port, self.proc, self.log = home, port, proc, log
        self.client = DagsterGraphQLClient("127.0.0.1", port_number=port)

    def launch(self, job: str, run_config: dict | None = None, timeout: float = 180) -> str:
        deadline = time.time() + timeout
        last: Exception | None = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dagster dev exited:\n{self.log.read_text()[-4000:]}")
            try:
                return self.client.submit_job_execution(
                    job, repository_location_name="pipelines", run_config=run_config or {}
                )
            except (DagsterGraphQLClientError, OSError, Exception) as e:  # noqa: BLE001 - server still starting
                last = e
                time.sleep(1)
        raise AssertionError(f"could not launch {job}: {last}\n{self.log.read_text()[-4000:]}")

    def run_status(self, run_id: str) -> str:
        return self.client.get_run_status(run_id).value

    def rca_materialization(self) -> dict | None:
        query = """
        query { assetOrError(assetKey: {path: ["sentinel", "rca_report"]}) {
          ... on Asset { assetMaterializations(limit: 5) { runId partition
              metadataEntries { label ... on MarkdownMetadataEntry { mdStr }
                                       ... on TextMetadataEntry { text }
                                       ... on BoolMetadataEntry { boolValue } } } } } }
        """
        data = self.client._execute(query)  # noqa: SLF001 - the client's own GraphQL call
        asset = data.get("assetOrError") or {}
        mats = asset.get("assetMaterializations") or []
        return mats[0] if mats else None


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, slack: FakeSlack) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GEMINI_", "SENTINEL_"))}
    env.update(
        DAGSTER_HOME=str(home),
        SLACK_BOT_TOKEN=slack.token,
        SLACK_API_URL=slack.url,
        SLACK_CHANNEL="#data-alerts",
        SENTINEL_UI_URL=f"http://127.0.0.1:{port}",
        SENTINEL_BRAIN="rules",
    )
    log = home / "dagster-dev.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    dep = Deployment(home, port, proc, log)
    try:
        yield dep
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_launching_demo_etl_reports_to_slack_and_materializes_rca(
    deployment: Deployment, slack: FakeSlack
) -> None:
    # Warm-up: the first launch waits for the code locations to load.
    deployment.launch("demo_etl", {"ops": {"extract_data": {"config": {"scenario": "none"}}}})

    start = time.time()
    run_id = deployment.launch("demo_etl")
    found = slack.wait_for(_top_level_of(run_id), timeout=120)
    latency = time.time() - start
    print(f"\nlaunch-to-Slack latency: {latency:.2f} s")

    body = json.dumps(found[0].body)
    assert "ZeroDivisionError" in body and "transform_data" in body and "demo_etl" in body
    assert f"/runs/{run_id}" in body
    assert len(slack.top_level()) == 1

    deadline = time.time() + 60
    while deployment.run_status(run_id) not in ("FAILURE", "SUCCESS") and time.time() < deadline:
        time.sleep(0.5)
    assert deployment.run_status(run_id) == "FAILURE"  # Sentinel never changes the outcome

    mat = deployment.rca_materialization()
    assert mat is not None
    entries = {e["label"]: e for e in mat["metadataEntries"]}
    assert "ZeroDivisionError" in entries["report"]["mdStr"]
    assert entries["run_id"]["text"] == run_id

    # The run-failure sensor sees the same failed run and must not report it again.
    time.sleep(12)
    assert len(slack.top_level()) == 1


def test_asset_job_failure_is_reported_by_its_hook(deployment: Deployment, slack: FakeSlack) -> None:
    before = len(slack.top_level())
    run_id = deployment.launch(
        "demo_assets_job", {"ops": {"raw_orders": {"config": {"scenario": "schema_drift"}}}}
    )
    found = slack.wait_for(_top_level_of(run_id), timeout=120)
    assert "KeyError" in json.dumps(found[0].body) and "region_averages" in json.dumps(found[0].body)
    assert len(slack.top_level()) == before + 1


def test_unhooked_failure_goes_through_the_sensor_and_an_rca_run(
    deployment: Deployment, slack: FakeSlack
) -> None:
    before = len(slack.top_level())
    run_id = deployment.launch("partner_export")
    found = slack.wait_for(_top_level_of(run_id), timeout=120)
    body = json.dumps(found[0].body)
    assert "upload_to_partner" in body and "partner_export" in body
    assert len(slack.top_level()) == before + 1
    deadline = time.time() + 60
    mat = None
    while time.time() < deadline:
        mat = deployment.rca_materialization()
        if mat and any(e.get("text") == run_id for e in mat["metadataEntries"]):
            break
        time.sleep(1)
    assert mat is not None and mat["runId"] != run_id  # materialized by Sentinel's own RCA run


def _top_level_of(run_id: str):
    return lambda c: run_id[:8] in json.dumps(c.body) and not c.body.get("thread_ts")
