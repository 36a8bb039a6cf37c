"""`sentinel serve`: Sentinel's Slack app (slack_bolt), over HTTP and Socket Mode.

One process: uvicorn serves a Starlette app on 127.0.0.1 with `POST /slack/events` (Bolt's
single endpoint for events, interactivity and slash commands, every request verified with
the signing secret by Bolt) and `GET /healthz`. With `SLACK_APP_TOKEN` set, Bolt's Socket
Mode handler runs next to it with the same listeners. A watcher thread follows the runs it
launched and posts their outcome.

Dagster is reached only through `dagster_sentinel.dagster_api` (a fixed set of GraphQL operations at
the configured URL); Slack only through the configured Web API. Decisions live in
`dagster_sentinel.chatops`, state in `dagster_sentinel.timeline`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from slack_bolt import App, BoltResponse
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dagster_sentinel import chatops, slack
from dagster_sentinel.alerts import handle_alertmanager
from dagster_sentinel.chatops import BadRequest
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.dagster_api import DagsterApiError, DagsterClient, DagsterUnreachable, RunInfo
from dagster_sentinel.errors import ConfigurationError, SentinelError
from dagster_sentinel.incidents import Incident
from dagster_sentinel.reporting import Sentinel, post_key
from dagster_sentinel.settings import SentinelSettings
from dagster_sentinel.store import occurrences, outbox
from dagster_sentinel.timeline import Approval, Reexecution, TimelineStore, mute_keys
from sentinel_brain.models import Report
from sentinel_brain.redact import redact

log = logging.getLogger("dagster_sentinel.serve")

GROUP_CACHE_S = 300.0


class ChatOps:
    """Everything the listeners need: settings, the store, Dagster and Slack clients."""

    def __init__(self, config: SentinelConfig, *, watch_interval_s: float = 2.0) -> None:
        serve = config.serve
        if not serve.signing_secret:
            raise ConfigurationError("sentinel serve needs SLACK_SIGNING_SECRET")
        if not config.slack.bot_token:
            raise ConfigurationError("sentinel serve needs SLACK_BOT_TOKEN")
        self.config = config
        self.settings = _with_instance_store(SentinelSettings.from_config(config))
        self.sentinel = Sentinel(self.settings)
        self.timeline = TimelineStore(self.settings.database_url)
        self.dagster = DagsterClient(serve.graphql_url())
        kwargs: dict[str, Any] = {}
        if config.slack.api_url:
            kwargs["base_url"] = config.slack.api_url.rstrip("/") + "/"
        self.client = WebClient(token=config.slack.bot_token, timeout=10, **kwargs)
        self.approver_users, self.approver_groups = chatops.split_approvers(serve.approvers)
        self._groups: dict[str, tuple[float, set[str]]] = {}
        self._groups_lock = threading.Lock()
        self.watch_interval_s = watch_interval_s
        self._seen_events: OrderedDict[str, None] = OrderedDict()
        self._seen_lock = threading.Lock()
        self._launch_lock = threading.Lock()

    # -- who may do what ---------------------------------------------------------------
    def group_members(self) -> set[str]:
        """Members of the approver user groups (`usergroups.users.list`, cached 5 min)."""
        members: set[str] = set()
        now = time.time()
        for group in sorted(self.approver_groups):
            with self._groups_lock:
                cached = self._groups.get(group)
            if cached is not None and now - cached[0] < GROUP_CACHE_S:
                members |= cached[1]
                continue
            try:
                resp = self.client.usergroups_users_list(usergroup=group)
                users = {str(u) for u in resp.get("users") or []}
            except (SlackApiError, SlackRequestError, OSError) as e:
                # Fail closed: an unresolvable group approves nobody (a stale list, if any).
                log.warning("cannot resolve approver group %s: %s", group, e)
                users = cached[1] if cached is not None else set()
            with self._groups_lock:
                self._groups[group] = (now, users)
            members |= users
        return members

    def is_approver(self, user: str) -> bool:
        if user in self.approver_users:
            return True
        return chatops.is_approver(user, self.approver_users, self.group_members())

    # -- the incident and its message --------------------------------------------------
    def incident(self, incident_id: str) -> Incident:
        incident = self.sentinel.store.get(incident_id)
        if incident is None:
            raise BadRequest(f"no incident {incident_id}")
        return incident

    def run_url(self, run_id: str | None) -> str | None:
        return self.settings.run_url(run_id) if run_id else None

    def message_location(self, incident_id: str) -> tuple[str, str] | None:
        """Where the incident's top-level message is (channel id, ts), from the outbox."""
        item = self.sentinel.outbox.get(post_key(incident_id))
        if item is None or not item.channel_id or not item.ts:
            return None
        return item.channel_id, item.ts

    def incident_at(self, channel_id: str, ts: str) -> Incident | None:
        """The incident whose top-level message is at (channel, ts): a thread's incident."""
        with self.sentinel.outbox.engine.connect() as conn:
            row = conn.execute(
                sa.select(outbox.c.incident_id).where(
                    outbox.c.kind == "post",
                    outbox.c.channel_id == channel_id,
                    outbox.c.ts == ts,
                    outbox.c.incident_id.is_not(None),
                )
            ).first()
        return self.sentinel.store.get(row.incident_id) if row is not None else None

    def current_message(self, incident: Incident) -> slack.Message:
        report = _report(incident)
        reexecution = self._latest_reexecution(incident)
        resolved_note = None
        if incident.status == "resolved":
            by = f" by run {incident.resolved_by_run_id[:8]}" if incident.resolved_by_run_id else ""
            resolved_note = f"Resolved{by} after {chatops.age(incident.mttr_s or 0.0)}."
        run_url = self.run_url(incident.last_run_id)
        if report is None:
            message = slack.render_degraded(
                incident.title or "Incident",
                incident.job or incident.target or "",
                resolved_note or "no report yet",
                run_url,
            )
        else:
            owners = [o for o in (incident.owners or "").split(",") if o]
            message = slack.render_incident(
                incident,
                report,
                run_url,
                resolved_note=resolved_note,
                mention=slack.mentions(owners, self.settings.slack_mentions),
            )
        lines = chatops.status_lines(
            self.timeline.state(incident.id),
            self.timeline.active_mute(mute_keys(incident)),
            reexecution,
            self.run_url(reexecution.run_id) if reexecution else None,
            time.time(),
        )
        message = chatops.decorate(message, lines)
        from dagster_sentinel.remediation_chatops import offer_actions

        return offer_actions(self, incident, message)

    def _latest_reexecution(self, incident: Incident) -> Reexecution | None:
        with self.timeline.engine.connect() as conn:
            from dagster_sentinel.timeline import reexecutions

            row = conn.execute(
                sa.select(reexecutions)
                .where(reexecutions.c.incident_id == incident.id)
                .order_by(reexecutions.c.created_at.desc())
                .limit(1)
            ).first()
        return Reexecution.model_validate(dict(row._mapping)) if row is not None else None

    def refresh_message(self, incident_id: str) -> None:
        """Edit the incident's message in place to show its current state."""
        incident = self.incident(incident_id)
        message = self.current_message(incident)
        # A message still waiting in the outbox goes out with the current content.
        self.sentinel.outbox.replace_payload(post_key(incident_id), message)
        where = self.message_location(incident_id)
        if where is None:
            return
        try:
            self.sentinel.transport.update(where[0], where[1], message)
        except SentinelError as e:
            log.warning("cannot update the message of %s: %s", incident_id, e)

    def reply(self, incident_id: str, key: str, message: slack.Message) -> None:
        """A reply in the incident's thread, through the durable outbox (idempotent key)."""
        self.sentinel.send(
            f"{incident_id}:chatops:{key}",
            message,
            incident_id=incident_id,
            kind="reply",
            parent_key=post_key(incident_id),
        )

    def ephemeral(self, channel: str | None, user: str, text: str) -> None:
        if not channel:
            return
        try:
            self.client.chat_postEphemeral(channel=channel, user=user, text=text)
        except (SlackApiError, SlackRequestError, OSError) as e:
            log.warning("cannot post an ephemeral message: %s", e)

    # -- actions -------------------------------------------------------------------------
    def acknowledge(self, incident_id: str, user: str) -> str:
        incident = self.incident(incident_id)
        before = self.timeline.state(incident_id)
        state = self.timeline.acknowledge(incident_id, user)
        if before.acked_by is not None:
            self.timeline.record(incident_id, actor=user, action="acknowledge", result="already")
            return f"Already acknowledged by <@{before.acked_by}>."
        mtta = (state.acked_at or time.time()) - incident.first_seen
        self.timeline.record(
            incident_id,
            actor=user,
            action="acknowledge",
            result="done",
            detail=f"mtta_s={mtta:.0f}",
        )
        self.refresh_message(incident_id)
        return "Acknowledged."

    def mute(self, incident_id: str, seconds: int, user: str) -> str:
        incident = self.incident(incident_id)
        until = time.time() + seconds
        self.timeline.mute(f"fingerprint:{incident.fingerprint}", until, user)
        self.timeline.record(
            incident_id,
            actor=user,
            action="mute",
            result="done",
            detail=f"{chatops.age(seconds)} until {until:.0f}",
        )
        self.refresh_message(incident_id)
        return f"Muted for {chatops.age(seconds)}: repeats are counted, not posted."

    def mute_target(self, key: str, seconds: int, user: str) -> str:
        until = time.time() + seconds
        self.timeline.mute(key, until, user)
        for incident in self.sentinel.store.open_incidents(["failure"]):
            if key in mute_keys(incident):
                self.timeline.record(
                    incident.id, actor=user, action="mute", result="done", detail=key
                )
                self.refresh_message(incident.id)
        return f"Muted `{slack.escape(key)}` for {chatops.age(seconds)}."

    def resolve_with_note(self, incident_id: str, note: str, user: str) -> None:
        incident = self.incident(incident_id)
        self.timeline.set_note(incident_id, redact(note)[: chatops.MAX_NOTE], user)
        resolved = self.sentinel.store.resolve_one(incident)
        self.timeline.record(
            incident_id,
            actor=user,
            action="resolve",
            result="done" if resolved is not None else "note_added",
            detail=redact(note)[:500],
        )
        self.refresh_message(incident_id)
        self.reply(
            incident_id,
            f"note:{time.time():.0f}",
            {
                "text": "Resolution note",
                "blocks": [
                    {
                        "type": "section",
                        "text": chatops.slack_mrkdwn(
                            f":memo: <@{user}> resolved this: {slack.escape(note)}"
                        ),
                    }
                ],
            },
        )

    def request_reexecution(self, incident_id: str, user: str) -> str:
        """A click on "Re-execute from failure"; returns what the user is told."""
        incident = self.incident(incident_id)
        existing = self.timeline.reexecution(incident.last_run_id) if incident.last_run_id else None
        approver = self.is_approver(user)
        decision = chatops.decide_reexecute(incident, approver=approver, existing=existing)
        if decision == "no_run":
            return "This incident has no failed run to re-execute."
        if decision == "closed":
            return "This incident is resolved; nothing to re-execute."
        if decision == "already":
            assert existing is not None
            return self._already(existing)
        assert incident.last_run_id is not None
        if decision == "request_approval":
            approval = self.timeline.request_approval(
                incident_id=incident_id, parent_run_id=incident.last_run_id, requested_by=user
            )
            self.timeline.record(
                incident_id,
                actor=user,
                action="reexecute",
                result="approval_requested",
                detail=approval.id,
                run_id=incident.last_run_id,
            )
            self.reply(
                incident_id,
                f"approval:{approval.id}",
                chatops.approval_request(
                    approval, sorted(self.approver_users | self.approver_groups)
                ),
            )
            return "Only approvers re-execute; I asked them in the thread."
        return self.launch(incident, requested_by=user, approved_by=user)

    def _already(self, existing: Reexecution) -> str:
        url = self.run_url(existing.run_id)
        link = f"<{url}|{(existing.run_id or '?')[:8]}>" if url else "(starting)"
        if existing.in_flight:
            return f"Already running: {link}."
        return f"This failed run was already re-executed: {link} ({existing.status.lower()})."

    def launch(self, incident: Incident, *, requested_by: str, approved_by: str) -> str:
        """Claim the failed run, then launch its re-execution; at most one, ever."""
        parent = incident.last_run_id
        assert parent is not None
        claim = self.timeline.claim_reexecution(
            parent_run_id=parent,
            incident_id=incident.id,
            strategy="FROM_FAILURE",
            requested_by=requested_by,
            approved_by=approved_by,
        )
        if not claim.claimed:
            assert claim.existing is not None
            return self._already(claim.existing)
        try:
            run = self.dagster.reexecute(
                parent,
                strategy="FROM_FAILURE",
                tags=chatops.reexecution_tags(parent, requested_by, approved_by),
            )
        except DagsterApiError as e:
            # Nothing ran: release the claim so the action can be tried again, and say so.
            self.timeline.release_reexecution(parent)
            self.timeline.record(
                incident.id,
                actor=approved_by,
                action="reexecute",
                result="error",
                detail=redact(str(e))[:500],
                run_id=parent,
            )
            what = "unreachable" if isinstance(e, DagsterUnreachable) else "refused"
            return f":warning: Dagster {what}; nothing was re-executed. ({redact(str(e))[:300]})"
        self.timeline.set_reexecution(parent, status="launched", run_id=run.run_id)
        self.timeline.record(
            incident.id,
            actor=approved_by,
            action="reexecute",
            result="launched",
            detail=f"requested_by={requested_by} approved_by={approved_by} parent={parent}",
            run_id=run.run_id,
        )
        url = self.run_url(run.run_id)
        self.reply(
            incident.id,
            f"reexecute:{run.run_id}",
            {
                "text": f"Re-executing from failure: run {run.run_id[:8]}",
                "blocks": [
                    {
                        "type": "section",
                        "text": chatops.slack_mrkdwn(
                            f":arrows_counterclockwise: Re-executing run `{parent[:8]}` from "
                            f"failure: <{url}|{run.run_id[:8]}> (requested by <@{requested_by}>, "
                            f"approved by <@{approved_by}>)."
                        ),
                    }
                ],
            },
        )
        self.refresh_message(incident.id)
        return f"Re-executing from failure: <{url}|{run.run_id[:8]}>."

    def decide(self, approval_id: str, user: str, approve: bool) -> str:
        if not self.is_approver(user):
            approval = self.timeline.approval(approval_id)
            if approval is not None:
                self.timeline.record(
                    approval.incident_id,
                    actor=user,
                    action="approve" if approve else "deny",
                    result="forbidden",
                )
            return "Only approvers can approve or deny a re-execution."
        decided = self.timeline.decide(
            approval_id, decision="approved" if approve else "denied", user=user
        )
        if decided is None:
            approval = self.timeline.approval(approval_id)
            if approval is None:
                return "Unknown approval request."
            return f"This request was already {approval.status} by <@{approval.decided_by}>."
        self.timeline.record(
            decided.incident_id,
            actor=user,
            action="approve" if approve else "deny",
            result="done",
            detail=f"requested_by={decided.requested_by}",
            run_id=decided.parent_run_id,
        )
        if not approve:
            self._close_request(decided)
            return "Denied."
        incident = self.incident(decided.incident_id)
        if incident.last_run_id != decided.parent_run_id:
            # The incident moved on (a newer failure); re-execute the run that was asked for.
            incident = incident.model_copy(update={"last_run_id": decided.parent_run_id})
        answer = self.launch(incident, requested_by=decided.requested_by, approved_by=user)
        if answer.startswith(":warning:"):
            self.timeline.reopen_approval(approval_id)  # nothing ran: it can be approved again
        else:
            self._close_request(decided)
        return answer

    def _close_request(self, decided: Approval) -> None:
        """Replace the request's buttons by the decision, so nobody clicks them again."""
        request = self.sentinel.outbox.get(f"{decided.incident_id}:chatops:approval:{decided.id}")
        if request is None or not request.channel_id or not request.ts:
            return
        try:
            self.sentinel.transport.update(
                request.channel_id, request.ts, chatops.approval_decided(decided)
            )
        except SentinelError as e:
            log.warning("cannot update the approval request: %s", e)

    # -- the watcher ---------------------------------------------------------------------
    def watch_once(self) -> int:
        """Post the outcome of every launched re-execution that finished; returns how many."""
        done = 0
        for reexecution in self.timeline.in_flight():
            if reexecution.run_id is None:
                continue
            try:
                run = self.dagster.run(reexecution.run_id)
            except DagsterApiError as e:
                log.info("cannot read run %s yet: %s", reexecution.run_id, e)
                continue
            if run is None or not run.finished:
                continue
            if not self.timeline.finish_reexecution(reexecution.parent_run_id, run.status):
                continue
            self._outcome(reexecution, run)
            done += 1
        return done

    def _outcome(self, reexecution: Reexecution, run: RunInfo) -> None:
        incident = self.incident(reexecution.incident_id)
        recovery_s = (run.end_time or time.time()) - incident.first_seen
        if run.status == "SUCCESS" and incident.status == "open":
            resolved = self.sentinel.store.resolve_one(incident, run_id=run.run_id)
            if resolved is not None:
                self.sentinel.notify_resolved(resolved, run.run_id)
                recovery_s = resolved.mttr_s or recovery_s
        self.timeline.record(
            incident.id,
            actor="sentinel",
            action="reexecution_outcome",
            result=run.status.lower(),
            detail=f"recovery_s={recovery_s:.0f}" if run.status == "SUCCESS" else None,
            run_id=run.run_id,
        )
        url = self.run_url(run.run_id) or ""
        text = chatops.outcome_text(
            reexecution.model_copy(update={"status": run.status}), run.status, url, recovery_s
        )
        self.reply(
            incident.id,
            f"outcome:{run.run_id}",
            {"text": text, "blocks": [{"type": "section", "text": chatops.slack_mrkdwn(text)}]},
        )
        self.refresh_message(incident.id)

    def watch_forever(self, stop: threading.Event) -> None:
        while not stop.wait(self.watch_interval_s):
            try:
                self.watch_once()
            except SentinelError as e:
                log.warning("watcher: %s", e)

    # -- events: dedupe retries and replays -------------------------------------------------
    def first_delivery(self, event_id: str) -> bool:
        with self._seen_lock:
            if event_id in self._seen_events:
                return False
            self._seen_events[event_id] = None
            while len(self._seen_events) > 5000:
                self._seen_events.popitem(last=False)
            return True

    # -- lookups for commands --------------------------------------------------------------
    def incident_for(self, what: str) -> Incident | None:
        """The incident of a run id (any of its failed runs), else the latest of a job."""
        store = self.sentinel.store
        with store.engine.connect() as conn:
            row = conn.execute(
                sa.select(occurrences.c.incident_id)
                .where(occurrences.c.run_id == what)
                .order_by(occurrences.c.created_at.desc())
                .limit(1)
            ).first()
        if row is not None:
            return store.get(row.incident_id)
        mine = [i for i in store.all(limit=2000) if what in (i.job, i.target)]
        return mine[0] if mine else None


