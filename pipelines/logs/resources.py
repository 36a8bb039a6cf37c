"""Dagster resources of the logs pipeline: where logs come from, where state lives."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from dagster_sentinel.config import SentinelConfig

DEMO_DIR = Path(__file__).resolve().parent / "demo"


class LogSourcesResource(ConfigurableResource):
    """Which logs to ingest. Read at run time, so changing the env var needs no reload."""

    sources: str = Field(
        default="",
        description=(
            "Comma-separated file paths or globs (plain text, JSON lines, logfmt; .gz ok). "
            "Append '#FORMAT' to force a format for one source, e.g. '/var/log/app/*.log#json' "
            "or '/x.log#<Date> <Time> <Level> <Component>: <Content>'. When empty, Sentinel's "
            "`ingestion.log_sources` setting (SENTINEL_LOG_SOURCES) is read at run time; when "
            "that is unset too, the demo logs."
        ),
    )
    log_format: str = Field(
        default="auto",
        description=(
            "Default format of file sources: 'auto' (detected per file from a sample), 'json', "
            "'logfmt', 'raw', a preset name (hdfs, spark, python, ...) or a Loghub header format."
        ),
    )
    include_dagster_logs: bool = Field(
        default=True,
        description="Also ingest Dagster's own run event logs and captured compute logs.",
    )
    demo_when_unconfigured: bool = Field(
        default=True,
        description="Use the bundled demo logs when no source is configured at all.",
    )
    max_line_bytes: int = Field(
        default=1024 * 1024,
        description="Lines longer than this are quarantined (memory stays bounded).",
    )
    max_bytes_per_file: int = Field(
        default=64 * 1024 * 1024,
        description="At most this many new bytes are read per file and run (the rest next run).",
    )
    max_dagster_runs: int = Field(
        default=50, description="At most this many finished Dagster runs are read per run."
    )

    def source_specs(self) -> list[tuple[str, str | None]]:
        """``[(glob, format or None)]`` from config, the env var, or the demo data."""
        raw = self.sources.strip() or (SentinelConfig.from_env().ingestion.log_sources or "")
        raw = raw.strip()
        if not raw:
            if not self.demo_when_unconfigured:
                return []
            return [(str(DEMO_DIR / "*.log"), None)]
        specs: list[tuple[str, str | None]] = []
        for item in raw.split(","):
            item = item.strip()
            if not item:
                continue
            pattern, _, fmt = item.partition("#")
            specs.append((pattern.strip(), fmt.strip() or None))
        return specs


class LogStateResource(ConfigurableResource):
    """Where the pipeline keeps its state, and the detection thresholds."""

    state_dir: str = Field(
        default="",
        description=(
            "Directory for cursors, the template miner state, template statistics and "
            "quarantined lines. Default: `logs/` in Sentinel's state directory."
        ),
    )
    bucket_minutes: int = Field(default=1, description="Time bucket for template counts.")
    window_minutes: int = Field(
        default=15, description="The current window: the last N minutes of log time seen."
    )
    baseline_minutes: int = Field(
        default=120, description="The baseline: the N minutes before the current window."
    )
    spike_factor: float = Field(
        default=3.0,
        description="An error template spikes when its window count exceeds factor x baseline.",
    )
    min_spike_count: int = Field(
        default=5, description="Minimum error lines in the window for a spike to count."
    )
    max_error_rate: float = Field(
        default=0.25, description="Error share of a source's lines in the window that fails."
    )
    retention_days: int = Field(default=3, description="Bucket counts older than this are pruned.")
    top_templates: int = Field(default=10, description="Templates listed in metadata/evidence.")

    def resolved_state_dir(self) -> Path:
        if self.state_dir:
            p = Path(os.path.expanduser(self.state_dir))
        else:  # the same place the failure evidence reads log templates from
            p = SentinelConfig.from_env().state_path / "logs"
        p.mkdir(parents=True, exist_ok=True)
        return p
