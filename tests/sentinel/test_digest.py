"""Incident history and the daily digest."""

import json

import dagster as dg

from dagster_sentinel.assets import daily_digest, incident_history
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.digest import summarize
from dagster_sentinel.incidents import Incident
from tests.fakes.failing_jobs import run_failures
from tests.fakes.slack_server import FakeSlack


def _inc(i: int, **kw) -> Incident:
    base = dict(
        id=f"i{i}",
        fingerprint=f"f{i}",
        status="open",
        first_seen=1000.0,
        last_seen=1000.0,
        category="code_error",
        occurrences=1,
        title=f"T{i}",
    )
    base.update(kw)
    return Incident(**base)


def test_summary_counts_window_categories_and_repeaters() -> None:
    incidents = [
        _inc(1, occurrences=7, category="missing_input"),
        _inc(2, occurrences=2),
        _inc(3, first_seen=0.0, last_seen=10.0),  # outside the window
        _inc(4, status="resolved", resolved_at=1600.0, first_seen=1000.0, last_seen=1000.0),
    ]
    d = summarize(incidents, now=2000.0, window_s=1500.0)
    assert d.new == 3 and d.occurrences == 10 and d.open == 3 and d.resolved == 1
    assert d.by_category == {"code_error": 2, "missing_input": 1}
    assert d.top_recurring[0] == ("i1", "T1", 7)
    assert d.mean_mttr_s == 600.0


def test_history_asset_and_digest_from_real_incidents(
    instance: dg.DagsterInstance, slack_env: FakeSlack
) -> None:
    from dagster_sentinel.sensors import sentinel_failure_sweep_sensor

    run_failures(instance, 6)
    sentinel_failure_sweep_sensor(
        dg.build_sensor_context(instance=instance, resources={"sentinel": SentinelConfig()})
    )
    result = dg.materialize(
        [incident_history, daily_digest],
        instance=instance,
        resources={"sentinel": SentinelConfig()},
    )
    df = result.output_for_node("sentinel__incident_history")
    assert len(df) == 4 and df["occurrences"].sum() == 6
    meta = instance.get_latest_materialization_event(
        dg.AssetKey(["sentinel", "incident_history"])
    ).asset_materialization.metadata
    assert len(meta["incidents"].value.records) == 4
    digest = [c for c in slack_env.top_level() if "daily digest" in c.body["text"]]
    assert len(digest) == 1 and "4 new incident" in json.dumps(digest[0].body)
