"""The typed remediation catalog: what Sentinel can do about an incident, how risky it is,
and who must agree first.

Actions (all through Dagster's GraphQL API, `dagster_sentinel.dagster_api`):

- `reexecute_from_failure`, `reexecute_all_steps`: re-execute the incident's failed run;
- `materialize_upstream`: materialize the missing upstream asset partition, then re-execute
  from failure (offered for `missing_input` when the asset graph names the upstream);
- `terminate_and_relaunch`: terminate a stuck or long-running run, then launch it again;
- `pause_automation`, `resume_automation`: stop (and restart) the schedule or sensor that
  launched the failing runs.

Approval policy per action and selector comes from a YAML file (`SENTINEL_REMEDIATION_FILE`)::

    default: approve                 # every action not listed below
    actions:
      reexecute_from_failure: approve
      terminate_and_relaunch: never
    selectors:                       # same selectors (and matcher) as SENTINEL_SLACK_ROUTES
      job:nightly_refresh:
        reexecute_from_failure: auto

`auto` runs on anyone's request, `approve` needs an approver, `never` is not offered. The
choice of actions and the policy are pure functions here; `run_action` executes one,
records it on the incident timeline (who approved, what ran, the result) and is idempotent
(one row per incident, action and run in `dagster_sentinel.remediation_store`).
"""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from dagster_sentinel import slack
from dagster_sentinel.dagster_api import DagsterApiError, DagsterClient, RunInfo
from dagster_sentinel.errors import ConfigurationError, SentinelError
from dagster_sentinel.incidents import Incident
from dagster_sentinel.remediation import ATTEMPT_TAG, REMEDIATION_OF_TAG
from dagster_sentinel.remediation_store import Remediation, RemediationStore
from dagster_sentinel.timeline import TimelineStore
from sentinel_brain.models import Report


class ActionName(StrEnum):
    REEXECUTE_FROM_FAILURE = "reexecute_from_failure"
    REEXECUTE_ALL_STEPS = "reexecute_all_steps"
    MATERIALIZE_UPSTREAM = "materialize_upstream"
    TERMINATE_AND_RELAUNCH = "terminate_and_relaunch"
    PAUSE_AUTOMATION = "pause_automation"
    RESUME_AUTOMATION = "resume_automation"


Risk = Literal["low", "medium", "high"]
Approval = Literal["auto", "approve", "never"]


class ActionSpec(BaseModel):
    name: ActionName
    label: str
    risk: Risk
    description: str


CATALOG: dict[ActionName, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            name=ActionName.REEXECUTE_FROM_FAILURE,
            label="Re-execute from failure",
            risk="low",
            description="Re-run the failed steps and what follows them.",
        ),
        ActionSpec(
            name=ActionName.REEXECUTE_ALL_STEPS,
            label="Re-execute all steps",
            risk="medium",
            description="Re-run every step of the failed run.",
        ),
        ActionSpec(
            name=ActionName.MATERIALIZE_UPSTREAM,
            label="Materialize upstream, then re-execute",
            risk="medium",
            description="Materialize the missing upstream partition, then re-execute from "
            "failure once it succeeds.",
        ),
        ActionSpec(
            name=ActionName.TERMINATE_AND_RELAUNCH,
            label="Terminate and relaunch",
            risk="high",
            description="Terminate the stuck run, then launch it again once it is canceled.",
        ),
        ActionSpec(
            name=ActionName.PAUSE_AUTOMATION,
            label="Pause schedule/sensor",
            risk="medium",
            description="Stop the schedule or sensor that keeps launching failing runs.",
        ),
        ActionSpec(
            name=ActionName.RESUME_AUTOMATION,
            label="Resume schedule/sensor",
            risk="low",
            description="Start the paused schedule or sensor again.",
        ),
    )
}

ACTION_ID = "sentinel_action"  # Slack action_id of every catalog button (value: id|action)
STUCK_KINDS = frozenset({"stuck_run", "long_running_run"})


class PolicyFile(BaseModel):
    """The approval policy: a default, per-action values, per-selector overrides."""

    default: Approval = "approve"
    actions: dict[ActionName, Approval] = {}
    selectors: dict[str, dict[ActionName, Approval]] = {}


