"""Incident storms: past the threshold, new incidents share one digest message."""

import json

import dagster as dg
import pytest

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.hooks import sentinel_failure_hook
from dagster_sentinel.resources import sentinel_for
from tests.fakes.slack_server import FakeSlack

ERRORS = ["ValueError", "KeyError", "TypeError", "LookupError", "RuntimeError", "OSError"]


class Pick(dg.Config):
    error: str


@dg.op
def flaky_step(config: Pick) -> None:
    import builtins

    raise getattr(builtins, config.error)(f"{config.error} while loading the partition")


@dg.job(hooks={sentinel_failure_hook})
def stormy_job() -> None:
    flaky_step()


def _run(instance: dg.DagsterInstance, error: str) -> str:
    result = stormy_job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"ops": {"flaky_step": {"config": {"error": error}}}},
    )
    assert not result.success
    return result.run_id


def test_storm_becomes_one_digest(
    instance: dg.DagsterInstance, slack_env: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_STORM_THRESHOLD", "3")
    monkeypatch.setenv("SENTINEL_STORM_WINDOW_S", "86400")
    for error in ERRORS:
        _run(instance, error)

    top = slack_env.top_level()
    assert len(top) == 4  # three on their own, then one digest
    digest = top[-1]
    assert "Incident storm" in digest.body["text"]
    updates = slack_env.messages("chat.update")
    assert len(updates) == 2 and updates[-1].body["ts"] == digest.response["ts"]
    assert all(e in json.dumps(updates[-1].body) for e in ERRORS[3:])

    # A repeat of a stormed incident is answered in the digest's thread.
    _run(instance, ERRORS[-1])
    s = sentinel_for(SentinelConfig(), instance)
    s.outbox.drain(s.transport, per_channel_interval_s=0)
    repeat = [c for c in slack_env.replies() if "Seen again" in c.body["text"]]
    assert len(repeat) == 1 and repeat[0].body["thread_ts"] == digest.response["ts"]
    assert len(slack_env.top_level()) == 4
