"""Click → re-execution run created: the median over 10 clicks (goal: under 2 s).

A real `dagster dev`, the real `sentinel serve` HTTP server and a loopback Slack. Each round
launches `demo_dependency` while its local rates service is down (so it fails and Sentinel
reports it), brings the service back, posts an approver's signed "Re-execute from failure"
click to `/slack/events`, and times until the run tagged `sentinel/reexecution_of=<failed
run>` exists in Dagster (GraphQL). The re-execution then succeeds and resolves the incident.

    python -m bench.chatops_latency [--clicks 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.serve import ChatOps
from tests.fakes.dagster_dev import dagster_dev
from tests.fakes.rates_service import RatesService
from tests.fakes.slack_app import SIGNING_SECRET, SlackSigner, block_action, running_server
from tests.fakes.slack_server import FakeSlack

APPROVER = "UAPPROVER1"


def _wait(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError(what)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        home = Path(tmp)
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.url,
            "SENTINEL_BRAIN": "rules",
        }
        with dagster_dev(home, env) as dep:
            os.environ["DAGSTER_HOME"] = str(home)
            ops = ChatOps(
                SentinelConfig.from_env(
                    {
                        **env,
                        "DAGSTER_HOME": str(home),
                        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SENTINEL_SLACK_APPROVERS": APPROVER,
                        "SENTINEL_DAGSTER_URL": f"http://127.0.0.1:{dep.port}",
                        "SENTINEL_UI_URL": f"http://127.0.0.1:{dep.port}",
                    }
                ),
                watch_interval_s=0.5,
            )
            stop = threading.Event()
            threading.Thread(target=ops.watch_forever, args=(stop,), daemon=True).start()
            rates = RatesService()
            config = {"ops": {"fetch_rates": {"config": {"url": rates.url, "timeout_s": 2.0}}}}
            latencies = []
            with running_server(ops) as base:
                signer = SlackSigner(base)
                for i in range(args.clicks):
                    run_id = dep.launch("demo_dependency", config)
                    _wait(lambda r=run_id: dep.run_status(r) == "FAILURE", 120, "failure")
                    incident = _wait(
                        lambda r=run_id: (
                            (inc := ops.incident_for(r)) is not None
                            and inc.last_run_id == r
                            and inc
                        ),
                        60,
                        "incident",
                    )
                    rates.up()
                    click = block_action("sentinel_reexecute", APPROVER, value=incident.id)
                    start = time.perf_counter()
                    assert signer.interactive(click).status_code == 200
                    try:
                        _wait(
                            lambda r=run_id: ops.dagster.runs_with_tag(
                                "sentinel/reexecution_of", r
                            ),
                            30,
                            "re-execution run",
                        )
                    except TimeoutError:
                        told = [c.body["text"] for c in slack.messages("chat.postEphemeral")]
                        print(f"no run; the approver was told: {told[-1:]}", flush=True)
                        print(ops.timeline.entries(incident.id), flush=True)
                        raise
                    latencies.append(time.perf_counter() - start)
                    _wait(
                        lambda i=incident.id: ops.sentinel.store.get(i).status == "resolved",
                        120,
                        "recovery",
                    )
                    rates.down()
                    # Let Sentinel's run-success sensor (10 s interval) see the recovery run
                    # before the next failure: a success it processes late resolves any open
                    # incident of the job, including a newer one (it resolves "as of now").
                    time.sleep(12)
                    print(f"click {i + 1}: {latencies[-1]:.3f} s", flush=True)
            stop.set()
            outcomes = [c for c in slack.replies() if "succeeded" in json.dumps(c.body)]
    median = statistics.median(latencies)
    print(
        f"click → re-execution run created: median {median:.3f} s over {len(latencies)} clicks "
        f"(min {min(latencies):.3f}, max {max(latencies):.3f}); goal < 2 s: "
        f"{'met' if median < 2 else 'MISSED'}; {len(outcomes)} recoveries posted"
    )


if __name__ == "__main__":
    main()
