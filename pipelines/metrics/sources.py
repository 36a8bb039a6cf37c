"""Metric sources -> one long pandas DataFrame per source.

Every loader returns a ``SourceResult`` whose ``frame`` has the columns of ``LONG_COLUMNS``:

- ``timestamp``: tz-aware UTC ``Timestamp``
- ``series``: unique series id, ``metric{label="value",...}`` (labels sorted) or just ``metric``
- ``metric``: metric name
- ``labels``: labels as a compact JSON object string (sorted keys)
- ``value``: float (finite)
- ``source``: ``csv`` / ``prometheus_text`` / ``prometheus_api`` / ``dagster``

Bad input never raises: malformed rows / lines are counted and a few are kept as a sample in
``SourceResult.bad_count`` / ``bad_sample``; the good rows still land.  Network problems of the
Prometheus HTTP API raise ``PrometheusError`` with a clear message (the asset decides whether
that is fatal).
"""

from __future__ import annotations

import csv
import io
import json
import math
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prometheus_client.parser import text_string_to_metric_families

LONG_COLUMNS = ["timestamp", "series", "metric", "labels", "value", "source"]
BAD_SAMPLE_SIZE = 5


class PrometheusError(RuntimeError):
    """The Prometheus HTTP API could not answer a query (error status, timeout, refused...)."""


@dataclass
class SourceResult:
    frame: pd.DataFrame
    bad_count: int = 0
    bad_sample: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def quarantine(self, raw: str, reason: str) -> None:
        self.bad_count += 1
        if len(self.bad_sample) < BAD_SAMPLE_SIZE:
            self.bad_sample.append(f"{reason}: {raw[:200]}")


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timestamp": pd.Series([], dtype="datetime64[ns, UTC]"),
            "series": pd.Series([], dtype=object),
            "metric": pd.Series([], dtype=object),
            "labels": pd.Series([], dtype=object),
            "value": pd.Series([], dtype=float),
            "source": pd.Series([], dtype=object),
        }
    )


def series_id(metric: str, labels: Mapping[str, str] | None = None) -> str:
    """``metric{a="1",b="2"}`` with sorted labels, or ``metric`` without labels."""
    if not labels:
        return metric
    inner = ",".join(f'{k}="{labels[k]}"' for k in sorted(labels))
    return f"{metric}{{{inner}}}"


def labels_json(labels: Mapping[str, str] | None) -> str:
    return json.dumps(dict(sorted((labels or {}).items())), separators=(",", ":"))


def make_frame(rows: Iterable[tuple[Any, str, Mapping[str, str], float]], source: str):
    """Build the long frame from ``(timestamp, metric, labels, value)`` tuples."""
    records = [
        {
            "timestamp": ts,
            "series": series_id(metric, labels),
            "metric": metric,
            "labels": labels_json(labels),
            "value": float(value),
            "source": source,
        }
        for ts, metric, labels, value in rows
    ]
    if not records:
        return empty_frame()
    df = pd.DataFrame.from_records(records, columns=LONG_COLUMNS)
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    return df.sort_values(["series", "timestamp"], kind="stable").reset_index(drop=True)


def concat_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame()
    return pd.concat(frames, ignore_index=True)


def _parse_float(raw: str) -> float | None:
    try:
        v = float(raw.strip())
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _parse_timestamp(raw: str) -> pd.Timestamp | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        num = float(raw)
    except ValueError:
        num = None
    try:
        if num is not None:
            if not math.isfinite(num):
                return None
            # epoch seconds, or milliseconds when the number is too large for seconds
            unit = "ms" if abs(num) > 1e11 else "s"
            ts = pd.Timestamp(num, unit=unit, tz="UTC")
        else:
            ts = pd.Timestamp(raw)
            ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    except (ValueError, OverflowError, TypeError):
        return None
    return None if pd.isna(ts) else ts


# --------------------------------------------------------------------------- CSV


