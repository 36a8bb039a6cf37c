"""The durable Slack outbox: written before sending, marked after, drained until sent.

Each message has an idempotency key (per incident and per update), so enqueueing twice
is a no-op and a crash or an outage never loses a report.

Exactly once, under contention (the hook, the asset and the drain sensor all drain):
- A sender takes a row with a lease carrying a fencing token (`lease_owner`). Every later
  state change names the token, so a sender whose lease expired and was taken over
  changes nothing; its late error can never put a sent row back to pending.
- The pacing wait happens before the lease is taken, and the lease is renewed just
  before the HTTP call, for longer than that call can last (client timeout x retries).
- A row that was taken before without a clean answer (a crash, a timeout, a 5xx after
  Slack may have accepted it) is looked up in the channel's history by its key, carried
  in the message metadata, before it is sent again.
- A row that is leased, or that an attempt may already have put on Slack, is never
  rewritten: newer content becomes a new send (or an update that waits for its parent).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from dagster_sentinel.errors import DeliveryError, RetryLater, StoreError
from dagster_sentinel.slack import Message, SlackTransport
from dagster_sentinel.store import channels, engine_for, outbox, pace, transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 50
# Margin on top of the longest a Slack call can take, for the store round trips and
# clock differences between processes.
LEASE_MARGIN_S = 30.0
# A Slack conversation id (public C…, private G…, direct D…), as opposed to a #name.
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


class OutboxItem(BaseModel):
    key: str
    incident_id: str | None
    channel: str
    kind: Literal["post", "reply", "update"]
    parent_key: str | None
    payload: str
    status: str
    attempts: int
    next_attempt_at: float
    created_at: float
    sent_at: float | None = None
    channel_id: str | None = None
    ts: str | None = None
    last_error: str | None = None
    lease_until: float | None = None
    lease_owner: str | None = None
    seq: int | None = None


class DrainResult(BaseModel):
    sent: int = 0
    failed: int = 0
    waiting: int = 0
    errors: list[str] = []


def backoff_s(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff (5 s … 15 min), never shorter than Slack's Retry-After."""
    base = min(5.0 * 2.0 ** max(attempts - 1, 0), 900.0)
    return max(base, retry_after or 0.0)


def lease_s(transport: SlackTransport) -> float:
    """How long a sender holds a row: longer than one Slack call can last."""
    return float(transport.max_call_s) + LEASE_MARGIN_S


def may_be_on_slack(before: OutboxItem) -> bool:
    """True when an earlier attempt may have reached Slack without us knowing: a lease
    left behind (the sender died mid-send) or a failed attempt (a timeout or a 5xx can
    come after Slack accepted the message)."""
    return before.lease_until is not None or before.attempts > 0


def _row(row: sa.Row | None) -> OutboxItem | None:  # type: ignore[type-arg]
    return None if row is None else OutboxItem.model_validate(dict(row._mapping))


def _rewritable() -> sa.ColumnElement[bool]:
    """Rows nobody is sending and no attempt has touched: safe to give new content."""
    return sa.and_(
        outbox.c.status == "pending", outbox.c.lease_until.is_(None), outbox.c.attempts == 0
    )


