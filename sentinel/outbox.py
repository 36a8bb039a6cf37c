"""The durable Slack outbox: written before sending, marked after, drained until sent.

Each message has an idempotency key (per incident and per update), so enqueueing twice
is a no-op and a crash or an outage never loses a report. A short lease stops two
drainers (the hook, the asset, the drain sensor) from sending the same row at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from sentinel.errors import DeliveryError, RetryLater
from sentinel.slack import Message, SlackTransport
from sentinel.store import engine_for, outbox, pace, transaction

MAX_ATTEMPTS = 50
LEASE_S = 60.0


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


class DrainResult(BaseModel):
    sent: int = 0
    failed: int = 0
    waiting: int = 0
    errors: list[str] = []


def backoff_s(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff (5 s … 15 min), never shorter than Slack's Retry-After."""
    base = min(5.0 * (2 ** max(attempts - 1, 0)), 900.0)
    return max(base, retry_after or 0.0)


class Outbox:
    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)

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
    ) -> bool:
        """Queue a message; False when that key was queued before (idempotent)."""
        return self._insert(
            key, channel, kind, parent_key, incident_id, json.dumps(message), "pending", now
        )

    def merge_into(self, key: str, digest_key: str, *, channel: str, incident_id: str) -> None:
        """Record that `key` (an incident's post) is carried by the digest `digest_key`."""
        self._insert(key, channel, "post", digest_key, incident_id, "{}", "merged", None)

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
                    )
                )
        except IntegrityError:
            return False
        return True

    def replace_payload(self, key: str, message: Message) -> None:
        """A pending message not yet sent carries the latest content (e.g. resolved)."""
        with transaction(self.engine) as conn:
            conn.execute(
                outbox.update()
                .where(outbox.c.key == key, outbox.c.status == "pending")
                .values(payload=json.dumps(message))
            )

    def pending_for(self, incident_id: str, *, kind: str, key_prefix: str) -> OutboxItem | None:
        """The newest pending message of an incident of a kind whose key starts with a prefix."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(outbox)
                .where(
                    outbox.c.incident_id == incident_id,
                    outbox.c.kind == kind,
                    outbox.c.status == "pending",
                    outbox.c.key.startswith(key_prefix, autoescape=True),
                )
                .order_by(outbox.c.created_at.desc())
                .limit(1)
            ).first()
        return None if row is None else OutboxItem.model_validate(dict(row._mapping))

    def get(self, key: str) -> OutboxItem | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(outbox).where(outbox.c.key == key)).first()
        return None if row is None else OutboxItem.model_validate(dict(row._mapping))

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

    def _lease(self, key: str, now: float) -> bool:
        """Take the row for sending. A lease left behind by a crashed sender has expired."""
        with transaction(self.engine) as conn:
            res = conn.execute(
                outbox.update()
                .where(
                    outbox.c.key == key,
                    outbox.c.status == "pending",
                    sa.or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
                )
                .values(lease_until=now + LEASE_S)
            )
            return res.rowcount == 1

    def _finish(self, key: str, **values: object) -> None:
        with transaction(self.engine) as conn:
            conn.execute(
                outbox.update().where(outbox.c.key == key).values(lease_until=None, **values)
            )

    def _reserve_slot(
        self, channel: str, now: float, pace_s: float, max_wait_s: float
    ) -> float | None:
        """Book the channel's next send slot (shared by every process): about one message
        per `pace_s` per channel. None when the slot is further away than `max_wait_s`."""
        if pace_s <= 0:
            return now
        with transaction(self.engine, lock_key=f"pace:{channel}") as conn:
            row = conn.execute(sa.select(pace.c.next_at).where(pace.c.channel == channel)).first()
            slot = max(now, row.next_at if row else now)
            if slot - now > max_wait_s:
                return None
            if row is None:
                conn.execute(pace.insert().values(channel=channel, next_at=slot + pace_s))
            else:
                conn.execute(
                    pace.update().where(pace.c.channel == channel).values(next_at=slot + pace_s)
                )
            return slot

    def deliver(
        self,
        key: str,
        transport: SlackTransport,
        now: Callable[[], float] = time.time,
        *,
        pace_s: float = 1.0,
        max_wait_s: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> OutboxItem | None:
        """Try to send one queued message now. Returns the row as it stands afterwards.

        Waits for the channel's pacing slot up to `max_wait_s`; past that the message
        stays queued for the drain.
        """
        item = self.get(key)
        if item is None or item.status != "pending" or not transport.configured:
            return item
        parent: OutboxItem | None = None
        if item.parent_key is not None:
            parent = self.get(item.parent_key)
            if parent is not None and parent.status == "merged" and parent.parent_key:
                # The parent was folded into a storm digest: thread under the digest.
                parent = self.get(parent.parent_key)
                if item.kind == "update" and parent is not None:
                    item.kind = "reply"
            if parent is not None and parent.status == "pending":
                return item  # the parent must go first; the drain comes back for this one
        crashed_mid_send = item.lease_until is not None
        if not self._lease(key, now()):
            return self.get(key)
        message: Message = json.loads(item.payload)
        if crashed_mid_send and item.kind in ("post", "reply"):
            thread = parent.ts if item.kind == "reply" and parent is not None else None
            found = transport.find_sent(
                (parent.channel_id if thread and parent else None) or item.channel,
                key,
                item.created_at - 1,
                thread,
            )
            if found is not None:
                self._finish(key, status="sent", sent_at=now(), channel_id=found[0], ts=found[1])
                return self.get(key)
        slot = self._reserve_slot(item.channel, now(), pace_s, max_wait_s)
        if slot is None:
            self._finish(key, next_attempt_at=now() + 1.0)
            return self.get(key)
        if slot > now():
            sleep(slot - now())
        try:
            channel_id, ts = item.channel_id, item.ts
            usable_parent = parent is not None and parent.status == "sent" and parent.ts
            if item.kind == "update" and usable_parent and transport.threads:
                assert parent is not None and parent.channel_id and parent.ts
                transport.update(parent.channel_id, parent.ts, message)
                channel_id, ts = parent.channel_id, parent.ts
            elif item.kind == "update":
                # Nothing to update (webhook, or the parent never got out): say it anew.
                channel_id, ts = transport.post(item.channel, message, key=key)
            elif item.kind == "reply" and usable_parent and transport.threads:
                assert parent is not None and parent.channel_id
                channel_id, ts = transport.post(
                    parent.channel_id, message, thread_ts=parent.ts, key=key
                )
            else:
                channel_id, ts = transport.post(item.channel, message, key=key)
        except RetryLater as e:
            attempts = item.attempts + 1
            self._finish(
                key,
                attempts=attempts,
                last_error=str(e),
                next_attempt_at=now() + backoff_s(attempts, e.retry_after),
            )
        except DeliveryError as e:
            attempts = item.attempts + 1
            self._finish(
                key,
                attempts=attempts,
                last_error=str(e),
                status="dead" if attempts >= MAX_ATTEMPTS else "pending",
                next_attempt_at=now() + backoff_s(attempts + 4),
            )
        else:
            self._finish(
                key,
                status="sent",
                sent_at=now(),
                channel_id=channel_id,
                ts=ts,
                attempts=item.attempts + 1,
                last_error=None,
            )
        return self.get(key)

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
    ) -> DrainResult:
        """Send what is due, oldest first, about one message a second per channel."""
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
            if now() - start > deadline_s:
                break
            item = self.get(key)
            if item is None or item.status != "pending" or item.channel in blocked_channels:
                continue
            after = self.deliver(
                key, transport, now=now, pace_s=per_channel_interval_s, max_wait_s=30.0, sleep=sleep
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