def parse_metrics_csv(text: str, default_series: str = "value") -> SourceResult:
    """Parse a metrics CSV (header required).

    Columns: ``timestamp`` and ``value`` are required; optional ``series`` / ``metric`` /
    ``name`` gives the metric name (else ``default_series``) and optional ``labels`` holds a
    JSON object or ``k=v;k2=v2``.  A row with the wrong number of fields, an unparsable
    timestamp or a non-numeric / non-finite value is quarantined.
    """
    result = SourceResult(empty_frame())
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        result.notes.append("empty CSV")
        return result
    except csv.Error as exc:
        result.quarantine(text[:200], f"unreadable header ({exc})")
        return result
    if "timestamp" not in header or "value" not in header:
        result.notes.append(f"CSV header {header} lacks 'timestamp' and 'value' columns")
        result.quarantine(",".join(header), "bad header")
        return result
    i_ts, i_val = header.index("timestamp"), header.index("value")
    i_name = next((header.index(c) for c in ("series", "metric", "name") if c in header), None)
    i_lab = header.index("labels") if "labels" in header else None
    rows: list[tuple[Any, str, Mapping[str, str], float]] = []
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.quarantine(f"line {reader.line_num}", f"csv error ({exc})")
            continue
        if not rec or all(not c.strip() for c in rec):
            continue
        raw = ",".join(rec)
        if len(rec) != len(header):
            result.quarantine(raw, f"expected {len(header)} fields, got {len(rec)}")
            continue
        ts = _parse_timestamp(rec[i_ts])
        if ts is None:
            result.quarantine(raw, "unparsable timestamp")
            continue
        value = _parse_float(rec[i_val])
        if value is None:
            result.quarantine(raw, "unparsable value")
            continue
        name = rec[i_name].strip() if i_name is not None and rec[i_name].strip() else default_series
        labels = _parse_labels(rec[i_lab]) if i_lab is not None else {}
        if labels is None:
            result.quarantine(raw, "unparsable labels")
            continue
        rows.append((ts, name, labels, value))
    result.frame = make_frame(rows, "csv")
    return result


def _parse_labels(raw: str) -> dict[str, str] | None:
    raw = raw.strip()
    if not raw:
        return {}
    if raw.startswith("{"):
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            return None
        return {str(k): str(v) for k, v in obj.items()} if isinstance(obj, dict) else None
    out: dict[str, str] = {}
    for part in raw.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            return None
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def load_metrics_csv(path: str | Path) -> SourceResult:
    """Read one CSV file (see ``parse_metrics_csv``); the default series name is the stem."""
    p = Path(path)
    text = p.read_text(encoding="utf-8", errors="replace")
    return parse_metrics_csv(text, default_series=p.stem)


# --------------------------------------------------------------------------- exposition


