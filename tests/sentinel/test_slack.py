"""Slack rendering (pure) and delivery through the real slack_sdk against a loopback Slack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dagster_sentinel.errors import DeliveryError, RetryLater
from dagster_sentinel.incidents import Incident
from dagster_sentinel.outbox import Outbox, lease_s
from dagster_sentinel.settings import SentinelSettings
from dagster_sentinel.slack import (
    MAX_FALLBACK,
    MAX_HEADER,
    MAX_SECTION,
    SlackTransport,
    escape,
    render_incident,
    render_repeat,
    render_report_thread,
    render_storm,
    slack_len,
    truncate,
)
from sentinel_brain.models import Candidate, Category, Report
from tests.fakes.loopback import free_port
from tests.fakes.slack_server import FakeSlack, Scripted

HOSTILE = "boom <!channel> <@U123ABC> <http://evil.example|click me> & more"


def _incident(**kw) -> Incident:
    base = dict(
        id="20261125-000000-abcdef12-0001",
        fingerprint="abcdef1234567890",
        status="open",
        job="demo_etl",
        step="transform_data",
        last_run_id="1234567890abcdef",
        first_seen=0.0,
        last_seen=0.0,
        title="ZeroDivisionError in transform_data",
    )
    base.update(kw)
    return Incident(**base)


def _report(evidence: list[str] | None = None, cause: str = HOSTILE) -> Report:
    return Report(
        category=Category.CODE_ERROR,
        summary=cause,
        error_type="ZeroDivisionError",
        candidates=[
            Candidate(
                category=Category.CODE_ERROR,
                cause=cause,
                confidence=0.9,
                evidence=evidence or [HOSTILE],
                remediation=["guard " + HOSTILE],
            )
        ],
        fix_suggestion="if not amounts: continue  # " + HOSTILE,
    )


def _all_text(message: dict) -> str:
    return json.dumps(message)


def test_untrusted_text_is_escaped_everywhere() -> None:
    message = render_incident(_incident(step="<!here>"), _report(), "http://127.0.0.1:3000/runs/x")
    text = _all_text(message)
    for raw in ("<!channel>", "<@U123ABC>", "<http://evil.example|click me>", "<!here>"):
        assert raw not in text
    assert "&lt;!channel&gt;" in text and "&amp; more" in text
    assert "link_names" not in message


def test_limits_are_respected_with_huge_input() -> None:
    huge = ["x" * 5000 + "&<>"] * 200
    report = _report(evidence=huge, cause="C" * 10_000)
    report.candidates = report.candidates * 60
    for message in (
        render_incident(_incident(title="T" * 500), report, None),
        render_report_thread(report),
    ):
        assert len(message["blocks"]) <= 50
        for block in message["blocks"]:
            if block["type"] == "section":
                assert slack_len(block["text"]["text"]) <= MAX_SECTION
            if block["type"] == "header":
                assert slack_len(block["text"]["text"]) <= MAX_HEADER


def test_truncate_never_splits_an_entity() -> None:
    escaped = escape("a" * 8 + "&" * 10)
    for limit in range(5, 30):
        cut = truncate(escaped, limit)
        assert len(cut) <= limit
        assert not cut.rstrip("…").endswith(("&", "&a", "&am", "&amp"[:3]))


def test_secrets_are_redacted_before_slack() -> None:
    report = _report(evidence=["password=hunter2hunter2 token xoxb-1234567890-abcdefghijkl"])
    text = _all_text(render_incident(_incident(), report, None))
    assert "hunter2hunter2" not in text and "xoxb-1234567890-abcdefghijkl" not in text


def _settings(tmp_path: Path, slack: FakeSlack, **kw) -> SentinelSettings:
    env = {
        "DAGSTER_HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.url,
    }
    env.update(kw)
    return SentinelSettings.resolve(env=env)


def test_429_with_retry_after_is_retried(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next(Scripted(status=429, retry_after=1))
    transport = SlackTransport(_settings(tmp_path, fake_slack))
    channel, ts = transport.post("#data-alerts", render_incident(_incident(), _report(), None))
    assert ts and channel == "C0SENTINEL"
    assert [c.answered for c in fake_slack.calls] == [429, 200]
    assert fake_slack.calls[1].at - fake_slack.calls[0].at >= 1.0  # honoured Retry-After


def test_5xx_is_retried_for_updates_but_never_blindly_for_posts(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """chat.update is idempotent: retried in-process. chat.postMessage is not: a 5xx may
    come after Slack stored the message, so the outbox decides (it looks first)."""
    transport = SlackTransport(_settings(tmp_path, fake_slack))
    channel, ts = transport.post("#c", render_incident(_incident(), _report(), None))
    fake_slack.fail_next(Scripted(status=500), Scripted(status=503))
    transport.update(channel, ts, render_incident(_incident(), _report(), None))
    assert [c.answered for c in fake_slack.calls if c.method == "chat.update"] == [500, 503, 200]

    fake_slack.fail_next(Scripted(status=500))
    with pytest.raises(RetryLater):
        transport.post("#c", render_incident(_incident(), _report(), None))
    assert len([c for c in fake_slack.calls if c.method == "chat.postMessage"]) == 2


def test_long_retry_after_goes_to_the_outbox_not_a_sleep(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next(Scripted(status=429, retry_after=120))
    with pytest.raises(RetryLater) as info:
        SlackTransport(_settings(tmp_path, fake_slack)).post(
            "#c", render_incident(_incident(), _report(), None)
        )
    assert info.value.retry_after == 120


def test_invalid_auth_is_a_delivery_error(tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = _settings(tmp_path, fake_slack, SLACK_BOT_TOKEN="xoxb-wrong")
    with pytest.raises(DeliveryError, match="invalid_auth"):
        SlackTransport(settings).post("#c", render_incident(_incident(), _report(), None))


def test_outbox_keeps_messages_while_slack_is_down_and_sends_each_once(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    down = SentinelSettings.resolve(
        env={
            "DAGSTER_HOME": str(tmp_path),
            "SLACK_BOT_TOKEN": fake_slack.token,
            "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
        }
    )
    outbox = Outbox(down.database_url)
    transport_down = SlackTransport(down, timeout_s=2)
    for i in range(3):
        key = f"inc-{i}:post"
        assert outbox.enqueue(
            key, channel="#c", message=render_incident(_incident(id=f"inc-{i}"), _report(), None)
        )
        assert not outbox.enqueue(key, channel="#c", message={})  # idempotent
        item = outbox.deliver(key, transport_down)
        assert item.status == "pending" and item.attempts == 1 and "unreachable" in item.last_error
    assert outbox.backlog() == 3

    up = SlackTransport(_settings(tmp_path, fake_slack))
    clock = [10_000_000_000.0]  # far enough ahead that every backoff has expired
    result = outbox.drain(up, per_channel_interval_s=0, now=lambda: clock[0], sleep=lambda s: None)
    assert result.sent == 3 and outbox.backlog() == 0
    assert outbox.drain(up, per_channel_interval_s=0).sent == 0
    assert len(fake_slack.top_level()) == 3


def test_drain_paces_one_message_per_second_per_channel(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = _settings(tmp_path, fake_slack)
    outbox = Outbox(settings.database_url)
    for i in range(3):
        outbox.enqueue(f"k{i}", channel="#c", message=render_incident(_incident(), _report(), None))
    outbox.drain(SlackTransport(settings))
    times = [c.at for c in fake_slack.messages()]
    assert len(times) == 3
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:], strict=False))


def test_webhook_delivery(tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = SentinelSettings.resolve(
        env={"DAGSTER_HOME": str(tmp_path), "SLACK_WEBHOOK_URL": fake_slack.webhook_url}
    )
    transport = SlackTransport(settings)
    assert transport.configured and not transport.threads
    transport.post("#c", render_incident(_incident(), _report(), None))
    calls = fake_slack.calls
    assert (
        len(calls) == 1
        and calls[0].method == "webhook"
        and "&lt;!channel&gt;" in json.dumps(calls[0].body)
    )


def test_a_sender_killed_mid_send_never_causes_a_duplicate(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """Slack accepted the message but the sender died before marking it sent: the next
    drainer finds it through its metadata key instead of sending it again."""
    import subprocess
    import sys
    import textwrap
    import time as _time

    settings = _settings(tmp_path, fake_slack)
    outbox = Outbox(settings.database_url)
    for i in range(3):
        outbox.enqueue(
            f"inc-{i}:post",
            channel="#c",
            message=render_incident(_incident(id=f"inc-{i}"), _report(), None),
        )
    fake_slack.fail_next(Scripted(), Scripted(delay_s=30))  # the second send hangs after acceptance
    script = textwrap.dedent(f"""
        from dagster_sentinel.outbox import Outbox, lease_s
        from dagster_sentinel.settings import SentinelSettings
        from dagster_sentinel.slack import SlackTransport
        s = SentinelSettings.resolve(env={{"DAGSTER_HOME": {str(tmp_path)!r},
            "SLACK_BOT_TOKEN": {fake_slack.token!r}, "SLACK_API_URL": {fake_slack.url!r}}})
        Outbox(s.database_url).drain(SlackTransport(s, timeout_s=60), per_channel_interval_s=0)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = _time.time() + 30
    while len(fake_slack.messages()) < 2 and _time.time() < deadline:
        _time.sleep(0.1)
    proc.kill()  # the daemon dies mid-send
    proc.wait()
    assert len(fake_slack.messages()) == 2

    # Past the dead sender's lease (its client's timeout x retries) and every backoff.
    clock = [_time.time() + lease_s(SlackTransport(settings, timeout_s=60)) + 1]
    result = outbox.drain(SlackTransport(settings), per_channel_interval_s=0, now=lambda: clock[0])
    posts = fake_slack.messages()
    assert len(posts) == 3 and outbox.backlog() == 0 and result.sent == 2
    keys = [p.body["metadata"]["event_payload"]["key"] for p in posts]
    assert sorted(keys) == ["inc-0:post", "inc-1:post", "inc-2:post"]


