"""End to end, the `make run` path: the real webserver and daemon (`dagster dev`), a run
launched through GraphQL, the Slack message on a loopback Slack, the RCA materialization.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.fakes.dagster_dev import Deployment, dagster_dev
from tests.fakes.slack_server import FakeSlack
from tests.fakes.ticks import wait_sensor_ticks

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, slack: FakeSlack) -> Iterator[Deployment]:
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.url,
        "SLACK_CHANNEL": "#data-alerts",
        "SENTINEL_BRAIN": "rules",
    }
    with dagster_dev(tmp_path_factory.mktemp("dagster_home"), env) as dep:
        yield dep


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
    failed_by = time.time()

    mat = deployment.rca_materialization()
    assert mat is not None
    entries = {e["label"]: e for e in mat["metadataEntries"]}
    assert "ZeroDivisionError" in entries["report"]["mdStr"]
    assert entries["run_id"]["text"] == run_id

    # The run-failure sensor sees the same failed run and must not report it again: two of
    # its ticks evaluated after the failure (it posts within its tick).
    wait_sensor_ticks(
        deployment.client, "sentinel_run_failure_sensor", failed_by, log=deployment.log.read_text
    )
    assert len(slack.top_level()) == 1


def test_asset_job_failure_is_reported_by_its_hook(
    deployment: Deployment, slack: FakeSlack
) -> None:
    before = len(slack.top_level())
    run_id = deployment.launch(
        "demo_assets_job", {"ops": {"raw_orders": {"config": {"scenario": "schema_drift"}}}}
    )
    found = slack.wait_for(_top_level_of(run_id), timeout=120)
    assert "KeyError" in json.dumps(found[0].body) and "region_averages" in json.dumps(
        found[0].body
    )
    assert len(slack.top_level()) == before + 1


def test_unhooked_failure_goes_through_the_sensor_and_an_rca_run(
    deployment: Deployment, slack: FakeSlack
) -> None:
    before = len(slack.top_level())
    run_id = deployment.launch("partner_export")
    found = slack.wait_for(_top_level_of(run_id), timeout=120)
    body = json.dumps(found[0].body)
    assert "upload_to_partner" in body and "partner_export" in body
    texts = [c.body.get("text") for c in slack.top_level()]
    assert len(texts) == before + 1, texts
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
