"""Every incident's final state is announced exactly once, whatever the interleaving.

Updates that arrive while the message they would change is on its way to Slack (a repeat
count, a storm digest growing) become sends of their own; and a property-style test runs
register, repeat, resolve and drain in random orders (seeded, many seeds), with Slack
stalling, failing after accepting and dropping connections, drainers racing a stuck one,
and time jumping past leases. What Slack ends up showing is then checked against the
store, counted by the outbox key in each message's metadata.
"""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import pytest

from dagster_sentinel import slack
from dagster_sentinel.incidents import Failure, Incident
from dagster_sentinel.outbox import lease_s
from dagster_sentinel.reporting import Sentinel, post_key
from sentinel_brain.models import Category, Evidence, Report
from tests.fakes.slack_server import FakeSlack, Scripted
from tests.sentinel.conftest import fresh_postgres_database
from tests.sentinel.test_delivery import Clock, drain_until_empty, settings_for


def _failure(fp: int, run: str) -> Failure:
    return Failure(
        fingerprint=f"{fp:016x}",
        target=f"job{fp}",
        job=f"job{fp}",
        step="step",
        title=f"Failure number {fp}",
        run_id=run,
    )


def _open_message(incident: Incident) -> slack.Message:
    return slack.render_degraded(incident.title or "?", "open", "still failing", None)


def _thread_texts(fake: FakeSlack, parent_ts: str) -> list[str]:
    return [
        str(c.body.get("text"))
        for c in fake.accepted()
        if c.method == "chat.postMessage" and c.body.get("thread_ts") == parent_ts
    ]


