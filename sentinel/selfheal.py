"""Self-healing: decide automatic retries where incidents are reported, launch them from a
sensor through the webserver's GraphQL API, and follow them to recovery or escalation.

- `after_report` is the one small call the reporting paths make (the failure hook, and the
  RCA asset for runs the hook did not see): it applies `dagster_sentinel.remediation`'s policy and,
  when a retry is due, stores it (`dagster_sentinel.remediation_store`) and says so in Slack.
- `sentinel_remediation_sensor` launches due retries (and second stages of actions), first
  looking for a run that already carries the same `sentinel/remediation_of` and
  `sentinel/attempt` tags, so a daemon restart neither loses nor duplicates a launch; then
  follows launched runs: success resolves the incident ("recovered automatically after …"),
  failure is shown on the chain's message (the failed run's own report decides what next).

Every step is written to the incident's timeline (`dagster_sentinel.timeline`).
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Mapping
from typing import Any

import dagster as dg

from dagster_sentinel import slack
from dagster_sentinel.actions import ActionName, ActionRunner, approval_for, load_policy
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.dagster_api import DagsterApiError, DagsterClient, DagsterUnreachable
from dagster_sentinel.errors import SentinelError
from dagster_sentinel.incidents import Incident
from dagster_sentinel.remediation import (
    ATTEMPT_TAG,
    BUDGET_TEXT,
    BUDGET_WINDOW_S,
    REMEDIATION_OF_TAG,
    RetryDecision,
    RetryPolicy,
    chain_of,
    decide_retry,
    duration,
    exhausted_text,
    opted_in,
    recovered_text,
    scheduled_text,
    wait_hint_s,
)
from dagster_sentinel.remediation_store import Remediation, RemediationStore, retry_key
from dagster_sentinel.reporting import Sentinel, post_key
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.timeline import TimelineStore
from sentinel_brain.models import Evidence, Report

log = logging.getLogger("dagster_sentinel.selfheal")

CANCEL = "sentinel_autoretry_cancel"
AUTO_ACTOR = "sentinel"
TICK_DEADLINE_S = 45.0  # sensor ticks time out at 60 s


def _texts(evidence: Evidence | None, report: Report | None) -> list[str]:
    """Where a Retry-After or reset time can be: the failure text, messages, logs, events."""
    out: list[str] = []
    if evidence is not None:
        out += [evidence.text, evidence.logs, *evidence.events]
        out += [e.message for e in evidence.exceptions]
    if report is not None:
        out.append(report.error_message or "")
        if report.top is not None:
            out += report.top.evidence
    return out


def policy_of(settings_remediation: Any) -> RetryPolicy:
    r = settings_remediation
    return RetryPolicy(
        min_confidence=r.min_confidence,
        delay_s=r.delay_s,
        max_delay_s=r.max_delay_s,
        max_attempts=r.max_attempts,
        budget=r.budget,
    )


def after_report(
    sentinel: Sentinel,
    instance: dg.DagsterInstance | None,
    incident: Incident,
    report: Report | None,
    evidence: Evidence | None,
    run_id: str | None,
    run_tags: Mapping[str, str],
    *,
    now: float | None = None,
    jitter: float | None = None,
) -> RetryDecision | None:
    """Decide (and schedule) an automatic retry of a reported failure. Never raises."""
    try:
        return _after_report(
            sentinel, instance, incident, report, evidence, run_id, run_tags, now, jitter
        )
    except Exception:  # noqa: BLE001 - self-healing must never break the report path
        log.exception("Sentinel could not decide an automatic retry")
        return None


def _after_report(
    sentinel: Sentinel,
    instance: dg.DagsterInstance | None,
    incident: Incident,
    report: Report | None,
    evidence: Evidence | None,
    run_id: str | None,
    run_tags: Mapping[str, str],
    now: float | None,
    jitter: float | None,
) -> RetryDecision | None:
    from dagster_sentinel.hooks import will_be_retried

    cfg = sentinel.settings.remediation
    if incident.kind != "failure" or not run_id or report is None:
        return None
    opted = opted_in(
        run_tags,
        cfg.auto_retry,
        job=incident.job,
        asset=incident.asset,
        group=incident.group,
        location=incident.location,
    )
    if not opted:
        return None
    if approval_for(load_policy(cfg.policy_file), ActionName.REEXECUTE_FROM_FAILURE, incident) == (
        "never"
    ):
        return None
    now = time.time() if now is None else now
    store = RemediationStore(sentinel.settings.database_url)
    timeline = TimelineStore(sentinel.settings.database_url)
    run = instance.get_run_by_id(run_id) if instance is not None else None
    if run is not None and run.status in (
        dg.DagsterRunStatus.CANCELING,
        dg.DagsterRunStatus.CANCELED,
    ):
        # Someone (or a remediation action) stopped this run on purpose: never undo that.
        timeline.record(
            incident.id,
            actor=AUTO_ACTOR,
            action="auto_retry",
            result="skipped",
            detail="the run was canceled",
            run_id=run_id,
            now=now,
        )
        return None
    chain = chain_of(run_id, run_tags)
    top = report.top
    decision = decide_retry(
        opted=True,
        category=report.category.value,
        confidence=float(top.confidence) if top is not None else 0.0,
        dagster_will_retry=bool(
            instance is not None
            and instance.run_retries_enabled
            and will_be_retried(run_tags, instance.run_retries_max_retries)
        ),
        chain=chain,
        launches_in_window=store.automatic_since(now - BUDGET_WINDOW_S),
        policy=policy_of(cfg),
        jitter=random.random() if jitter is None else jitter,  # noqa: S311 - jitter, not crypto
        hint_s=wait_hint_s(_texts(evidence, report), now),
    )
    chain_rows = store.chain(chain.original_run_id)
    # The chain's messages live on the incident that started it.
    home = chain_rows[0].incident_id if chain_rows else incident.id
    if decision.outcome == "schedule":
        row, fresh = store.add(
            key=retry_key(chain.original_run_id, decision.attempt),
            incident_id=incident.id,
            kind="auto_retry",
            action=ActionName.REEXECUTE_FROM_FAILURE.value,
            remediation_of=chain.original_run_id,
            attempt=decision.attempt,
            target_run_id=run_id,
            status="scheduled",
            due_at=now + decision.delay_s,
            requested_by=AUTO_ACTOR,
            approved_by="policy:auto_retry",
            category=decision.category,
            confidence=decision.confidence,
            detail=scheduled_text(decision, cfg.max_attempts),
            created_at=now,
            updated_at=now,
        )
        if fresh:
            timeline.record(
                incident.id,
                actor=AUTO_ACTOR,
                action="auto_retry",
                result="scheduled",
                detail=f"attempt {decision.attempt}: {decision.reason}, in "
                f"{decision.delay_s:.0f} s",
                run_id=run_id,
                now=now,
            )
            show_chain(sentinel, store, home, chain.original_run_id)
        return decision
    if decision.outcome in ("exhausted", "budget"):
        timeline.record(
            incident.id,
            actor=AUTO_ACTOR,
            action="auto_retry",
            result=decision.outcome,
            detail=decision.reason,
            run_id=run_id,
            now=now,
        )
        if decision.outcome == "exhausted":
            _escalate(sentinel, home, incident, chain.original_run_id, decision.attempt)
        else:
            _budget_paused(sentinel, home, chain.original_run_id, decision.attempt)
        show_chain(sentinel, store, home, chain.original_run_id)
        return decision
    # Not transient, not confident enough, or Dagster's own retry: nothing scheduled.
    timeline.record(
        incident.id,
        actor=AUTO_ACTOR,
        action="auto_retry",
        result="skipped",
        detail=decision.reason,
        run_id=run_id,
        now=now,
    )
    if chain_rows:
        show_chain(sentinel, store, home, chain.original_run_id, stopped=decision.reason)
    return decision


# --- Slack ------------------------------------------------------------------------------------


def chain_key(incident_id: str, original_run_id: str) -> str:
    return f"{incident_id}:autoretry:{original_run_id}"


def chain_message(
    rows: list[Remediation], max_attempts: int, now: float, stopped: str | None = None
) -> slack.Message:
    """The chain's threaded message: the plan, each attempt's outcome, Cancel while waiting."""
    lines: list[str] = []
    cancel: Remediation | None = None
    for row in rows:
        what = row.detail if row.status == "scheduled" else None
        if row.status == "scheduled":
            left = max(row.due_at - now, 0.0)
            lines.append(
                f":hourglass_flowing_sand: {slack.escape(what or '')} (in {duration(left)})"
            )
            cancel = row
        elif row.status in ("launching", "launched"):
            lines.append(
                f":arrows_counterclockwise: Attempt {row.attempt} of {max_attempts} running"
                + (f": run `{row.run_id[:8]}`" if row.run_id else "")
            )
        elif row.status == "succeeded":
            lines.append(
                f":white_check_mark: Attempt {row.attempt} succeeded "
                f"(run `{(row.run_id or '?')[:8]}`)"
            )
        elif row.status == "failed":
            lines.append(f":x: Attempt {row.attempt} failed (run `{(row.run_id or '?')[:8]}`)")
        elif row.status == "canceled":
            lines.append(
                f":no_entry_sign: Attempt {row.attempt} canceled"
                + (
                    f" by <@{row.approved_by}>"
                    if row.approved_by and row.approved_by[0] in "UW"
                    else ""
                )
                + (f": {slack.escape(row.detail or '')}" if row.detail else "")
            )
        elif row.status == "error":
            lines.append(
                f":warning: Attempt {row.attempt} could not launch: "
                f"{slack.escape(row.detail or '')}"
            )
    if stopped:
        lines.append(f":octagonal_sign: Auto-retry stopped: {slack.escape(stopped)}")
    text = "\n".join(lines) or "Auto-retry"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": slack.truncate(text, 2900)}}
    ]
    if cancel is not None:
        blocks.append(
            {
                "type": "actions",
                "block_id": "sentinel_autoretry",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Cancel"},
                        "action_id": CANCEL,
                        "value": cancel.key,
                        "style": "danger",
                    }
                ],
            }
        )
    first = rows[0].detail if rows else "Auto-retry"
    return {"text": slack.truncate(first or "Auto-retry", 300), "blocks": blocks}


def show_chain(
    sentinel: Sentinel,
    store: RemediationStore,
    incident_id: str,
    original_run_id: str,
    *,
    stopped: str | None = None,
    now: float | None = None,
) -> None:
    """Post the chain's message once, then edit it in place with each change."""
    rows = store.chain(original_run_id)
    if not rows:
        return
    now = time.time() if now is None else now
    message = chain_message(rows, sentinel.settings.remediation.max_attempts, now, stopped)
    key = chain_key(incident_id, original_run_id)
    if sentinel.outbox.get(key) is None:
        sentinel.send(
            key, message, incident_id=incident_id, kind="reply", parent_key=post_key(incident_id)
        )
        return
    sentinel.outbox.replace_payload(key, message)
    digest = hashlib.sha256(repr(message).encode()).hexdigest()[:12]
    sentinel.send(
        f"{key}:edit:{digest}", message, incident_id=incident_id, kind="update", parent_key=key
    )


