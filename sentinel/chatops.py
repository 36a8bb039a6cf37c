"""ChatOps decisions and Block Kit, as pure functions over plain data.

`dagster_sentinel.serve` feeds these from Slack requests, the store and Dagster's GraphQL API; here
nothing talks to the network, so every decision (who may do what, what a click means, what
a command asks, how the incident message reads after an action) is tested on plain data.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal

from pydantic import BaseModel

from dagster_sentinel import slack
from dagster_sentinel.errors import SentinelError
from dagster_sentinel.incidents import Incident
from dagster_sentinel.timeline import Approval, IncidentState, Mute, Reexecution, TimelineEntry
from sentinel_brain.models import Report
from sentinel_brain.redact import redact

ACK = "sentinel_ack"
REEXECUTE = "sentinel_reexecute"
MUTE = "sentinel_mute"
RESOLVE = "sentinel_resolve"
APPROVE = "sentinel_approve"
DENY = "sentinel_deny"
OPEN_RUN = "sentinel_open_run"
RESOLVE_VIEW = "sentinel_resolve_modal"
NOTE_BLOCK = "note"
NOTE_INPUT = "note_input"

MUTE_CHOICES: list[tuple[str, int]] = [("1 h", 3600), ("24 h", 86400), ("7 d", 7 * 86400)]
MAX_NOTE = 2000

log = logging.getLogger(__name__)
_INCIDENT_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}-[0-9a-f]{4}$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$")
_UNIT_S = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class BadRequest(ValueError):
    """A value in a Slack request that Sentinel did not produce (or that is malformed)."""


# --- interactive payloads ---------------------------------------------------------------


def action_value(body: dict[str, Any]) -> str:
    """The `value` of the clicked button (or chosen option) in a block_actions payload."""
    return str((body.get("actions") or [{}])[0].get("value") or "")


def user_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or body.get("user_id") or "")


def channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel") or {}
    return channel.get("id") if isinstance(channel, dict) else None


Handler = Callable[[dict[str, Any], str], "str | None"]


def button_listener(
    name: str, handler: Handler, answer: Callable[[str | None, str, str], None]
) -> Callable[..., None]:
    """A Bolt action listener: ack at once (Slack's 3 s), run `handler(body, user)`, and
    `answer(channel, user, text)` privately with what it returned, or with a clear error for
    a request Sentinel did not produce (BadRequest) or could not carry out (SentinelError)."""

    def listener(ack: Callable[..., Any], body: dict[str, Any]) -> None:
        ack()
        user = user_of(body)
        try:
            text = handler(body, user)
        except BadRequest as e:
            text = f":warning: {e}"
        except SentinelError as e:
            log.warning("%s failed: %s", name, e)
            text = f":warning: Sentinel could not do that: {redact(str(e))[:300]}"
        if text:
            answer(channel_of(body), user, text)

    return listener


# --- values carried by buttons ---------------------------------------------------------


def incident_id_from(value: str) -> str:
    """The incident id a button carries; anything else is refused, never looked up."""
    value = (value or "").strip()
    if not _INCIDENT_ID.match(value):
        raise BadRequest(f"not an incident id: {value[:80]!r}")
    return value


def mute_value(incident_id: str, seconds: int) -> str:
    return f"{incident_id}|{seconds}"


def parse_mute_value(value: str) -> tuple[str, int]:
    incident_id, _, seconds = (value or "").partition("|")
    allowed = {s for _, s in MUTE_CHOICES}
    if not seconds.isdigit() or int(seconds) not in allowed:
        raise BadRequest(f"not a mute choice: {value[:80]!r}")
    return incident_id_from(incident_id), int(seconds)


def parse_duration(text: str) -> int:
    """`30m`, `1h`, `24h`, `7d`, `2w` → seconds (at most 30 days)."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise BadRequest(f"not a duration: {text!r} (try 1h, 24h or 7d)")
    seconds = int(float(match.group(1)) * _UNIT_S[match.group(2)])
    if seconds <= 0 or seconds > 30 * 86400:
        raise BadRequest("a mute lasts between 1 minute and 30 days")
    return seconds


# --- who may do what ----------------------------------------------------------------------


def split_approvers(approvers: Iterable[str]) -> tuple[set[str], set[str]]:
    """(user ids, user-group ids) from `SENTINEL_SLACK_APPROVERS`."""
    users, groups = set(), set()
    for a in approvers:
        a = a.strip()
        if a.startswith("S"):
            groups.add(a)
        elif a:
            users.add(a)
    return users, groups


def is_approver(user: str, users: set[str], group_members: set[str]) -> bool:
    return bool(user) and (user in users or user in group_members)


ReexecuteDecision = Literal["launch", "request_approval", "already", "no_run", "closed"]


def decide_reexecute(
    incident: Incident, *, approver: bool, existing: Reexecution | None
) -> ReexecuteDecision:
    """What a click on "Re-execute from failure" does.

    An approver's click is the approval; anyone else's asks the approvers. A failed run is
    re-executed at most once: a second click (double click, retry, replay) is "already".
    """
    if incident.last_run_id is None or incident.kind != "failure":
        return "no_run"
    if incident.status != "open":
        return "closed"
    if existing is not None:
        return "already"
    return "launch" if approver else "request_approval"


def reexecution_tags(parent_run_id: str, requested_by: str, approved_by: str) -> dict[str, str]:
    return {
        "sentinel/reexecution_of": parent_run_id,
        "sentinel/requested_by": requested_by,
        "sentinel/approved_by": approved_by,
    }


# --- the slash command ----------------------------------------------------------------------


class Command(BaseModel):
    name: Literal["status", "why", "history", "mute", "metrics", "help"]
    args: list[str] = []


HELP = (
    "*Sentinel*\n"
    "• `/sentinel status`: open incidents with top cause, owner and age\n"
    "• `/sentinel why <run id | job>`: the latest report (diagnosed on demand if none)\n"
    "• `/sentinel history <job>`: the last incidents of a job and the time to recovery\n"
    "• `/sentinel mute <job|asset> <duration>`: e.g. `mute job:nightly 24h` (1m … 30d)\n"
    "• `/sentinel metrics <name> [window]`: a chart of a metric series, anomalies marked\n"
    "• `/sentinel help`: this\n"
    "In a report's thread, mention me with a question."
)

_ARITY = {"status": (0, 0), "why": (1, 1), "history": (1, 1), "mute": (2, 2), "metrics": (1, 2)}


def parse_command(text: str) -> Command:
    words = (text or "").split()
    if not words:
        return Command(name="help")
    name, args = words[0].lower(), words[1:]
    if name not in (*_ARITY, "help"):
        raise BadRequest(f"unknown command `{name[:40]}`; try `/sentinel help`")
    low, high = _ARITY.get(name, (0, 99))
    if not low <= len(args) <= high:
        raise BadRequest(f"`/sentinel {name}` takes {low}–{high} argument(s); see `help`")
    return Command(name=name, args=args)


def mute_target(text: str) -> str:
    """`job:NAME`, `asset:KEY` or a bare name (a job) → the mute key."""
    kind, sep, name = text.partition(":")
    if sep and kind in ("job", "asset") and name:
        return f"{kind}:{name}"
    if sep:
        raise BadRequest("mute `job:NAME` or `asset:KEY`")
    return f"job:{text}"


# --- rendering ---------------------------------------------------------------------------------


def age(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def clock(at: float) -> str:
    return time.strftime("%H:%M UTC", time.gmtime(at))


def status_lines(
    state: IncidentState,
    mute: Mute | None,
    reexecution: Reexecution | None,
    run_url: str | None,
    now: float,
) -> list[str]:
    """What people did, as shown under the incident's message."""
    lines = []
    if state.acked_by and state.acked_at:
        lines.append(f":eyes: Acknowledged by <@{state.acked_by}> at {clock(state.acked_at)}")
    if mute is not None and mute.until > now:
        extra = f" ({mute.suppressed} repeat(s) held back)" if mute.suppressed else ""
        until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(mute.until))
        lines.append(
            f":mute: Muted by <@{mute.by}> until {until}: repeats are counted, not posted{extra}"
        )
    if reexecution is not None and reexecution.run_id:
        link = f"<{run_url}|{reexecution.run_id[:8]}>" if run_url else reexecution.run_id[:8]
        what = {"launched": "running", "SUCCESS": "succeeded", "FAILURE": "failed"}.get(
            reexecution.status, reexecution.status.lower()
        )
        lines.append(
            f":arrows_counterclockwise: Re-execution {link} {what} · requested by "
            f"<@{reexecution.requested_by}>, approved by <@{reexecution.approved_by}>"
        )
    if state.resolution_note:
        lines.append(
            f":memo: Resolution note by <@{state.note_by}>: {slack.escape(state.resolution_note)}"
        )
    return lines


def decorate(message: slack.Message, lines: list[str]) -> slack.Message:
    """The incident message with the status lines as a context block above its footer."""
    if not lines:
        return message
    blocks = list(message["blocks"])
    at = len(blocks) - 1 if blocks and blocks[-1].get("type") == "context" else len(blocks)
    blocks.insert(at, {"type": "context", "elements": [slack_mrkdwn("\n".join(lines))]})
    return {**message, "blocks": blocks[: slack.MAX_BLOCKS]}


def slack_mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": slack.truncate(text, slack.MAX_CONTEXT)}


def approval_request(approval: Approval, approvers: list[str]) -> slack.Message:
    mention = " ".join(
        f"<!subteam^{a}>" if a.startswith("S") else f"<@{a}>"
        for a in approvers
        if slack._MENTION_ID.match(a)  # noqa: SLF001 - the same id check as owner mentions
    )
    text = (
        f":raised_hand: <@{approval.requested_by}> asks to *re-execute run "
        f"`{approval.parent_run_id[:8]}` from failure*. {mention or 'An approver'} may approve."
    )
    return {
        "text": f"Approval requested to re-execute run {approval.parent_run_id[:8]}",
        "blocks": [
            {"type": "section", "text": slack_mrkdwn(text)},
            {
                "type": "actions",
                "block_id": "sentinel_approval",
                "elements": [
                    _button("Approve", APPROVE, approval.id, style="primary"),
                    _button("Deny", DENY, approval.id, style="danger"),
                ],
            },
        ],
    }


def approval_decided(approval: Approval) -> slack.Message:
    verb = "approved" if approval.status == "approved" else "denied"
    text = (
        f"Re-execution of run `{approval.parent_run_id[:8]}` requested by "
        f"<@{approval.requested_by}> was *{verb}* by <@{approval.decided_by}>."
    )
    return {"text": text, "blocks": [{"type": "section", "text": slack_mrkdwn(text)}]}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def resolve_modal(incident: Incident) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": RESOLVE_VIEW,
        "private_metadata": incident.id,
        "title": {"type": "plain_text", "text": "Resolve incident"},
        "submit": {"type": "plain_text", "text": "Resolve"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": slack_mrkdwn(
                    f"*{slack.escape(incident.title or incident.kind)}* in "
                    f"`{slack.escape(incident.job or incident.target or '?')}`"
                ),
            },
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "label": {"type": "plain_text", "text": "What fixed it?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": NOTE_INPUT,
                    "multiline": True,
                    "max_length": MAX_NOTE,
                },
            },
        ],
    }


