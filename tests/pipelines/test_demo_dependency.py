"""`demo_dependency` fails while its local service refuses connections and succeeds once
the service is back (the failure that re-executing from Slack recovers)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines.demo.dependency import demo_dependency
from tests.fakes.rates_service import RatesService


def test_fails_while_down_and_recovers_from_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("SENTINEL_BRAIN", "rules")
    for var in ("SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SENTINEL_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    rates = RatesService()
    config = {"ops": {"fetch_rates": {"config": {"url": rates.url, "timeout_s": 2.0}}}}
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        failed = demo_dependency.execute_in_process(
            run_config=config, instance=instance, raise_on_error=False
        )
        assert not failed.success
        failure = [e for e in failed.all_events if e.event_type_value == "STEP_FAILURE"][0]
        assert failure.step_key == "fetch_rates"
        assert "ConnectionRefusedError" in failure.step_failure_data.error.to_string()
        rates.up()
        try:
            again = demo_dependency.execute_in_process(run_config=config, instance=instance)
        finally:
            rates.down()
        assert again.success and rates.hits == 1