def _reply(sentinel: Sentinel, incident_id: str, key: str, text: str, extra: list[Any]) -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": slack.truncate(text, 2900)}},
        *extra,
    ]
    sentinel.send(
        key,
        {"text": slack.truncate(text, 300), "blocks": blocks},
        incident_id=incident_id,
        kind="reply",
        parent_key=post_key(incident_id),
    )


def _escalate(
    sentinel: Sentinel, home: str, incident: Incident, original_run_id: str, attempts: int
) -> None:
    owners = [o for o in (incident.owners or "").split(",") if o]
    text = exhausted_text(
        attempts,
        slack.mentions(owners, sentinel.settings.slack_mentions),
        sentinel.settings.remediation.here_on_exhaustion,
    )
    _reply(sentinel, home, f"{chain_key(home, original_run_id)}:exhausted", text, [])


def _budget_paused(sentinel: Sentinel, home: str, original_run_id: str, attempt: int) -> None:
    # The report's own "Re-execute from failure" button, repeated here: a retry by hand.
    button = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Retry by hand"},
                "action_id": "sentinel_reexecute",
                "value": home,
                "style": "primary",
            }
        ],
    }
    _reply(
        sentinel,
        home,
        f"{chain_key(home, original_run_id)}:budget:{attempt}",
        f":pause_button: {BUDGET_TEXT}: too many automatic retries across the instance in "
        "the last 10 minutes.",
        [button],
    )