def outcome_text(reexecution: Reexecution, status: str, run_url: str, recovery_s: float) -> str:
    link = f"<{run_url}|{(reexecution.run_id or '?')[:8]}>"
    if status == "SUCCESS":
        return (
            f":white_check_mark: Re-execution {link} succeeded: incident resolved, "
            f"time to recovery {age(recovery_s)}."
        )
    if status == "CANCELED":
        return f":no_entry_sign: Re-execution {link} was canceled."
    return f":x: Re-execution {link} failed; the incident stays open."


def status_report(
    incidents: list[Incident], states: dict[str, IncidentState], ui_url: str, now: float
) -> str:
    if not incidents:
        return ":white_check_mark: No open incidents."
    lines = [f"*{len(incidents)} open incident(s)*"]
    for inc in sorted(incidents, key=lambda i: i.last_seen, reverse=True)[:20]:
        report = _report(inc)
        cause = report.top.cause if report and report.top else (inc.title or inc.kind)
        state = states.get(inc.id)
        owner = f"<@{state.acked_by}>" if state and state.acked_by else "unowned"
        run = f" · <{ui_url.rstrip('/')}/runs/{inc.last_run_id}|run>" if inc.last_run_id else ""
        lines.append(
            f"• `{slack.escape(inc.job or inc.target or '?')}` · "
            f"{slack.escape(slack.truncate(cause, 160))} · {owner} · "
            f"{age(now - inc.first_seen)} old · {inc.occurrences}×{run}"
        )
    return "\n".join(lines)