def load_policy(path: str | None) -> PolicyFile:
    """The policy from `SENTINEL_REMEDIATION_FILE`; unset: every action needs approval."""
    if not path:
        return PolicyFile()
    try:
        data = yaml.safe_load(Path(path).expanduser().read_text(encoding="utf-8")) or {}
        return PolicyFile.model_validate(data)
    except OSError as e:
        raise ConfigurationError(f"SENTINEL_REMEDIATION_FILE {path}: {e}") from e
    except (yaml.YAMLError, ValidationError) as e:
        raise ConfigurationError(f"SENTINEL_REMEDIATION_FILE {path} is invalid: {e}") from e


def approval_for(policy: PolicyFile, action: ActionName, incident: Incident) -> Approval:
    """`auto`, `approve` or `never` for this action on this incident's target.

    Selectors are matched by Slack routing's matcher: job, asset, owner, group, location,
    most specific first.
    """
    mapping: dict[str, str] = {
        sel: rules[action] for sel, rules in policy.selectors.items() if action in rules
    }
    value = slack.route(
        mapping,
        policy.actions.get(action, policy.default),
        job=incident.job,
        asset=incident.asset,
        owners=[o for o in (incident.owners or "").split(",") if o],
        group=incident.group,
        location=incident.location,
    )
    return value if value in ("auto", "approve", "never") else "approve"  # type: ignore[return-value]


class ActionContext(BaseModel):
    """What the choice of actions looks at: the incident, its diagnosis, the run's tags."""

    incident: Incident
    category: str | None = None
    run_tags: dict[str, str] = {}
    paused: bool = False  # a pause_automation of this incident is in force

    @classmethod
    def of(cls, incident: Incident, run_tags: dict[str, str] | None = None) -> ActionContext:
        category = incident.category
        if incident.report_json:
            try:
                category = Report.model_validate_json(incident.report_json).category.value
            except ValueError:
                pass
        return cls(incident=incident, category=category, run_tags=run_tags or {})


def target_run(incident: Incident, run_tags: dict[str, str] | None = None) -> str | None:
    """The run an action works on: the failed run, or the stuck one a health check named."""
    if incident.last_run_id:
        return incident.last_run_id
    return (run_tags or {}).get("dagster/run_id")


def instigator(run_tags: dict[str, str]) -> tuple[Literal["schedule", "sensor"], str] | None:
    if run_tags.get("dagster/schedule_name"):
        return "schedule", run_tags["dagster/schedule_name"]
    if run_tags.get("dagster/sensor_name"):
        return "sensor", run_tags["dagster/sensor_name"]
    return None


def applicable(ctx: ActionContext) -> list[ActionName]:
    """The actions that fit the incident and its diagnosis, most useful first."""
    incident = ctx.incident
    out: list[ActionName] = []
    if incident.kind in STUCK_KINDS and target_run(incident, ctx.run_tags):
        out.append(ActionName.TERMINATE_AND_RELAUNCH)
    if incident.kind == "failure" and incident.last_run_id and incident.status == "open":
        if ctx.category == "missing_input" and incident.asset:
            out.append(ActionName.MATERIALIZE_UPSTREAM)
        out += [ActionName.REEXECUTE_FROM_FAILURE, ActionName.REEXECUTE_ALL_STEPS]
    if instigator(ctx.run_tags) is not None:
        out.append(ActionName.RESUME_AUTOMATION if ctx.paused else ActionName.PAUSE_AUTOMATION)
    return out


class OfferedAction(BaseModel):
    spec: ActionSpec
    approval: Approval


def offered(ctx: ActionContext, policy: PolicyFile) -> list[OfferedAction]:
    """Applicable actions the policy does not forbid."""
    out = []
    for name in applicable(ctx):
        approval = approval_for(policy, name, ctx.incident)
        if approval != "never":
            out.append(OfferedAction(spec=CATALOG[name], approval=approval))
    return out


def action_value(incident_id: str, action: ActionName) -> str:
    return f"{incident_id}|{action.value}"


def parse_action_value(value: str) -> tuple[str, ActionName]:
    """A catalog button's value → (incident id, action); anything else is refused."""
    from dagster_sentinel.chatops import BadRequest, incident_id_from

    incident_id, _, name = (value or "").partition("|")
    try:
        action = ActionName(name)
    except ValueError as e:
        raise BadRequest(f"not an action: {name[:40]!r}") from e
    return incident_id_from(incident_id), action