# --- Cancel (the ChatOps app's listener calls this) ---------------------------------------


def cancel(sentinel: Sentinel, key: str, user: str) -> str:
    """Cancel a scheduled automatic retry; idempotent. Returns what the user is told."""
    store = RemediationStore(sentinel.settings.database_url)
    row = store.get(key)
    if row is None or row.kind != "auto_retry":
        return "Unknown automatic retry."
    if not store.transition(
        key, ("scheduled",), "canceled", approved_by=user, detail="canceled from Slack"
    ):
        current = store.get(key)
        status = current.status if current else "gone"
        return f"Too late to cancel: this retry is {status}."
    TimelineStore(sentinel.settings.database_url).record(
        row.incident_id,
        actor=user,
        action="auto_retry",
        result="canceled",
        detail=f"attempt {row.attempt}",
        run_id=row.target_run_id,
    )
    home = store.chain(row.remediation_of)[0].incident_id
    show_chain(sentinel, store, home, row.remediation_of, stopped="canceled from Slack")
    return f"Canceled automatic retry attempt {row.attempt}."


# --- the sensor's work ----------------------------------------------------------------------


def existing_run(client: DagsterClient, row: Remediation) -> str | None:
    """A run already launched for this retry (same remediation_of and attempt tags)."""
    for run in client.runs_with_tag(REMEDIATION_OF_TAG, row.remediation_of, limit=50):
        if run.tags.get(ATTEMPT_TAG) == str(row.attempt):
            return run.run_id
    return None


