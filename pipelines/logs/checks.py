"""Asset checks on ``logs_templates``: they fail on log anomalies, so Sentinel opens incidents.

Each check reads the detection the ``logs_templates`` materialization just stored
(``detection.json`` in the state dir) and passes when the batch had no new lines.
"""

from typing import Any

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from pipelines.logs.assets import _md_table, logs_templates
from pipelines.logs.ingest import load_json
from pipelines.logs.resources import LogStateResource


def _detection(state: LogStateResource) -> dict[str, Any]:
    d = load_json(state.resolved_state_dir() / "detection.json", {})
    return d if isinstance(d, dict) else {}


def _common(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "window_start": MetadataValue.text(str(d.get("window_start"))),
        "window_end": MetadataValue.text(str(d.get("window_end"))),
        "batch_lines": MetadataValue.int(int(d.get("batch_lines", 0))),
        "has_baseline": MetadataValue.bool(bool(d.get("has_baseline"))),
    }


def _table(items: list[dict[str, Any]], cols: list[str]) -> str:
    import pandas as pd

    if not items:
        return "_none_"
    return _md_table(pd.DataFrame(items)[cols], limit=20)


@asset_check(
    asset=logs_templates,
    name="logs_no_new_templates",
    description="Fails when log templates never seen before appear in the current window.",
    blocking=False,
)
def logs_no_new_templates(logs_state: LogStateResource) -> AssetCheckResult:
    d = _detection(logs_state)
    new = d.get("new_templates", []) if d.get("batch_lines") else []
    md = _common(d) | {
        "new_template_count": MetadataValue.int(len(new)),
        "new_templates": MetadataValue.json(new[:20]),
        "templates": MetadataValue.md(_table(new, ["event_id", "count", "level", "template"])),
    }
    return AssetCheckResult(
        passed=not new,
        severity=AssetCheckSeverity.WARN,
        metadata=md,
        description=(
            f"{len(new)} never-seen log templates: "
            + "; ".join(f"{x['event_id']} x{x['count']}: {x['template'][:80]}" for x in new[:3])
            if new
            else "no new log templates"
        ),
    )


@asset_check(
    asset=logs_templates,
    name="logs_no_error_spike",
    description="Fails when an error-level template's count spikes against the recent baseline.",
    blocking=False,
)
def logs_no_error_spike(logs_state: LogStateResource) -> AssetCheckResult:
    d = _detection(logs_state)
    spikes = d.get("error_spikes", []) if d.get("batch_lines") else []
    md = _common(d) | {
        "spike_count": MetadataValue.int(len(spikes)),
        "spikes": MetadataValue.json(spikes[:20]),
        "templates": MetadataValue.md(
            _table(spikes, ["event_id", "count", "baseline_mean_per_window", "template"])
        ),
    }
    return AssetCheckResult(
        passed=not spikes,
        severity=AssetCheckSeverity.ERROR,
        metadata=md,
        description=(
            f"{len(spikes)} error templates spiking: "
            + "; ".join(
                f"{x['event_id']} {x['count']} vs baseline {x['baseline_mean_per_window']}/window: "
                f"{x['template'][:80]}"
                for x in spikes[:3]
            )
            if spikes
            else "no error spike"
        ),
    )


@asset_check(
    asset=logs_templates,
    name="logs_error_rate",
    description="Fails when a source's share of error lines in the window exceeds the limit.",
    blocking=False,
)
def logs_error_rate(logs_state: LogStateResource) -> AssetCheckResult:
    d = _detection(logs_state)
    high = d.get("high_error_rate_sources", []) if d.get("batch_lines") else []
    rates = d.get("error_rates", [])
    md = _common(d) | {
        "max_error_rate": MetadataValue.float(float(logs_state.max_error_rate)),
        "error_rates": MetadataValue.json(rates[:50]),
        "failing_sources": MetadataValue.md(
            _table(high, ["source", "lines", "errors", "error_rate", "baseline_error_rate"])
        ),
    }
    return AssetCheckResult(
        passed=not high,
        severity=AssetCheckSeverity.ERROR,
        metadata=md,
        description=(
            "high error rate: "
            + "; ".join(
                f"{x['source']} {x['error_rate']:.0%} of {x['lines']} lines" for x in high[:3]
            )
            if high
            else "error rates within limit"
        ),
    )


LOG_CHECKS = [logs_no_new_templates, logs_no_error_spike, logs_error_rate]
