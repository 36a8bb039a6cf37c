"""`GET /metrics` on `sentinel serve`: Prometheus text read from the shared store."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from dagster_sentinel.incidents import Incident
from tests.fakes.slack_app import SlackSigner
from tests.sentinel.test_serve import incident, ops, signer  # noqa: F401 - fixtures


def test_metrics_endpoint_serves_the_stores_numbers(
    signer: SlackSigner,  # noqa: F811
    incident: Incident,  # noqa: F811
) -> None:
    resp = requests.get(signer.url.replace("/slack/events", "/metrics"), timeout=10)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(resp.text)}
    opened = families["sentinel_incidents_opened"].samples
    assert sum(s.value for s in opened if s.name.endswith("_total")) == 1
    sends = {s.labels["result"]: s.value for s in families["sentinel_slack_sends"].samples}
    assert sends["ok"] >= 1  # the incident's post went out
    assert "sentinel_outbox_oldest_age_seconds" in families
    assert families["sentinel_store_up"].samples[0].value == 1