def tick(
    sentinel: Sentinel, client: DagsterClient, *, deadline_s: float = TICK_DEADLINE_S
) -> dict[str, int]:
    """One pass: launch due retries, advance two-step actions, follow launched runs."""
    started = time.time()
    counts = {"launched": 0, "adopted": 0, "finished": 0, "canceled": 0, "errors": 0}
    store = RemediationStore(sentinel.settings.database_url)
    timeline = TimelineStore(sentinel.settings.database_url)

    def time_left() -> bool:
        return time.time() - started < deadline_s

    for row in store.due(time.time()):
        if not time_left():
            break
        if row.kind != "auto_retry" or not store.claim(row):
            continue
        try:
            _launch_retry(sentinel, store, timeline, client, row, counts)
        except DagsterUnreachable as e:
            # Nothing ran (or we cannot tell yet): back to scheduled; the next tick looks
            # for an existing run first, so this never launches twice.
            store.transition(row.key, ("launching",), "scheduled", detail=row.detail)
            log.warning("Dagster unreachable, retry %s stays scheduled: %s", row.key, e)
            counts["errors"] += 1
            break
    runner = ActionRunner(client, store, timeline)
    for row in store.running():
        if not time_left():
            break
        try:
            if row.status == "stage2":
                what = runner.advance(row)
                if what:
                    timeline.record(
                        row.incident_id,
                        actor=AUTO_ACTOR,
                        action=row.action,
                        result="stage2",
                        detail=what,
                        run_id=row.run_id,
                    )
                continue
            _follow(sentinel, store, timeline, client, row, counts)
        except DagsterUnreachable as e:
            log.warning("Dagster unreachable while following %s: %s", row.key, e)
            counts["errors"] += 1
            break
        except DagsterApiError as e:
            log.warning("cannot follow %s: %s", row.key, e)
            counts["errors"] += 1
    # Send what this tick wrote to Slack now (bounded), rather than at the outbox's next tick.
    left = deadline_s - (time.time() - started)
    if left > 1.0:
        sentinel.outbox.drain(sentinel.transport, deadline_s=min(left, 10.0))
    return counts


def _launch_retry(
    sentinel: Sentinel,
    store: RemediationStore,
    timeline: TimelineStore,
    client: DagsterClient,
    row: Remediation,
    counts: dict[str, int],
) -> None:
    home = store.chain(row.remediation_of)[0].incident_id
    incident = sentinel.store.get(row.incident_id)
    found = existing_run(client, row)
    if found is not None:
        store.transition(row.key, ("launching",), "launched", run_id=found, launched_at=time.time())
        timeline.record(
            row.incident_id,
            actor=AUTO_ACTOR,
            action="auto_retry",
            result="adopted",
            detail=f"attempt {row.attempt} was already launched",
            run_id=found,
        )
        counts["adopted"] += 1
        show_chain(sentinel, store, home, row.remediation_of)
        return
    if incident is not None and _recovered_since(client, incident, row):
        store.transition(row.key, ("launching",), "canceled", detail="the job recovered meanwhile")
        counts["canceled"] += 1
        show_chain(sentinel, store, home, row.remediation_of)
        return
    assert row.target_run_id is not None
    try:
        run = client.reexecute(
            row.target_run_id,
            strategy="FROM_FAILURE",
            tags={
                REMEDIATION_OF_TAG: row.remediation_of,
                ATTEMPT_TAG: str(row.attempt),
                "sentinel/approved_by": "policy:auto_retry",
            },
        )
    except DagsterUnreachable:
        raise
    except DagsterApiError as e:
        store.transition(row.key, ("launching",), "error", detail=str(e)[:500])
        timeline.record(
            row.incident_id,
            actor=AUTO_ACTOR,
            action="auto_retry",
            result="error",
            detail=str(e)[:500],
            run_id=row.target_run_id,
        )
        counts["errors"] += 1
        show_chain(sentinel, store, home, row.remediation_of)
        return
    store.transition(
        row.key, ("launching",), "launched", run_id=run.run_id, launched_at=time.time()
    )
    timeline.record(
        row.incident_id,
        actor=AUTO_ACTOR,
        action="auto_retry",
        result="launched",
        detail=f"attempt {row.attempt}: re-execute {row.target_run_id} from failure",
        run_id=run.run_id,
    )
    counts["launched"] += 1
    show_chain(sentinel, store, home, row.remediation_of)