def history_report(job: str, incidents: list[Incident]) -> str:
    mine = [i for i in incidents if i.job == job or i.target == job]
    if not mine:
        return f"No incidents recorded for `{slack.escape(job)}`."
    mttrs = [i.mttr_s for i in mine if i.mttr_s is not None]
    lines = [f"*Last incidents of `{slack.escape(job)}`*"]
    for inc in mine[:10]:
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(inc.first_seen))
        mttr = f", recovered in {age(inc.mttr_s)}" if inc.mttr_s is not None else ""
        lines.append(
            f"• {when} · {slack.escape(inc.category or inc.kind)} · {inc.status}{mttr} · "
            f"{inc.occurrences}×"
        )
    if mttrs:
        lines.append(f"Mean time to recovery: {age(sum(mttrs) / len(mttrs))}")
    return "\n".join(lines)


def _report(incident: Incident) -> Report | None:
    if not incident.report_json:
        return None
    try:
        return Report.model_validate_json(incident.report_json)
    except ValueError:
        return None


def why_text(incident: Incident, report: Report | None) -> str:
    where = slack.escape(incident.job or incident.target or "?")
    if report is None:
        return f"Incident `{incident.id}` in `{where}` has no report yet."
    top = report.top
    lines = [f"*Why `{where}` failed* (incident `{incident.id}`, {incident.status})"]
    if top is not None:
        lines.append(
            f"{slack.escape(top.cause)} ({report.category.value}, confidence {top.confidence:.0%})"
        )
        lines.extend(f"• {slack.escape(s)}" for s in top.remediation[:3])
    else:
        lines.append(slack.escape(report.summary))
    return "\n".join(lines)


