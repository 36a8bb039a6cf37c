"""Dagster side: instance run-history source, assets materialized in-process, checks."""

import json
import socket
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from pipelines.metrics.anomaly import is_regression
from pipelines.metrics.assets import all_assets, metrics_csv
from pipelines.metrics.checks import all_checks
from pipelines.metrics.definitions import defs
from pipelines.metrics.demo.generate import ANOMALY_END, ANOMALY_START, SERIES
from pipelines.metrics.resources import (
    AnomalyDetectionResource,
    DagsterInstanceMetricsResource,
    MetricsCsvResource,
    MetricsExpositionResource,
    PrometheusResource,
)
from pipelines.metrics.sources import collect_instance_metrics

DATA = Path(__file__).parent / "data"
ENV_VARS = (
    "SENTINEL_METRICS_CSV",
    "SENTINEL_METRICS_EXPOSITION",
    "SENTINEL_PROMETHEUS_URL",
    "SENTINEL_PROMETHEUS_QUERIES",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


# ------------------------------------------------------------------ small jobs to observe


@dg.asset
def toy_orders(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 120})


@dg.asset(deps=[toy_orders])
def toy_summary() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"row_count": 7})


@dg.op
def explode():
    raise RuntimeError("boom")


@dg.job
def toy_failing_job():
    explode()


def _run_toy_jobs(instance: dg.DagsterInstance) -> None:
    for _ in range(2):
        assert dg.materialize([toy_orders, toy_summary], instance=instance).success
    res = toy_failing_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not res.success


@pytest.fixture(scope="module")
def toy_instance():
    with dg.instance_for_test() as instance:
        _run_toy_jobs(instance)
        yield instance


def test_instance_source_reads_runs_steps_and_row_counts(toy_instance):
    res = collect_instance_metrics(toy_instance)
    df = res.frame
    assert res.bad_count == 0
    metrics = set(df["metric"])
    assert {
        "dagster_run_duration_seconds",
        "dagster_run_failed",
        "dagster_step_duration_seconds",
        "dagster_step_failed",
        "dagster_rows_written",
    } <= metrics
    failed = df[df["metric"] == "dagster_run_failed"]
    by_job = failed.groupby(failed["labels"].map(lambda s: json.loads(s)["job"]))["value"].sum()
    assert by_job["toy_failing_job"] == 1
    (asset_job,) = set(by_job.index) - {"toy_failing_job"}  # materialize()'s ephemeral job
    assert by_job[asset_job] == 0
    rows = df[df["metric"] == "dagster_rows_written"]
    assert sorted(rows["value"]) == [7, 7, 120, 120]
    assert set(rows["series"]) == {
        f'dagster_rows_written{{asset="toy_orders",job="{asset_job}"}}',
        f'dagster_rows_written{{asset="toy_summary",job="{asset_job}"}}',
    }
    assert (df[df["metric"] == "dagster_run_duration_seconds"]["value"] >= 0).all()
    step_failed = df[(df["metric"] == "dagster_step_failed") & (df["value"] == 1)]
    assert list(step_failed["series"]) == [
        'dagster_step_failed{job="toy_failing_job",step="explode"}'
    ]


def test_instance_source_job_filter(toy_instance):
    res = collect_instance_metrics(toy_instance, job_names=["toy_failing_job"])
    assert set(res.frame["labels"].map(lambda s: json.loads(s)["job"])) == {"toy_failing_job"}


# ------------------------------------------------------------------ assets + checks


def _resources(**overrides):
    base = {
        "metrics_csv_config": MetricsCsvResource(),
        "metrics_exposition_config": MetricsExpositionResource(),
        "metrics_prometheus_config": PrometheusResource(),
        "metrics_dagster_config": DagsterInstanceMetricsResource(),
        "metrics_detection": AnomalyDetectionResource(),
    }
    base.update(overrides)
    return base


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}


def test_demo_materialization_and_failing_check_on_demo_anomaly():
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [*all_assets, *all_checks], resources=_resources(), instance=instance
        )
        assert result.success
        mats = {
            m.asset_key.to_user_string(): m.metadata
            for m in result.get_asset_materialization_events()
            for m in [m.event_specific_data.materialization]
        }
    csv_meta = mats["metrics_csv"]
    assert csv_meta["dagster/row_count"].value == 14 * 96
    assert csv_meta["bad_rows"].value == 0
    assert "demo" in csv_meta["origin"].value
    for skipped in ("metrics_exposition", "metrics_prometheus"):
        assert mats[skipped]["skipped"].value is True
        assert "not set" in mats[skipped]["origin"].value
    assert mats["metrics_anomalies"]["anomaly_windows"].value >= 1

    checks = _checks(result)
    assert set(checks) == {
        "metrics_csv",
        "metrics_exposition",
        "metrics_prometheus",
        "metrics_dagster",
    }
    demo = checks["metrics_csv"]
    assert not demo.passed
    meta = {k: v.value for k, v in demo.metadata.items()}
    assert meta["series"] == SERIES
    assert pd.Timestamp(meta["start"]) == ANOMALY_START
    assert pd.Timestamp(meta["end"]) == ANOMALY_END
    assert meta["observed"] < meta["expected_low"] < meta["expected_high"]
    assert meta["anomaly_windows"] == 1
    assert checks["metrics_exposition"].passed
    assert checks["metrics_prometheus"].passed


