"""Source loaders: CSV with bad rows, exposition text, Prometheus HTTP API (loopback)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from pipelines.metrics.sources import (
    LONG_COLUMNS,
    PrometheusError,
    load_exposition_files,
    parse_exposition,
    parse_metrics_csv,
    parse_queries,
    query_range,
    series_id,
)

DATA = Path(__file__).parent / "data"


# ------------------------------------------------------------------ CSV

BAD_CSV = """timestamp,series,labels,value
2025-01-01T00:00:00Z,latency_ms,host=a,12.5
2025-01-01T00:01:00Z,latency_ms,host=a,13
not-a-date,latency_ms,host=a,14
2025-01-01T00:03:00Z,latency_ms,host=a,fourteen
2025-01-01T00:04:00Z,latency_ms,host=a
2025-01-01T00:05:00Z,latency_ms,host=a,15,extra
2025-01-01T00:06:00Z,latency_ms,"{""host"": ""b""}",16
2025-01-01T00:07:00Z,,,inf
1735689720,errors,,2

"""


def test_csv_bad_rows_are_quarantined_and_good_rows_land():
    res = parse_metrics_csv(BAD_CSV)
    df = res.frame
    assert list(df.columns) == LONG_COLUMNS
    assert len(df) == 4
    assert res.bad_count == 5
    assert len(res.bad_sample) == 5
    assert any("unparsable timestamp" in s for s in res.bad_sample)
    assert any("unparsable value" in s for s in res.bad_sample)
    assert any("expected 4 fields" in s for s in res.bad_sample)
    assert set(df["series"]) == {'latency_ms{host="a"}', 'latency_ms{host="b"}', "errors"}
    assert str(df["timestamp"].dt.tz) == "UTC"
    errors = df[df["metric"] == "errors"].iloc[0]
    assert errors["timestamp"] == pd.Timestamp("2025-01-01T00:02:00Z")
    assert json.loads(df.iloc[0]["labels"]) in ({"host": "a"}, {"host": "b"}, {})


def test_csv_without_series_column_uses_default_name_and_bad_header_is_reported():
    res = parse_metrics_csv("timestamp,value\n2014-07-01 00:00:00,10844\n", default_series="taxi")
    assert list(res.frame["series"]) == ["taxi"]
    res = parse_metrics_csv("time,val\n1,2\n")
    assert len(res.frame) == 0 and res.bad_count == 1 and res.notes
    assert len(parse_metrics_csv("").frame) == 0


def test_csv_never_crashes_on_binary_garbage():
    res = parse_metrics_csv('timestamp,value\n\x00\x01,"unterminated\n2025-01-01,1\n')
    assert res.bad_count >= 1


# ------------------------------------------------------------------ exposition


def test_exposition_file_parsed_with_bad_lines_quarantined():
    res = load_exposition_files([DATA / "sample_exposition.prom"])
    df = res.frame
    assert res.bad_count == 3  # unterminated label, non-numeric value, NaN
    assert all(df["source"] == "prometheus_text")
    by_series = dict(zip(df["series"], df["value"], strict=True))
    assert by_series['http_requests_total{code="200",method="get"}'] == 1027
    assert by_series["queue_depth"] == 42
    assert by_series['request_seconds_bucket{le="+Inf"}'] == 9
    ts = df.set_index("series")["timestamp"]
    assert ts['http_requests_total{code="200",method="get"}'] == pd.Timestamp(
        1700000000, unit="s", tz="UTC"
    )


def test_exposition_scrape_time_for_untimestamped_samples():
    when = datetime(2025, 5, 1, 12, tzinfo=UTC)
    res = parse_exposition("# TYPE up gauge\nup 1\n", when)
    assert res.frame.iloc[0]["timestamp"] == pd.Timestamp(when)
    assert res.bad_count == 0


# ------------------------------------------------------------------ Prometheus HTTP API


def _url(server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def test_query_range_matrix(prom_server):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    end = datetime(2025, 1, 1, 0, 10, tzinfo=UTC)
    res = query_range(_url(prom_server), "up", start, end, "60s", timeout=5)
    df = res.frame
    assert set(df["series"]) == {'up{instance="a:9100",job="api"}', 'up{job="db"}'}
    api = df[df["series"].str.contains("api")]
    assert list(api["value"]) == [1.0, 2.0, 3.0]
    assert api["timestamp"].iloc[0] == pd.Timestamp(start)
    assert res.bad_count == 2  # NaN and "x"
    qs = prom_server.seen[0]
    assert qs["query"] == ["up"] and qs["step"] == ["60s"]
    assert float(qs["start"][0]) == start.timestamp()
    assert float(qs["end"][0]) == end.timestamp()


def test_query_range_error_status(prom_server):
    with pytest.raises(PrometheusError, match=r"bad_data: parse error at char 5"):
        query_range(_url(prom_server), "bad(", 0, 60, "15s", timeout=5)


def test_query_range_timeout(prom_server):
    with pytest.raises(PrometheusError, match="timed out"):
        query_range(_url(prom_server), "slow", 0, 60, "15s", timeout=0.3)


def test_query_range_connection_refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port any more
    with pytest.raises(PrometheusError, match="connection refused"):
        query_range(f"http://127.0.0.1:{port}", "up", 0, 60, "15s", timeout=5)


def test_parse_queries_and_series_id():
    assert parse_queries('["up", "rate(x[5m])"]') == ["up", "rate(x[5m])"]
    assert parse_queries("up\nrate(x[5m])") == ["up", "rate(x[5m])"]
    assert parse_queries("up;;down") == ["up", "down"]
    assert parse_queries("  ") == [] and parse_queries(None) == []
    assert series_id("m", {"b": "2", "a": "1"}) == 'm{a="1",b="2"}'
