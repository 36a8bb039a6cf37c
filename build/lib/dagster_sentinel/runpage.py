"""The diagnosis on the run page: run tags to filter the Runs page by root cause, and one
line in the failed run's event log with the summary and a link to the report's partition.

Both paths (the hook inside the run, the RCA run of the sensor path) call `annotate_run`.
Tags and an engine event change nothing about the run's outcome.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import dagster as dg

from dagster_sentinel.incidents import Incident
from sentinel_brain.models import Report
from sentinel_brain.redact import redact

log = logging.getLogger("sentinel")

TAG_CATEGORY = "sentinel/category"
TAG_INCIDENT = "sentinel/incident"
TAG_CONFIDENCE = "sentinel/confidence"


def run_tags(incident: Incident, report: Report) -> dict[str, str]:
    """Tags for the failed run: category, incident id, and the top candidate's confidence."""
    top = report.top
    confidence = top.confidence if top is not None else 0.0
    return {
        TAG_CATEGORY: report.category.value,
        TAG_INCIDENT: incident.id,
        TAG_CONFIDENCE: f"{confidence:.2f}",
    }


def report_url(ui_url: str, incident_id: str) -> str:
    """The UI page of the incident's partition of `sentinel/rca_report`."""
    base = ui_url.rstrip("/")
    return f"{base}/assets/sentinel/rca_report?view=partitions&partition={quote(incident_id)}"


def summary_line(incident: Incident, report: Report, ui_url: str) -> str:
    """One line: category, confidence, the summary (redacted), and where the report is."""
    top = report.top
    confidence = f" ({top.confidence:.0%})" if top is not None else ""
    summary = " ".join(redact(report.summary).split())
    if len(summary) > 300:
        summary = summary[:299] + "…"
    return (
        f"Sentinel: {report.category.value}{confidence}: {summary} "
        f"Report: {report_url(ui_url, incident.id)}"
    )


def annotate_run(
    instance: dg.DagsterInstance,
    run_id: str | None,
    incident: Incident,
    report: Report,
    ui_url: str,
    *,
    event: bool = True,
) -> bool:
    """Tag the run and (with `event`) add the summary line to its event log. False when
    there is no run. The hook logs the line through its own context instead.

    Never raises: the report itself is already stored and delivered.
    """
    if not run_id:
        return False
    try:
        run = instance.get_run_by_id(run_id)
        if run is None:
            return False
        tags = run_tags(incident, report)
        if all(run.tags.get(k) == v for k, v in tags.items()):
            return True  # already annotated with this diagnosis (a replay, a re-run)
        instance.add_run_tags(run_id, tags)
        if event:
            instance.report_engine_event(summary_line(incident, report, ui_url), run)
        return True
    except Exception:  # noqa: BLE001 - annotating is best effort; the report went out
        log.exception("Sentinel could not annotate run %s", run_id)
        return False
