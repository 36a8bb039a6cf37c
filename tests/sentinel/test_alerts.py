"""Alertmanager intake through a real HTTP server, Prometheus polling on a loopback server."""

from __future__ import annotations

import calendar
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from dagster_sentinel.alerts import AlertError, AlertStore, handle_alertmanager, sync_prometheus
from dagster_sentinel.config import ContextConfig, SentinelConfig
from dagster_sentinel.settings import SentinelSettings
from tests.fakes.loopback import LoopbackHTTPServer

TOKEN = "am-secret-token"


def _settings(tmp_path: Path, **context: Any) -> SentinelSettings:
    config = SentinelConfig(state_dir=str(tmp_path / "state"), context=ContextConfig(**context))
    return SentinelSettings.from_config(config.resolved({}))


def payload(status: str = "firing", **alert: Any) -> dict[str, Any]:
    base = {
        "status": status,
        "labels": {"alertname": "WarehouseDown", "instance": "warehouse.internal:5432"},
        "annotations": {"summary": "Warehouse primary is down (password=hunter2)"},
        "startsAt": "2026-12-04T03:10:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": "a1b2c3",
    }
    base.update(alert)
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "sentinel",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [base],
    }


class _Server:
    """The handler mounted at POST /alertmanager on a real HTTP server (as `sentinel serve`
    mounts it)."""

    def __init__(self, settings: SentinelSettings) -> None:
        settings_ = settings

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                if self.path != "/alertmanager":
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = handle_alertmanager(body, dict(self.headers.items()), settings_)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/alertmanager"

    def post(self, body: bytes, token: str | None = TOKEN) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[_Server, SentinelSettings]]:
    settings = _settings(tmp_path, alertmanager_token=TOKEN)
    srv = _Server(settings)
    yield srv, settings
    srv.close()


def test_firing_then_resolved_over_http(server: tuple[_Server, SentinelSettings]) -> None:
    srv, settings = server
    status, answer = srv.post(json.dumps(payload()).encode())
    assert (status, answer) == (200, {"stored": 1, "firing": 1, "resolved": 0})
    store = AlertStore(settings.database_url)
    at = calendar.timegm(time.strptime("2026-12-04 03:15", "%Y-%m-%d %H:%M"))
    [alert] = store.active_between(at - 900, at)
    assert alert.name == "WarehouseDown" and alert.status == "firing" and alert.ends_at is None
    assert alert.labels["instance"] == "warehouse.internal:5432"
    assert "hunter2" not in alert.annotations["summary"]  # redacted before storage

    resolved = payload("resolved", endsAt="2026-12-04T03:20:00Z")
    assert srv.post(json.dumps(resolved).encode())[0] == 200
    [alert] = store.active_between(at - 900, at)
    assert alert.status == "resolved" and alert.ends_at is not None
    assert store.active_between(alert.ends_at + 1, alert.ends_at + 100) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({**payload(), "version": "3"}).encode(), "version"),
        (json.dumps(payload(labels={"instance": "x"})).encode(), "alertname"),
        (json.dumps(payload(startsAt="yesterday")).encode(), "startsAt"),
    ],
)
def test_malformed_bodies_get_400_and_nothing_is_stored(
    server: tuple[_Server, SentinelSettings], body: bytes, message: str
) -> None:
    srv, settings = server
    status, answer = srv.post(body)
    assert status == 400 and message in answer["error"]
    assert AlertStore(settings.database_url).active_between(0, 4e9) == []


def test_bearer_token_is_required_when_configured(server: tuple[_Server, SentinelSettings]) -> None:
    srv, settings = server
    body = json.dumps(payload()).encode()
    assert srv.post(body, token=None)[0] == 401
    assert srv.post(body, token="wrong")[0] == 401
    assert AlertStore(settings.database_url).active_between(0, 4e9) == []
    assert srv.post(body)[0] == 200


def test_no_token_configured_means_open(tmp_path: Path) -> None:
    status, _ = handle_alertmanager(json.dumps(payload()).encode(), {}, _settings(tmp_path))
    assert status == 200
    # The service may hand over its SentinelConfig instead of resolved settings.
    config = SentinelConfig(state_dir=str(tmp_path / "state"))
    status, answer = handle_alertmanager(json.dumps(payload("resolved")).encode(), {}, config)
    assert status == 200 and answer["resolved"] == 1


class _Prometheus:
    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.delay_s = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                time.sleep(outer.delay_s)
                data = json.dumps({"status": "success", "data": {"alerts": outer.alerts}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


def test_prometheus_polling_stores_firing_and_closes_stopped(tmp_path: Path) -> None:
    prom = _Prometheus()
    try:
        settings = _settings(tmp_path, prometheus_url=prom.url, prometheus_timeout_s=1.0)
        prom.alerts = [
            {
                "labels": {"alertname": "DiskFull", "instance": "db-1:9100"},
                "annotations": {"summary": "disk 98%"},
                "state": "firing",
                "activeAt": "2026-12-04T03:00:00Z",
                "value": "98",
            },
            {
                "labels": {"alertname": "Pending"},
                "state": "pending",
                "activeAt": "2026-12-04T03:00:00Z",
            },
        ]
        assert sync_prometheus(settings) == (1, 0)
        store = AlertStore(settings.database_url)
        [alert] = store.active_between(0, 4e9)
        assert alert.name == "DiskFull" and alert.source == "prometheus"
        prom.alerts = []
        assert sync_prometheus(settings) == (0, 1)
        [alert] = store.active_between(0, 4e9)
        assert alert.status == "resolved"

        prom.delay_s = 3.0  # slower than the strict timeout
        started = time.monotonic()
        with pytest.raises(AlertError, match="unreachable"):
            sync_prometheus(settings)
        assert time.monotonic() - started < 2.5
    finally:
        prom.httpd.shutdown()
        prom.httpd.server_close()
