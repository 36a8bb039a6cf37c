"""Configuration of the metrics sources and of anomaly detection (Dagster resources).

A value given directly (``path=...``, ``url=...``) wins; otherwise Sentinel's ``ingestion``
settings (``SentinelConfig``: SENTINEL_METRICS_CSV, SENTINEL_METRICS_EXPOSITION,
SENTINEL_PROMETHEUS_URL, SENTINEL_PROMETHEUS_QUERIES) are read at *run time*, never at import.
Unset optional config means the source is skipped, and the asset says so in its metadata.
The CSV source falls back to the bundled demo series when nothing is configured.

Resource keys used by the assets (all prefixed ``metrics_``): ``metrics_csv_config``,
``metrics_exposition_config``, ``metrics_prometheus_config``, ``metrics_dagster_config``,
``metrics_detection``.
"""

import glob
import os
from pathlib import Path

import dagster as dg
from pydantic import Field

from dagster_sentinel.config import IngestionConfig, SentinelConfig
from pipelines.metrics.anomaly import DetectionConfig
from pipelines.metrics.sources import parse_queries

DEMO_CSV = Path(__file__).resolve().parent / "demo" / "demo_metrics.csv"


def _ingestion() -> IngestionConfig:
    """Sentinel's ingestion settings, resolved now (run time)."""
    return SentinelConfig.from_env().ingestion


def _set(value: str | None) -> str | None:
    return value if value and value.strip() else None


def expand_paths(spec: str) -> list[Path]:
    """A path list (``os.pathsep`` or ``,`` separated) of files, directories or globs."""
    out: list[Path] = []
    for part in spec.replace(",", os.pathsep).split(os.pathsep):
        part = part.strip()
        if not part:
            continue
        p = Path(part).expanduser()
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.is_file()))
        elif any(c in part for c in "*?["):
            out.extend(Path(m) for m in sorted(glob.glob(str(p))) if Path(m).is_file())
        else:
            out.append(p)
    return out


class MetricsCsvResource(dg.ConfigurableResource):
    """Where the CSV metrics come from."""

    path: str | None = Field(
        default=None,
        description="CSV file(s): paths, directories or globs separated by ',' or os.pathsep. "
        "Unset: Sentinel's `ingestion.metrics_csv` (SENTINEL_METRICS_CSV), read at run time.",
    )
    use_demo_when_unset: bool = Field(
        default=True,
        description="Use the bundled demo series (daily seasonality + an injected anomaly) "
        "when no CSV is configured.",
    )

    def resolve(self) -> tuple[list[Path], str]:
        """``(paths, how)``: the files to read and a human explanation of where they came from."""
        spec = self.path or _set(_ingestion().metrics_csv)
        if spec:
            origin = "path" if self.path else "$SENTINEL_METRICS_CSV"
            return expand_paths(spec), f"from {origin}"
        if self.use_demo_when_unset:
            return [DEMO_CSV], "$SENTINEL_METRICS_CSV not set: using the demo series"
        return [], "skipped: $SENTINEL_METRICS_CSV not set"


class MetricsExpositionResource(dg.ConfigurableResource):
    """Prometheus text-exposition files (e.g. saved ``/metrics`` scrapes)."""

    path: str | None = Field(
        default=None,
        description="Exposition file(s): paths, directories or globs. Unset: Sentinel's "
        "`ingestion.metrics_exposition` (SENTINEL_METRICS_EXPOSITION), read at run time.",
    )

    def resolve(self) -> tuple[list[Path], str]:
        spec = self.path or _set(_ingestion().metrics_exposition)
        if not spec:
            return [], "skipped: $SENTINEL_METRICS_EXPOSITION not set"
        return expand_paths(spec), "from path" if self.path else "from $SENTINEL_METRICS_EXPOSITION"


class PrometheusResource(dg.ConfigurableResource):
    """A Prometheus server queried with ``/api/v1/query_range``."""

    url: str | None = Field(
        default=None,
        description="Base URL, e.g. http://127.0.0.1:9090. Unset: Sentinel's "
        "`ingestion.prometheus_url` (SENTINEL_PROMETHEUS_URL), read at run time.",
    )
    queries: list[str] | None = Field(
        default=None,
        description="PromQL queries. Unset: Sentinel's `ingestion.prometheus_queries` "
        "(SENTINEL_PROMETHEUS_QUERIES: a JSON list, or one per line / separated by ';;').",
    )
    lookback_minutes: int = Field(
        default=7 * 24 * 60, description="query_range start = now - lookback_minutes."
    )
    step: str = Field(default="5m", description="query_range resolution step (e.g. 60s, 5m).")
    timeout_seconds: float = Field(default=10.0, description="HTTP timeout per query.")

    def resolve(self) -> tuple[str | None, list[str], str]:
        ingestion = _ingestion()
        url = self.url or _set(ingestion.prometheus_url)
        queries = (
            list(self.queries)
            if self.queries
            else parse_queries(_set(ingestion.prometheus_queries))
        )
        if not url:
            return None, [], "skipped: $SENTINEL_PROMETHEUS_URL not set"
        if not queries:
            return None, [], "skipped: no queries ($SENTINEL_PROMETHEUS_QUERIES not set)"
        return url, queries, f"{len(queries)} queries against {url}"


class DagsterInstanceMetricsResource(dg.ConfigurableResource):
    """What to read from the Dagster instance's run history."""

    run_limit: int = Field(default=200, description="Most recent finished runs read per job.")
    job_names: list[str] = Field(
        default_factory=list, description="Only these jobs (empty: all jobs)."
    )
    enabled: bool = Field(default=True, description="Set false to skip this source.")


class AnomalyDetectionResource(dg.ConfigurableResource):
    """Parameters of the seasonal robust detector (one generic configuration)."""

    k: float = Field(default=DetectionConfig.k, description="Robust z-score threshold.")
    window: str = Field(
        default=DetectionConfig.window, description="Trailing window of the rolling median."
    )
    scale_window: str = Field(
        default=DetectionConfig.scale_window, description="Trailing window of the rolling MAD."
    )
    max_gap: str = Field(
        default=DetectionConfig.max_gap, description="Flagged points closer than this merge."
    )
    min_points: int = Field(
        default=DetectionConfig.min_points, description="Minimum flagged points per window."
    )
    min_cycles: int = Field(
        default=DetectionConfig.min_cycles,
        description="Days/weeks of history needed before removing the daily/weekly profile.",
    )

    def config(self) -> DetectionConfig:
        return DetectionConfig(
            k=self.k,
            window=self.window,
            scale_window=self.scale_window,
            max_gap=self.max_gap,
            min_points=self.min_points,
            min_cycles=self.min_cycles,
        )
