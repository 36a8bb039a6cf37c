"""Slack: Block Kit rendering (pure) and delivery through slack_sdk.

Every piece of untrusted text (error messages, logs, model output) is redacted and then
escaped (`&`, `<`, `>`), so a log line holding `<!channel>` or `<http://x|label>` never
pings anyone or spoofs a link; `link_names` is never set; bidirectional control characters
(U+202E and the like, which make text read differently than it is) are stripped. Links we
build (`<url|label>`) have their parts escaped too. Slack's limits (50 blocks, 3000
characters a section, 150 a header) are respected by truncating cleanly: lengths are
counted in UTF-16 code units (what Slack's JavaScript-side validation counts; never fewer
than code points, so within either reading), and a cut never splits an entity, a
surrogate pair or a character from its combining marks.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.webhook import WebhookClient

from dagster_sentinel.errors import DeliveryError, RetryLater
from dagster_sentinel.incidents import Incident
from dagster_sentinel.settings import SentinelSettings
from sentinel_brain.models import Report
from sentinel_brain.redact import redact

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_FALLBACK = 3000
MAX_CONTEXT = 2000
METADATA_EVENT = "sentinel_message"

Message = dict[str, Any]
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from dagster_sentinel.digest import Digest

# --- text hygiene ----------------------------------------------------------------------

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")
# Bidirectional controls (embeddings, overrides, isolates, marks): stripped from untrusted
# text. Done here because sentinel_brain.redact has no sanitize step for them on this branch.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters that belong to the one before them: never cut between them.
_JOINERS = {"\u200d", "\u20e3"}


def strip_bidi(text: str) -> str:
    return _BIDI.sub("", text)


def escape(text: str) -> str:
    """Redact secrets, strip bidi controls, then escape Slack's control characters."""
    return strip_bidi(redact(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_len(text: str) -> int:
    """Length as Slack counts it: UTF-16 code units (an astral emoji counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _attached(ch: str) -> bool:
    """A character that must stay with the one before it (combining mark, variation
    selector, emoji modifier, zero-width joiner or keycap)."""
    cp = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or 0x1F3FB <= cp <= 0x1F3FF
        or ch in _JOINERS
    )


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """Cut to `limit` UTF-16 units without splitting an `&amp;`-style entity, a
    surrogate pair, or a character from the marks and joiners attached to it."""
    if slack_len(text) <= limit:
        return text
    budget = limit - slack_len(marker)
    end, used = 0, 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        end += 1
    # Back off to the start of the cluster that the cut would split.
    while 0 < end < len(text) and (_attached(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    cut = _PARTIAL_ENTITY.sub("", text[:end])
    return cut + marker


def link(url: str, label: str) -> str:
    """A Slack `<url|label>` link whose parts cannot break out of it: `&`, `<`, `>` are
    entity-escaped (Slack's rule for link URLs) and `|` in the URL is percent-encoded."""
    safe_url = strip_bidi(url).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    safe_url = safe_url.replace("|", "%7C")
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def _code_block(lines: list[str], limit: int = MAX_SECTION) -> str:
    body = escape("\n".join(lines)).replace("```", "ʼʼʼ")
    return "```" + truncate(body, limit - 7) + "```"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION)}}


def _header(text: str) -> dict[str, Any]:
    # plain_text shows entities literally, so neutralise angle brackets with look-alikes.
    plain = strip_bidi(redact(text)).replace("<", "‹").replace(">", "›")
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(plain, MAX_HEADER)}}


def _context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, MAX_CONTEXT)}],
    }


def _link_button(url: str, label: str = "Open run in Dagster") -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [{"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}],
    }


def incident_actions(incident_id: str, run_url: str | None, *, open_: bool) -> dict[str, Any]:
    """The incident's buttons (handled by `sentinel serve`); each value is the incident id.

    A resolved incident keeps only the link. The link button has an action id so the app
    acknowledges its click and Slack shows no warning.
    """
    elements: list[dict[str, Any]] = []
    if open_:
        value = incident_id

        def button(label: str, action_id: str, **extra: Any) -> dict[str, Any]:
            text = {"type": "plain_text", "text": label}
            return {"type": "button", "text": text, "action_id": action_id, "value": value, **extra}

        mute_options = [
            {"text": {"type": "plain_text", "text": label}, "value": f"{incident_id}|{seconds}"}
            for label, seconds in (("Mute 1 h", 3600), ("Mute 24 h", 86400), ("Mute 7 d", 604800))
        ]
        elements += [
            button("Acknowledge", "sentinel_ack"),
            button("Re-execute from failure", "sentinel_reexecute", style="primary"),
            {
                "type": "static_select",
                "action_id": "sentinel_mute",
                "placeholder": {"type": "plain_text", "text": "Mute 24 h"},
                "options": mute_options,
            },
            button("Resolve…", "sentinel_resolve"),
        ]
    if run_url:
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open run in Dagster"},
                "action_id": "sentinel_open_run",
                "url": run_url,
            }
        )
    return {"type": "actions", "block_id": "sentinel_incident_actions", "elements": elements}


