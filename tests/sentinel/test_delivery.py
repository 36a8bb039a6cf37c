"""Exactly-once delivery under contention, proven with deterministic faults.

The loopback Slack stalls an answer until the test releases it, accepts a message and
then fails or drops the connection, or drops it before accepting; time is a clock the
test moves, so a lease runs out exactly when the test says. Every check counts what Slack
stored by the outbox key carried in each message's metadata.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_sentinel.outbox import Outbox, lease_s
from dagster_sentinel.settings import SentinelSettings
from dagster_sentinel.slack import Message, SlackTransport
from dagster_sentinel.store import pace, transaction
from tests.fakes.slack_server import FakeSlack, Scripted
from tests.sentinel.conftest import fresh_postgres_database


class Clock:
    """Wall time plus an offset the test moves (leases and backoffs run out on cue)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sentinel.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


def settings_for(tmp_path: Path, slack: FakeSlack, url: str, **env: str) -> SentinelSettings:
    base = {
        "DAGSTER_HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.url,
        "SLACK_CHANNEL": "#alerts",
        "SENTINEL_DATABASE_URL": url,
    }
    base.update(env)
    return SentinelSettings.resolve(env=base)


def msg(text: str) -> Message:
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def transport_for(
    tmp_path: Path, slack: FakeSlack, url: str, timeout_s: int = 10
) -> SlackTransport:
    return SlackTransport(settings_for(tmp_path, slack, url), timeout_s=timeout_s)


def drain_until_empty(outbox: Outbox, transport: SlackTransport, clock: Clock) -> None:
    """Drain, moving time past every backoff, until nothing is pending (bounded)."""
    for _ in range(12):
        if outbox.backlog() == 0:
            return
        clock.advance(1000.0)
        outbox.drain(transport, per_channel_interval_s=0, now=clock)
    assert outbox.backlog() == 0, outbox.items("pending")


# --- one sender stuck, another taking over ---------------------------------------------


def test_lease_taken_over_mid_send_never_posts_twice(
    tmp_path: Path, fake_slack: FakeSlack, db_url: str
) -> None:
    """Sender A is stuck waiting on Slack (which has stored the message) past its lease.
    Sender B takes the row over, finds the message by its key in the channel history
    (looked up by channel id, not name), and marks it sent. A's late answer changes
    nothing."""
    outbox = Outbox(db_url)
    outbox.enqueue("inc-1:post", channel="#alerts", message=msg("inc-1"))
    stall = Scripted(method="chat.postMessage", fault="stall")
    fake_slack.fail_next(stall)
    clock = Clock()
    a = threading.Thread(
        target=outbox.deliver,
        args=("inc-1:post", transport_for(tmp_path, fake_slack, db_url)),
        kwargs={"now": clock, "pace_s": 0},
    )
    a.start()
    assert stall.reached.wait(10)
    transport_b = transport_for(tmp_path, fake_slack, db_url)
    # While A holds a live lease, B leaves the row alone.
    assert outbox.deliver("inc-1:post", transport_b, now=clock, pace_s=0).status == "pending"
    clock.advance(lease_s(transport_b) + 1)
    after_b = outbox.deliver("inc-1:post", transport_b, now=clock, pace_s=0)
    assert after_b.status == "sent" and after_b.channel_id == fake_slack.channel_id("#alerts")
    stall.release.set()
    a.join(30)
    assert not a.is_alive()
    row = outbox.get("inc-1:post")
    assert row.status == "sent" and row.lease_owner is None and row.ts == after_b.ts
    assert fake_slack.posted_keys() == {"inc-1:post": 1}


def test_a_late_error_never_resets_a_sent_row(
    tmp_path: Path, fake_slack: FakeSlack, db_url: str
) -> None:
    """A's call ends in a 500 after B has marked the row sent: the row stays sent (the
    state change names A's fencing token, which no longer holds the row)."""
    outbox = Outbox(db_url)
    outbox.enqueue("inc-2:post", channel="#alerts", message=msg("inc-2"))
    stall = Scripted(method="chat.postMessage", fault="stall_then_fail")
    fake_slack.fail_next(stall)
    clock = Clock()
    transport = transport_for(tmp_path, fake_slack, db_url)
    a = threading.Thread(
        target=outbox.deliver, args=("inc-2:post", transport), kwargs={"now": clock, "pace_s": 0}
    )
    a.start()
    assert stall.reached.wait(10)
    clock.advance(lease_s(transport) + 1)
    assert outbox.deliver("inc-2:post", transport, now=clock, pace_s=0).status == "sent"
    stall.release.set()
    a.join(30)
    row = outbox.get("inc-2:post")
    assert row.status == "sent" and row.attempts == 0 and row.last_error is None
    clock.advance(10_000)
    assert outbox.drain(transport, per_channel_interval_s=0, now=clock).sent == 0
    assert fake_slack.posted_keys() == {"inc-2:post": 1}


