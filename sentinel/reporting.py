"""Sentinel's loop: register the incident → diagnose → record the report → deliver once.

Hooks, sensors and the RCA asset stay thin and call into `Sentinel`. Delivery always goes
through the durable outbox; the materialized report says whether Slack got it.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import BaseModel

from dagster_sentinel import slack
from dagster_sentinel.context import context_markdown, stored_context, with_context
from dagster_sentinel.errors import SentinelError
from dagster_sentinel.incidents import Incident, IncidentStore, Registration
from dagster_sentinel.outbox import Outbox, OutboxItem
from dagster_sentinel.rca import INCIDENT_PARTITIONS, RCA_ASSET_KEY
from dagster_sentinel.settings import SentinelSettings
from dagster_sentinel.slack import SlackTransport
from dagster_sentinel.telemetry import Telemetry, record_diagnosis
from sentinel_brain.analyzers import analyze
from sentinel_brain.deadline import run_within
from sentinel_brain.diagnose import diagnose
from sentinel_brain.models import Evidence, Report
from sentinel_brain.redact import redact, redact_data
from sentinel_brain.render import to_markdown

log = logging.getLogger("sentinel")


class Delivery(BaseModel):
    delivered: bool
    status: str
    detail: str | None = None


def post_key(incident_id: str) -> str:
    return f"{incident_id}:post"


def diagnose_within(evidence: Evidence, settings: SentinelSettings, budget_s: float) -> Report:
    """The brain within a wall-clock budget; the offline analyzers if it runs over."""
    brain = settings.brain.model_copy(
        update={"gemini_timeout_s": min(settings.brain.gemini_timeout_s, max(budget_s - 1.0, 1.0))}
    )
    outcome = run_within(lambda: diagnose(evidence, brain), budget_s, name="sentinel-diagnose")
    if outcome.value is not None:
        return outcome.value
    report = analyze(redact_data(evidence))
    report.notes.append(
        f"The full diagnosis did not finish within {budget_s:.0f} s; offline analyzers only."
    )
    return report


def report_metadata(
    incident: Incident, report: Report, markdown: str, run_url: str | None, delivery: Delivery
) -> dict[str, Any]:
    top = report.top
    meta: dict[str, Any] = {
        "report": dg.MetadataValue.md(markdown),
        "summary": report.summary,
        "category": report.category.value,
        "severity": report.severity.value,
        "confidence": float(top.confidence) if top else 0.0,
        "brain": report.brain,
        "job": incident.job or "",
        "step": incident.step or "",
        "run_id": incident.last_run_id or "",
        "fingerprint": incident.fingerprint,
        "incident_id": incident.id,
        "occurrences": incident.occurrences,
        "error_type": report.error_type or "",
        "slack_delivered": delivery.delivered,
        "slack_status": delivery.status,
        "degraded": report.degraded,
    }
    if delivery.detail:
        meta["slack_detail"] = delivery.detail
    if run_url:
        meta["run_url"] = dg.MetadataValue.url(run_url)
    return meta


class Sentinel:
    """One per process and settings: the store, the outbox and the Slack transport."""

    def __init__(self, settings: SentinelSettings) -> None:
        self.settings = settings
        self.store = IncidentStore(settings.database_url)
        self.outbox = Outbox(settings.database_url, burst=settings.slack_burst)
        self.transport = SlackTransport(settings)
        self.telemetry = Telemetry(settings.database_url)

    def observe_diagnosis(self, report: Report, seconds: float, path: str) -> None:
        """Sentinel's own metrics: diagnosis latency by brain, Gemini calls and tokens."""
        record_diagnosis(
            self.telemetry,
            brain=report.brain,
            path=path,
            seconds=seconds,
            gemini_outcome=report.gemini_outcome,
            gemini_tokens=report.gemini_tokens,
        )

    # -- delivery ------------------------------------------------------------------
    def _delivery(self, item: OutboxItem | None) -> Delivery:
        if item is None:
            return Delivery(delivered=False, status="missing")
        if item.status == "sent":
            return Delivery(delivered=True, status="sent")
        if not self.transport.configured:
            return Delivery(
                delivered=False,
                status="queued",
                detail="Slack is not configured (SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL); "
                "the message waits in the outbox.",
            )
        return Delivery(delivered=False, status=item.status, detail=item.last_error)

    def send(
        self,
        key: str,
        message: slack.Message,
        *,
        incident_id: str | None = None,
        kind: str = "post",
        parent_key: str | None = None,
        deliver: bool = True,
        channel: str | None = None,
    ) -> Delivery:
        """Queue a message and, unless told not to (sensor ticks), try to send it now."""
        self.outbox.enqueue(
            key,
            channel=channel or self.settings.slack_channel,
            message=message,
            kind=kind,  # type: ignore[arg-type]
            parent_key=parent_key,
            incident_id=incident_id,
        )
        if not deliver:
            return self._delivery(self.outbox.get(key))
        return self._delivery(self.outbox.deliver(key, self.transport))

    # -- the loop ----------------------------------------------------------------------
    def record(
        self,
        instance: dg.DagsterInstance | None,
        incident: Incident,
        evidence: Evidence,
        report: Report,
        *,
        runless: bool,
        rediagnosis_of: str | None = None,
        deliver: bool = True,
        deliver_thread: bool | None = None,
    ) -> dict[str, Any]:
        """Store the report, deliver it once, and (hook path) materialize it runlessly.

        `deliver=False` only queues (the drain sends); `deliver_thread` does the same for the
        thread reply alone (default: as `deliver`). Returns the materialization metadata.
        """
        thread_now = deliver if deliver_thread is None else deliver_thread
        evidence = redact_data(evidence)
        report = redact_data(report)
        report.fingerprint = incident.fingerprint
        run_url = self.settings.run_url(incident.last_run_id) if incident.last_run_id else None
        where = incident.job or incident.target or "Dagster"
        title = f"{where} · {incident.title or report.category.value}"
        markdown = redact(
            to_markdown(report, title=title, run_url=run_url, log_templates=evidence.log_templates)
            + context_markdown(evidence.context, report.runbooks_cited)
        )
        before = self.store.get(incident.id)
        shown_thread = (
            slack.render_report_thread(Report.model_validate_json(before.report_json))
            if before is not None and before.report_json
            else None
        )
        self.store.save_report(
            incident.id,
            report_json=report.model_dump_json(),
            category=report.category.value,
            severity=report.severity.value,
            brain=report.brain,
            evidence_json=evidence.model_dump_json(),
        )
        parent = post_key(incident.id)
        owners = [o for o in (incident.owners or "").split(",") if o]
        current = self.store.get(incident.id) or incident
        if current.status == "resolved":
            # A re-diagnosis after the fix: the message keeps saying resolved.
            message = slack.render_incident(
                current, report, run_url, resolved_note=_resolved_note(current)
            )
        else:
            message = slack.render_incident(
                incident,
                report,
                run_url,
                mention=slack.mentions(owners, self.settings.slack_mentions),
            )
        message = with_context(message, evidence.context, report.runbooks_cited)
        from dagster_sentinel.actions import (
            with_actions,  # remediation buttons that fit the diagnosis
        )

        message = with_actions(
            message, incident, evidence.tags, self.settings.remediation.policy_file
        )
        storm = self._storm(incident)
        thread_key: str | None = None
        if self.outbox.get(parent) is None and self._muted(incident):
            # Its job or asset is muted from Slack: counted and stored, posted when the mute
            # ends (a re-diagnosis then posts it).
            delivery = Delivery(delivered=False, status="muted", detail="muted from Slack")
        elif self.outbox.get(parent) is None and storm is not None:
            delivery = self._join_storm(incident, storm, deliver=deliver)
        elif self.outbox.get(parent) is None:
            delivery = self.send(
                parent,
                message,
                incident_id=incident.id,
                channel=self.channel_for(incident),
                deliver=deliver,
            )
            thread_key = f"{incident.id}:report"
        else:
            # Re-diagnosis: the parent message shows the new report; the thread says so.
            self.outbox.replace_payload(parent, message)
            tag = rediagnosis_of or f"{time.time():.0f}"
            delivery = self.send(
                f"{incident.id}:rediagnosis:{tag}:update",
                message,
                incident_id=incident.id,
                kind="update",
                parent_key=parent,
                deliver=deliver,
            )
            # The thread gets the new report only if it reads differently: the sensor path's
            # first (offline) report is often what the rca_report run finds again.
            if slack.render_report_thread(report) != shown_thread:
                thread_key = f"{incident.id}:rediagnosis:{tag}:reply"
        if thread_key is not None and self.transport.threads:
            self.send(
                thread_key,
                slack.render_report_thread(report),
                incident_id=incident.id,
                kind="reply",
                parent_key=parent,
                deliver=thread_now,
            )
        metadata = report_metadata(incident, report, markdown, run_url, delivery)
        if runless and instance is not None:
            instance.add_dynamic_partitions(INCIDENT_PARTITIONS, [incident.id])
            instance.report_runless_asset_event(
                dg.AssetMaterialization(
                    asset_key=RCA_ASSET_KEY,
                    partition=incident.id,
                    description=report.summary[:500],
                    metadata=metadata,
                )
            )
        return metadata

    def channel_for(self, incident: Incident) -> str:
        return slack.route(
            self.settings.slack_routes,
            self.settings.slack_channel,
            job=incident.job,
            asset=incident.asset,
            owners=[o for o in (incident.owners or "").split(",") if o],
            group=incident.group,
            location=incident.location,
        )

    def _storm(self, incident: Incident) -> list[Incident] | None:
        """The incidents opened in this incident's storm window, when they are too many."""
        window = self.settings.storm_window_s
        bucket_start = incident.first_seen - incident.first_seen % window
        opened = self.store.opened_between(bucket_start, bucket_start + window)
        if len(opened) <= self.settings.storm_threshold:
            return None
        # The first N of the window were posted on their own; the rest join the digest.
        ranked = sorted(opened, key=lambda i: (i.first_seen, i.id))
        if incident.id in {i.id for i in ranked[: self.settings.storm_threshold]}:
            return None
        return ranked[self.settings.storm_threshold :]

    def _join_storm(
        self, incident: Incident, members: list[Incident], *, deliver: bool = True
    ) -> Delivery:
        window = self.settings.storm_window_s
        digest = f"storm:{int(incident.first_seen // window)}"
        channel = self.settings.slack_channel
        self.outbox.merge_into(
            post_key(incident.id), digest, channel=channel, incident_id=incident.id
        )
        message = slack.render_storm(members, self.settings.ui_url, window)
        version = len(members)  # the member list only grows within a window
        created = self.outbox.enqueue(digest, channel=channel, message=message, seq=version)
        if created or self.outbox.replace_payload(digest, message, seq=version):
            if not deliver:
                return self._delivery(self.outbox.get(digest))
            return self._delivery(self.outbox.deliver(digest, self.transport))
        # The digest is out, or on its way as it was: an update (sent after it) says more.
        return self.send(
            f"{digest}:update:{version}",
            message,
            kind="update",
            parent_key=digest,
            deliver=deliver,
        )

    def notify_repeat(self, registration: Registration) -> Delivery:
        """Queue a threaded "seen again"; repeats coalesce into the reply still pending.

        Repeats are never sent inline: during a burst the drain sends one reply per
        incident per round, carrying the latest count, instead of one per failed run.
        A reply already being sent (or tried) is left alone: the new count becomes a
        reply of its own, so Slack ends up told the final count.
        """
        incident = registration.incident
        if self._muted(incident):
            return Delivery(delivered=False, status="muted", detail="muted from Slack")
        run_url = self.settings.run_url(incident.last_run_id) if incident.last_run_id else None
        message = slack.render_repeat(incident, run_url)
        pending = self.outbox.pending_for(
            incident.id, kind="reply", key_prefix=f"{incident.id}:repeat:"
        )
        if pending is not None and self.outbox.replace_payload(
            pending.key, message, seq=incident.occurrences
        ):
            return self._delivery(self.outbox.get(pending.key))
        key = f"{incident.id}:repeat:{incident.occurrences}"
        self.outbox.enqueue(
            key,
            channel=self.settings.slack_channel,
            message=message,
            kind="reply",
            parent_key=post_key(incident.id),
            incident_id=incident.id,
            seq=incident.occurrences,
        )
        return self._delivery(self.outbox.get(key))

    def _muted(self, incident: Incident) -> bool:
        """A mute set from Slack (`sentinel serve`) holds back repeats, and new incidents of a
        muted job or asset; they are still counted and stored, and the mute counts what it
        held back."""
        from dagster_sentinel.timeline import TimelineStore, mute_keys

        timeline = TimelineStore(self.settings.database_url)
        mute = timeline.active_mute(mute_keys(incident))
        if mute is None:
            return False
        timeline.count_suppressed(mute.key)
        return True

    def notify_resolved(
        self,
        incident: Incident,
        run_id: str | None,
        *,
        deliver: bool = True,
        note: str | None = None,
    ) -> Delivery:
        """Edit the original message to say resolved, with the time to recovery (or `note`,
        e.g. "recovered automatically after 2 attempts, 4 min" from dagster_sentinel.selfheal)."""
        note = note or _resolved_note(incident, run_id)
        report = Report.model_validate_json(incident.report_json) if incident.report_json else None
        run_url = self.settings.run_url(run_id) if run_id else None
        if report is None:
            message = slack.render_degraded(incident.title or "Incident", note, "resolved", run_url)
        else:
            message = slack.render_incident(incident, report, run_url, resolved_note=note)
            message = with_context(message, stored_context(incident), report.runbooks_cited)
        parent = post_key(incident.id)
        self.outbox.replace_payload(parent, message)
        return self.send(
            f"{incident.id}:resolved",
            message,
            incident_id=incident.id,
            kind="update",
            parent_key=parent,
            deliver=deliver,
        )

    def degraded(
        self, *, key: str, title: str, where: str, error: str, run_id: str | None
    ) -> Delivery:
        """Sentinel itself failed: send a degraded report rather than nothing."""
        run_url = self.settings.run_url(run_id) if run_id else None
        message = slack.render_degraded(title, where, redact(error)[-1500:], run_url)
        return self.send(f"degraded:{key}", message)


def _resolved_note(incident: Incident, run_id: str | None = None) -> str:
    run = run_id or incident.resolved_by_run_id or "?"
    return f"Resolved by run {run[:8]} after {_duration(incident.mttr_s or 0.0)}."


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def last_resort(settings: SentinelSettings | None, title: str, error: BaseException) -> None:
    """When even the store is unusable: post directly, else append to a local file."""
    text = f"{title}: Sentinel failed ({type(error).__name__}: {error})"
    log.error(redact(text))
    if settings is not None:
        try:
            SlackTransport(settings).post(
                settings.slack_channel, slack.render_degraded(title, "", redact(str(error)), None)
            )
            return
        except SentinelError as e:
            log.error("Slack unreachable for the degraded report: %s", e)
        path = settings.state_dir / "undelivered.jsonl"
    else:
        path = Path.cwd() / "sentinel-undelivered.jsonl"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(
                json.dumps({"at": time.time(), "title": title, "error": redact(str(error))}) + "\n"
            )
    except OSError as e:
        log.error("cannot write %s: %s", path, e)
