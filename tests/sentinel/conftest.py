"""Fixtures for Sentinel's Dagster integration: a real instance, a loopback Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from tests.fakes.slack_server import FakeSlack


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    for var in ("SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SLACK_API_URL", "GEMINI_API_KEY",
                "GOOGLE_API_KEY", "SENTINEL_DATABASE_URL", "SENTINEL_UI_URL", "SLACK_CHANNEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SENTINEL_BRAIN", "rules")
    return home


@pytest.fixture
def slack_env(dagster_home: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> FakeSlack:
    monkeypatch.setenv("SLACK_BOT_TOKEN", fake_slack.token)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("SLACK_CHANNEL", "#data-alerts")
    return fake_slack


@pytest.fixture
def instance(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test(temp_dir=str(dagster_home)) as inst:
        yield inst
