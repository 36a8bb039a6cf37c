"""Launch-to-Slack latency on the `make run` path (dagster dev + daemon, GraphQL launch).

    .venv/bin/python -m bench.launch_latency [--launches 5]

Prints each launch's latency and the median. Every launch opens a new incident (the
incident window is set to ~0.4 s), so each one produces a top-level Slack message.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from tests.fakes.dagster_dev import dagster_dev
from tests.fakes.slack_server import FakeSlack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--launches", type=int, default=5)
    args = parser.parse_args()
    with FakeSlack() as slack, tempfile.TemporaryDirectory() as tmp:
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.url,
            "SENTINEL_BRAIN": "rules",
            "SENTINEL_INCIDENT_WINDOW_H": "0.0001",
        }
        with dagster_dev(Path(tmp), env) as dep:
            warm = dep.launch(
                "demo_etl", {"ops": {"extract_data": {"config": {"scenario": "none"}}}}
            )
            print(f"warm-up run {warm[:8]} launched (code locations loaded)")
            latencies = []
            for _ in range(args.launches):
                time.sleep(2)
                start = time.time()
                run_id = dep.launch("demo_etl")
                found = slack.wait_for(
                    lambda c, r=run_id: r[:8] in json.dumps(c.body) and not c.body.get("thread_ts"),
                    timeout=120,
                )
                latency = found[0].at - start
                latencies.append(latency)
                print(f"run {run_id[:8]}: launch → Slack {latency:.2f} s")
    print(
        f"median of {len(latencies)} launches: {statistics.median(latencies):.2f} s "
        f"(min {min(latencies):.2f}, max {max(latencies):.2f})"
    )


if __name__ == "__main__":
    main()
