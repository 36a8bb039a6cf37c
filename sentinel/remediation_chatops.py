"""Remediation from Slack and the command line: the Cancel button of an automatic retry, the
catalog's action buttons in the report, and `sentinel actions list|run INCIDENT [ACTION]`.

`dagster_sentinel.serve.build_app` calls `register(app, ops)` once, so these listeners live in the
ChatOps app (same verification, same approvers) without changing its own listeners. Every
action goes through `dagster_sentinel.actions.ActionRunner` (GraphQL, timeline, idempotent).
"""

from __future__ import annotations

import getpass
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dagster_sentinel import chatops, selfheal
from dagster_sentinel.actions import (
    ACTION_ID,
    CATALOG,
    ActionContext,
    ActionName,
    ActionResult,
    ActionRunner,
    PolicyFile,
    approval_for,
    describe,
    load_policy,
    offered,
    parse_action_value,
)
from dagster_sentinel.chatops import BadRequest
from dagster_sentinel.dagster_api import DagsterClient
from dagster_sentinel.errors import SentinelError
from dagster_sentinel.incidents import Incident
from dagster_sentinel.remediation_store import RemediationStore
from dagster_sentinel.reporting import Sentinel
from dagster_sentinel.timeline import TimelineStore
from sentinel_brain.models import Evidence
from sentinel_brain.redact import redact

if TYPE_CHECKING:
    from slack_bolt import App

    from dagster_sentinel.serve import ChatOps

log = logging.getLogger("dagster_sentinel.remediation")

_RETRY_KEY = re.compile(r"^retry:[A-Za-z0-9-]{1,64}:\d{1,3}$")


def run_tags(incident: Incident) -> dict[str, str]:
    """The failed run's tags, from the incident's stored (redacted) evidence."""
    if not incident.evidence_json:
        return {}
    try:
        return dict(Evidence.model_validate_json(incident.evidence_json).tags)
    except ValueError:
        return {}


def context_for(incident: Incident, runner: ActionRunner) -> ActionContext:
    tags = run_tags(incident)
    ctx = ActionContext.of(incident, tags)
    ctx.paused = runner.pause_in_force(incident, tags)
    return ctx


def run_action(
    sentinel: Sentinel,
    client: DagsterClient,
    incident: Incident,
    action: ActionName,
    *,
    user: str,
    approver: bool,
    policy: PolicyFile,
    approved_by: str | None = None,
) -> ActionResult:
    """Run a catalog action for `user`; `approver` says whether the request is approved
    (by `approved_by`, else by the user themself)."""
    runner = ActionRunner(
        client,
        RemediationStore(sentinel.settings.database_url),
        TimelineStore(sentinel.settings.database_url),
    )
    return runner.run(
        context_for(incident, runner),
        action,
        requested_by=user,
        approved_by=(approved_by or user) if approver else None,
        policy=policy,
    )


def offer_actions(ops: ChatOps, incident: Incident, message: dict[str, Any]) -> dict[str, Any]:
    """The ChatOps message with the catalog buttons that fit (resume once paused)."""
    from dagster_sentinel.actions import with_actions

    runner = ActionRunner(ops.dagster, RemediationStore(ops.settings.database_url), ops.timeline)
    tags = run_tags(incident)
    return with_actions(
        message,
        incident,
        tags,
        ops.config.remediation.policy_file,
        paused=runner.pause_in_force(incident, tags),
    )


def result_text(result: ActionResult, run_url: str | None) -> str:
    link = f" <{run_url}|{(result.run_id or '')[:8]}>" if run_url and result.run_id else ""
    icon = {
        "launched": ":arrows_counterclockwise:",
        "done": ":white_check_mark:",
        "already": ":information_source:",
    }.get(result.status, ":warning:")
    return f"{icon} {result.action.value}: {redact(result.message)[:400]}{link}"


