"""A burst of failed runs: how long Sentinel takes to process them, and what Slack gets.

    .venv/bin/python -m bench.burst [--runs 200]

Runs N failing runs (three jobs without the hook, four distinct causes) against a real
instance, then lets Sentinel's sweep sensor register them tick by tick from its cursor,
materializes the RCA report of each new incident, and drains the outbox to a loopback
Slack. Prints the processing time, incidents, messages and the peak rate per channel.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter

import dagster as dg

from dagster_sentinel.assets import rca_report
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.sensors import sentinel_failure_sweep_sensor
from tests.fakes.failing_jobs import run_failures
from tests.fakes.slack_server import FakeSlack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, FakeSlack() as slack:
        os.environ.update(
            DAGSTER_HOME=home,
            SLACK_BOT_TOKEN=slack.token,
            SLACK_API_URL=slack.url,
            SENTINEL_BRAIN="rules",
        )
        with dg.instance_for_test(temp_dir=home) as instance:
            t0 = time.time()
            run_ids = run_failures(instance, args.runs)
            print(f"{len(run_ids)} failed runs created in {time.time() - t0:.1f} s")

            t1 = time.time()
            cursor, ticks, keys = None, 0, []
            resources = {"sentinel": SentinelConfig()}
            s = sentinel_for(SentinelConfig(), instance)
            while True:
                ticks += 1
                result = sentinel_failure_sweep_sensor(
                    dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
                )
                keys += [r.partition_key for r in result.run_requests]
                cursor = result.cursor
                if all(s.store.run_registered(r) for r in run_ids):
                    break
            registered = time.time() - t1
            for key in keys:
                dg.materialize(
                    [rca_report], partition_key=key, instance=instance, resources=resources
                )
            diagnosed = time.time() - t1
            drained = 0.0
            while s.outbox.backlog():
                t2 = time.time()
                s.outbox.drain(s.transport, deadline_s=40)
                drained += time.time() - t2
            total = time.time() - t1

            incidents = s.store.all()
            per_second = Counter(int(c.at) for c in slack.messages())
            counted = sum(i.occurrences for i in incidents)
            print(f"registered all {len(run_ids)} failures in {registered:.1f} s ({ticks} tick(s))")
            print(f"incidents: {len(incidents)}; occurrences counted: {counted}")
            print(f"RCA reports materialized: {len(keys)} (done {diagnosed:.1f} s after the burst)")
            updates = len(slack.messages("chat.update"))
            print(
                f"Slack: {len(slack.top_level())} top-level, {len(slack.replies())} replies, "
                f"{updates} updates; outbox drained in {drained:.1f} s"
            )
            print(f"peak messages in any one second (one channel): {max(per_second.values())}")
            print(
                f"total processing time: {total:.1f} s; outbox backlog left: {s.outbox.backlog()}"
            )


if __name__ == "__main__":
    main()