def parse_exposition(text: str, scrape_time: datetime | pd.Timestamp | None = None):
    """Parse Prometheus text exposition with ``prometheus_client``'s parser.

    The official parser aborts a whole document on the first invalid line, so it is fed one
    sample line at a time: an invalid line is quarantined and the other samples still land.
    Samples without an explicit timestamp get ``scrape_time`` (default: now).
    """
    result = SourceResult(empty_frame())
    when = pd.Timestamp(scrape_time or datetime.now(UTC))
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    rows: list[tuple[Any, str, Mapping[str, str], float]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            families = list(text_string_to_metric_families(stripped + "\n"))
        except Exception as exc:  # the parser raises ValueError, IndexError, ...
            result.quarantine(stripped, f"invalid exposition line ({type(exc).__name__})")
            continue
        for family in families:
            for sample in family.samples:
                value = float(sample.value)
                if not math.isfinite(value):
                    result.quarantine(stripped, "non-finite value")
                    continue
                ts = when
                if sample.timestamp is not None:
                    ts = pd.Timestamp(float(sample.timestamp), unit="s", tz="UTC")
                rows.append((ts, sample.name, dict(sample.labels), value))
    result.frame = make_frame(rows, "prometheus_text")
    return result


def load_exposition_files(paths: Sequence[str | Path]) -> SourceResult:
    """Parse exposition files; each file's mtime is the scrape time of untimestamped samples."""
    frames, out = [], SourceResult(empty_frame())
    for path in paths:
        p = Path(path)
        mtime = datetime.fromtimestamp(p.stat().st_mtime, tz=UTC)
        res = parse_exposition(p.read_text(encoding="utf-8", errors="replace"), mtime)
        frames.append(res.frame)
        out.bad_count += res.bad_count
        out.bad_sample.extend(res.bad_sample[: BAD_SAMPLE_SIZE - len(out.bad_sample)])
        out.notes.extend(f"{p.name}: {n}" for n in res.notes)
    out.frame = concat_frames(frames)
    return out


# --------------------------------------------------------------------------- HTTP API


def query_range(
    base_url: str,
    query: str,
    start: datetime | float,
    end: datetime | float,
    step: str | float,
    timeout: float = 10.0,
) -> SourceResult:
    """``GET {base_url}/api/v1/query_range`` and turn the matrix into the long frame.

    Raises ``PrometheusError`` on ``status: error``, HTTP errors, timeouts, refused connections
    and non-JSON answers.  Unparsable sample values are quarantined.
    """

    def _ts(x: datetime | float) -> str:
        return f"{x.timestamp():.3f}" if isinstance(x, datetime) else f"{float(x):.3f}"

    params = urllib.parse.urlencode(
        {"query": query, "start": _ts(start), "end": _ts(end), "step": str(step)}
    )
    url = f"{base_url.rstrip('/')}/api/v1/query_range?{params}"
    payload = _get_json(url, timeout, query)
    if payload.get("status") != "success":
        raise PrometheusError(
            f"Prometheus query {query!r} failed: {payload.get('errorType', 'error')}: "
            f"{payload.get('error', 'no error message')}"
        )
    data = payload.get("data") or {}
    result = SourceResult(empty_frame())
    kind = data.get("resultType")
    if kind not in ("matrix", "vector"):
        raise PrometheusError(f"Prometheus query {query!r}: unexpected resultType {kind!r}")
    rows: list[tuple[Any, str, Mapping[str, str], float]] = []
    for item in data.get("result") or []:
        metric = dict(item.get("metric") or {})
        name = metric.pop("__name__", None) or query
        pairs = item.get("values") or ([item["value"]] if "value" in item else [])
        for pair in pairs:
            try:
                ts = pd.Timestamp(float(pair[0]), unit="s", tz="UTC")
            except (TypeError, ValueError, IndexError):
                result.quarantine(repr(pair), "unparsable sample timestamp")
                continue
            value = _parse_float(str(pair[1])) if len(pair) > 1 else None
            if value is None:
                result.quarantine(f"{name} {pair!r}", "unparsable or non-finite sample value")
                continue
            rows.append((ts, name, metric, value))
    for w in payload.get("warnings") or []:
        result.notes.append(f"prometheus warning: {w}")
    result.frame = make_frame(rows, "prometheus_api")
    return result


def _get_json(url: str, timeout: float, query: str) -> dict[str, Any]:
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        # Prometheus answers 400/422/503 with a JSON body {"status": "error", ...}
        body = exc.read()
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise PrometheusError(
                f"Prometheus at {url.split('?')[0]} answered HTTP {exc.code} for {query!r}"
            ) from exc
        if isinstance(payload, dict) and payload.get("status") == "error":
            return payload
        raise PrometheusError(
            f"Prometheus at {url.split('?')[0]} answered HTTP {exc.code} for {query!r}"
        ) from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        endpoint = url.split("?")[0]
        if isinstance(reason, ConnectionRefusedError):
            raise PrometheusError(
                f"connection refused by Prometheus at {endpoint} (is it running?)"
            ) from exc
        if isinstance(reason, socket.timeout | TimeoutError):
            raise PrometheusError(
                f"timed out after {timeout:g}s waiting for Prometheus at {endpoint}"
            ) from exc
        raise PrometheusError(f"cannot reach Prometheus at {endpoint}: {reason}") from exc
    except TimeoutError as exc:
        raise PrometheusError(
            f"timed out after {timeout:g}s waiting for Prometheus at {url.split('?')[0]}"
        ) from exc
    except ConnectionError as exc:
        raise PrometheusError(
            f"connection to Prometheus at {url.split('?')[0]} failed: {exc}"
        ) from exc
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PrometheusError(f"Prometheus answered non-JSON for {query!r}") from exc
    if not isinstance(payload, dict):
        raise PrometheusError(f"Prometheus answered unexpected JSON for {query!r}")
    return payload


def parse_queries(raw: str | None) -> list[str]:
    """Queries from configuration: a JSON list, or one query per line / separated by ``;;``."""
    if not raw or not raw.strip():
        return []
    raw = raw.strip()
    if raw.startswith("["):
        try:
            items = json.loads(raw)
        except json.JSONDecodeError:
            items = None
        if isinstance(items, list):
            return [str(q).strip() for q in items if str(q).strip()]
    parts = raw.replace(";;", "\n").splitlines()
    return [p.strip() for p in parts if p.strip()]


# --------------------------------------------------------------------------- Dagster


def _metadata_number(value: Any) -> float | None:
    raw = getattr(value, "value", value)
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(float(raw)) else None
    return None


ROW_COUNT_KEYS = ("dagster/row_count", "row_count")


def collect_instance_metrics(
    instance: Any, limit: int = 200, job_names: Sequence[str] | None = None
) -> SourceResult:
    """Run / step metrics of finished runs in a ``DagsterInstance`` as the long frame.

    Series (labels ``job``, ``step``, ``asset``), timestamped at the run's / step's end:

    - ``dagster_run_duration_seconds{job}``
    - ``dagster_run_failed{job}``: 1 for FAILURE, 0 for SUCCESS (CANCELED runs skipped)
    - ``dagster_step_duration_seconds{job,step}``
    - ``dagster_step_failed{job,step}``
    - ``dagster_rows_written{job,asset}`` from materialization metadata ``dagster/row_count``
      or ``row_count``
    """
    from dagster import DagsterRunStatus, RunsFilter

    result = SourceResult(empty_frame())
    finished = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE]
    filters = (
        [RunsFilter(statuses=finished, job_name=j) for j in job_names]
        if job_names
        else [RunsFilter(statuses=finished)]
    )
    rows: list[tuple[Any, str, Mapping[str, str], float]] = []
    n_runs = 0
    for flt in filters:
        for record in instance.get_run_records(filters=flt, limit=limit):
            run = record.dagster_run
            n_runs += 1
            job = {"job": run.job_name}
            start, end = record.start_time, record.end_time
            if end is None:
                result.quarantine(run.run_id, "finished run without end time")
                continue
            ts = pd.Timestamp(end, unit="s", tz="UTC")
            if start is not None:
                rows.append((ts, "dagster_run_duration_seconds", job, end - start))
            failed = 1.0 if run.status == DagsterRunStatus.FAILURE else 0.0
            rows.append((ts, "dagster_run_failed", job, failed))
            try:
                step_stats = instance.get_run_step_stats(run.run_id)
            except Exception as exc:  # storage hiccup on one run must not sink the asset
                result.quarantine(run.run_id, f"step stats unavailable ({exc})")
                continue
            for st in step_stats:
                labels = {**job, "step": st.step_key}
                st_ts = pd.Timestamp(st.end_time or end, unit="s", tz="UTC")
                if st.start_time is not None and st.end_time is not None:
                    rows.append(
                        (
                            st_ts,
                            "dagster_step_duration_seconds",
                            labels,
                            st.end_time - st.start_time,
                        )
                    )
                if st.status is not None:
                    rows.append(
                        (st_ts, "dagster_step_failed", labels, float(st.status.value == "FAILURE"))
                    )
                for entry in st.materialization_events:
                    mat = entry.asset_materialization
                    if mat is None:
                        continue
                    for key in ROW_COUNT_KEYS:
                        if key in mat.metadata:
                            n = _metadata_number(mat.metadata[key])
                            if n is not None:
                                rows.append(
                                    (
                                        pd.Timestamp(entry.timestamp, unit="s", tz="UTC"),
                                        "dagster_rows_written",
                                        {**job, "asset": mat.asset_key.to_user_string()},
                                        n,
                                    )
                                )
                            break
    result.notes.append(f"{n_runs} finished runs read")
    result.frame = make_frame(rows, "dagster")
    return result