# --- what Slack counts, and what cannot break out of a link --------------------------------

ASTRAL = "👍🏽"  # U+1F44D U+1F3FD: two code points, four UTF-16 units, one visible character
COMBINING = "e\u0301"  # e + COMBINING ACUTE ACCENT: one visible character


def test_limits_are_counted_in_utf16_units_with_astral_emoji() -> None:
    report = _report(evidence=[ASTRAL * 3000], cause=ASTRAL * 3000)
    message = render_incident(_incident(title=ASTRAL * 200), report, None)
    for block in message["blocks"]:
        if block["type"] == "section":
            assert slack_len(block["text"]["text"]) <= MAX_SECTION
        if block["type"] == "header":
            assert slack_len(block["text"]["text"]) <= MAX_HEADER
    assert slack_len(message["text"]) <= MAX_FALLBACK
    # By code point these fit; by UTF-16 unit they do not: the code-point check let
    # 1.5x-2x the limit through.
    assert slack_len(ASTRAL * 1000) == 4000 and len(ASTRAL * 1000) == 2000


@pytest.mark.parametrize("unit", [ASTRAL, COMBINING, "👨\u200d👩\u200d👧", "1\ufe0f\u20e3"])
def test_truncation_never_splits_a_character_from_its_marks(unit: str) -> None:
    text = "ab" + unit * 400
    for limit in range(3, 60):
        cut = truncate(text, limit)
        assert slack_len(cut) <= limit
        body = cut[: -len("…")]
        assert text.startswith(body)
        rest = text[len(body) :]
        # The cut falls between whole units: what remains starts a new one.
        assert rest.startswith(unit), (limit, body, rest[:4])


