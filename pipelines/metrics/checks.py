"""Asset checks: fail when a metrics asset contains anomaly windows.

Metadata of a failing check: the worst window's ``series``, ``start``, ``end``, ``observed``,
``expected``, ``expected_low``, ``expected_high`` and ``max_score``, plus ``windows`` (JSON list of
up to 20 windows, each with the same fields) and ``anomaly_windows`` (count).
"""

from typing import Any

import dagster as dg
import pandas as pd

from pipelines.metrics.anomaly import AnomalyWindow, detect_in_long_frame
from pipelines.metrics.assets import (
    metrics_csv,
    metrics_dagster,
    metrics_exposition,
    metrics_prometheus,
)
from pipelines.metrics.resources import AnomalyDetectionResource

MAX_WINDOWS_IN_METADATA = 20


def anomaly_check_result(windows: list[AnomalyWindow], n_series: int) -> dg.AssetCheckResult:
    """Build the check result for ``windows`` found in ``n_series`` series."""
    metadata: dict[str, Any] = {"series_checked": n_series, "anomaly_windows": len(windows)}
    if not windows:
        return dg.AssetCheckResult(passed=True, metadata=metadata)
    worst = max(windows, key=lambda w: w.max_score)
    metadata.update(worst.as_metadata())
    metadata.pop("n_points", None)
    metadata["windows"] = dg.MetadataValue.json(
        [w.as_metadata() for w in windows[:MAX_WINDOWS_IN_METADATA]]
    )
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{len(windows)} anomaly window(s); worst: {worst.series} "
            f"{worst.start.isoformat()} .. {worst.end.isoformat()} observed {worst.observed:g}, "
            f"expected {worst.expected_low:g} .. {worst.expected_high:g}"
        ),
        metadata=metadata,
    )


_DESCRIPTION = (
    "Fails when any series of this asset has an anomaly window (seasonal robust z-score beyond "
    "k); the metadata holds the worst window and its expected range."
)


@dg.asset_check(asset=metrics_csv, name="no_anomalies", description=_DESCRIPTION)
def metrics_csv_no_anomalies(
    metrics_csv: pd.DataFrame, metrics_detection: AnomalyDetectionResource
) -> dg.AssetCheckResult:
    return anomaly_check_result(*detect_in_long_frame(metrics_csv, metrics_detection.config()))


@dg.asset_check(asset=metrics_exposition, name="no_anomalies", description=_DESCRIPTION)
def metrics_exposition_no_anomalies(
    metrics_exposition: pd.DataFrame, metrics_detection: AnomalyDetectionResource
) -> dg.AssetCheckResult:
    return anomaly_check_result(
        *detect_in_long_frame(metrics_exposition, metrics_detection.config())
    )


@dg.asset_check(asset=metrics_prometheus, name="no_anomalies", description=_DESCRIPTION)
def metrics_prometheus_no_anomalies(
    metrics_prometheus: pd.DataFrame, metrics_detection: AnomalyDetectionResource
) -> dg.AssetCheckResult:
    return anomaly_check_result(
        *detect_in_long_frame(metrics_prometheus, metrics_detection.config())
    )


@dg.asset_check(asset=metrics_dagster, name="no_anomalies", description=_DESCRIPTION)
def metrics_dagster_no_anomalies(
    metrics_dagster: pd.DataFrame, metrics_detection: AnomalyDetectionResource
) -> dg.AssetCheckResult:
    return anomaly_check_result(*detect_in_long_frame(metrics_dagster, metrics_detection.config()))


all_checks = [
    metrics_csv_no_anomalies,
    metrics_exposition_no_anomalies,
    metrics_prometheus_no_anomalies,
    metrics_dagster_no_anomalies,
]
