"""Sentinel's own metrics: written by whichever process does the work (hook, sensor, drain),
read from the shared store by any scraper, as Prometheus text."""

from __future__ import annotations

import time

import dagster as dg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.hooks import sentinel_failure_hook
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.telemetry import Telemetry, bucket_for, exposition, label_key, parse_labels
from tests.fakes.gemini_server import FakeGemini, Reply
from tests.fakes.slack_server import FakeSlack


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text.decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_label_text_round_trips_and_buckets() -> None:
    labels = {"sensor": "a,b=c", "status": "ok"}
    assert parse_labels(label_key(labels)) == {"sensor": "a_b_c", "status": "ok"}
    assert parse_labels("") == {}
    assert bucket_for(0.003, (0.01, 1.0)) == "0.01"
    assert bucket_for(1.0, (0.01, 1.0)) == "1.0"
    assert bucket_for(7.0, (0.01, 1.0)) == "+Inf"


def test_counters_from_two_writers_add_up_in_one_store(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    a, b = Telemetry(url), Telemetry(url)  # two processes' worth of writers
    a.observe("diagnosis_duration_seconds", {"brain": "rules", "path": "hook"}, 0.02)
    b.observe("diagnosis_duration_seconds", {"brain": "rules", "path": "hook"}, 3.0)
    b.inc("gemini_calls_total", {"outcome": "unavailable"})
    a.inc("gemini_tokens_total", {}, 150)
    with pytest.raises(RuntimeError), a.tick("sentinel_outbox_sensor"):
        raise RuntimeError("store down")
    with b.tick("sentinel_outbox_sensor"):
        pass

    got = samples(exposition(url))
    hist = "sentinel_diagnosis_duration_seconds"
    lbl = (("brain", "rules"), ("path", "hook"))
    assert got[(f"{hist}_count", lbl)] == 2
    assert got[(f"{hist}_sum", lbl)] == pytest.approx(3.02)
    assert got[(f"{hist}_bucket", (*lbl[:1], ("le", "0.05"), *lbl[1:]))] == 1  # cumulative
    assert got[(f"{hist}_bucket", (*lbl[:1], ("le", "+Inf"), *lbl[1:]))] == 2
    assert got[("sentinel_gemini_errors_total", ())] == 1
    assert got[("sentinel_gemini_tokens_total", ())] == 150
    ticks = "sentinel_sensor_ticks_total"
    assert got[(ticks, (("sensor", "sentinel_outbox_sensor"), ("status", "error")))] == 1
    assert got[(ticks, (("sensor", "sentinel_outbox_sensor"), ("status", "ok")))] == 1


def test_store_unreadable_is_a_metric_not_an_error(tmp_path) -> None:
    (tmp_path / "store.db").mkdir()  # a directory where the database file should be
    got = samples(exposition(f"sqlite:///{tmp_path / 'store.db'}"))
    assert got[("sentinel_store_up", ())] == 0


@dg.op
def load_accounts() -> None:
    raise ConnectionError("could not connect to server: Connection refused (db.internal:5432)")


@dg.job(hooks={sentinel_failure_hook})
def accounts_job() -> None:
    load_accounts()


def test_hook_in_a_run_worker_reaches_metrics(
    instance: dg.DagsterInstance, slack_env: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGemini() as gemini:
        for k, v in gemini.env().items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("SENTINEL_BRAIN", "auto")
        monkeypatch.setenv("SENTINEL_BREAKER_THRESHOLD", "1")
        assert not accounts_job.execute_in_process(instance=instance, raise_on_error=False).success
        gemini.default = lambda req: Reply.error(503)
        monkeypatch.setenv("SENTINEL_GEMINI_ATTEMPTS", "1")
        # A different failure, so that it is a new incident diagnosed again (cache missed).
        second = orders_job.execute_in_process(instance=instance, raise_on_error=False)
        assert not second.success

    s = sentinel_for(SentinelConfig(), instance)
    got = samples(exposition(s.settings.database_url))
    assert got[("sentinel_gemini_calls_total", (("outcome", "ok"),))] == 1
    assert got[("sentinel_gemini_tokens_total", ())] == 150  # the fake's usageMetadata
    assert got[("sentinel_gemini_calls_total", (("outcome", "unavailable"),))] == 1
    assert got[("sentinel_gemini_breaker_open", ())] == 0  # opened only after this failure
    gemini_hook = (("brain", "gemini"), ("path", "hook"))
    assert got[("sentinel_diagnosis_duration_seconds_count", gemini_hook)] == 1
    rules_hook = (("brain", "rules"), ("path", "hook"))
    assert got[("sentinel_diagnosis_duration_seconds_count", rules_hook)] == 1
    opened = {k[1]: v for k, v in got.items() if k[0] == "sentinel_incidents_opened_total"}
    assert sum(opened.values()) == 2
    assert got[("sentinel_slack_sends_total", (("result", "ok"),))] >= 2
    assert got[("sentinel_outbox_oldest_age_seconds", ())] >= 0


@dg.op
def read_orders() -> None:
    raise KeyError("column 'region' missing from the upstream extract")


@dg.job(hooks={sentinel_failure_hook})
def orders_job() -> None:
    read_orders()


def test_outbox_backlog_and_age_come_from_the_store(tmp_path) -> None:
    from dagster_sentinel.outbox import Outbox

    url = f"sqlite:///{tmp_path / 'store.db'}"
    box = Outbox(url)
    now = time.time()
    box.enqueue("a:post", channel="#c", message={"text": "a"}, now=now - 120)
    box.enqueue("b:post", channel="#c", message={"text": "b"}, now=now - 5)
    got = samples(exposition(url))
    assert got[("sentinel_outbox_backlog", (("kind", "post"),))] == 2
    assert got[("sentinel_outbox_oldest_age_seconds", ())] == pytest.approx(120, abs=5)