def answer_from_report(question: str, incident: Incident, report: Report | None) -> str:
    """An answer to a mention without Gemini: the stored report, candidates ranked."""
    if report is None:
        return (
            "I have no stored report for this incident yet, so I cannot tell; "
            "`/sentinel why` diagnoses on demand."
        )
    lines = [f"From the stored report (brain `{report.brain}`, no model asked):"]
    lines.append(slack.escape(report.summary))
    for cand in report.candidates[:3]:
        lines.append(
            f"• {slack.escape(cand.cause)} — `{cand.category.value}`, {cand.confidence:.0%}"
        )
    wants_upstream = "upstream" in question.lower()
    if wants_upstream:
        upstream = [c for c in report.candidates if c.category.value == "upstream_failure"]
        lines.append(
            "Upstream: the report ranks an upstream cause."
            if upstream
            else "Upstream: no candidate in the report points upstream."
        )
    return "\n".join(lines)


def home_view(
    open_incidents: list[Incident],
    resolved: list[Incident],
    states: dict[str, IncidentState],
    ui_url: str,
    now: float,
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Sentinel"}},
        {
            "type": "section",
            "text": slack_mrkdwn(status_report(open_incidents, states, ui_url, now)),
        },
        {"type": "divider"},
        {"type": "section", "text": slack_mrkdwn("*Recent resolutions*")},
    ]
    if not resolved:
        blocks.append({"type": "context", "elements": [slack_mrkdwn("None yet.")]})
    for inc in resolved[:10]:
        note = states.get(inc.id)
        extra = (
            f" · _{slack.escape(note.resolution_note)}_" if note and note.resolution_note else ""
        )
        mttr = age(inc.mttr_s) if inc.mttr_s is not None else "?"
        blocks.append(
            {
                "type": "context",
                "elements": [
                    slack_mrkdwn(
                        f"`{slack.escape(inc.job or inc.target or '?')}` · "
                        f"{slack.escape(inc.title or inc.kind)} · recovered in {mttr}{extra}"
                    )
                ],
            }
        )
    return {"type": "home", "blocks": blocks[: slack.MAX_BLOCKS]}


def history_columns(
    incident: Incident, state: IncidentState | None, entries: list[TimelineEntry]
) -> dict[str, Any]:
    """Extra `incident_history` columns: who acknowledged and when (MTTA), the resolution
    note, and the actions taken from Slack (who, what, result)."""
    acked_at = state.acked_at if state else None
    return {
        "acked_by": state.acked_by if state else None,
        "mtta_s": None if acked_at is None else max(acked_at - incident.first_seen, 0.0),
        "resolution_note": state.resolution_note if state else None,
        "actions": "; ".join(f"{e.actor} {e.action} {e.result}" for e in entries[-10:]) or None,
    }
