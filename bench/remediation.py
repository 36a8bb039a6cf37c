"""Self-healing: blind run retries versus Sentinel's policy, and time to recovery.

    .venv/bin/python -m bench.remediation [--seed 7] [--recoveries 3] [--skip-recovery]

Part 1 — 20 failures: 10 transient (`demo_dependency` while its loopback service is down
for an outage of 5–45 s, drawn from the seed) and 10 deterministic (`demo_etl`, a
ZeroDivisionError). Every run is a real run on a real Dagster instance, with the real
failure hook, diagnosis, policy and store. Time is virtual: the service is up for a
re-execution only if the outage has ended at the re-execution's (virtual) start.

- blind: Dagster's `dagster/max_retries=3` re-executes every failed run right away
  (about 2 s per relaunch), whatever the cause;
- Sentinel: both jobs opted in (`SENTINEL_AUTO_RETRY`), default settings (first delay
  30 s, ±25 % jitter, doubling, at most 3 attempts); the delay is the one Sentinel stored.

A wasted re-execution is one that failed again for the same reason. Part 2 — the real
webserver and daemon, `SENTINEL_AUTO_RETRY_DELAY_S=5`: the service comes back as soon as the
run has failed; prints the time from the failed run's end to the end of the successful
retry that `sentinel_remediation_sensor` launched, and the median.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import dagster as dg

from tests.fakes.rates_service import RatesService

BLIND_RELAUNCH_S = 2.0


class Outcome:
    def __init__(self) -> None:
        self.wasted = 0
        self.recovered = 0
        self.reexecutions = 0
        self.wasted_deterministic = 0


def _run(job: dg.JobDefinition, instance: dg.DagsterInstance, config: dict, tags: dict) -> bool:
    return job.execute_in_process(
        instance=instance, raise_on_error=False, run_config=config, tags=tags
    ).success


def simulate(seed: int) -> None:
    from dagster_sentinel.config import SentinelConfig
    from dagster_sentinel.remediation_store import RemediationStore
    from dagster_sentinel.resources import sentinel_for
    from pipelines.demo.dependency import demo_dependency
    from pipelines.demo.etl import demo_etl

    rng = random.Random(seed)
    outages = [rng.uniform(5, 45) for _ in range(10)]
    print(f"outages (s, seed {seed}): " + ", ".join(f"{o:.0f}" for o in outages))
    service = RatesService()
    config = {"ops": {"fetch_rates": {"config": {"url": service.url, "timeout_s": 2.0}}}}
    failures: list[tuple[str, float]] = [("transient", o) for o in outages] + [
        ("deterministic", 0.0)
    ] * 10
    results: dict[str, Outcome] = {"blind": Outcome(), "sentinel": Outcome()}

    def attempt(kind: str, up: bool, instance: dg.DagsterInstance, tags: dict) -> bool:
        if kind == "deterministic":
            return _run(demo_etl, instance, {}, tags)
        if up:
            service.up()
        try:
            return _run(demo_dependency, instance, config, tags)
        finally:
            service.down()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(
            DAGSTER_HOME=tmp,
            SENTINEL_BRAIN="rules",
            SENTINEL_AUTO_RETRY="job:demo_dependency,job:demo_etl",
            # Every failure is its own incident, as 20 separate failures would be.
            SENTINEL_INCIDENT_WINDOW_H="0.00001",
            SENTINEL_AUTO_RETRY_BUDGET="1000",
        )
        with dg.instance_for_test(temp_dir=tmp) as instance:
            store = RemediationStore(sentinel_for(SentinelConfig(), instance).settings.database_url)
            # Blind: Dagster's retries. Sentinel's hook is on the jobs, but nothing is opted
            # in for this pass (the tag opts out), so only the blind loop re-executes.
            blind = results["blind"]
            for kind, outage in failures:
                off = {"sentinel/auto_retry": "false"}
                assert not attempt(kind, False, instance, off)
                t = 0.0
                for _ in range(3):
                    t += BLIND_RELAUNCH_S
                    blind.reexecutions += 1
                    if attempt(kind, t >= outage, instance, off):
                        blind.recovered += 1
                        break
                    blind.wasted += 1
                    blind.wasted_deterministic += kind == "deterministic"
            # Sentinel: the hook decides; the stored row says when the retry runs.
            ours = results["sentinel"]
            for kind, outage in failures:
                time.sleep(0.01)  # distinct incidents (the window is ~36 ms)
                result_run = _first_run(kind, instance, attempt)
                original, t, n = result_run, 0.0, 0
                while True:
                    chain = store.chain(original)
                    pending = [r for r in chain if r.status == "scheduled"]
                    if not pending:
                        break
                    row = pending[0]
                    t += row.due_at - row.created_at
                    n += 1
                    ours.reexecutions += 1
                    store.transition(row.key, ("scheduled",), "launched")
                    time.sleep(0.01)
                    tags = {
                        "sentinel/remediation_of": original,
                        "sentinel/attempt": str(row.attempt),
                    }
                    if attempt(kind, t >= outage, instance, tags):
                        ours.recovered += 1
                        store.transition(row.key, ("launched",), "succeeded")
                        break
                    ours.wasted += 1
                    ours.wasted_deterministic += kind == "deterministic"
                    store.transition(row.key, ("launched",), "failed")
    print(
        "\n| policy | re-executions | wasted (failed again) | of which deterministic "
        "| transient recovered |"
    )
    print("| --- | --- | --- | --- | --- |")
    for name, o in results.items():
        print(
            f"| {name} | {o.reexecutions} | {o.wasted} | {o.wasted_deterministic} "
            f"| {o.recovered} / 10 |"
        )


def _first_run(kind: str, instance: dg.DagsterInstance, attempt) -> str:  # type: ignore[no-untyped-def]
    before = {r.run_id for r in instance.get_runs()}
    assert not attempt(kind, False, instance, {})
    return next(r.run_id for r in instance.get_runs() if r.run_id not in before)


def recovery_times(samples: int) -> None:
    from dagster_sentinel.dagster_api import DagsterClient
    from tests.fakes.dagster_split import split_deployment

    env = {"SENTINEL_AUTO_RETRY": "job:demo_dependency", "SENTINEL_AUTO_RETRY_DELAY_S": "5"}
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, split_deployment(Path(tmp), env) as dep:
        client = DagsterClient(dep.graphql_url, timeout_s=10)
        for _ in range(samples):
            service = RatesService()
            cfg = {"ops": {"fetch_rates": {"config": {"url": service.url}}}}
            run_id = dep.launch("demo_dependency", cfg)
            dep.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300)
            service.up()
            try:
                deadline = time.time() + 240
                done = None
                while time.time() < deadline and done is None:
                    ok = [
                        r
                        for r in client.runs_with_tag("sentinel/remediation_of", run_id)
                        if r.status == "SUCCESS"
                    ]
                    done = ok[0] if ok else None
                    time.sleep(0.5)
                failed = client.run(run_id)
                if done is None or failed is None:
                    print(f"run {run_id[:8]}: not recovered in 240 s")
                    continue
                took = (done.end_time or 0) - (failed.end_time or 0)
                times.append(took)
                print(f"run {run_id[:8]}: failure → recovered run {took:.1f} s")
            finally:
                service.down()
        client.close()
    if times:
        print(
            f"median time from failure to recovered run (delay 5 s): "
            f"{statistics.median(times):.1f} s over {len(times)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--recoveries", type=int, default=3)
    parser.add_argument("--skip-recovery", action="store_true")
    args = parser.parse_args()
    simulate(args.seed)
    if not args.skip_recovery:
        recovery_times(args.recoveries)


if __name__ == "__main__":
    main()
