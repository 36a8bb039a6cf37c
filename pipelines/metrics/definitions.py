"""Dagster definitions of the metrics pipeline: ``defs``.

Resources are configured with env var *names* that are read at run time (see
``pipelines.metrics.resources``): ``SENTINEL_METRICS_CSV``, ``SENTINEL_METRICS_EXPOSITION``,
``SENTINEL_PROMETHEUS_URL``, ``SENTINEL_PROMETHEUS_QUERIES``.  Nothing is read at import.
"""

import dagster as dg

from pipelines.metrics.assets import all_assets
from pipelines.metrics.checks import all_checks
from pipelines.metrics.resources import (
    AnomalyDetectionResource,
    DagsterInstanceMetricsResource,
    MetricsCsvResource,
    MetricsExpositionResource,
    PrometheusResource,
)

resources = {
    "metrics_csv_config": MetricsCsvResource(),
    "metrics_exposition_config": MetricsExpositionResource(),
    "metrics_prometheus_config": PrometheusResource(),
    "metrics_dagster_config": DagsterInstanceMetricsResource(),
    "metrics_detection": AnomalyDetectionResource(),
}

defs = dg.Definitions(assets=all_assets, asset_checks=all_checks, resources=resources)