def test_csv_from_env_var_read_at_run_time_with_bad_rows(tmp_path, monkeypatch):
    path = tmp_path / "m.csv"
    idx = pd.date_range("2025-01-01", periods=200, freq="h", tz="UTC")
    lines = ["timestamp,series,value"] + [
        f"{t.isoformat()},cpu,{50 + (i % 3)}" for i, t in enumerate(idx)
    ]
    lines += ["garbage,cpu,1", f"{idx[-1].isoformat()},cpu,NaNish"]
    path.write_text("\n".join(lines) + "\n")
    # definitions imported before the variable exists: it must be read when the run happens
    monkeypatch.setenv("SENTINEL_METRICS_CSV", str(path))
    result = dg.materialize([metrics_csv, *all_checks[:1]], resources=_resources())
    assert result.success
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["dagster/row_count"].value == 200
    assert meta["bad_rows"].value == 2
    assert len(meta["bad_rows_sample"].value) == 2
    assert meta["origin"].value == "from $SENTINEL_METRICS_CSV"
    assert _checks(result)["metrics_csv"].passed


def test_csv_source_skipped_without_demo(tmp_path):
    result = dg.materialize(
        [metrics_csv],
        resources=_resources(metrics_csv_config=MetricsCsvResource(use_demo_when_unset=False)),
    )
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["skipped"].value is True
    assert meta["dagster/row_count"].value == 0


def test_exposition_asset_from_file():
    from pipelines.metrics.assets import metrics_exposition

    res = _resources(
        metrics_exposition_config=MetricsExpositionResource(
            path=str(DATA / "sample_exposition.prom")
        )
    )
    result = dg.materialize([metrics_exposition], resources=res)
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["bad_rows"].value == 3
    assert meta["dagster/row_count"].value == 7


def test_prometheus_asset_fails_clearly_when_refused():
    from pipelines.metrics.assets import metrics_prometheus

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    res = _resources(
        metrics_prometheus_config=PrometheusResource(
            url=f"http://127.0.0.1:{port}", queries=["up"], timeout_seconds=2
        )
    )
    result = dg.materialize([metrics_prometheus], resources=res, raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "connection refused" in failure.message


def test_definitions_load_with_metrics_prefixed_resources():
    repo = defs.get_repository_def()
    assert all(key.startswith("metrics_") for key in repo.get_top_level_resources())
    assert {k.to_user_string() for k in repo.assets_defs_by_key} >= {
        "metrics_csv",
        "metrics_anomalies",
    }
    dg.Definitions.validate_loadable(defs)


def test_regression_helper_on_run_durations():
    assert is_regression(300.0, [30, 31, 29, 32, 30, 28]).is_regression


def test_prometheus_asset_from_env_vars_with_partial_query_error(prom_server, monkeypatch):
    from pipelines.metrics.assets import metrics_prometheus

    host, port = prom_server.server_address[:2]
    monkeypatch.setenv("SENTINEL_PROMETHEUS_URL", f"http://{host}:{port}")
    monkeypatch.setenv("SENTINEL_PROMETHEUS_QUERIES", '["up", "bad(query"]')
    resources = dict(defs.resources)  # the deployed configuration, env read at run time
    result = dg.materialize([metrics_prometheus], resources=resources)
    assert result.success
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["dagster/row_count"].value == 4  # 3 + 1 good samples, 2 quarantined
    assert meta["bad_rows"].value == 2
    errors = meta["query_errors"].value
    assert len(errors) == 1 and "bad_data" in errors[0]
    frame = result.output_for_node("metrics_prometheus")
    assert set(frame["source"]) == {"prometheus_api"}
    assert {"query", "start", "end", "step"} <= set(prom_server.seen[0])


def test_prometheus_asset_fails_when_every_query_errors(prom_server):
    from pipelines.metrics.assets import metrics_prometheus

    host, port = prom_server.server_address[:2]
    res = _resources(
        metrics_prometheus_config=PrometheusResource(
            url=f"http://{host}:{port}", queries=["bad(a", "bad(b"]
        )
    )
    result = dg.materialize([metrics_prometheus], resources=res, raise_on_error=False)
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "every Prometheus query failed" in message and "parse error" in message


def test_configured_but_missing_csv_is_reported_not_fatal(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("timestamp,value\n2025-01-01T00:00:00Z,1\n")
    spec = f"{good},{tmp_path / 'missing.csv'}"
    result = dg.materialize(
        [metrics_csv], resources=_resources(metrics_csv_config=MetricsCsvResource(path=spec))
    )
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["dagster/row_count"].value == 1
    assert meta["bad_rows"].value == 1
    assert "unreadable file" in meta["bad_rows_sample"].value[0]