def _report(incident: Incident) -> Report | None:
    return chatops._report(incident)  # noqa: SLF001 - one parser for stored reports


def _with_instance_store(settings: SentinelSettings) -> SentinelSettings:
    """Use the instance's PostgreSQL, like every Dagster process does, when none is set."""
    if not settings.database_default:
        return settings
    from dagster_sentinel.config import dagster_home

    yaml_path = dagster_home() / "dagster.yaml"
    try:
        if "postgres" not in yaml_path.read_text(encoding="utf-8"):
            # SQLite instance: opening it here would race `dagster dev` creating its schema
            # on a fresh DAGSTER_HOME (alembic "more than one head"); Sentinel uses SQLite too.
            return settings
    except OSError:
        return settings
    try:
        import dagster as dg

        from dagster_sentinel.resources import instance_postgres_url

        with dg.DagsterInstance.get() as instance:
            return settings.with_instance_database(instance_postgres_url(instance))
    except Exception as e:  # noqa: BLE001 - no instance (no DAGSTER_HOME): keep SQLite
        log.info("no Dagster instance to share a store with (%s); using SQLite", e)
        return settings


# --- Bolt ---------------------------------------------------------------------------------


def build_app(ops: ChatOps) -> App:
    """The Bolt app: every listener, for both HTTP and Socket Mode."""
    serve = ops.config.serve
    app = App(
        client=ops.client,
        signing_secret=serve.signing_secret,
        token_verification_enabled=False,
        # Ack first (Slack's 3 s), then act in Bolt's listener threads.
        process_before_response=False,
    )

    @app.middleware
    def skip_redeliveries(body: dict[str, Any], next: Callable[[], BoltResponse]) -> Any:  # noqa: A002
        # Events API retries (X-Slack-Retry-Num) and replays carry the same event_id.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not ops.first_delivery(str(event_id)):
            return BoltResponse(status=200, body="")
        return next()

    def action(name: str) -> Callable[..., Any]:
        def wrap(handler: chatops.Handler) -> Callable[..., Any]:
            listener = chatops.button_listener(name, handler, ops.ephemeral)
            app.action(name)(listener)
            return listener

        return wrap

    _value = chatops.action_value

    @action(chatops.ACK)
    def _ack(body: dict[str, Any], user: str) -> str:
        return ops.acknowledge(chatops.incident_id_from(_value(body)), user)

    @action(chatops.REEXECUTE)
    def _reexecute(body: dict[str, Any], user: str) -> str:
        with ops._launch_lock:  # noqa: SLF001 - one click at a time per process
            return ops.request_reexecution(chatops.incident_id_from(_value(body)), user)

    @action(chatops.APPROVE)
    def _approve(body: dict[str, Any], user: str) -> str:
        return ops.decide(_value(body)[:32], user, approve=True)

    @action(chatops.DENY)
    def _deny(body: dict[str, Any], user: str) -> str:
        return ops.decide(_value(body)[:32], user, approve=False)

    @action(chatops.MUTE)
    def _mute(body: dict[str, Any], user: str) -> str:
        selected = ((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value")
        incident_id, seconds = chatops.parse_mute_value(str(selected or ""))
        return ops.mute(incident_id, seconds, user)

    @app.action(chatops.RESOLVE)
    def _resolve(ack: Callable[..., Any], body: dict[str, Any]) -> None:
        ack()
        try:
            incident = ops.incident(chatops.incident_id_from(_value(body)))
            ops.client.views_open(
                trigger_id=body["trigger_id"], view=chatops.resolve_modal(incident)
            )
        except (BadRequest, KeyError) as e:
            ops.ephemeral(chatops.channel_of(body), chatops.user_of(body), f":warning: {e}")
        except (SlackApiError, SlackRequestError, OSError) as e:
            log.warning("cannot open the resolve modal: %s", e)

    @app.view(chatops.RESOLVE_VIEW)
    def _resolved(ack: Callable[..., Any], body: dict[str, Any], view: dict[str, Any]) -> None:
        values = (view.get("state") or {}).get("values") or {}
        note = str(
            (values.get(chatops.NOTE_BLOCK) or {}).get(chatops.NOTE_INPUT, {}).get("value") or ""
        ).strip()
        if not note:
            ack(response_action="errors", errors={chatops.NOTE_BLOCK: "Say what fixed it."})
            return
        try:
            incident_id = chatops.incident_id_from(str(view.get("private_metadata") or ""))
            ops.incident(incident_id)
        except BadRequest as e:
            ack(response_action="errors", errors={chatops.NOTE_BLOCK: str(e)[:150]})
            return
        ack()
        ops.resolve_with_note(incident_id, note, chatops.user_of(body))

    @app.action(chatops.OPEN_RUN)
    def _open_run(ack: Callable[..., Any]) -> None:
        ack()  # a link button: acknowledged so Slack shows no warning

    @app.command("/sentinel")
    def _command(ack: Callable[..., Any], command: dict[str, Any]) -> None:
        user = str(command.get("user_id") or "")
        try:
            cmd = chatops.parse_command(str(command.get("text") or ""))
        except BadRequest as e:
            ack(text=f":warning: {e}")
            return
        try:
            if cmd.name == "metrics":
                ack(text="Drawing the chart…")
                from dagster_sentinel.metrics_chart import post_chart

                post_chart(ops, cmd.args, str(command.get("channel_id") or ""), user)
                return
            ack(text=run_command(ops, cmd, user))
        except BadRequest as e:
            ack(text=f":warning: {e}")
        except SentinelError as e:
            ack(text=f":warning: {redact(str(e))[:300]}")

    from dagster_sentinel.remediation_chatops import register as register_remediation

    register_remediation(app, ops)  # Cancel of automatic retries, catalog action buttons

    @app.event("app_mention")
    def _mention(event: dict[str, Any]) -> None:
        answer_mention(ops, event)

    @app.event("app_home_opened")
    def _home(event: dict[str, Any]) -> None:
        user = str(event.get("user") or "")
        if not user:
            return
        store = ops.sentinel.store
        recent = store.all(limit=200)
        open_ = [i for i in recent if i.status == "open"]
        resolved = [i for i in recent if i.status == "resolved"][:10]
        states = ops.timeline.states(i.id for i in open_ + resolved)
        view = chatops.home_view(open_, resolved, states, ops.settings.ui_url, time.time())
        try:
            ops.client.views_publish(user_id=user, view=view)
        except (SlackApiError, SlackRequestError, OSError) as e:
            log.warning("cannot publish the App Home: %s", e)

    return app


def run_command(ops: ChatOps, cmd: chatops.Command, user: str) -> str:
    now = time.time()
    store = ops.sentinel.store
    if cmd.name == "help":
        return chatops.HELP
    if cmd.name == "status":
        open_ = store.open_incidents(["failure"])
        return chatops.status_report(
            open_, ops.timeline.states(i.id for i in open_), ops.settings.ui_url, now
        )
    if cmd.name == "history":
        return chatops.history_report(cmd.args[0], store.all(limit=2000))
    if cmd.name == "mute":
        key = chatops.mute_target(cmd.args[0])
        return ops.mute_target(key, chatops.parse_duration(cmd.args[1]), user)
    if cmd.name == "why":
        incident = ops.incident_for(cmd.args[0])
        if incident is None:
            return (
                f"I have no incident for `{slack.escape(cmd.args[0])}` (run id or job), "
                "so I cannot tell why."
            )
        report = _report(incident)
        if report is None and incident.evidence_json:
            report = _diagnose_now(ops, incident)
        return chatops.why_text(incident, report)
    raise BadRequest(f"unknown command {cmd.name}")


def _diagnose_now(ops: ChatOps, incident: Incident) -> Report | None:
    """Diagnose on demand from the stored (redacted) evidence, and keep the report."""
    from dagster_sentinel.reporting import diagnose_within
    from sentinel_brain.models import Evidence

    evidence = Evidence.model_validate_json(incident.evidence_json or "{}")
    report = diagnose_within(evidence, ops.settings, ops.settings.hook_budget_s)
    ops.sentinel.store.save_report(
        incident.id,
        report_json=report.model_dump_json(),
        category=report.category.value,
        severity=report.severity.value,
        brain=report.brain,
    )
    return report


def answer_mention(ops: ChatOps, event: dict[str, Any]) -> None:
    """A mention in a report's thread is answered in that thread; elsewhere, with a hint."""
    channel = str(event.get("channel") or "")
    thread_ts = str(event.get("thread_ts") or "")
    question = str(event.get("text") or "")
    incident = ops.incident_at(channel, thread_ts) if thread_ts else None
    if incident is None:
        text = "Mention me in the thread of one of my reports, or try `/sentinel help`."
        target_ts = str(event.get("ts") or "")
    else:
        from dagster_sentinel.ask import answer

        text = answer(ops.settings, incident, question)
        target_ts = thread_ts
        ops.timeline.record(
            incident.id,
            actor=str(event.get("user") or "?"),
            action="ask",
            result="answered",
            detail=redact(question)[:300],
        )
    try:
        ops.client.chat_postMessage(
            channel=channel, thread_ts=target_ts, text=slack.truncate(text, 3000)
        )
    except (SlackApiError, SlackRequestError, OSError) as e:
        log.warning("cannot answer a mention: %s", e)


# --- HTTP ----------------------------------------------------------------------------------

MAX_ALERT_BODY = 4 * 1024 * 1024


def asgi_app(ops: ChatOps, bolt: App) -> Starlette:
    async def events(request: Request) -> Response:
        body = await request.body()
        # Bolt's App is synchronous: dispatch in a worker thread, not on the event loop.
        bolt_resp = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_resp)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": True, "service": "sentinel serve"})

    async def metrics(_: Request) -> Response:
        # The whole deployment's numbers, read from the shared store (dagster_sentinel.telemetry).
        from prometheus_client import CONTENT_TYPE_LATEST

        from dagster_sentinel.telemetry import exposition

        body = await run_in_threadpool(exposition, ops.settings.database_url)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def alertmanager(request: Request) -> Response:
        # Alertmanager's webhook (v4): authenticated by bearer token before anything is read
        # further; a body too large for any real notification is refused unread.
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_ALERT_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        body = await request.body()
        if len(body) > MAX_ALERT_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        status, answer = await run_in_threadpool(
            handle_alertmanager, body, dict(request.headers), ops.settings
        )
        return JSONResponse(answer, status_code=status)

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/alertmanager", alertmanager, methods=["POST"]),
        ]
    )


