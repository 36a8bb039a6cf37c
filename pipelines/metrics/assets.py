"""Metric ingestion assets (group ``metrics``) and the anomaly summary asset.

Each source asset returns the long DataFrame of ``pipelines.metrics.sources`` (timestamp,
series, metric, labels, value, source) with metadata: rows, series, where the data came from
(or why the source was skipped), bad rows count and sample.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from pipelines.metrics.anomaly import detect_in_long_frame
from pipelines.metrics.resources import (
    AnomalyDetectionResource,
    DagsterInstanceMetricsResource,
    MetricsCsvResource,
    MetricsExpositionResource,
    PrometheusResource,
)
from pipelines.metrics.sources import (
    BAD_SAMPLE_SIZE,
    PrometheusError,
    SourceResult,
    collect_instance_metrics,
    concat_frames,
    empty_frame,
    load_exposition_files,
    load_metrics_csv,
    query_range,
)

GROUP = "metrics"


def _output(result: SourceResult, origin: str, skipped: bool = False, **extra: Any) -> dg.Output:
    frame = result.frame
    metadata: dict[str, Any] = {
        "dagster/row_count": len(frame),
        "series_count": int(frame["series"].nunique()) if len(frame) else 0,
        "origin": origin,
        "skipped": skipped,
        "bad_rows": result.bad_count,
        "bad_rows_sample": dg.MetadataValue.json(list(result.bad_sample)),
    }
    if result.notes:
        metadata["notes"] = dg.MetadataValue.json(list(result.notes))
    if len(frame):
        metadata["first_timestamp"] = frame["timestamp"].min().isoformat()
        metadata["last_timestamp"] = frame["timestamp"].max().isoformat()
        metadata["series"] = dg.MetadataValue.json(sorted(frame["series"].unique())[:50])
    metadata.update(extra)
    return dg.Output(frame, metadata=metadata)


def _load_files(paths, loader) -> SourceResult:
    frames, out = [], SourceResult(empty_frame())
    for path in paths:
        try:
            res = loader(path)
        except OSError as exc:  # missing / unreadable file: quarantine it, keep the others
            out.quarantine(str(path), f"unreadable file ({exc.strerror or exc})")
            continue
        frames.append(res.frame)
        out.bad_count += res.bad_count
        out.bad_sample.extend(res.bad_sample[: max(0, BAD_SAMPLE_SIZE - len(out.bad_sample))])
        out.notes.extend(res.notes)
    out.frame = concat_frames(frames)
    return out


def _file_source(
    context: dg.AssetExecutionContext,
    paths: list[Path],
    origin: str,
    loader: Callable[[Path], SourceResult],
    bad_what: str,
) -> dg.Output:
    """One file-backed source: skip when unconfigured, load the files, quarantine bad rows."""
    if not paths:
        context.log.info(origin)
        return _output(SourceResult(empty_frame()), origin, skipped=True)
    result = _load_files(paths, loader)
    if result.bad_count:
        context.log.warning(f"{result.bad_count} {bad_what} quarantined")
    return _output(result, origin, files=dg.MetadataValue.json([str(p) for p in paths]))


@dg.asset(group_name=GROUP, description="Metrics from CSV files (default: the demo series).")
def metrics_csv(
    context: dg.AssetExecutionContext, metrics_csv_config: MetricsCsvResource
) -> dg.Output:
    paths, origin = metrics_csv_config.resolve()
    return _file_source(context, paths, origin, load_metrics_csv, "bad CSV rows")


@dg.asset(group_name=GROUP, description="Metrics from Prometheus text-exposition files.")
def metrics_exposition(
    context: dg.AssetExecutionContext, metrics_exposition_config: MetricsExpositionResource
) -> dg.Output:
    paths, origin = metrics_exposition_config.resolve()
    return _file_source(
        context, paths, origin, lambda p: load_exposition_files([p]), "invalid exposition lines"
    )


@dg.asset(group_name=GROUP, description="Metrics from the Prometheus HTTP API (query_range).")
def metrics_prometheus(
    context: dg.AssetExecutionContext, metrics_prometheus_config: PrometheusResource
) -> dg.Output:
    url, queries, origin = metrics_prometheus_config.resolve()
    if not url:
        context.log.info(origin)
        return _output(SourceResult(empty_frame()), origin, skipped=True)
    end = datetime.now(UTC)
    start = end - timedelta(minutes=metrics_prometheus_config.lookback_minutes)
    frames, out, errors = [], SourceResult(empty_frame()), []
    for query in queries:
        try:
            res = query_range(
                url,
                query,
                start,
                end,
                metrics_prometheus_config.step,
                metrics_prometheus_config.timeout_seconds,
            )
        except PrometheusError as exc:
            context.log.error(str(exc))
            errors.append(str(exc))
            continue
        frames.append(res.frame)
        out.bad_count += res.bad_count
        out.bad_sample.extend(res.bad_sample[: max(0, BAD_SAMPLE_SIZE - len(out.bad_sample))])
        out.notes.extend(res.notes)
    if errors and len(errors) == len(queries):
        raise dg.Failure(
            description="every Prometheus query failed: " + "; ".join(errors),
            metadata={"url": url, "errors": dg.MetadataValue.json(errors)},
        )
    out.frame = concat_frames(frames)
    return _output(out, origin, query_errors=dg.MetadataValue.json(errors))


@dg.asset(group_name=GROUP, description="Run/step durations, failures, rows written.")
def metrics_dagster(
    context: dg.AssetExecutionContext, metrics_dagster_config: DagsterInstanceMetricsResource
) -> dg.Output:
    if not metrics_dagster_config.enabled:
        return _output(SourceResult(empty_frame()), "skipped: disabled", skipped=True)
    result = collect_instance_metrics(
        context.instance, metrics_dagster_config.run_limit, metrics_dagster_config.job_names or None
    )
    return _output(result, "dagster instance run history")


@dg.asset(
    group_name=GROUP,
    description="Anomaly windows found in every metric series (one row per window).",
)
def metrics_anomalies(
    context: dg.AssetExecutionContext,
    metrics_detection: AnomalyDetectionResource,
    metrics_csv: pd.DataFrame,
    metrics_exposition: pd.DataFrame,
    metrics_prometheus: pd.DataFrame,
    metrics_dagster: pd.DataFrame,
) -> dg.Output:
    frame = concat_frames([metrics_csv, metrics_exposition, metrics_prometheus, metrics_dagster])
    windows, n_series = detect_in_long_frame(frame, metrics_detection.config())
    table = pd.DataFrame([w.as_metadata() for w in windows])
    md = table.head(20).to_markdown(index=False) if len(table) and _has_tabulate() else None
    metadata: dict[str, Any] = {
        "series_checked": n_series,
        "anomaly_windows": len(windows),
        "dagster/row_count": len(windows),
        "windows": dg.MetadataValue.json([w.as_metadata() for w in windows[:20]]),
    }
    if md:
        metadata["preview"] = dg.MetadataValue.md(md)
    context.log.info(f"{len(windows)} anomaly windows in {n_series} series")
    return dg.Output(table, metadata=metadata)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


source_assets = [metrics_csv, metrics_exposition, metrics_prometheus, metrics_dagster]
all_assets = [*source_assets, metrics_anomalies]