def register(app: App, ops: ChatOps) -> None:
    """Add the remediation listeners to the ChatOps Bolt app."""

    _value = chatops.action_value

    def listener(handler: chatops.Handler) -> Callable[..., None]:
        return chatops.button_listener("remediation action", handler, ops.ephemeral)

    def cancel_retry(body: dict[str, Any], user: str) -> str:
        key = _value(body)
        if not _RETRY_KEY.match(key):
            raise BadRequest(f"not an automatic retry: {key[:80]!r}")
        return selfheal.cancel(ops.sentinel, key, user)

    def perform(
        incident_id: str, action: ActionName, requested_by: str, approver: str | None
    ) -> str:
        incident = ops.incident(incident_id)
        policy = load_policy(ops.config.remediation.policy_file)
        if approver is None and approval_for(policy, action, incident) == "approve":
            # The /approve step: ask the approvers in the thread; only they can say yes.
            ops.timeline.record(
                incident_id, actor=requested_by, action=action.value, result="approval_requested"
            )
            ops.reply(
                incident_id,
                f"action-approval:{action.value}:{requested_by}",
                approval_request(incident_id, action, requested_by, sorted(ops.approver_users)),
            )
            return f"{action.value} needs an approver; I asked them in the thread."
        result = run_action(
            ops.sentinel,
            ops.dagster,
            incident,
            action,
            user=requested_by,
            approver=approver is not None,
            policy=policy,
            approved_by=approver,
        )
        text = result_text(result, ops.run_url(result.run_id))
        if result.status in ("launched", "done"):
            ops.reply(incident_id, f"action:{action.value}:{result.run_id or '-'}", _msg(text))
            ops.refresh_message(incident_id)
        return text

    def catalog_action(body: dict[str, Any], user: str) -> str:
        incident_id, action = parse_action_value(_value(body))
        return perform(incident_id, action, user, user if ops.is_approver(user) else None)

    def approve_action(body: dict[str, Any], user: str) -> str:
        incident_id, action, requested_by = parse_approval_value(_value(body))
        if not ops.is_approver(user):
            ops.timeline.record(incident_id, actor=user, action=action.value, result="forbidden")
            return "Only approvers can approve a remediation action."
        return perform(incident_id, action, requested_by, user)

    app.action(selfheal.CANCEL)(listener(cancel_retry))
    app.action(APPROVE_ACTION)(listener(approve_action))
    app.action(re.compile(f"^{ACTION_ID}:"))(listener(catalog_action))


APPROVE_ACTION = "sentinel_action_approve"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def parse_approval_value(value: str) -> tuple[str, ActionName, str]:
    """`incident|action|requester` → parts; anything else is refused."""
    head, _, requester = (value or "").rpartition("|")
    incident_id, action = parse_action_value(head)
    if not _USER_ID.match(requester):
        raise BadRequest(f"not a Slack user: {requester[:40]!r}")
    return incident_id, action, requester


def approval_request(
    incident_id: str, action: ActionName, requested_by: str, approvers: list[str]
) -> dict[str, Any]:
    spec = CATALOG[action]
    who = " ".join(f"<@{a}>" for a in approvers if _USER_ID.match(a)) or "An approver"
    text = (
        f":raised_hand: <@{requested_by}> asks to *{spec.label.lower()}* ({spec.risk} risk). "
        f"{who} may approve."
    )
    return {
        "text": f"Approval requested: {spec.label}",
        "blocks": [
            {"type": "section", "text": chatops.slack_mrkdwn(text)},
            {
                "type": "actions",
                "block_id": "sentinel_action_approval",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": f"Approve: {spec.label}"},
                        "action_id": APPROVE_ACTION,
                        "value": f"{incident_id}|{action.value}|{requested_by}",
                        "style": "primary",
                    }
                ],
            },
        ],
    }


def _msg(text: str) -> dict[str, Any]:
    return {"text": text[:300], "blocks": [{"type": "section", "text": chatops.slack_mrkdwn(text)}]}


# --- `sentinel actions` ------------------------------------------------------------------------


def cli(args: Any) -> int:
    """`sentinel actions list INCIDENT` | `sentinel actions run INCIDENT ACTION`."""
    import sys

    from dagster_sentinel.config import SentinelConfig
    from dagster_sentinel.errors import ConfigurationError
    from dagster_sentinel.serve import _with_instance_store
    from dagster_sentinel.settings import SentinelSettings

    try:
        config = SentinelConfig.from_env()
        settings = _with_instance_store(SentinelSettings.from_config(config))
        policy = load_policy(config.remediation.policy_file)
    except ConfigurationError as e:
        print(f"sentinel actions: {e}", file=sys.stderr)
        return 2
    sentinel = Sentinel(settings)
    incident = sentinel.store.get(args.incident)
    if incident is None:
        print(f"sentinel actions: no incident {args.incident}", file=sys.stderr)
        return 2
    client = DagsterClient(
        config.serve.graphql_url(), timeout_s=config.remediation.launch_timeout_s
    )
    try:
        if args.verb == "list":
            runner = ActionRunner(
                client,
                RemediationStore(settings.database_url),
                TimelineStore(settings.database_url),
            )
            print(describe(offered(context_for(incident, runner), policy)))
            return 0
        try:
            action = ActionName(args.action)
        except ValueError:
            names = ", ".join(a.value for a in ActionName)
            print(f"sentinel actions: unknown action {args.action!r} ({names})", file=sys.stderr)
            return 2
        # Whoever runs the CLI on the deployment is an operator: their command is the approval.
        user = f"cli:{args.user or getpass.getuser()}"
        try:
            result = run_action(
                sentinel, client, incident, action, user=user, approver=True, policy=policy
            )
        except SentinelError as e:
            print(f"sentinel actions: {e}", file=sys.stderr)
            return 1
        print(f"{result.status}: {result.message}")
        return 0 if result.status in ("launched", "done", "already") else 1
    finally:
        client.close()