def action_blocks(incident_id: str, actions: list[OfferedAction]) -> list[dict[str, Any]]:
    """Buttons for the offered actions (Block Kit), with their risk and approval in a line.

    The plain re-execute from failure already has its own button in the report.
    """
    shown = [a for a in actions if a.spec.name != ActionName.REEXECUTE_FROM_FAILURE]
    if not shown:
        return []
    elements = []
    for a in shown[:5]:
        button: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": a.spec.label},
            "action_id": f"{ACTION_ID}:{a.spec.name.value}",
            "value": action_value(incident_id, a.spec.name),
        }
        if a.spec.risk == "high":
            button["style"] = "danger"
            button["confirm"] = {
                "title": {"type": "plain_text", "text": a.spec.label},
                "text": {"type": "plain_text", "text": a.spec.description},
                "confirm": {"type": "plain_text", "text": "Do it"},
                "deny": {"type": "plain_text", "text": "Cancel"},
            }
        elements.append(button)
    legend = " · ".join(f"{a.spec.label}: {a.spec.risk} risk, {a.approval}" for a in shown[:5])
    return [
        {"type": "actions", "block_id": "sentinel_remediation_actions", "elements": elements},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": slack.truncate(legend, 2000)}]},
    ]


# --- execution ----------------------------------------------------------------------------


class ActionResult(BaseModel):
    action: ActionName
    status: Literal["launched", "done", "already", "refused", "forbidden", "error", "pending"]
    message: str
    run_id: str | None = None
    remediation: Remediation | None = None


def action_key(incident: Incident, action: ActionName, run_id: str | None) -> str:
    return f"action:{incident.id}:{action.value}:{run_id or '-'}"