def _message(fallback: str, blocks: list[dict[str, Any]]) -> Message:
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [_context("_(truncated: too many blocks)_")]
    return {"text": truncate(escape(fallback), MAX_FALLBACK), "blocks": blocks}


# --- routing (pure) ----------------------------------------------------------------------

_ROUTE_ORDER = ("job", "asset", "owner", "group", "location")
_MENTION_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")


def route(
    routes: dict[str, str],
    default: str,
    *,
    job: str | None = None,
    asset: str | None = None,
    owners: list[str] | None = None,
    group: str | None = None,
    location: str | None = None,
) -> str:
    """The channel for an incident: the most specific matching selector, else the default."""
    candidates = {
        "job": [job] if job else [],
        "asset": [asset] if asset else [],
        "owner": owners or [],
        "group": [group] if group else [],
        "location": [location] if location else [],
    }
    for kind in _ROUTE_ORDER:
        for value in candidates[kind]:
            channel = routes.get(f"{kind}:{value}")
            if channel:
                return channel
    return default


def mentions(owners: list[str], mapping: dict[str, str]) -> list[str]:
    """Slack mentions for owners mapped in configuration (never from untrusted text)."""
    out = []
    for owner in owners:
        slack_id = mapping.get(owner, "")
        if _MENTION_ID.match(slack_id):
            out.append(f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>")
    return out


# --- rendering ---------------------------------------------------------------------------

_SEVERITY_EMOJI = {
    "critical": ":red_circle:",
    "high": ":red_circle:",
    "medium": ":large_orange_circle:",
}


def _where(incident: Incident) -> str:
    parts = []
    if incident.kind == "alert" and incident.target:
        parts.append(f"*Alert:* `{escape(incident.target)}`")
    if incident.job:
        parts.append(f"*Job:* `{escape(incident.job)}`")
    if incident.step:
        parts.append(f"*Step:* `{escape(incident.step)}`")
    if incident.last_run_id:
        parts.append(f"*Run:* `{escape(incident.last_run_id[:8])}`")
    if incident.location:
        parts.append(f"*Location:* `{escape(incident.location)}`")
    return "   ".join(parts) or "_(no job or step)_"


def render_incident(
    incident: Incident,
    report: Report,
    run_url: str | None,
    *,
    resolved_note: str | None = None,
    mention: list[str] | None = None,
) -> Message:
    """The top-level message: what, where, top cause with confidence, evidence, fix, link."""
    top = report.top
    what = report.error_type or incident.title or incident.kind
    status = (
        ":white_check_mark: Resolved"
        if resolved_note
        else _SEVERITY_EMOJI.get(report.severity.value, ":warning:")
    )
    where = incident.step or incident.target or "Dagster"
    # An alert incident's title already says what fired (there is no step to name).
    place = "" if incident.kind == "alert" else f" in {where}"
    title = f"{'Resolved: ' if resolved_note else ''}{what}{place}"
    blocks: list[dict[str, Any]] = [_header(title)]
    if resolved_note:
        blocks.append(_section(f"{status} {escape(resolved_note)}"))
    blocks.append(_section(_where(incident)))
    if mention and not resolved_note:
        # Only ids from configuration reach here (see `mentions`), so they stay unescaped.
        blocks.append(_section("*Owners:* " + " ".join(mention)))
    if top is not None:
        blocks.append(
            _section(
                f"*Root cause* ({escape(report.category.value)}, "
                f"confidence {top.confidence:.0%}):\n"
                f"{escape(top.cause)}"
            )
        )
        if top.evidence:
            blocks.append(
                _section("*Evidence*\n" + _code_block(top.evidence[:8], MAX_SECTION - 20))
            )
        if top.remediation:
            steps = "\n".join(f"• {escape(s)}" for s in top.remediation[:4])
            blocks.append(_section(f"*Remediation*\n{steps}"))
    else:
        blocks.append(_section(escape(report.summary)))
    if report.fix_suggestion:
        blocks.append(_section(f"*Fix suggestion*\n{escape(report.fix_suggestion)}"))
    if run_url or (incident.kind == "failure" and not resolved_note):
        actions = incident_actions(
            incident.id,
            run_url,
            open_=incident.kind == "failure" and incident.status == "open" and not resolved_note,
        )
        if actions["elements"]:
            blocks.append(actions)
    footer = f"Sentinel · brain `{report.brain}` · incident `{incident.id}`"
    if incident.occurrences > 1:
        footer += f" · seen {incident.occurrences}×"
    if report.degraded:
        footer += " · degraded report"
    blocks.append(_context(footer))
    fallback = f"{title}: {report.summary}"
    return _message(fallback, blocks)


def render_report_thread(report: Report) -> Message:
    """The thread reply: every ranked cause with its evidence and remediation."""
    blocks: list[dict[str, Any]] = [_section(f"*Summary*\n{escape(report.summary)}")]
    for i, cand in enumerate(report.candidates[:8], start=1):
        text = (
            f"*{i}. {escape(cand.cause)}*\n"
            f"`{cand.category.value}` · confidence {cand.confidence:.0%}"
        )
        blocks.append(_section(text))
        if cand.evidence and i > 1:
            blocks.append(_section(_code_block(cand.evidence[:6])))
        if cand.remediation and i > 1:
            blocks.append(_section("\n".join(f"• {escape(s)}" for s in cand.remediation[:4])))
    if report.failing_location:
        loc = report.failing_location
        blocks.append(
            _context(escape(f"Failing location: {loc.file}:{loc.line or '?'} {loc.function or ''}"))
        )
    for note in report.notes[:5]:
        blocks.append(_context(escape(note)))
    return _message(f"Full report: {report.summary}", blocks)


def render_repeat(incident: Incident, run_url: str | None) -> Message:
    text = f"Seen again ({incident.occurrences}×)"
    if incident.last_run_id:
        text += f" in run `{escape(incident.last_run_id[:8])}`"
    if run_url:
        text += f" · {link(run_url, 'open run')}"
    return _message(f"Seen again ({incident.occurrences}x)", [_section(text)])


def render_storm(members: list[Incident], ui_url: str, window_s: float) -> Message:
    """One digest for an incident storm instead of one message per incident."""
    minutes = max(window_s / 60, 1)
    title = f"Incident storm: {len(members)} more new incidents within {minutes:.0f} min"
    lines = []
    for inc in members[:40]:
        what = escape(inc.title or inc.kind)
        where = escape(inc.job or inc.target or "?")
        run = (
            link(f"{ui_url.rstrip('/')}/runs/{quote(inc.last_run_id, safe='')}", "run")
            if inc.last_run_id
            else ""
        )
        lines.append(f"• `{where}` · {what} {run}".rstrip())
    if len(members) > 40:
        lines.append(f"…and {len(members) - 40} more")
    blocks = [
        _header(title),
        _section("\n".join(lines)),
        _context(
            "Each has its report in `sentinel/rca_report`; replies about one go in this thread."
        ),
    ]
    return _message(title, blocks)


def render_digest(digest: Digest) -> Message:
    """The daily digest: counts by category and the top recurring incidents."""
    title = f"Sentinel daily digest: {digest.new} new incident(s) in {digest.window_h:.0f} h"
    lines = [
        f"*Open:* {digest.open}   *Resolved:* {digest.resolved}   "
        f"*Failures counted:* {digest.occurrences}"
    ]
    if digest.mean_mttr_s is not None:
        lines.append(f"*Mean time to recovery:* {digest.mean_mttr_s / 60:.0f} min")
    blocks = [_header(title), _section("\n".join(lines))]
    if digest.by_category:
        cats = "\n".join(f"• `{escape(c)}`: {n}" for c, n in digest.by_category.items())
        blocks.append(_section(f"*By category*\n{cats}"))
    if digest.top_recurring:
        top = "\n".join(f"• {escape(t)} — {n}× (`{escape(i)}`)" for i, t, n in digest.top_recurring)
        blocks.append(_section(f"*Top recurring*\n{top}"))
    return _message(title, blocks)


def render_degraded(title: str, where: str, error: str, run_url: str | None) -> Message:
    """Sentinel itself failed: still say that something broke, and that we could not tell why."""
    blocks = [
        _header(f"{title} (degraded report)"),
        _section(escape(where)),
        _section(
            "*Sentinel could not diagnose this failure.* The run failed; open it for details.\n"
            + _code_block([error][:1], 1500)
        ),
    ]
    if run_url:
        blocks.append(_link_button(run_url))
    return _message(f"{title} (degraded report): {error}", blocks)


# --- delivery ------------------------------------------------------------------------------


class CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retry 429s in-process only when Retry-After is short; longer waits go to the outbox."""

    def __init__(self, max_retry_count: int = 1, max_wait_s: float = 2.0) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_s = max_wait_s

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response.headers) <= self.max_wait_s


class BadGatewayRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's server-error handler retries 500 and 503 only; add 502 and 504."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in (500, 502, 503, 504)


def _retry_after(headers: dict[str, Any] | None) -> float:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return 30.0
    return 1.0


def retry_handlers() -> list[RetryHandler]:
    """For calls that are safe to repeat (chat.update, history reads, webhooks)."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        CappedRateLimitRetryHandler(),
        BadGatewayRetryHandler(max_retry_count=2),
    ]


