"""Ingested logs feed the brain: a failure's report cites the log templates around it."""

import time
from pathlib import Path

import dagster as dg

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.hooks import sentinel_failure_hook
from dagster_sentinel.rca import RCA_ASSET_KEY
from dagster_sentinel.resources import sentinel_for
from pipelines.logs.definitions import defs as logs_defs
from sentinel_brain.models import Evidence
from tests.fakes.slack_server import FakeSlack


@dg.op
def load_orders() -> None:
    raise ConnectionError("could not connect to warehouse db-7:5432: connection refused")


@dg.job(hooks={sentinel_failure_hook})
def warehouse_job() -> None:
    load_orders()


def test_report_cites_log_templates(
    instance: dg.DagsterInstance, slack_env: FakeSlack, tmp_path: Path, monkeypatch
) -> None:
    now = time.time()
    lines = []
    for i in range(60):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now - 600 + i * 5))
        lines.append(f"{stamp},{i:03d} INFO etl.http: GET /api/v1/orders?page={i} 200 {100 + i}ms")
        if i > 40:
            lines.append(
                f"{stamp},{i:03d} ERROR etl.db: "
                f"connection to warehouse db-7:5432 refused (attempt {i})"
            )
    log = tmp_path / "app.log"
    log.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("SENTINEL_LOG_SOURCES", str(log))

    assets = [a for a in logs_defs.assets if isinstance(a, dg.AssetsDefinition)]
    resources = dict(logs_defs.resources or {})
    result = dg.materialize(assets, instance=instance, resources=resources, raise_on_error=False)
    assert result.success

    warehouse_job.execute_in_process(instance=instance, raise_on_error=False)
    incident = sentinel_for(SentinelConfig(), instance).store.all()[0]
    evidence = Evidence.model_validate_json(incident.evidence_json)
    assert any("warehouse" in t.template and t.level == "ERROR" for t in evidence.log_templates)
    meta = instance.get_latest_materialization_event(RCA_ASSET_KEY).asset_materialization.metadata
    assert "Log templates around the failure" in meta["report"].value
    assert "warehouse" in meta["report"].value.split("Log templates around the failure")[1]