class ActionRunner:
    """Executes catalog actions: Dagster through GraphQL, state in the store."""

    def __init__(
        self, client: DagsterClient, store: RemediationStore, timeline: TimelineStore
    ) -> None:
        self.client = client
        self.store = store
        self.timeline = timeline

    def run(
        self,
        ctx: ActionContext,
        action: ActionName,
        *,
        requested_by: str,
        approved_by: str | None,
        policy: PolicyFile,
    ) -> ActionResult:
        """Run an action if it applies and the policy allows it; at most once per run."""
        incident = ctx.incident
        if action not in applicable(ctx):
            return ActionResult(
                action=action,
                status="refused",
                message=f"{action.value} does not fit this incident",
            )
        approval = approval_for(policy, action, incident)
        if approval == "never":
            self._record(incident, requested_by, action, "forbidden", "policy: never")
            return ActionResult(
                action=action, status="forbidden", message=f"{action.value} is not allowed here"
            )
        if approval == "approve" and not approved_by:
            self._record(incident, requested_by, action, "approval_required", None)
            return ActionResult(
                action=action,
                status="forbidden",
                message=f"{action.value} needs an approver (policy: approve)",
            )
        approver = approved_by or f"policy:auto ({requested_by})"
        run_id = target_run(incident, ctx.run_tags)
        row, fresh = self.store.add(
            key=action_key(incident, action, run_id),
            incident_id=incident.id,
            kind="action",
            action=action.value,
            remediation_of=run_id or "-",
            attempt=0,
            target_run_id=run_id,
            params=json.dumps(ctx.run_tags),
            status="launching",
            due_at=time.time(),
            requested_by=requested_by,
            approved_by=approver,
            category=ctx.category,
        )
        if not fresh and row.status != "error":
            return ActionResult(
                action=action,
                status="already",
                message=f"{action.value} was already requested ({row.status})",
                run_id=row.run_id or row.stage_run_id,
                remediation=row,
            )
        if not fresh:  # an earlier attempt failed to reach Dagster: try again
            self.store.transition(row.key, ("error",), "launching")
        try:
            result = self._execute(ctx, action, row, requested_by, approver)
        except DagsterApiError as e:
            self.store.transition(row.key, ("launching",), "error", detail=str(e)[:1000])
            self._record(incident, approver, action, "error", str(e)[:500], run_id)
            return ActionResult(action=action, status="error", message=f"Dagster: {e}")
        self._record(
            incident,
            approver,
            action,
            result.status,
            f"requested_by={requested_by} approved_by={approver}: {result.message}",
            result.run_id,
        )
        return result

    def _record(
        self,
        incident: Incident,
        actor: str,
        action: ActionName,
        result: str,
        detail: str | None,
        run_id: str | None = None,
    ) -> None:
        self.timeline.record(
            incident.id,
            actor=actor,
            action=action.value,
            result=result,
            detail=detail,
            run_id=run_id,
        )

    def _execute(
        self,
        ctx: ActionContext,
        action: ActionName,
        row: Remediation,
        requested_by: str,
        approver: str,
    ) -> ActionResult:
        incident = ctx.incident
        run_id = row.target_run_id
        tags = {
            REMEDIATION_OF_TAG: run_id or "",
            ATTEMPT_TAG: "0",
            "sentinel/action": action.value,
            "sentinel/requested_by": requested_by,
            "sentinel/approved_by": approver,
        }
        if action in (ActionName.REEXECUTE_FROM_FAILURE, ActionName.REEXECUTE_ALL_STEPS):
            assert run_id is not None
            strategy = (
                "FROM_FAILURE" if action == ActionName.REEXECUTE_FROM_FAILURE else "ALL_STEPS"
            )
            # One re-execution per failed run, shared with the ChatOps button (its watcher
            # then posts the outcome in the thread).
            claim = self.timeline.claim_reexecution(
                parent_run_id=run_id,
                incident_id=incident.id,
                strategy=strategy,
                requested_by=requested_by,
                approved_by=approver,
            )
            if not claim.claimed:
                existing = claim.existing
                self.store.transition(row.key, ("launching",), "done", detail="already re-executed")
                return ActionResult(
                    action=action,
                    status="already",
                    message=f"run {run_id[:8]} was already re-executed",
                    run_id=existing.run_id if existing else None,
                )
            try:
                run = self.client.reexecute(
                    run_id,
                    strategy=strategy,  # type: ignore[arg-type]
                    tags={**tags, "sentinel/reexecution_of": run_id},
                )
            except DagsterApiError:
                self.timeline.release_reexecution(run_id)
                raise
            self.timeline.set_reexecution(run_id, status="launched", run_id=run.run_id)
            self.store.transition(
                row.key, ("launching",), "launched", run_id=run.run_id, launched_at=time.time()
            )
            return ActionResult(
                action=action,
                status="launched",
                message=f"launched {run.run_id}",
                run_id=run.run_id,
            )
        if action == ActionName.MATERIALIZE_UPSTREAM:
            assert run_id is not None
            origin = self.client.run_origin(run_id)
            if origin is None or not origin.location or not origin.repository:
                raise DagsterApiError(f"run {run_id} has no code location to launch from")
            failed_key = (incident.asset or "").split("/")
            upstream = self.client.upstream_of(failed_key)
            if not upstream:
                raise DagsterApiError(f"the asset graph names no upstream of {incident.asset}")
            launch_tags = dict(tags)
            partition = ctx.run_tags.get("dagster/partition")
            if partition:
                launch_tags["dagster/partition"] = partition
            stage = self.client.launch_assets(
                location=origin.location,
                repository=origin.repository,
                asset_keys=upstream,
                tags=launch_tags,
            )
            self.store.transition(
                row.key,
                ("launching",),
                "stage2",
                stage_run_id=stage.run_id,
                launched_at=time.time(),
                detail=json.dumps({"upstream": ["/".join(k) for k in upstream]}),
            )
            names = ", ".join("/".join(k) for k in upstream)
            return ActionResult(
                action=action,
                status="launched",
                message=f"materializing {names}"
                + (f" (partition {partition})" if partition else "")
                + f" in {stage.run_id}; re-executing from failure once it succeeds",
                run_id=stage.run_id,
            )
        if action == ActionName.TERMINATE_AND_RELAUNCH:
            assert run_id is not None
            current = self.client.run(run_id)
            if current is None:
                raise DagsterApiError(f"run {run_id} does not exist")
            if not current.finished:
                self.client.terminate(run_id)
            self.store.transition(
                row.key, ("launching",), "stage2", stage_run_id=run_id, launched_at=time.time()
            )
            return ActionResult(
                action=action,
                status="launched",
                message=f"terminating {run_id[:8]}; relaunching once it is canceled",
                run_id=run_id,
            )
        # Pause or resume the schedule or sensor behind the failing runs.
        found = instigator(ctx.run_tags)
        assert found is not None and run_id is not None
        origin = self.client.run_origin(run_id)
        if origin is None or not origin.location or not origin.repository:
            raise DagsterApiError(f"run {run_id} has no code location")
        kind, name = found
        status = self.client.set_instigator(
            kind,
            location=origin.location,
            repository=origin.repository,
            name=name,
            running=action == ActionName.RESUME_AUTOMATION,
        )
        self.store.transition(
            row.key,
            ("launching",),
            "done",
            finished_at=time.time(),
            detail=f"{kind} {name}: {status}",
        )
        if action == ActionName.RESUME_AUTOMATION:
            # A later pause of the same incident and run is a new action.
            pause = self.store.get(action_key(incident, ActionName.PAUSE_AUTOMATION, run_id))
            if pause is not None:
                self.store.transition(pause.key, ("done",), "canceled", detail="resumed")
        return ActionResult(action=action, status="done", message=f"{kind} {name} is {status}")

    # -- second stages (driven by sentinel_remediation_sensor) ------------------------------
    def advance(self, row: Remediation) -> str | None:
        """Move a two-step action on when its first run finished; what happened, if anything."""
        if row.status != "stage2" or not row.stage_run_id:
            return None
        stage = self.client.run(row.stage_run_id)
        if stage is None or not stage.finished:
            return None
        if row.action == ActionName.MATERIALIZE_UPSTREAM and stage.status != "SUCCESS":
            self.store.transition(
                row.key, ("stage2",), "failed", finished_at=time.time(), detail=stage.status
            )
            return f"upstream run {stage.run_id[:8]} ended {stage.status}"
        strategy = "FROM_FAILURE" if row.action == ActionName.MATERIALIZE_UPSTREAM else "ALL_STEPS"
        assert row.target_run_id is not None
        run: RunInfo = self.client.reexecute(
            row.target_run_id,
            strategy=strategy,  # type: ignore[arg-type]
            tags={
                REMEDIATION_OF_TAG: row.target_run_id,
                ATTEMPT_TAG: "0",
                "sentinel/action": row.action,
                "sentinel/approved_by": row.approved_by or "",
            },
        )
        self.store.transition(row.key, ("stage2",), "launched", run_id=run.run_id)
        return f"launched {run.run_id}"

    def pause_in_force(self, incident: Incident, run_tags: dict[str, str]) -> bool:
        row = self.store.get(
            action_key(incident, ActionName.PAUSE_AUTOMATION, target_run(incident, run_tags))
        )
        return row is not None and row.status == "done"


