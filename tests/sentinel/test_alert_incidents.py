"""Alerts on their own: decisions on plain data, then the sensor on a real Dagster instance
with the loopback Slack (opt-in: by default an alert never opens an incident)."""

from __future__ import annotations

import json
import time
from typing import Any

import dagster as dg
import pytest

from dagster_sentinel.alerts import (
    StoredAlert,
    alert_evidence,
    handle_alertmanager,
    linked_alerts,
    matches,
    plan_alert_incidents,
)
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.context_assets import sentinel_alert_incidents_sensor
from dagster_sentinel.evidence import failure_of
from dagster_sentinel.incidents import Incident
from dagster_sentinel.resources import sentinel_for
from pipelines.demo.etl import demo_etl
from sentinel_brain.context import IncidentContext, RelatedSignal
from sentinel_brain.diagnose import diagnose
from sentinel_brain.fingerprint import alert_fingerprint
from tests.fakes.slack_server import FakeSlack
from tests.sentinel.conftest import MaterializeRca

NOW = 1_800_000_000.0
WINDOW = 900.0


def alert(name: str = "WarehouseDown", started: float = NOW - 3600, **labels: str) -> StoredAlert:
    labels = {"alertname": name, "instance": "warehouse.internal:5432", **labels}
    return StoredAlert(
        fingerprint=f"am:{name}",
        source="alertmanager",
        name=name,
        status="firing",
        labels=labels,
        annotations={"summary": f"{name} is firing"},
        starts_at=started,
    )


def plan(firing: list[StoredAlert], open_: dict[str, str] | None = None, **kw: Any):
    args: dict[str, Any] = {"enabled": True, "match": {}, "window_s": WINDOW, "now": NOW}
    args.update(kw)
    linked = args.pop("linked", set())
    return plan_alert_incidents(firing, open_ or {}, linked, **args)


# --- decisions on plain data ------------------------------------------------------------------


def test_off_by_default_opens_nothing() -> None:
    assert plan([alert()], enabled=False).open == []


def test_firing_past_the_window_with_no_linked_failure_opens_one() -> None:
    a = alert()
    assert plan([a]).open == [a]


def test_an_alert_younger_than_the_window_waits_for_a_failure_to_explain_it() -> None:
    p = plan([alert(started=NOW - WINDOW + 60)])
    assert p.open == [] and p.waiting == ["WarehouseDown"]


def test_an_alert_a_pipeline_failure_was_linked_to_opens_nothing() -> None:
    a = alert()
    p = plan([a], linked={alert_fingerprint(a.labels)})
    assert p.open == [] and p.linked == ["WarehouseDown"]


def test_the_same_alert_resent_or_polled_twice_opens_nothing_new() -> None:
    a = alert()
    polled = a.model_copy(update={"source": "prometheus", "fingerprint": "prom:x"})
    assert plan([a, polled]).open == [a]  # one alert, two sources: one incident
    assert plan([a, polled], {alert_fingerprint(a.labels): "inc-1"}).open == []


def test_two_instances_of_one_alert_are_two_incidents() -> None:
    one, two = alert(), alert(instance="warehouse-replica.internal:5432")
    opened = plan([one, two]).open
    assert sorted(a.labels["instance"] for a in opened) == [
        "warehouse-replica.internal:5432",
        "warehouse.internal:5432",
    ]


def test_label_matcher_keeps_only_matching_alerts() -> None:
    critical, warning = alert("A", severity="critical"), alert("B", severity="warning")
    p = plan([critical, warning], match={"severity": "critical"})
    assert p.open == [critical] and p.unmatched == 1
    assert matches({"severity": "page"}, {"severity": "critical|page"})
    assert not matches({}, {"severity": "critical"})


def test_an_incident_resolves_when_its_alert_stops_firing_even_when_turned_off() -> None:
    a, gone = alert("A"), alert("B")
    open_ = {alert_fingerprint(a.labels): "inc-a", alert_fingerprint(gone.labels): "inc-b"}
    assert plan([a], open_).resolve == ["inc-b"]
    resolved = gone.model_copy(update={"status": "resolved", "ends_at": NOW})
    assert plan([a, resolved], open_, enabled=False).resolve == ["inc-b"]


def test_only_linked_alerts_count_not_time_alone() -> None:
    def sig(name: str, **flags: bool) -> RelatedSignal:
        return RelatedSignal(
            source="alertmanager", name=name, starts_at=NOW, labels={"alertname": name}, **flags
        )

    ctx = IncidentContext(
        alerts=[sig("Named", names_system=True), sig("Owner", owner_match=True), sig("Near")]
    )
    assert linked_alerts([ctx, None]) == {
        alert_fingerprint({"alertname": "Named"}),
        alert_fingerprint({"alertname": "Owner"}),
    }


def test_alert_evidence_names_the_alert_and_its_fingerprint_is_its_labels() -> None:
    a = alert(severity="critical")
    a.annotations["description"] = "primary refuses connections (password=hunter2)"
    evidence = alert_evidence(a, NOW)
    failure = failure_of(evidence, "alert")
    assert failure.fingerprint == alert_fingerprint(a.labels)
    assert failure.target == "WarehouseDown" and failure.kind == "alert"
    assert failure.title == "Alert WarehouseDown is firing with no pipeline failure linked to it"
    assert "hunter2" not in evidence.model_dump_json()
    report = diagnose(evidence)  # offline
    assert not report.degraded and report.top is not None
    assert "WarehouseDown" in report.top.cause
    assert any("instance=warehouse.internal:5432" in e for e in report.top.evidence)


