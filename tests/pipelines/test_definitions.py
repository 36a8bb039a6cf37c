"""Every code location of workspace.yaml loads, and every job, sensor and schedule resolves."""

import dagster as dg

import dagster_sentinel.definitions as sentinel_location
import pipelines.definitions as ingestion
import pipelines.demo.definitions as demo


def test_every_location_resolves_by_name() -> None:
    for name in ("demo_etl", "demo_assets_job", "partner_export"):
        demo.defs.resolve_job_def(name)
    ingestion.defs.resolve_job_def("ingestion_job")
    ingestion.defs.resolve_schedule_def("ingestion_every_15_min")
    for name in ("sentinel_rca_job", "sentinel_digest_job"):
        sentinel_location.defs.resolve_job_def(name)
    for name in (
        "sentinel_run_failure_sensor",
        "sentinel_failure_sweep_sensor",
        "sentinel_recovery_sensor",
        "sentinel_outbox_sensor",
        "sentinel_asset_check_sensor",
        "sentinel_freshness_sensor",
        "sentinel_run_health_sensor",
        "sentinel_run_history_sensor",
        "sentinel_self_health_sensor",
    ):
        sensor = sentinel_location.defs.resolve_sensor_def(name)
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    sentinel_location.defs.resolve_schedule_def("sentinel_daily_digest")
    keys = {k.to_user_string() for k in sentinel_location.defs.resolve_all_asset_keys()}
    assert {"sentinel/rca_report", "sentinel/incident_history", "sentinel/daily_digest"} <= keys


def test_ingestion_job_runs_on_demo_data_and_its_checks_find_the_anomalies(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    for var in ("SENTINEL_LOG_SOURCES", "SENTINEL_METRICS_CSV", "SENTINEL_PROMETHEUS_URL"):
        monkeypatch.delenv(var, raising=False)
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = ingestion.defs.resolve_job_def("ingestion_job").execute_in_process(
            instance=instance, raise_on_error=False
        )
        assert result.success
        failed = [
            e.asset_check_evaluation_data.check_name
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"
            and not e.asset_check_evaluation_data.passed
        ]
        assert any("anomal" in name for name in failed)  # the metrics demo anomaly
        assert len(failed) >= 2  # and the log checks on the demo logs
