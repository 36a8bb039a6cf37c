"""Routing and owner mentions: pure decisions, then through the hook with asset owners."""

import json

import dagster as dg
import pytest

from dagster_sentinel.hooks import sentinel_failure_hook
from dagster_sentinel.settings import SentinelSettings, parse_mapping
from dagster_sentinel.slack import mentions, route
from tests.fakes.slack_server import FakeSlack

ROUTES = {
    "location:pipelines": "#pipelines",
    "group:finance": "#finance",
    "owner:team:billing": "#billing",
    "job:nightly": "#nightly",
}


def test_most_specific_selector_wins() -> None:
    assert route(ROUTES, "#default") == "#default"
    assert route(ROUTES, "#d", location="pipelines") == "#pipelines"
    assert route(ROUTES, "#d", location="pipelines", group="finance") == "#finance"
    assert route(ROUTES, "#d", group="finance", owners=["x", "team:billing"]) == "#billing"
    assert route(ROUTES, "#d", job="nightly", owners=["team:billing"]) == "#nightly"


def test_mentions_only_for_configured_ids() -> None:
    mapping = {"alice@example.com": "U012ABCDE", "team:billing": "S0BILLING", "bob": "<!channel>"}
    got = mentions(["alice@example.com", "team:billing", "bob", "carol"], mapping)
    assert got == ["<@U012ABCDE>", "<!subteam^S0BILLING>"]


def test_parse_mapping_forms() -> None:
    assert parse_mapping("owner:team:x=#a, job:j=#b") == {"owner:team:x": "#a", "job:j": "#b"}
    assert parse_mapping('{"group:g": "#c"}') == {"group:g": "#c"}
    with pytest.raises(ValueError):
        parse_mapping("no-equals-sign")
    settings = SentinelSettings.resolve(
        env={"DAGSTER_HOME": "/tmp/x", "SENTINEL_SLACK_ROUTES": "group:g=#c"}
    )
    assert settings.slack_routes == {"group:g": "#c"}


@dg.asset(group_name="finance", owners=["team:billing", "alice@example.com"])
def invoices() -> int:
    raise RuntimeError("ledger export returned 0 rows")


@dg.asset(group_name="finance")
def revenue(invoices: int) -> int:
    return invoices


finance_job = dg.define_asset_job(
    "finance_job", selection=[invoices, revenue], hooks={sentinel_failure_hook}
)
defs = dg.Definitions(assets=[invoices, revenue], jobs=[finance_job])


def test_asset_failure_is_routed_and_mentions_owners(
    instance: dg.DagsterInstance, slack_env: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_SLACK_ROUTES", "group:finance=#finance-alerts")
    monkeypatch.setenv("SENTINEL_SLACK_MENTIONS", "alice@example.com=U0ALICE01")
    result = defs.resolve_job_def("finance_job").execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not result.success
    top = slack_env.top_level()
    assert len(top) == 1 and top[0].body["channel"] == "#finance-alerts"
    body = json.dumps(top[0].body)
    assert "<@U0ALICE01>" in body
    assert "<!channel>" not in body
    from dagster_sentinel.config import SentinelConfig
    from dagster_sentinel.resources import sentinel_for
    from sentinel_brain.models import Evidence

    incident = sentinel_for(SentinelConfig(), instance).store.all()[0]
    evidence = Evidence.model_validate_json(incident.evidence_json)
    assert evidence.asset == "invoices" and evidence.group == "finance"
    assert evidence.blast_radius == ["revenue"]  # what is now stale downstream
    assert set(evidence.owners) == {"team:billing", "alice@example.com"}
