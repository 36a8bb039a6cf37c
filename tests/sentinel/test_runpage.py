"""The diagnosis on the run page: run tags and one event-log line, on both paths."""

from __future__ import annotations

import dagster as dg
import pytest

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.hooks import sentinel_failure_hook_with_resource
from dagster_sentinel.runpage import TAG_CATEGORY, TAG_CONFIDENCE, TAG_INCIDENT, report_url
from dagster_sentinel.sensors import sentinel_run_failure_sensor
from pipelines.demo.etl import demo_etl
from tests.sentinel.conftest import MaterializeRca
from tests.sentinel.test_sensors import _failure_context, unhooked_job


def _sentinel_lines(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    # Op logs carry the text in `user_message`; engine events in the event's `message`.
    texts = [e.user_message or e.message for e in instance.all_logs(run_id)]
    return [t for t in texts if t.startswith("Sentinel: ")]


def test_hook_tags_the_run_and_logs_one_line(instance: dg.DagsterInstance) -> None:
    result = demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags[TAG_CATEGORY] == "code_error"
    assert 0.0 < float(tags[TAG_CONFIDENCE]) <= 1.0
    lines = _sentinel_lines(instance, result.run_id)
    assert len(lines) == 1, lines
    assert (
        "code_error" in lines[0]
        and report_url("http://127.0.0.1:3000", tags[TAG_INCIDENT]) in (lines[0])
    )
    # The Runs page can be filtered by root cause.
    found = instance.get_runs(filters=dg.RunsFilter(tags={TAG_CATEGORY: "code_error"}))
    assert [r.run_id for r in found] == [result.run_id]


def test_sensor_path_annotates_the_failed_run_once(
    instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
    materialize_rca: MaterializeRca,
) -> None:
    monkeypatch.delenv("PARTNER_FEED_URL", raising=False)
    result = unhooked_job.execute_in_process(instance=instance, raise_on_error=False)
    request = sentinel_run_failure_sensor(_failure_context(instance, result))
    for _ in range(2):  # a re-diagnosis with the same answer adds no second line
        materialize_rca(instance, request.partition_key)
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags[TAG_INCIDENT] == request.partition_key
    assert tags[TAG_CATEGORY] == "config_error"
    lines = _sentinel_lines(instance, result.run_id)
    assert len(lines) == 1 and "PARTNER_FEED_URL" in lines[0]


def test_hook_reads_the_jobs_resource(instance: dg.DagsterInstance) -> None:
    @dg.op
    def divide() -> float:
        return 1 / 0

    @dg.job(
        hooks={sentinel_failure_hook_with_resource("sentinel")},
        resource_defs={"sentinel": SentinelConfig(ui_url="https://dagster.example.com")},
    )
    def configured_job() -> None:
        divide()

    result = configured_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    lines = _sentinel_lines(instance, result.run_id)
    assert len(lines) == 1 and "https://dagster.example.com/assets/sentinel/rca_report" in lines[0]


def test_report_and_slack_show_paths_relative_to_the_working_directory(
    instance: dg.DagsterInstance, slack_env
) -> None:
    import json
    import os

    result = demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    cwd = os.getcwd()
    event = instance.get_latest_materialization_event(dg.AssetKey(["sentinel", "rca_report"]))
    report_md = event.asset_materialization.metadata["report"].value
    assert "pipelines/demo/etl.py" in report_md and f"{cwd}/pipelines" not in report_md
    slack_text = json.dumps([c.body for c in slack_env.calls])
    assert "etl.py" in slack_text and cwd not in slack_text
