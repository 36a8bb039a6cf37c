"""A burst of failed runs across jobs and causes: few incidents, every run counted, paced."""

from __future__ import annotations

import dagster as dg

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.sensors import sentinel_failure_sweep_sensor
from tests.fakes.failing_jobs import run_failures
from tests.fakes.slack_server import FakeSlack
from tests.sentinel.conftest import MaterializeRca


def test_burst_of_failures_becomes_one_incident_per_cause(
    instance: dg.DagsterInstance,
    slack_env: FakeSlack,
    materialize_rca: MaterializeRca,
) -> None:
    n = 24
    run_ids = run_failures(instance, n)

    result = sentinel_failure_sweep_sensor(
        dg.build_sensor_context(instance=instance, resources={"sentinel": SentinelConfig()})
    )
    keys = [r.partition_key for r in result.run_requests]
    assert len(keys) == 4  # four causes → four incidents, whatever the run ids and numbers

    s = sentinel_for(SentinelConfig(), instance)
    incidents = s.store.all()
    assert len(incidents) == 4 and sum(i.occurrences for i in incidents) == n
    assert all(s.store.run_registered(r) for r in run_ids)

    # A second tick from the returned cursor finds nothing new.
    again = sentinel_failure_sweep_sensor(
        dg.build_sensor_context(
            instance=instance, cursor=result.cursor, resources={"sentinel": SentinelConfig()}
        )
    )
    assert again.run_requests == []

    for key in keys:
        materialize_rca(instance, key)
    s.outbox.drain(s.transport, deadline_s=60)
    assert len(slack_env.top_level()) == 4
    assert s.outbox.backlog() == 0
    # Repeats were coalesced: at most one "seen again" reply per incident.
    repeats = [c for c in slack_env.replies() if "Seen again" in c.body.get("text", "")]
    assert len(repeats) == 4
    times = sorted(c.at for c in slack_env.messages())
    # The drain paces its sends per channel: after a short burst (SENTINEL_SLACK_BURST,
    # default 4), about one message a second. Over any stretch, no more messages than the
    # burst plus one per second elapsed (and one more: a send the machine delayed past its
    # slot shortens the gap after it). Unpaced, these 12+ messages would leave in ~0.1 s.
    sent = sorted(c.at for c in slack_env.messages())
    burst = s.settings.slack_burst
    assert all(
        j - i <= burst + (sent[j] - sent[i]) + 1
        for i in range(len(sent))
        for j in range(i + 1, len(sent))
    ), sent
    assert len(times) >= 8
