"""What to do about a finished run: pure-ish decisions over the store, no remote calls."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import dagster as dg
from pydantic import BaseModel

from dagster_sentinel import slack
from dagster_sentinel.evidence import failure_of, from_run
from dagster_sentinel.incidents import FailureSource, Incident, is_retried
from dagster_sentinel.rca import INCIDENT_PARTITIONS, RCA_JOB_NAME
from dagster_sentinel.reporting import Sentinel
from dagster_sentinel.timeline import add_last_time
from sentinel_brain.diagnose import diagnose
from sentinel_brain.models import Evidence, Report
from sentinel_brain.redact import redact_data


class Decision(BaseModel):
    reason: str
    partition_key: str | None = None


def on_failed_run(
    sentinel: Sentinel,
    instance: dg.DagsterInstance,
    run: dg.DagsterRun,
    *,
    deliver_first: bool = True,
) -> Decision:
    """Register a failed run; post a new incident's offline report (sent now unless
    `deliver_first` is False) and request an RCA run to enrich it."""
    if run.job_name == RCA_JOB_NAME:
        incident_id = run.tags.get("dagster/partition", "?")
        # The asset already queued a degraded report under this key when it could.
        sentinel.outbox.enqueue(
            f"degraded:rca:{incident_id}",
            channel=sentinel.settings.slack_channel,
            message=slack.render_degraded(
                f"Sentinel could not diagnose incident {incident_id}",
                f"RCA run {run.run_id}",
                "the RCA run failed; see its logs",
                sentinel.settings.run_url(run.run_id),
            ),
        )
        return Decision(
            reason=f"Sentinel's own RCA run {run.run_id} failed: degraded report queued"
        )
    if is_retried(run.tags):
        return Decision(reason=f"run {run.run_id} will be retried")
    if sentinel.store.run_registered(run.run_id):
        return Decision(reason=f"run {run.run_id} already reported by the failure hook")
    return open_incident(
        sentinel,
        instance,
        from_run(instance, run, sentinel.settings.state_dir),
        "sensor",
        deliver_first=deliver_first,
    )


def open_incident(
    sentinel: Sentinel,
    instance: dg.DagsterInstance,
    evidence: Evidence,
    source: FailureSource,
    *,
    deliver_first: bool = True,
) -> Decision:
    """Register a finding (failed run or health check) from a sensor tick.

    A new incident gets its stored evidence and a partition, and the caller requests an
    RCA run for it; a repeat queues a threaded "seen again". A failed run's new incident also
    gets its offline report posted at once (`first_report`): the only remote call here, one
    bounded Slack post.
    """
    registration = sentinel.store.register(
        failure_of(evidence, source), window_s=sentinel.settings.incident_window_h * 3600
    )
    incident = registration.incident
    what = (
        f"run {evidence.run_id}"
        if evidence.run_id
        else f"{evidence.kind.value} {evidence.asset or evidence.job or incident.target}"
    )
    if registration.outcome == "duplicate":
        return Decision(reason=f"{what} already registered")
    if registration.outcome == "repeat":
        sentinel.notify_repeat(registration)
        _self_heal(sentinel, instance, incident, evidence)
        return Decision(reason=f"{what}: repeat of incident {incident.id}")
    evidence.recurrence = sentinel.store.earlier_incidents(incident.fingerprint, incident.id)
    # A resolution note left from Slack the last time ("last time: …") reaches the brain.
    add_last_time(sentinel.settings.database_url, incident, evidence.events)
    sentinel.store.save_evidence(incident.id, redact_data(evidence).model_dump_json())
    instance.add_dynamic_partitions(INCIDENT_PARTITIONS, [incident.id])
    if source == "sensor":
        first_report(sentinel, incident, evidence, deliver=deliver_first)
    return Decision(reason=f"{what}: new incident {incident.id}", partition_key=incident.id)


# In a sweep (hundreds of runs a tick), first reports are posted from the tick only during
# its first seconds; the rest wait in the outbox for the drain. Each post is itself bounded
# by the outbox's pacing wait (3 s) and the Slack client's timeout (10 s).
FIRST_REPORT_BUDGET_S = 10.0


def first_report(
    sentinel: Sentinel, incident: Incident, evidence: Evidence, *, deliver: bool
) -> None:
    """Post the offline diagnosis at once; the RCA run only enriches it.

    The analyzers need no network (no Gemini here), so a failure without the hook reaches
    Slack within one sensor tick instead of after a whole RCA run, which then updates the
    same message (Gemini, re-diagnosis). The thread reply waits for the drain so that the
    channel's pacing goes to first reports.
    """
    started = time.perf_counter()
    report = diagnose(evidence)  # settings=None: the offline analyzers only, no network
    sentinel.observe_diagnosis(report, time.perf_counter() - started, "sensor")
    sentinel.record(
        None, incident, evidence, report, runless=False, deliver=deliver, deliver_thread=False
    )


def _self_heal(
    sentinel: Sentinel, instance: dg.DagsterInstance, incident: Incident, evidence: Evidence
) -> None:
    """A repeat of a diagnosed failure (e.g. a failed automatic retry of a job without the
    hook): the known diagnosis decides the next automatic retry (dagster_sentinel.selfheal)."""
    if not evidence.run_id or not incident.report_json:
        return
    from dagster_sentinel.selfheal import after_report

    report = Report.model_validate_json(incident.report_json)
    after_report(sentinel, instance, incident, report, evidence, evidence.run_id, evidence.tags)


def on_successful_run(sentinel: Sentinel, run: dg.DagsterRun) -> int:
    """Resolve the job's open incidents; queue the 'resolved' edit of their messages."""
    if run.job_name == RCA_JOB_NAME:
        return 0
    resolved = sentinel.store.resolve(target=run.job_name, run_id=run.run_id)
    for incident in resolved:
        sentinel.notify_resolved(incident, run.run_id, deliver=False)
    return len(resolved)


class Sweep(BaseModel):
    partition_keys: list[str] = []
    cursor: str
    summary: str


SWEEP_OVERLAP_S = 5.0
SWEEP_START_S = 15 * 60.0


def sweep_failed_runs(
    sentinel: Sentinel,
    instance: dg.DagsterInstance,
    cursor: str | None,
    *,
    limit: int = 500,
    deadline_s: float = 40.0,
) -> Sweep:
    """Register every failed run updated since the cursor, oldest first, within a deadline.

    The cursor is the update time of the last run handled; a small overlap re-reads the
    edge (registration is idempotent per run), so runs updated in the same instant are
    never skipped.
    """
    started = time.time()
    since = float(cursor) if cursor else started - SWEEP_START_S
    records = instance.get_run_records(
        dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.FAILURE],
            updated_after=datetime.fromtimestamp(since - SWEEP_OVERLAP_S, tz=UTC),
        ),
        limit=limit,
        order_by="update_timestamp",
        ascending=True,
    )
    keys: list[str] = []
    handled = 0
    newest = since
    for record in records:
        if time.time() - started > deadline_s:
            break
        run = record.dagster_run
        if not sentinel.store.run_registered(run.run_id):
            decision = on_failed_run(
                sentinel,
                instance,
                run,
                deliver_first=time.time() - started < FIRST_REPORT_BUDGET_S,
            )
            if decision.partition_key is not None:
                keys.append(decision.partition_key)
        handled += 1
        newest = max(newest, record.update_timestamp.timestamp())
    return Sweep(
        partition_keys=keys,
        cursor=f"{newest:.6f}",
        summary=f"swept {handled} failed run(s), {len(keys)} new incident(s)",
    )