def test_links_in_repeat_and_storm_messages_cannot_be_broken_out_of() -> None:
    hostile_run = "abc|<!channel>&x>y"
    repeat = render_repeat(
        _incident(last_run_id=hostile_run, occurrences=2),
        f"http://127.0.0.1:3000/runs/{hostile_run}",
    )
    text = repeat["blocks"][0]["text"]["text"]
    links = re.findall(r"<([^<>]*)>", text)
    assert len(links) == 1 and links[0].count("|") == 1 and links[0].endswith("|open run")
    assert "<!channel>" not in json.dumps(repeat)

    storm = render_storm(
        [_incident(id=f"i{n}", last_run_id=hostile_run, job=f"job{n}") for n in range(3)],
        "http://127.0.0.1:3000/",
        300,
    )
    lines = storm["blocks"][1]["text"]["text"]
    links = re.findall(r"<([^<>]*)>", lines)
    assert len(links) == 3
    assert all(link.count("|") == 1 and link.endswith("|run") for link in links)
    assert "<!channel>" not in json.dumps(storm)


def test_bidirectional_controls_are_stripped() -> None:
    spoof = "invoice_\u202egnp.exe\u2066x\u2069"
    message = render_incident(_incident(title=spoof, step=spoof), _report(cause=spoof), None)
    dumped = json.dumps(message, ensure_ascii=False)
    for ch in ("\u202e", "\u2066", "\u2069"):
        assert ch not in dumped
    assert "\u202e" not in escape(spoof)