def test_a_repeat_while_the_previous_reply_is_in_flight_is_still_announced(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """Slack was being told "seen again (2x)" when the third failure came: the third is
    announced too (it used to rewrite the row in flight: Slack said 2x, the store 3x)."""
    s = Sentinel(settings_for(tmp_path, fake_slack, f"sqlite:///{tmp_path / 's.db'}"))
    clock = Clock()
    first = s.store.register(_failure(1, "r1"))
    s.send(post_key(first.incident.id), _open_message(first.incident), deliver=False)
    s.outbox.drain(s.transport, per_channel_interval_s=0, now=clock)
    s.notify_repeat(s.store.register(_failure(1, "r2")))
    stall = Scripted(method="chat.postMessage", fault="stall")
    fake_slack.fail_next(stall)
    drainer = threading.Thread(
        target=s.outbox.drain, args=(s.transport,), kwargs={"per_channel_interval_s": 0}
    )
    drainer.start()
    assert stall.reached.wait(10)
    third = s.store.register(_failure(1, "r3"))
    assert third.incident.occurrences == 3
    s.notify_repeat(third)
    stall.release.set()
    drainer.join(30)
    drain_until_empty(s.outbox, s.transport, clock)
    parent_ts = s.outbox.get(post_key(first.incident.id)).ts
    texts = _thread_texts(fake_slack, parent_ts)
    assert texts.count("Seen again (2x)") == 1 and texts.count("Seen again (3x)") == 1


def _report(title: str) -> Report:
    return Report(category=Category.CODE_ERROR, summary=title)


def test_an_incident_joining_a_digest_in_flight_is_announced(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """The storm digest is being posted when one more incident joins: the digest's update
    (sent after it) lists it; it used to be folded into the row in flight and lost."""
    settings = settings_for(
        tmp_path,
        fake_slack,
        f"sqlite:///{tmp_path / 's.db'}",
        SENTINEL_STORM_THRESHOLD="1",
        SENTINEL_STORM_WINDOW_S="86400",
    )
    s = Sentinel(settings)
    incidents = [s.store.register(_failure(fp, f"r{fp}")).incident for fp in (1, 2)]
    s.record(None, incidents[0], Evidence(), _report("first"), runless=False)
    stall = Scripted(method="chat.postMessage", fault="stall")
    fake_slack.fail_next(stall)
    joining = threading.Thread(
        target=s.record,
        args=(None, incidents[1], Evidence(), _report("second")),
        kwargs={"runless": False},
    )
    joining.start()
    assert stall.reached.wait(10)
    # The digest on its way lists job2 only; job3 fails now.
    assert "job3" not in json.dumps(fake_slack.accepted()[-1].body)
    incidents.append(s.store.register(_failure(3, "r3")).incident)
    s.record(None, incidents[2], Evidence(), _report("third"), runless=False)
    stall.release.set()
    joining.join(30)
    drain_until_empty(s.outbox, s.transport, Clock())
    digests = [c for c in fake_slack.accepted() if "Incident storm" in str(c.body.get("text"))]
    assert len(digests) == 1
    shown = json.dumps(fake_slack.content[digests[0].response["ts"]])
    assert "job2" in shown and "job3" in shown
    assert all(n == 1 for n in fake_slack.posted_keys().values())


# --- the property: random interleavings ----------------------------------------------------

FAULTS = ["fail_after_accept", "drop_after_accept", "drop_before", None, None]


class World:
    """One random scenario: a Sentinel, a Slack stand-in, a clock, and one stuck drainer
    at most (stalled inside Slack) while the others go on."""

    def __init__(self, tmp_path: Path, fake: FakeSlack, url: str, rng: random.Random) -> None:
        self.s = Sentinel(settings_for(tmp_path, fake, url))
        self.fake, self.rng, self.clock = fake, rng, Clock()
        self.runs = 0
        self.stuck: tuple[threading.Thread, Scripted] | None = None

    def fail(self) -> None:
        self.runs += 1
        reg = self.s.store.register(_failure(self.rng.randrange(3), f"run{self.runs}"))
        if reg.outcome == "new":
            self.s.send(post_key(reg.incident.id), _open_message(reg.incident), deliver=False)
        elif reg.outcome == "repeat":
            self.s.notify_repeat(reg)

    def resolve(self) -> None:
        self.runs += 1
        run = f"ok{self.runs}"
        for incident in self.s.store.resolve(target=f"job{self.rng.randrange(3)}", run_id=run):
            self.s.notify_resolved(incident, run, deliver=False)

    def drain(self) -> None:
        for _ in range(self.rng.randrange(3)):
            fault = self.rng.choice(FAULTS)
            if fault is not None:
                self.fake.fail_next(Scripted(method="chat.postMessage", fault=fault))  # type: ignore[arg-type]
        self.s.outbox.drain(self.s.transport, per_channel_interval_s=0, now=self.clock)

    def get_stuck(self) -> None:
        """A drainer that gets stuck inside Slack on its next post (if it has one)."""
        self.unstick()
        stall = Scripted(method="chat.postMessage", fault="stall")
        self.fake.script.appendleft(stall)
        thread = threading.Thread(
            target=self.s.outbox.drain,
            args=(self.s.transport,),
            kwargs={"per_channel_interval_s": 0, "now": self.clock},
        )
        thread.start()
        while thread.is_alive() and not stall.reached.wait(0.02):
            pass
        if stall.reached.is_set():
            self.stuck = (thread, stall)
        else:  # nothing to post: it finished
            thread.join(30)
            if stall in self.fake.script:
                self.fake.script.remove(stall)

    def unstick(self) -> None:
        if self.stuck is not None:
            thread, stall = self.stuck
            stall.release.set()
            thread.join(30)
            assert not thread.is_alive()
            self.stuck = None

    def tick(self) -> None:
        self.clock.advance(self.rng.choice([1.0, 60.0, lease_s(self.s.transport) + 1]))

    def settle(self) -> None:
        self.unstick()
        self.fake.script.clear()
        drain_until_empty(self.s.outbox, self.s.transport, self.clock)


def check_final_state(world: World) -> None:
    s, fake = world.s, world.fake
    assert all(item.status == "sent" for item in s.outbox.items())
    counts = fake.posted_keys()
    assert all(n == 1 for n in counts.values()), counts
    for incident in s.store.all():
        key = post_key(incident.id)
        assert counts[key] == 1, key
        ts = s.outbox.get(key).ts
        shown = json.dumps(fake.content[ts])
        assert ("Resolved by run" in shown) == (incident.status == "resolved"), incident
        if incident.occurrences > 1:
            texts = _thread_texts(fake, ts)
            assert texts.count(f"Seen again ({incident.occurrences}x)") == 1, (incident, texts)


def run_scenario(tmp_path: Path, url: str, seed: int, steps: int = 30) -> None:
    rng = random.Random(seed)
    with FakeSlack() as fake:
        world = World(tmp_path, fake, url, rng)
        ops = [world.fail] * 5 + [world.resolve] * 2 + [world.drain] * 3
        ops += [world.get_stuck, world.tick]
        try:
            for _ in range(steps):
                rng.choice(ops)()
            world.settle()
            check_final_state(world)
        finally:
            world.unstick()


@pytest.mark.parametrize("seed", range(40))
def test_random_interleavings_announce_each_final_state_once(tmp_path: Path, seed: int) -> None:
    run_scenario(tmp_path, f"sqlite:///{tmp_path / 's.db'}", seed)


@pytest.mark.postgres
@pytest.mark.parametrize("seed", range(5))
def test_random_interleavings_on_postgres(tmp_path: Path, seed: int) -> None:
    with fresh_postgres_database() as url:
        run_scenario(tmp_path, url, 1000 + seed)


def test_a_rediagnosis_after_the_fix_keeps_the_message_resolved(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """Slack is down while the incident opens, resolves and is re-diagnosed: when it comes
    back, the one message it gets (and every edit of it) ends up saying resolved."""
    s = Sentinel(settings_for(tmp_path, fake_slack, f"sqlite:///{tmp_path / 's.db'}"))
    incident = s.store.register(_failure(1, "r1")).incident
    fake_slack.failing = Scripted(status=503)
    s.record(None, incident, Evidence(), _report("first"), runless=False)
    for resolved in s.store.resolve(target="job1", run_id="fixrun01"):
        s.notify_resolved(resolved, "fixrun01")
    s.record(None, incident, Evidence(), _report("second"), runless=False, rediagnosis_of="x")
    fake_slack.failing = None
    drain_until_empty(s.outbox, s.transport, Clock())
    ts = s.outbox.get(post_key(incident.id)).ts
    assert fake_slack.posted_keys()[post_key(incident.id)] == 1
    assert "Resolved by run fixrun01" in json.dumps(fake_slack.content[ts])


def test_a_rediagnosis_that_reads_the_same_adds_nothing_to_the_thread(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """The sensor path posts the offline report at once, then the rca_report run diagnoses
    again: when the new report reads the same, the thread does not get it twice (the
    parent's edit is still queued); when it differs, the thread gets it."""
    s = Sentinel(settings_for(tmp_path, fake_slack, f"sqlite:///{tmp_path / 's.db'}"))
    incident = s.store.register(_failure(1, "r1")).incident
    s.record(None, incident, Evidence(), _report("first"), runless=False)
    s.record(None, incident, Evidence(), _report("first"), runless=False, rediagnosis_of="a")
    s.record(None, incident, Evidence(), _report("second"), runless=False, rediagnosis_of="b")
    keys = {i.key for i in s.outbox.items()}
    assert f"{incident.id}:report" in keys
    assert f"{incident.id}:rediagnosis:a:update" in keys
    assert f"{incident.id}:rediagnosis:a:reply" not in keys
    assert f"{incident.id}:rediagnosis:b:update" in keys
    assert f"{incident.id}:rediagnosis:b:reply" in keys