def describe(actions: list[OfferedAction]) -> str:
    """`sentinel actions list`: one line per action."""
    if not actions:
        return "No remediation action fits this incident."
    return "\n".join(
        f"{a.spec.name.value:<24} {a.spec.risk:<6} {a.approval:<8} {a.spec.description}"
        for a in actions
    )


__all__ = [
    "ACTION_ID",
    "CATALOG",
    "ActionContext",
    "ActionName",
    "ActionResult",
    "ActionRunner",
    "PolicyFile",
    "SentinelError",
    "applicable",
    "approval_for",
    "load_policy",
    "offered",
]


def with_actions(
    message: dict[str, Any],
    incident: Incident,
    run_tags: dict[str, str],
    policy_file: str | None,
    *,
    paused: bool = False,
) -> dict[str, Any]:
    """The incident's message with buttons for the actions that fit, above its footer."""
    if incident.status != "open":
        return message
    try:
        policy = load_policy(policy_file)
    except ConfigurationError:
        return message  # a broken policy file must not break the report; actions say why
    ctx = ActionContext.of(incident, run_tags)
    ctx.paused = paused
    extra = action_blocks(incident.id, offered(ctx, policy))
    if not extra:
        return message
    blocks = list(message.get("blocks") or [])
    at = len(blocks) - 1 if blocks and blocks[-1].get("type") == "context" else len(blocks)
    blocks[at:at] = extra
    return {**message, "blocks": blocks[: slack.MAX_BLOCKS]}