def post_retry_handlers() -> list[RetryHandler]:
    """chat.postMessage is not idempotent: a timeout, a dropped connection or a 5xx can
    come after Slack accepted the message, and a blind retry would post it twice. Only a
    short 429 (never accepted) is retried in-process; everything else goes back to the
    outbox, which looks the message up by its key before sending it again."""
    return [CappedRateLimitRetryHandler()]


# slack_sdk's timeout is per socket operation; bounded so one call cannot hold a lease,
# a hook or a sensor tick for long.
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 1, 30
# Pages of history read when looking for a message sent before a crash (200 each).
MAX_HISTORY_PAGES = 25
# Errors that mean the lookup can never succeed (scope, membership, a wrong id): the
# outbox then sends again, at-least-once being the floor.
_LOOKUP_IMPOSSIBLE = {"missing_scope", "not_in_channel", "channel_not_found", "not_allowed"}


class SlackTransport:
    """Posts, replies and updates through the Web API (bot token) or an incoming webhook."""

    def __init__(self, settings: SentinelSettings, timeout_s: int = 10) -> None:
        self.client: WebClient | None = None
        self._repeatable: WebClient | None = None
        self.webhook: WebhookClient | None = None
        self.timeout_s = min(max(int(timeout_s), MIN_TIMEOUT_S), MAX_TIMEOUT_S)
        if settings.slack_bot_token is not None:
            kwargs: dict[str, Any] = {}
            if settings.slack_api_url:
                kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
            token = settings.slack_bot_token.get_secret_value()
            self.client = WebClient(
                token=token,
                timeout=self.timeout_s,
                retry_handlers=post_retry_handlers(),
                **kwargs,
            )
            self._repeatable = WebClient(
                token=token, timeout=self.timeout_s, retry_handlers=retry_handlers(), **kwargs
            )
        elif settings.slack_webhook_url is not None:
            self.webhook = WebhookClient(
                settings.slack_webhook_url.get_secret_value(),
                timeout=self.timeout_s,
                retry_handlers=retry_handlers(),
            )

    @property
    def max_call_s(self) -> float:
        """The longest one call (with its in-process retries) can take: every attempt
        timing out, plus the backoff between them (slack_sdk: 0.5 s x 2^n, jittered)."""
        attempts = 1 + 2 + 1 + 2  # first try, connection, rate-limit, server-error retries
        backoff = sum(0.5 * (1 << n) + 1.0 for n in range(attempts)) + 2.0  # + a 429 wait
        return attempts * self.timeout_s + backoff

    @property
    def configured(self) -> bool:
        return self.client is not None or self.webhook is not None

    @property
    def threads(self) -> bool:
        """Webhooks cannot reply in threads or update messages."""
        return self.client is not None

    def post(
        self, channel: str, message: Message, thread_ts: str | None = None, key: str | None = None
    ) -> tuple[str, str]:
        """Send a message; returns (channel id, ts). Raises RetryLater or DeliveryError.

        `key` (the outbox idempotency key) rides along as message metadata, so a sender
        that crashed mid-send can later find out whether Slack got the message.
        """
        if self.client is not None:
            resp = self._call(
                self.client.chat_postMessage,
                channel=channel,
                text=message["text"],
                blocks=message["blocks"],
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}}
                if key
                else None,
            )
            return str(resp.get("channel") or channel), str(resp.get("ts"))
        if self.webhook is not None:
            try:
                wresp = self.webhook.send(text=message["text"], blocks=message["blocks"])
            except (SlackRequestError, OSError) as e:
                raise RetryLater(f"Slack webhook unreachable: {e}") from e
            if wresp.status_code == 429 or wresp.status_code >= 500:
                raise RetryLater(
                    f"Slack webhook answered {wresp.status_code}",
                    retry_after=_retry_after(dict(wresp.headers or {})),
                )
            if wresp.status_code != 200:
                raise DeliveryError(f"Slack webhook answered {wresp.status_code}: {wresp.body}")
            return channel, f"webhook-{time.time():.6f}"
        raise DeliveryError("Slack is not configured (no SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL)")

    def find_sent(
        self,
        channel_id: str,
        key: str,
        oldest: float,
        thread_ts: str | None = None,
        keep_alive: Callable[[], bool] | None = None,
    ) -> tuple[str, str] | None:
        """Look for a message carrying `key` in its metadata (sent before a crash).

        `channel_id` must be an id (conversations.history takes no names). Pages through
        the history back to `oldest` (the row's age bounds it), at most MAX_HISTORY_PAGES.
        Needs `channels:history` (`groups:history` for a private channel). Returns None
        when the message is not there, or when it cannot be looked up for good (missing
        scope, not a member): the caller then sends again. A transient failure raises
        RetryLater: better later than twice. `keep_alive` runs before each page (the
        outbox renews its lease there); when it returns False the lookup stops.
        """
        if self._repeatable is None:
            return None
        cursor: str | None = None
        for _ in range(MAX_HISTORY_PAGES):
            if keep_alive is not None and not keep_alive():
                raise RetryLater("the outbox lease was lost during a history lookup", 0.0)
            args: dict[str, Any] = {
                "channel": channel_id,
                "oldest": f"{oldest:.6f}",
                "include_all_metadata": True,
                "limit": 200,
                "cursor": cursor,
            }
            try:
                if thread_ts:
                    resp = self._call(self._repeatable.conversations_replies, ts=thread_ts, **args)
                else:
                    resp = self._call(self._repeatable.conversations_history, **args)
            except RetryLater:
                raise
            except DeliveryError as e:
                if any(err in str(e) for err in _LOOKUP_IMPOSSIBLE):
                    return None
                raise RetryLater(f"Slack history lookup failed: {e}") from e
            for msg in resp.get("messages") or []:
                meta = msg.get("metadata") or {}
                if (
                    meta.get("event_type") == METADATA_EVENT
                    and (meta.get("event_payload") or {}).get("key") == key
                ):
                    return channel_id, str(msg.get("ts"))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    def resolve_channel(self, name: str) -> str | None:
        """A channel's id from its name, through conversations.list (needs `channels:read`,
        `groups:read` for private channels). None when not found or not allowed; raises
        RetryLater when Slack cannot answer now."""
        if self._repeatable is None:
            return None
        wanted = name.lstrip("#")
        cursor: str | None = None
        for _ in range(MAX_HISTORY_PAGES):
            try:
                resp = self._call(
                    self._repeatable.conversations_list,
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=1000,
                    cursor=cursor,
                )
            except RetryLater:
                raise  # transient: the caller waits rather than guess
            except DeliveryError as e:
                log.warning("cannot list Slack channels to find %s: %s", name, e)
                return None
            for ch in resp.get("channels") or []:
                if ch.get("name") == wanted and ch.get("id"):
                    return str(ch["id"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    def update(self, channel_id: str, ts: str, message: Message) -> None:
        if self._repeatable is None:
            raise DeliveryError("message updates need a bot token (webhooks cannot update)")
        self._call(
            self._repeatable.chat_update,
            channel=channel_id,
            ts=ts,
            text=message["text"],
            blocks=message["blocks"],
        )

    @staticmethod
    def _call(method: Any, **kwargs: Any) -> Any:
        try:
            return method(**{k: v for k, v in kwargs.items() if v is not None})
        except SlackApiError as e:
            status = e.response.status_code
            if status == 429 or status >= 500:
                raise RetryLater(
                    f"Slack answered {status}: {e.response.get('error')}",
                    retry_after=_retry_after(dict(e.response.headers or {})),
                ) from e
            raise DeliveryError(f"Slack refused the message: {e.response.get('error')}") from e
        except (SlackRequestError, OSError) as e:
            raise RetryLater(f"Slack unreachable: {e}") from e