def start_socket_mode(ops: ChatOps, bolt: App) -> Any:
    """Connect Bolt's Socket Mode handler (same listeners as HTTP); returns it to close later.

    `apps.connections.open` goes to the configured Web API; the WebSocket URL is Slack's
    answer to it, never taken from an inbound request.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(bolt, ops.config.serve.app_token, web_client=ops.client)
    handler.connect()  # type: ignore[no-untyped-call]
    log.info("Socket Mode connected")
    return handler


def serve(config: SentinelConfig, *, host: str = "127.0.0.1") -> None:
    """Run until SIGINT/SIGTERM: HTTP, Socket Mode when an app token is set, the watcher."""
    import uvicorn

    ops = ChatOps(config)
    bolt = build_app(ops)
    stop = threading.Event()
    watcher = threading.Thread(
        target=ops.watch_forever, args=(stop,), name="sentinel-watcher", daemon=True
    )
    watcher.start()
    socket_handler = start_socket_mode(ops, bolt) if config.serve.app_token else None
    server = uvicorn.Server(
        uvicorn.Config(
            asgi_app(ops, bolt),
            host=host,
            port=config.serve.port,
            log_level="warning",
            timeout_graceful_shutdown=3,
        )
    )
    print(
        f"sentinel serve: http://{host}:{config.serve.port}/slack/events "
        f"(Socket Mode {'on' if socket_handler else 'off'}; Dagster {ops.dagster.url})",
        flush=True,
    )
    try:
        server.run()  # handles SIGINT and SIGTERM itself
    finally:
        stop.set()
        if socket_handler is not None:
            socket_handler.close()
        ops.dagster.close()


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))
