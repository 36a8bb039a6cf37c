"""End to end, context beyond the run through the real `make run` (scripts/run.py): a team
runbook in `SENTINEL_RUNBOOKS`, an Alertmanager v4 webhook POSTed to the running `sentinel
serve` (bearer token) about the system the failing step cannot reach, then the failing demo
job launched through GraphQL. The Slack report (loopback Slack) cites both.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from tests.fakes.dagster_dev import Deployment, make_run
from tests.fakes.loopback import free_port
from tests.fakes.slack_app import SIGNING_SECRET
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.e2e

TOKEN = "am-token-for-tests-5f1c"
RUNBOOK = """\
# FX rates

The FX-rate service answers `GET /v1/rates`; the ETL reads it before transforming orders.

## FX-rate API refuses connections

Symptoms: `urlopen error [Errno 111] Connection refused` while fetching FX rates. The
FX-rate service is down or being redeployed: check its alert, wait for the deploy to finish,
then re-run the failed run from the Dagster UI.

## Stale FX rates

Symptoms: the rates are older than a day. Ask the treasury team to restart the feed.
"""


def _webhook(alertname: str, instance: str, started: float) -> dict[str, object]:
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{alertname}"}}',
        "status": "firing",
        "receiver": "sentinel",
        "groupLabels": {"alertname": alertname},
        "commonLabels": {"alertname": alertname},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": alertname, "instance": instance, "severity": "page"},
                "annotations": {"summary": "FX-rate API is not answering"},
                "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example:9090/graph",
                "fingerprint": "0f1e2d3c4b5a6978",
            }
        ],
    }


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def serve_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory, slack: FakeSlack, serve_port: int
) -> Iterator[Deployment]:
    runbooks = tmp_path_factory.mktemp("runbooks")
    (runbooks / "fx-rates.md").write_text(RUNBOOK)
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.url,
        "SLACK_CHANNEL": "#data-alerts",
        # `make run` starts `sentinel serve` (which takes the webhook) only for a Slack app.
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SENTINEL_SERVE_PORT": str(serve_port),
        "SENTINEL_BRAIN": "rules",
        "SENTINEL_RUNBOOKS": str(runbooks),
        "SENTINEL_ALERTMANAGER_TOKEN": TOKEN,
    }
    with make_run(tmp_path_factory.mktemp("dagster_home"), env) as dep:
        yield dep


def _post_alert(url: str, body: dict[str, object], token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    deadline = time.time() + 90
    while True:
        try:
            return requests.post(url, json=body, headers=headers, timeout=10)
        except requests.ConnectionError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)  # `sentinel serve` is still starting


def test_report_through_make_run_cites_the_runbook_and_the_firing_alert(
    deployment: Deployment, slack: FakeSlack, serve_port: int
) -> None:
    url = f"http://127.0.0.1:{serve_port}/alertmanager"
    body = _webhook("FxRatesApiDown", "127.0.0.1:9", time.time() - 120)
    refused = _post_alert(url, body, token="wrong")
    assert refused.status_code == 401, refused.text
    stored = _post_alert(url, body, token=TOKEN)
    assert stored.status_code == 200, stored.text
    assert stored.json()["firing"] == 1

    run_id = deployment.launch(
        "demo_etl", {"ops": {"extract_data": {"config": {"scenario": "api_down"}}}}
    )
    found = slack.wait_for(
        lambda c: run_id[:8] in json.dumps(c.body) and not c.body.get("thread_ts"), timeout=150
    )
    top = found[0].body
    text = json.dumps(top.get("blocks"))
    ts = found[0].response.get("ts")
    thread = json.dumps([c.body for c in slack.replies() if c.body.get("thread_ts") == ts])
    everything = text + thread
    # The runbook section, by file and heading.
    assert "fx-rates.md" in text and "FX-rate API refuses connections" in text, everything
    # The firing alert, by name, linked to the host the step could not reach.
    assert "FxRatesApiDown" in text, everything
    assert "the failure names its instance" in text, everything
    # ...and it is the top candidate's evidence.
    evidence = next(b for b in top["blocks"] if "*Evidence*" in json.dumps(b))
    assert "alert FxRatesApiDown has been firing since" in evidence["text"]["text"]
    # Secrets never reach Slack.
    assert TOKEN not in everything and SIGNING_SECRET not in everything

    deadline = time.time() + 60
    while deployment.run_status(run_id) not in ("FAILURE", "SUCCESS") and time.time() < deadline:
        time.sleep(0.5)
    assert deployment.run_status(run_id) == "FAILURE"  # Sentinel never changes the outcome