# --- the sensor on a real instance ----------------------------------------------------------


def _webhook(status: str, name: str, started: float, **labels: str) -> bytes:
    body = {
        "version": "4",
        "status": status,
        "receiver": "sentinel",
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": name, **labels},
                "annotations": {"summary": f"{name}: the FX-rate API is not answering"},
                "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                "endsAt": "0001-01-01T00:00:00Z"
                if status == "firing"
                else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time())),
            }
        ],
    }
    return json.dumps(body).encode()


def tick(instance: dg.DagsterInstance) -> dg.SensorResult | dg.SkipReason:
    ctx = dg.build_sensor_context(instance=instance, resources={"sentinel": SentinelConfig()})
    return sentinel_alert_incidents_sensor(ctx)


def alert_incidents(instance: dg.DagsterInstance) -> list[Incident]:
    return [i for i in sentinel_for(SentinelConfig(), instance).store.all() if i.kind == "alert"]


def _send(instance: dg.DagsterInstance, body: bytes) -> None:
    settings = sentinel_for(SentinelConfig(), instance).settings
    assert handle_alertmanager(body, {}, settings)[0] == 200


def test_by_default_a_firing_alert_opens_no_incident(
    instance: dg.DagsterInstance, slack_env: FakeSlack
) -> None:
    _send(instance, _webhook("firing", "FxRatesApiDown", time.time() - 3600, severity="critical"))
    result = tick(instance)
    assert isinstance(result, dg.SkipReason) and "off" in (result.skip_message or "")
    assert alert_incidents(instance) == [] and slack_env.calls == []


def test_configured_alert_opens_one_incident_reported_then_resolved(
    instance: dg.DagsterInstance,
    slack_env: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    materialize_rca: MaterializeRca,
) -> None:
    monkeypatch.setenv("SENTINEL_ALERTS_OPEN_INCIDENTS", "true")
    monkeypatch.setenv("SENTINEL_ALERTS_INCIDENT_MATCH", "severity=critical")
    monkeypatch.setenv("SENTINEL_ALERT_WINDOW_S", "300")
    long_ago = time.time() - 1800
    _send(instance, _webhook("firing", "FxRatesApiDown", long_ago, severity="critical"))
    _send(instance, _webhook("firing", "DiskAlmostFull", long_ago, severity="warning"))
    _send(instance, _webhook("firing", "JustStarted", time.time() - 30, severity="critical"))
    # A firing alert that a pipeline failure names (the host the step cannot reach).
    _send(
        instance,
        _webhook("firing", "FxPortClosed", long_ago, severity="critical", instance="127.0.0.1:9"),
    )
    demo_etl.execute_in_process(
        instance=instance,
        run_config={"ops": {"extract_data": {"config": {"scenario": "api_down"}}}},
        raise_on_error=False,
    )
    failure_posts = len(slack_env.top_level())
    assert failure_posts == 1

    first = tick(instance)
    assert isinstance(first, dg.SensorResult), first
    [request] = first.run_requests or []
    [incident] = alert_incidents(instance)
    assert request.partition_key == incident.id and incident.source == "alert"
    assert incident.target == "FxRatesApiDown" and incident.status == "open"
    assert slack_env.top_level()[failure_posts:] == []  # nothing remote inside a tick

    # The requested RCA run diagnoses it offline and posts it through the outbox, once.
    out = materialize_rca(instance, request.partition_key)
    assert out.success
    [post] = slack_env.top_level()[failure_posts:]
    blocks = json.dumps(post.body["blocks"])
    assert "Alert FxRatesApiDown is firing with no pipeline failure linked to it" in blocks
    assert "the FX-rate API is not answering" in blocks
    for other in ("DiskAlmostFull", "JustStarted", "FxPortClosed"):
        assert f"Alert {other} is firing" not in blocks

    # The same alert re-sent, and another tick: nothing new.
    _send(instance, _webhook("firing", "FxRatesApiDown", long_ago, severity="critical"))
    again = tick(instance)
    assert isinstance(again, dg.SkipReason), again
    assert len(alert_incidents(instance)) == 1
    assert len(slack_env.top_level()) == failure_posts + 1

    # The alert resolves: so does its incident, and its message says so.
    _send(instance, _webhook("resolved", "FxRatesApiDown", long_ago, severity="critical"))
    done = tick(instance)
    assert isinstance(done, dg.SkipReason) and "1 resolved" in (done.skip_message or "")
    [incident] = alert_incidents(instance)
    assert incident.status == "resolved"
    s = sentinel_for(SentinelConfig(), instance)
    s.outbox.drain(s.transport)
    [update] = [
        c for c in slack_env.messages("chat.update") if "FxRatesApiDown" in json.dumps(c.body)
    ]
    assert "Resolved" in json.dumps(update.body)
