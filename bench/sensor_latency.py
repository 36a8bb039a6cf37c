"""Sensor-path latency: failures in jobs WITHOUT the hook, from the run's end to the first
Slack report, with N concurrent failures on a real `dagster dev` (webserver + daemon).

    .venv/bin/python -m bench.sensor_latency [--failures 8] [--rounds 1]

The run-failure sensor posts the offline diagnosis from its tick (through the outbox); the
RCA run then enriches the same message. Run end = the run's end time in the run storage;
report = the top-level Slack message linking the run, as the loopback Slack received it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import dagster as dg

from bench.thirdparty import N_JOBS
from tests.fakes.dagster_dev import dagster_dev
from tests.fakes.slack_server import FakeSlack

WORKSPACE = """load_from:
  - python_module: {module_name: bench.thirdparty, attribute: defs, location_name: thirdparty}
  - python_module:
      {module_name: dagster_sentinel.definitions, attribute: defs, location_name: sentinel}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.failures > N_JOBS:
        parser.error(f"at most {N_JOBS} distinct third-party failures")
    latencies: list[float] = []
    with FakeSlack() as slack, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        home = Path(tmp)
        workspace = home / "workspace.yaml"
        workspace.write_text(WORKSPACE)
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.url,
            "SENTINEL_BRAIN": "rules",
            # Each round's failures open new incidents (not repeats of the last round's).
            "SENTINEL_INCIDENT_WINDOW_H": "0.005",
            # ... and are not folded into a storm digest with the last round's incidents.
            "SENTINEL_STORM_WINDOW_S": "15",
            # As `make run-prod` sets it (scripts/run_prod.py): all 8 failures in one tick.
            "DAGSTER_RUN_STATUS_SENSOR_PROCESS_LIMIT": "10",
        }
        with dagster_dev(home, env, workspace=str(workspace)) as dep:
            warm = dep.launch("partner_sync_a", location="thirdparty")
            print(f"warm-up run {warm[:8]} launched (code locations loaded)")
            slack.wait_for(lambda c: warm in json.dumps(c.body), timeout=180)
            with dg.DagsterInstance.from_config(str(home)) as instance:
                for round_no in range(args.rounds):
                    time.sleep(20)  # past the incident window of the previous round
                    runs = [
                        dep.launch(f"partner_sync_{chr(97 + i)}", location="thirdparty")
                        for i in range(args.failures)
                    ]
                    for run_id in runs:
                        found = slack.wait_for(
                            lambda c, r=run_id: (
                                f"/runs/{r}" in json.dumps(c.body) and not c.body.get("thread_ts")
                            ),
                            timeout=180,
                        )
                        record = instance.get_run_record_by_id(run_id)
                        assert record is not None and record.end_time is not None
                        latency = found[0].at - record.end_time
                        latencies.append(latency)
                        print(f"round {round_no} run {run_id[:8]}: run end → Slack {latency:.2f} s")
    print(
        f"sensor path, {args.failures} concurrent failures x {args.rounds} round(s): "
        f"p50 {statistics.median(latencies):.2f} s, p95 {percentile(latencies, 95):.2f} s, "
        f"max {max(latencies):.2f} s"
    )


if __name__ == "__main__":
    main()
