"""The context step on real Dagster instances: runbook links from asset metadata and job tags,
metric anomalies from `metrics_anomalies`, re-diagnosis through `sentinel/rca_report`, and
the rendering (escaped, redacted, no filler)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import dagster as dg
import pytest

from dagster_sentinel.component import SentinelComponent
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.context import (
    METRIC_ANOMALIES_KEY,
    context_blocks,
    context_markdown,
    gather,
    with_context,
)
from dagster_sentinel.hooks import sentinel_failure_hook
from dagster_sentinel.incidents import Incident
from dagster_sentinel.reporting import RCA_ASSET_KEY
from dagster_sentinel.resources import sentinel_for
from pipelines.demo.etl import demo_etl
from sentinel_brain.context import IncidentContext, RelatedSignal, RunbookSection
from sentinel_brain.evidence import from_text
from tests.fakes.slack_server import FakeSlack
from tests.sentinel.conftest import MaterializeRca

CORPUS = Path(__file__).parent / "runbooks"


@dg.asset(metadata={"runbook_url": dg.MetadataValue.url("https://wiki.example/runbooks/orders")})
def orders_rollup() -> None:
    raise RuntimeError("orders rollup failed: no partitions to roll up")


orders_job = dg.define_asset_job(
    "orders_job", selection=[orders_rollup], hooks={sentinel_failure_hook}
)
orders_defs = dg.Definitions(assets=[orders_rollup], jobs=[orders_job])


def test_asset_runbook_url_and_job_tag_are_linked(
    instance: dg.DagsterInstance, slack_env: FakeSlack
) -> None:
    job = orders_defs.resolve_job_def("orders_job")
    result = job.execute_in_process(
        instance=instance,
        tags={"sentinel/runbook": "https://wiki.example/runbooks/orders-job"},
        raise_on_error=False,
    )
    assert not result.success
    [top] = slack_env.top_level()
    text = json.dumps(top.body["blocks"])
    assert "linked runbook: https://wiki.example/runbooks/orders-job" in text
    assert "linked runbook: https://wiki.example/runbooks/orders" in text


def _incident(at: float, **kw: object) -> Incident:
    return Incident(
        id="i-1", fingerprint="f" * 16, status="open", first_seen=at, last_seen=at, **kw
    )


def test_metric_anomalies_near_the_failure_are_cited(
    instance: dg.DagsterInstance, dagster_home: Path
) -> None:
    now = time.time()
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))  # noqa: E731
    windows = [
        {"series": 'pg_connections{instance="10.1.2.3:5432"}', "start": iso(now - 400),
         "end": iso(now - 100), "observed": 0.0, "expected": 120.0},
        {"series": "queue_depth", "start": iso(now - 90_000), "end": iso(now - 86_000),
         "observed": 9.0, "expected": 1.0},
    ]  # fmt: skip
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            asset_key=METRIC_ANOMALIES_KEY, metadata={"windows": dg.MetadataValue.json(windows)}
        )
    )
    evidence = from_text(
        'psycopg2.OperationalError: connection to server at "10.1.2.3", port 5432 failed: '
        "Connection refused"
    )
    settings = sentinel_for(SentinelConfig(), instance).settings
    ctx = gather(settings, _incident(now), evidence, instance)
    [metric] = ctx.alerts
    assert metric.source == "metric" and metric.name == "pg_connections"
    assert metric.names_system and metric.labels == {"instance": "10.1.2.3:5432"}
    assert any("metric anomalies: 1" in e for e in ctx.examined)


def test_rediagnosis_through_rca_report_gathers_context_again(
    instance: dg.DagsterInstance,
    slack_env: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    materialize_rca: MaterializeRca,
) -> None:
    demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    [incident] = sentinel_for(SentinelConfig(), instance).store.all()
    first = instance.get_latest_materialization_event(RCA_ASSET_KEY)
    assert "## Runbooks" not in first.asset_materialization.metadata["report"].value

    # Runbooks configured afterwards: materializing the partition again finds them.
    monkeypatch.setenv("SENTINEL_RUNBOOKS", str(CORPUS))
    result = materialize_rca(instance, incident.id)
    assert result.success
    again = instance.get_latest_materialization_event(RCA_ASSET_KEY)
    report = again.asset_materialization.metadata["report"].value
    assert "## Runbooks" in report and "Division by zero in aggregates" in report


def test_rendering_escapes_redacts_and_shows_nothing_when_empty() -> None:
    ctx = IncidentContext(
        runbooks=[
            RunbookSection(
                ref="R1",
                path="/rb/warehouse.md",
                heading="Warehouse > Connection refused <!channel>",
                link="https://git.example/rb/warehouse.md#connection-refused",
                excerpt="Use password=hunter2 then ping <@U123456> and <http://evil|click>",
            )
        ],
        alerts=[
            RelatedSignal(
                source="alertmanager",
                name="WarehouseDown",
                starts_at=0.0,
                labels={"instance": "warehouse:5432"},
                summary="token=abc123secretvalue",
                reasons=["the failure names its instance `warehouse`"],
                names_system=True,
            )
        ],
    )
    blocks = context_blocks(ctx, ["R1"])
    text = json.dumps(blocks)
    assert "<!channel>" not in text and "<@U123456>" not in text and "<http://evil" not in text
    assert "&lt;!channel&gt;" in text
    assert "hunter2" not in text and "abc123secretvalue" not in text
    assert "(cited by the diagnosis)" in text
    assert "<https://git.example/rb/warehouse.md#connection-refused|open>" in text
    md = context_markdown(ctx, ["R1"])
    assert "## Runbooks" in md and "## Alerts" in md and "## Similar" not in md
    assert "hunter2" not in md

    message = {
        "text": "x",
        "blocks": [{"type": "section"}, {"type": "actions"}, {"type": "context"}],
    }
    merged = with_context(message, ctx)
    assert [b["type"] for b in merged["blocks"]] == [
        "section", "section", "section", "actions", "context"
    ]  # fmt: skip
    assert context_blocks(IncidentContext()) == [] and context_markdown(None) == ""
    assert with_context(message, IncidentContext()) is message


def test_the_component_takes_a_context_section() -> None:
    config = SentinelComponent(
        context={"runbooks": ["docs/runbooks"], "alert_window_s": 300}
    ).config()
    assert config.context.runbooks == ["docs/runbooks"] and config.context.alert_window_s == 300
    with pytest.raises(ValueError, match="unknown context setting"):
        SentinelComponent(context={"runbook_folder": "x"}).config()