@pytest.mark.parametrize(
    "fault", ["fail_after_accept", "drop_after_accept", "drop_before", "stall"]
)
def test_each_fault_ends_in_exactly_one_message(
    tmp_path: Path, fake_slack: FakeSlack, fault: str
) -> None:
    """Whatever the sender heard (a 500, a dropped connection, a timeout) the message is
    on Slack exactly once after the next drain: it is looked up before any resend."""
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    outbox = Outbox(url)
    transport = transport_for(tmp_path, fake_slack, url, timeout_s=1)
    outbox.enqueue("warmup:post", channel="#alerts", message=msg("warmup"))
    outbox.enqueue("inc-3:post", channel="#alerts", message=msg("inc-3"))
    clock = Clock()
    assert outbox.deliver("warmup:post", transport, now=clock, pace_s=0).status == "sent"
    fake_slack.fail_next(Scripted(method="chat.postMessage", fault=fault))  # type: ignore[arg-type]
    first = outbox.deliver("inc-3:post", transport, now=clock, pace_s=0)
    assert first.status == "pending" and first.attempts == 1 and first.last_error
    drain_until_empty(outbox, transport, clock)
    assert fake_slack.posted_keys() == {"warmup:post": 1, "inc-3:post": 1}


def test_first_post_to_a_channel_unclear_finds_the_channel_id_by_name(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """No post to the channel ever succeeded, so its id is unknown: it is looked up once
    with conversations.list (history takes ids only), then the message is found."""
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    outbox = Outbox(url)
    transport = transport_for(tmp_path, fake_slack, url)
    outbox.enqueue("inc-7:post", channel="#alerts", message=msg("inc-7"))
    fake_slack.fail_next(Scripted(method="chat.postMessage", fault="drop_after_accept"))
    clock = Clock()
    assert outbox.deliver("inc-7:post", transport, now=clock, pace_s=0).status == "pending"
    drain_until_empty(outbox, transport, clock)
    assert fake_slack.posted_keys() == {"inc-7:post": 1}
    assert [c.method for c in fake_slack.calls].count("conversations.list") == 1
    assert outbox.channel_id("#alerts", transport) == fake_slack.channel_id("#alerts")


def test_recovery_pages_through_history_and_threads(tmp_path: Path, fake_slack: FakeSlack) -> None:
    """The lost message is several history pages back (pages of 3 here), and a lost
    reply is found in its thread."""
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    fake_slack.max_page = 3
    outbox = Outbox(url)
    transport = transport_for(tmp_path, fake_slack, url)
    clock = Clock()
    outbox.enqueue("inc-4:post", channel="#alerts", message=msg("inc-4"))
    outbox.enqueue(
        "inc-4:reply", channel="#alerts", message=msg("r"), kind="reply", parent_key="inc-4:post"
    )
    outbox.enqueue("inc-5:post", channel="#alerts", message=msg("inc-5"))
    assert outbox.deliver("inc-4:post", transport, now=clock, pace_s=0).status == "sent"
    fake_slack.fail_next(
        Scripted(method="chat.postMessage", fault="fail_after_accept"),
        Scripted(method="chat.postMessage", fault="drop_after_accept"),
    )
    assert outbox.deliver("inc-4:reply", transport, now=clock, pace_s=0).status == "pending"
    assert outbox.deliver("inc-5:post", transport, now=clock, pace_s=0).status == "pending"
    for i in range(10):  # newer messages push inc-5:post back to the fourth page
        transport.post("#alerts", msg(f"noise {i}"), key=f"noise-{i}")
    drain_until_empty(outbox, transport, clock)
    counts = fake_slack.posted_keys()
    assert counts["inc-4:post"] == counts["inc-4:reply"] == counts["inc-5:post"] == 1
    history = [c for c in fake_slack.calls if c.method == "conversations.history"]
    assert history and all(c.body["channel"] == "C0SENTINEL" for c in history)
    assert any(c.body.get("cursor") for c in history)  # it paged


def test_without_history_scope_it_says_so_and_sends_again(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """No channels:history: the lookup is impossible for good, so the floor is
    at-least-once (the README asks for the scope). Documented, and held here."""
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    fake_slack.scopes = {"chat:write", "channels:read"}
    outbox = Outbox(url)
    transport = transport_for(tmp_path, fake_slack, url)
    clock = Clock()
    outbox.enqueue("inc-6:post", channel="#alerts", message=msg("inc-6"))
    fake_slack.fail_next(Scripted(method="chat.postMessage", fault="fail_after_accept"))
    outbox.deliver("inc-6:post", transport, now=clock, pace_s=0)
    drain_until_empty(outbox, transport, clock)
    assert fake_slack.posted_keys() == {"inc-6:post": 2}
    refused = [c for c in fake_slack.calls if c.method == "conversations.history"]
    assert refused  # it did try to look


# --- several drainers at once ---------------------------------------------------------------


@pytest.mark.parametrize("drainers", [2, 3])
def test_concurrent_drainers_send_each_message_once(
    tmp_path: Path, fake_slack: FakeSlack, db_url: str, drainers: int
) -> None:
    """Two or three drainers (threads, each with its own client) run at once over 12
    messages on three channels, while Slack stalls one post, accepts-then-fails another,
    and drops the connection on a third."""
    outbox = Outbox(db_url)
    for i in range(12):
        outbox.enqueue(f"m{i:02d}:post", channel=f"#c{i % 3}", message=msg(f"m{i}"))
    stall = Scripted(method="chat.postMessage", fault="stall")
    fake_slack.fail_next(
        stall,
        Scripted(method="chat.postMessage", fault="fail_after_accept"),
        Scripted(method="chat.postMessage", fault="drop_after_accept"),
    )
    clock = Clock()
    start = threading.Barrier(drainers)

    def drainer() -> None:
        transport = transport_for(tmp_path, fake_slack, db_url)
        start.wait()
        outbox.drain(transport, per_channel_interval_s=0, now=clock)

    threads = [threading.Thread(target=drainer) for _ in range(drainers)]
    for t in threads:
        t.start()
    assert stall.reached.wait(20)
    for t in threads:  # everyone but the stuck one finishes its round
        t.join(timeout=3)
    stall.release.set()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()
    drain_until_empty(outbox, transport_for(tmp_path, fake_slack, db_url), clock)
    assert fake_slack.posted_keys() == {f"m{i:02d}:post": 1 for i in range(12)}
    assert all(item.status == "sent" for item in outbox.items())


# --- waits that never hold a tick or a shutdown --------------------------------------------


def _book_channel(outbox: Outbox, channel: str, at: float) -> None:
    with transaction(outbox.engine) as conn:
        conn.execute(pace.insert().values(channel=channel, next_at=at))


@pytest.mark.parametrize("burst", [1, 4])
def test_pacing_lets_a_quiet_channel_take_a_burst_then_one_a_second(
    tmp_path: Path, burst: int
) -> None:
    """The generic cell rate algorithm over the shared pace table: `burst` slots at once
    on a quiet channel, then one per second; quiet time earns the burst back."""
    outbox = Outbox(f"sqlite:///{tmp_path / 'sentinel.db'}", burst=burst)
    slots = [outbox._reserve_slot("#c", 100.0, 1.0, 60.0) for _ in range(8)]
    assert slots == [100.0] * burst + [100.0 + k for k in range(1, 9 - burst)]
    # Another channel has its own budget.
    assert outbox._reserve_slot("#other", 100.0, 1.0, 60.0) == 100.0
    # A slot further away than the caller may wait is not booked.
    assert outbox._reserve_slot("#c", 100.0, 1.0, 0.5) is None
    assert outbox._reserve_slot("#c", 100.0, 1.0, 60.0) == 100.0 + 9 - burst
    # Twenty quiet seconds later the whole burst is available again, and only it.
    later = [outbox._reserve_slot("#c", 130.0, 1.0, 60.0) for _ in range(burst + 1)]
    assert later == [130.0] * burst + [131.0]


def test_pacing_wait_is_bounded_by_the_drain_deadline(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    outbox = Outbox(url)
    outbox.enqueue("p:post", channel="#busy", message=msg("p"))
    _book_channel(outbox, "#busy", time.time() + 20)  # the channel's next slot: 20 s away
    began = time.monotonic()
    result = outbox.drain(transport_for(tmp_path, fake_slack, url), deadline_s=1.0)
    assert time.monotonic() - began < 5
    assert result.waiting == 1 and outbox.get("p:post").lease_until is None


def test_pacing_wait_ends_when_told_to_stop(tmp_path: Path, fake_slack: FakeSlack) -> None:
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    outbox = Outbox(url)
    outbox.enqueue("q:post", channel="#busy", message=msg("q"))
    _book_channel(outbox, "#busy", time.time() + 20)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    began = time.monotonic()
    result = outbox.drain(transport_for(tmp_path, fake_slack, url), deadline_s=40.0, stop=stop)
    assert time.monotonic() - began < 5
    assert result.sent == 0 and outbox.get("q:post").status == "pending"
    assert fake_slack.posted_keys() == {}


def test_a_store_from_before_the_fencing_columns_is_upgraded_in_place(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """A store created by the previous release (no lease_owner, no seq) keeps its queued
    message and gains the columns on first use."""
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE sentinel_outbox (key VARCHAR(255) PRIMARY KEY, incident_id VARCHAR(64),"
            " channel VARCHAR(255) NOT NULL, kind VARCHAR(16) NOT NULL, parent_key VARCHAR(255),"
            " payload TEXT NOT NULL, status VARCHAR(16) NOT NULL, attempts INTEGER NOT NULL,"
            " next_attempt_at FLOAT NOT NULL, lease_until FLOAT, created_at FLOAT NOT NULL,"
            " sent_at FLOAT, channel_id VARCHAR(64), ts VARCHAR(64), last_error TEXT)"
        )
        db.execute(
            "INSERT INTO sentinel_outbox (key, channel, kind, payload, status, attempts,"
            " next_attempt_at, created_at) VALUES ('old:post', '#alerts', 'post', ?, 'pending',"
            " 0, 0, ?)",
            (json.dumps(msg("old")), time.time()),
        )
    url = f"sqlite:///{path}"
    outbox = Outbox(url)
    assert (
        outbox.deliver("old:post", transport_for(tmp_path, fake_slack, url), pace_s=0).status
        == "sent"
    )
    assert fake_slack.posted_keys() == {"old:post": 1}


def test_a_channel_lookup_that_fails_for_now_waits_instead_of_resending(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    outbox = Outbox(url)
    transport = transport_for(tmp_path, fake_slack, url)
    outbox.enqueue("inc-8:post", channel="#alerts", message=msg("inc-8"))
    fake_slack.fail_next(
        Scripted(method="chat.postMessage", fault="fail_after_accept"),
        Scripted(method="conversations.list", status=503),
        Scripted(method="conversations.list", status=503),
        Scripted(method="conversations.list", status=503),
    )
    clock = Clock()
    outbox.deliver("inc-8:post", transport, now=clock, pace_s=0)
    clock.advance(1000)
    after = outbox.deliver("inc-8:post", transport, now=clock, pace_s=0)
    assert after.status == "pending" and "503" in (after.last_error or "")
    assert fake_slack.posted_keys() == {"inc-8:post": 1}  # not sent again blindly
    drain_until_empty(outbox, transport, clock)
    assert fake_slack.posted_keys() == {"inc-8:post": 1}


def _drain_in_child(env: dict[str, str], barrier) -> None:  # type: ignore[no-untyped-def]
    from dagster_sentinel.store import dispose_engines

    dispose_engines()
    settings = SentinelSettings.resolve(env=env)
    outbox = Outbox(settings.database_url)
    barrier.wait()
    outbox.drain(SlackTransport(settings), per_channel_interval_s=0)


def test_three_drainer_processes_send_each_message_once(
    tmp_path: Path, fake_slack: FakeSlack, db_url: str
) -> None:
    """The same with three processes (the hook, the asset run and the daemon are separate
    processes in a deployment), one of the posts stalled until all three have started."""
    import multiprocessing as mp

    outbox = Outbox(db_url)
    for i in range(9):
        outbox.enqueue(f"p{i}:post", channel=f"#c{i % 3}", message=msg(f"p{i}"))
    stall = Scripted(method="chat.postMessage", fault="stall")
    fake_slack.fail_next(
        stall,
        Scripted(method="chat.postMessage", fault="fail_after_accept"),
        Scripted(method="chat.postMessage", fault="drop_before"),
    )
    env = {
        "DAGSTER_HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_API_URL": fake_slack.url,
        "SENTINEL_DATABASE_URL": db_url,
    }
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_drain_in_child, args=(env, barrier)) for _ in range(3)]
    for p in procs:
        p.start()
    assert stall.reached.wait(60)
    for p in procs:
        p.join(timeout=5)
    stall.release.set()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    drain_until_empty(outbox, transport_for(tmp_path, fake_slack, db_url), Clock())
    assert fake_slack.posted_keys() == {f"p{i}:post": 1 for i in range(9)}