class Outbox:
    def __init__(self, url: str, *, burst: int = 1) -> None:
        self.engine = engine_for(url)
        # Messages a channel may take back to back before the pacing applies (`_reserve_slot`).
        self.burst = max(1, burst)

    def enqueue(
        self,
        key: str,
        *,
        channel: str,
        message: Message,
        kind: Literal["post", "reply", "update"] = "post",
        parent_key: str | None = None,
        incident_id: str | None = None,
        now: float | None = None,
        seq: int | None = None,
    ) -> bool:
        """Queue a message; False when that key was queued before (idempotent)."""
        return self._insert(
            key, channel, kind, parent_key, incident_id, json.dumps(message), "pending", now, seq
        )

    def merge_into(self, key: str, digest_key: str, *, channel: str, incident_id: str) -> None:
        """Record that `key` (an incident's post) is carried by the digest `digest_key`."""
        self._insert(key, channel, "post", digest_key, incident_id, "{}", "merged", None, None)

    def _insert(
        self,
        key: str,
        channel: str,
        kind: str,
        parent_key: str | None,
        incident_id: str | None,
        payload: str,
        status: str,
        now: float | None,
        seq: int | None,
    ) -> bool:
        now = time.time() if now is None else now
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    outbox.insert().values(
                        key=key,
                        incident_id=incident_id,
                        channel=channel,
                        kind=kind,
                        parent_key=parent_key,
                        payload=payload,
                        status=status,
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                        seq=seq,
                    )
                )
        except IntegrityError:
            return False
        return True

    def replace_payload(self, key: str, message: Message, *, seq: int | None = None) -> bool:
        """Give a queued message the latest content (e.g. resolved, the latest count).

        Only a row nobody is sending and no attempt has touched is rewritten; with `seq`,
        only with newer state than it carries. True when the row now carries this state
        or a newer one; False when it is (or may be) on its way to Slack as it was: the
        caller must send the new content separately.
        """
        newer = sa.true() if seq is None else sa.or_(outbox.c.seq.is_(None), outbox.c.seq < seq)
        with transaction(self.engine) as conn:
            changed = conn.execute(
                outbox.update()
                .where(outbox.c.key == key, _rewritable(), newer)
                .values(payload=json.dumps(message), seq=seq)
            ).rowcount
            if changed == 1:
                return True
            if seq is None:
                return False
            # Not rewritten: fine if it is still rewritable and already carries newer state.
            superseded = conn.execute(
                sa.select(outbox.c.key).where(
                    outbox.c.key == key, _rewritable(), outbox.c.seq >= seq
                )
            ).first()
            return superseded is not None

    def pending_for(self, incident_id: str, *, kind: str, key_prefix: str) -> OutboxItem | None:
        """The newest rewritable message of an incident of a kind whose key starts with a
        prefix (one being sent, or tried before, is not: it may be on Slack already)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(outbox)
                .where(
                    outbox.c.incident_id == incident_id,
                    outbox.c.kind == kind,
                    _rewritable(),
                    outbox.c.key.startswith(key_prefix, autoescape=True),
                )
                .order_by(outbox.c.created_at.desc())
                .limit(1)
            ).first()
        return _row(row)

    def get(self, key: str) -> OutboxItem | None:
        with self.engine.connect() as conn:
            return _row(conn.execute(sa.select(outbox).where(outbox.c.key == key)).first())

    def items(self, status: str | None = None) -> list[OutboxItem]:
        query = sa.select(outbox).order_by(outbox.c.created_at, outbox.c.key)
        if status is not None:
            query = query.where(outbox.c.status == status)
        with self.engine.connect() as conn:
            return [OutboxItem.model_validate(dict(r._mapping)) for r in conn.execute(query)]

    def backlog(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(outbox)
                    .where(outbox.c.status == "pending")
                ).scalar_one()
            )

    # --- leases ---------------------------------------------------------------------------
    def _lease(self, key: str, token: str, now: float, hold_s: float) -> OutboxItem | None:
        """Take the row for sending; returns it as it was before (None: not ours to send).
        A lease left behind by a crashed sender has expired."""
        with transaction(self.engine) as conn:
            before = _row(conn.execute(sa.select(outbox).where(outbox.c.key == key)).first())
            taken = conn.execute(
                outbox.update()
                .where(
                    outbox.c.key == key,
                    outbox.c.status == "pending",
                    sa.or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
                )
                .values(lease_owner=token, lease_until=now + hold_s)
            ).rowcount
            return before if taken == 1 else None

    def _renew(self, key: str, token: str, now: float, hold_s: float) -> bool:
        """Extend our lease just before a Slack call; False when it was taken over."""
        with transaction(self.engine) as conn:
            return (
                conn.execute(
                    outbox.update()
                    .where(outbox.c.key == key, outbox.c.lease_owner == token)
                    .values(lease_until=now + hold_s)
                ).rowcount
                == 1
            )

    def _finish(self, key: str, token: str, **values: object) -> bool:
        """Record the outcome and release the lease, only if we still hold it."""
        with transaction(self.engine) as conn:
            changed = conn.execute(
                outbox.update()
                .where(outbox.c.key == key, outbox.c.lease_owner == token)
                .values(lease_until=None, lease_owner=None, **values)
            ).rowcount
        if changed != 1:
            log.warning("outbox row %s was taken over by another sender; result dropped", key)
        elif values.get("status") == "sent" and values.get("channel_id"):
            self._learn_channel(key, str(values["channel_id"]))
        return changed == 1

    # --- channel ids ------------------------------------------------------------------------
    def _learn_channel(self, key: str, channel_id: str) -> None:
        """Remember the id Slack answered for the row's channel name (its own transaction:
        a concurrent sender learning the same id must not undo a recorded send)."""
        try:
            with transaction(self.engine) as conn:
                row = conn.execute(sa.select(outbox.c.channel).where(outbox.c.key == key)).first()
                if row is None or row.channel == channel_id:
                    return
                known = conn.execute(
                    sa.select(channels).where(channels.c.name == row.channel)
                ).first()
                if known is None:
                    conn.execute(channels.insert().values(name=row.channel, channel_id=channel_id))
                elif known.channel_id != channel_id:
                    conn.execute(
                        channels.update()
                        .where(channels.c.name == row.channel)
                        .values(channel_id=channel_id)
                    )
        except StoreError as e:  # another sender stored it at the same moment
            log.debug("channel id for %s stored concurrently: %s", key, e)

    def channel_id(self, name: str, transport: SlackTransport) -> str | None:
        """The id of a channel: learnt from an earlier post, else asked of Slack once."""
        if _CHANNEL_ID.match(name):
            return name
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(channels).where(channels.c.name == name)).first()
        if row is not None:
            return str(row.channel_id)
        found = transport.resolve_channel(name)
        if found is not None:
            try:
                with transaction(self.engine) as conn:
                    conn.execute(channels.insert().values(name=name, channel_id=found))
            except StoreError as e:  # another process stored it at the same moment
                log.debug("channel id of %s stored concurrently: %s", name, e)
        return found

    # --- pacing -----------------------------------------------------------------------------
    def _reserve_slot(
        self, channel: str, now: float, pace_s: float, max_wait_s: float
    ) -> float | None:
        """Book the channel's next send slot (shared by every process). None when the slot
        is further away than `max_wait_s`.

        The generic cell rate algorithm: the stored `next_at` is the channel's theoretical
        arrival time. Sustained, one message per `pace_s`; a channel that has been quiet may
        take `burst` messages back to back (Slack: "1 message per second to a specific
        channel ... generous burst behavior is also granted"), so the first reports of
        several concurrent failures are not queued behind one another.
        """
        if pace_s <= 0:
            return now
        tolerance = (self.burst - 1) * pace_s
        with transaction(self.engine, lock_key=f"pace:{channel}") as conn:
            row = conn.execute(sa.select(pace.c.next_at).where(pace.c.channel == channel)).first()
            arrival = max(now, row.next_at) if row else now
            slot = max(now, arrival - tolerance)
            if slot - now > max_wait_s:
                return None
            if row is None:
                conn.execute(pace.insert().values(channel=channel, next_at=arrival + pace_s))
            else:
                conn.execute(
                    pace.update().where(pace.c.channel == channel).values(next_at=arrival + pace_s)
                )
            return slot

    # --- sending ----------------------------------------------------------------------------
    def deliver(
        self,
        key: str,
        transport: SlackTransport,
        now: Callable[[], float] = time.time,
        *,
        pace_s: float = 1.0,
        max_wait_s: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
        stop: threading.Event | None = None,
    ) -> OutboxItem | None:
        """Try to send one queued message now. Returns the row as it stands afterwards.

        Waits for the channel's pacing slot up to `max_wait_s` (returning early when
        `stop` is set), before taking the row; past that the message stays queued.
        """
        item = self.get(key)
        if item is None or item.status != "pending" or not transport.configured:
            return item
        if item.lease_until is not None and item.lease_until >= now():
            return item  # another sender has it
        parent = self._parent(item)
        if parent is not None and parent.status == "pending":
            return item  # the parent must go first; the drain comes back for this one
        slot = self._reserve_slot(item.channel, now(), pace_s, max_wait_s)
        if slot is None:
            return item
        delay = slot - now()
        if delay > 0:
            if stop is not None:
                if stop.wait(delay):
                    return item  # shutting down: the row was never taken
            else:
                sleep(delay)
        if stop is not None and stop.is_set():
            return item
        token = uuid.uuid4().hex
        hold = lease_s(transport)
        before = self._lease(key, token, now(), hold)
        if before is None:
            return self.get(key)
        # Read after the lease: nobody rewrites a leased row, so this is what goes out.
        item = self.get(key)
        assert item is not None
        parent = self._parent(item)
        if parent is not None and parent.status == "pending":
            self._finish(key, token)
            return self.get(key)
        return self._send(item, before, parent, token, hold, transport, now)

    def _parent(self, item: OutboxItem) -> OutboxItem | None:
        if item.parent_key is None:
            return None
        parent = self.get(item.parent_key)
        if parent is not None and parent.status == "merged" and parent.parent_key:
            # The parent was folded into a storm digest: thread under the digest.
            parent = self.get(parent.parent_key)
            if item.kind == "update" and parent is not None:
                item.kind = "reply"
        return parent

    def _send(
        self,
        item: OutboxItem,
        before: OutboxItem,
        parent: OutboxItem | None,
        token: str,
        hold: float,
        transport: SlackTransport,
        now: Callable[[], float],
    ) -> OutboxItem | None:
        key = item.key
        message: Message = json.loads(item.payload)
        usable_parent = (
            parent is not None
            and parent.status == "sent"
            and bool(parent.ts)
            and bool(parent.channel_id)
            and transport.threads
        )
        edits = item.kind == "update" and usable_parent
        if not edits and may_be_on_slack(before):
            try:
                found = self._find_sent(
                    item,
                    parent if usable_parent else None,
                    transport,
                    keep_alive=lambda: self._renew(key, token, now(), hold),
                )
            except RetryLater as e:
                # Cannot tell whether Slack has it: wait rather than risk a second copy.
                self._finish(
                    key,
                    token,
                    last_error=str(e),
                    next_attempt_at=now() + backoff_s(item.attempts + 1, e.retry_after),
                )
                return self.get(key)
            if found is not None:
                self._finish(
                    key,
                    token,
                    status="sent",
                    sent_at=now(),
                    channel_id=found[0],
                    ts=found[1],
                    last_error=None,
                )
                return self.get(key)
        if not self._renew(key, token, now(), hold):
            return self.get(key)  # taken over while we looked: the other sender owns it now
        try:
            channel_id, ts = item.channel_id, item.ts
            if edits:
                assert parent is not None and parent.channel_id and parent.ts
                transport.update(parent.channel_id, parent.ts, message)
                channel_id, ts = parent.channel_id, parent.ts
            elif item.kind in ("update", "reply") and usable_parent:
                # A reply, or an update of a digest's member: in the parent's thread.
                assert parent is not None and parent.channel_id
                channel_id, ts = transport.post(
                    parent.channel_id, message, thread_ts=parent.ts, key=key
                )
            else:
                # A post, or nothing to update or thread under (webhook, the parent never
                # got out): say it anew.
                channel_id, ts = transport.post(item.channel, message, key=key)
        except RetryLater as e:
            attempts = item.attempts + 1
            self._finish(
                key,
                token,
                attempts=attempts,
                last_error=str(e),
                next_attempt_at=now() + backoff_s(attempts, e.retry_after),
            )
        except DeliveryError as e:
            attempts = item.attempts + 1
            self._finish(
                key,
                token,
                attempts=attempts,
                last_error=str(e),
                status="dead" if attempts >= MAX_ATTEMPTS else "pending",
                next_attempt_at=now() + backoff_s(attempts + 4),
            )
        else:
            self._finish(
                key,
                token,
                status="sent",
                sent_at=now(),
                channel_id=channel_id,
                ts=ts,
                attempts=item.attempts + 1,
                last_error=None,
            )
        return self.get(key)

    def _find_sent(
        self,
        item: OutboxItem,
        parent: OutboxItem | None,
        transport: SlackTransport,
        keep_alive: Callable[[], bool],
    ) -> tuple[str, str] | None:
        """Whether Slack already holds this message (by the key in its metadata)."""
        if not transport.threads:
            return None  # a webhook cannot read history: at-least-once is all it offers
        if parent is not None and parent.channel_id and parent.ts:
            channel_id: str | None = parent.channel_id
            thread: str | None = parent.ts
        else:
            channel_id, thread = self.channel_id(item.channel, transport), None
        if channel_id is None:
            # Without the id (no post learnt it, no channels:read) history cannot be read:
            # at-least-once is the floor, so the message goes again.
            log.warning("cannot resolve %s to a channel id; %s may repeat", item.channel, item.key)
            return None
        return transport.find_sent(
            channel_id, item.key, item.created_at - 1, thread, keep_alive=keep_alive
        )

    def _wake(self, channel: str, now: float) -> list[str]:
        with transaction(self.engine) as conn:
            keys = [
                r.key
                for r in conn.execute(
                    sa.select(outbox.c.key)
                    .where(
                        outbox.c.status == "pending",
                        outbox.c.channel == channel,
                        outbox.c.next_attempt_at > now,
                    )
                    .order_by(outbox.c.created_at, outbox.c.key)
                )
            ]
            if keys:
                conn.execute(
                    outbox.update().where(outbox.c.key.in_(keys)).values(next_attempt_at=now)
                )
        return keys

    def drain(
        self,
        transport: SlackTransport,
        *,
        deadline_s: float = 40.0,
        per_channel_interval_s: float = 1.0,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        stop: threading.Event | None = None,
    ) -> DrainResult:
        """Send what is due, oldest first, about one message a second per channel.

        Never runs past `deadline_s` (a pacing wait is cut to what is left of it), and
        returns promptly when `stop` is set (a sensor tick ending, a shutdown).
        """
        result = DrainResult()
        if not transport.configured:
            result.waiting = self.backlog()
            return result
        start = now()
        with self.engine.connect() as conn:
            due = [
                r.key
                for r in conn.execute(
                    sa.select(outbox.c.key)
                    .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= start)
                    .order_by(outbox.c.created_at, outbox.c.key)
                )
            ]
        blocked_channels: set[str] = set()
        woken: set[str] = set()
        queue = list(due)
        for key in queue:
            left = deadline_s - (now() - start)
            if left <= 0 or (stop is not None and stop.is_set()):
                break
            item = self.get(key)
            if item is None or item.status != "pending" or item.channel in blocked_channels:
                continue
            after = self.deliver(
                key,
                transport,
                now=now,
                pace_s=per_channel_interval_s,
                max_wait_s=min(30.0, left),
                sleep=sleep,
                stop=stop,
            )
            if after is None:
                continue
            if after.status == "sent":
                result.sent += 1
                if item.channel not in woken:
                    # Slack answers again: what was backing off on this channel is due now.
                    woken.add(item.channel)
                    queue.extend(k for k in self._wake(item.channel, now()) if k not in due)
            elif after.attempts > item.attempts:
                result.failed += 1
                if after.last_error:
                    result.errors.append(after.last_error)
                # Slack is down or throttling this channel: stop hammering it this round.
                blocked_channels.add(item.channel)
        result.waiting = self.backlog()
        return result