def _recovered_since(client: DagsterClient, incident: Incident, row: Remediation) -> bool:
    """Did a run that started after this retry's failed run ended resolve the incident?

    Then the retry is moot. A resolution by a run that was already going when the target
    failed (an earlier retry finishing) does not count: this failure is newer.
    """
    if incident.status == "open" or not incident.resolved_by_run_id or not row.target_run_id:
        return False
    resolver = client.run(incident.resolved_by_run_id)
    failed = client.run(row.target_run_id)
    if resolver is None or failed is None:
        return False
    return (resolver.start_time or 0.0) >= (failed.end_time or float("inf"))


def _follow(
    sentinel: Sentinel,
    store: RemediationStore,
    timeline: TimelineStore,
    client: DagsterClient,
    row: Remediation,
    counts: dict[str, int],
) -> None:
    if not row.run_id:
        return
    run = client.run(row.run_id)
    if run is None or not run.finished:
        return
    status = "succeeded" if run.status == "SUCCESS" else "failed"
    finished_at = run.end_time or time.time()
    if not store.transition(row.key, ("launched",), status, finished_at=finished_at):
        return
    counts["finished"] += 1
    timeline.record(
        row.incident_id,
        actor=AUTO_ACTOR,
        action=row.action if row.kind == "action" else "auto_retry",
        result=status,
        run_id=row.run_id,
    )
    if row.kind != "auto_retry":
        return
    rows = store.chain(row.remediation_of)
    home = rows[0].incident_id
    if status == "succeeded":
        elapsed = finished_at - rows[0].created_at
        note = recovered_text(row.attempt, elapsed)
        for incident_id in dict.fromkeys(r.incident_id for r in rows):
            incident = sentinel.store.get(incident_id)
            if incident is None or incident.status != "open":
                continue
            resolved = sentinel.store.resolve_one(incident, run_id=row.run_id)
            if resolved is not None:
                sentinel.notify_resolved(
                    resolved,
                    row.run_id,
                    deliver=False,
                    note=f"{note[0].upper()}{note[1:]} (run {(row.run_id or '?')[:8]}).",
                )
        timeline.record(
            home,
            actor=AUTO_ACTOR,
            action="auto_retry",
            result="recovered",
            detail=note,
            run_id=row.run_id,
        )
        show_chain(sentinel, store, home, row.remediation_of)
        _reply(
            sentinel,
            home,
            f"{chain_key(home, row.remediation_of)}:recovered",
            f":white_check_mark: {note}.",
            [],
        )
        return
    show_chain(sentinel, store, home, row.remediation_of)


def client_for(config: SentinelConfig) -> DagsterClient:
    return DagsterClient(config.serve.graphql_url(), timeout_s=config.remediation.launch_timeout_s)


@dg.sensor(
    name="sentinel_remediation_sensor",
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Launches scheduled automatic retries and remediation actions through the "
    "webserver's GraphQL API, exactly once, and follows them to recovery.",
)
def sentinel_remediation_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SkipReason:
    config = sentinel.resolved()
    s = sentinel_for(config, context.instance)
    client = client_for(config)
    try:
        counts = tick(s, client)
    except SentinelError as e:
        return dg.SkipReason(f"remediation tick failed: {e}")
    finally:
        client.close()
    return dg.SkipReason(", ".join(f"{k} {v}" for k, v in counts.items()))
