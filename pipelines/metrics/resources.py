"""Configuration of the metrics sources and of anomaly detection (Dagster resources).

Every optional setting is read at *run time* through ``dagster.EnvVar(<name>).get_value()``
(the env var *names* are resource fields, so they can be changed per deployment); nothing is
read at import.  A value given directly (``path=...``, ``url=...``) wins over the env var.
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

from pipelines.metrics.anomaly import DetectionConfig
from pipelines.metrics.sources import parse_queries

DEMO_CSV = Path(__file__).resolve().parent / "demo" / "demo_metrics.csv"


def _env(name: str | None) -> str | None:
    if not name:
        return None
    value = dg.EnvVar(name).get_value()
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
        "Overrides path_env.",
    )
    path_env: str = Field(
        default="SENTINEL_METRICS_CSV",
        description="Environment variable read at run time when `path` is not set.",
    )
    use_demo_when_unset: bool = Field(
        default=True,
        description="Use the bundled demo series (daily seasonality + an injected anomaly) "
        "when no CSV is configured.",
    )

    def resolve(self) -> tuple[list[Path], str]:
        """``(paths, how)``: the files to read and a human explanation of where they came from."""
        spec = self.path or _env(self.path_env)
        if spec:
            origin = "path" if self.path else f"${self.path_env}"
            return expand_paths(spec), f"from {origin}"
        if self.use_demo_when_unset:
            return [DEMO_CSV], f"${self.path_env} not set: using the demo series"
        return [], f"skipped: ${self.path_env} not set"


class MetricsExpositionResource(dg.ConfigurableResource):
    """Prometheus text-exposition files (e.g. saved ``/metrics`` scrapes)."""

    path: str | None = Field(
        default=None,
        description="Exposition file(s): paths, directories or globs; overrides path_env.",
    )
    path_env: str = Field(
        default="SENTINEL_METRICS_EXPOSITION",
        description="Environment variable read at run time when `path` is not set.",
    )

    def resolve(self) -> tuple[list[Path], str]:
        spec = self.path or _env(self.path_env)
        if not spec:
            return [], f"skipped: ${self.path_env} not set"
        return expand_paths(spec), "from path" if self.path else f"from ${self.path_env}"


class PrometheusResource(dg.ConfigurableResource):
    """A Prometheus server queried with ``/api/v1/query_range``."""

    url: str | None = Field(
        default=None, description="Base URL, e.g. http://127.0.0.1:9090; overrides url_env."
    )
    url_env: str = Field(
        default="SENTINEL_PROMETHEUS_URL",
        description="Environment variable holding the base URL, read at run time.",
    )
    queries: list[str] | None = Field(
        default=None, description="PromQL queries; overrides queries_env."
    )
    queries_env: str = Field(
        default="SENTINEL_PROMETHEUS_QUERIES",
        description="Environment variable holding the queries (JSON list, or one per line / "
        "separated by ';;'), read at run time.",
    )
    lookback_minutes: int = Field(
        default=7 * 24 * 60, description="query_range start = now - lookback_minutes."
    )
    step: str = Field(default="5m", description="query_range resolution step (e.g. 60s, 5m).")
    timeout_seconds: float = Field(default=10.0, description="HTTP timeout per query.")

    def resolve(self) -> tuple[str | None, list[str], str]:
        url = self.url or _env(self.url_env)
        queries = list(self.queries) if self.queries else parse_queries(_env(self.queries_env))
        if not url:
            return None, [], f"skipped: ${self.url_env} not set"
        if not queries:
            return None, [], f"skipped: no queries (${self.queries_env} not set)"
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
