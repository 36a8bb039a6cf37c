"""Slack outage: incidents keep happening while Slack is down; after it returns, every
report is delivered exactly once, even though the drainer (the daemon) was killed and
restarted in between.

    .venv/bin/python -m bench.outage [--outage-s 120] [--incidents 20]

The outage has three phases of equal length: connection refused, then HTTP 500s, then
429s with Retry-After. A separate process drains the outbox every 2 s, like the daemon's
`sentinel_outbox_sensor`; it is SIGKILLed halfway through the outage and started again.
The storm digest is switched off here so that each incident has its own message.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import dagster as dg

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.hooks import sentinel_failure_hook
from dagster_sentinel.resources import sentinel_for
from tests.fakes.slack_server import FakeSlack, Scripted

WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
]


class Word(dg.Config):
    word: str


@dg.op
def partner_sync(config: Word) -> None:
    raise RuntimeError(f"partner {config.word} rejected the batch")


@dg.job(hooks={sentinel_failure_hook})
def outage_job() -> None:
    partner_sync()


DRAINER = textwrap.dedent("""
    import time
    from dagster_sentinel.outbox import Outbox
    from dagster_sentinel.settings import SentinelSettings
    from dagster_sentinel.slack import SlackTransport
    s = SentinelSettings.resolve()
    outbox, transport = Outbox(s.database_url), SlackTransport(s, timeout_s=5)
    while True:
        outbox.drain(transport, deadline_s=30)
        time.sleep(2)
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outage-s", type=float, default=120.0)
    parser.add_argument("--incidents", type=int, default=20)
    args = parser.parse_args()
    n = min(args.incidents, len(WORDS))
    with tempfile.TemporaryDirectory() as home:
        slack = FakeSlack().start()
        port = slack.port
        os.environ.update(
            DAGSTER_HOME=home,
            SLACK_BOT_TOKEN=slack.token,
            SLACK_API_URL=slack.url,
            SENTINEL_BRAIN="rules",
            SENTINEL_STORM_THRESHOLD="1000",
        )
        drainer = subprocess.Popen([sys.executable, "-c", DRAINER])
        restarted = False
        with dg.instance_for_test(temp_dir=home) as instance:
            start = time.time()
            phase = ""
            for i in range(n):
                at = start + i * args.outage_s / n
                time.sleep(max(0.0, at - time.time()))
                elapsed = time.time() - start
                wanted = ["refused", "500", "429"][min(int(3 * elapsed / args.outage_s), 2)]
                if wanted != phase:
                    if wanted == "refused":
                        slack.stop()
                    else:
                        if phase == "refused":
                            slack.start(port=port)
                        code = 500 if wanted == "500" else 429
                        retry_after = 30 if code == 429 else None
                        slack.failing = Scripted(status=code, retry_after=retry_after)
                    phase = wanted
                    print(f"{elapsed:6.1f} s  Slack: {phase}")
                if not restarted and elapsed >= args.outage_s / 2:
                    drainer.kill()
                    drainer.wait()
                    drainer = subprocess.Popen([sys.executable, "-c", DRAINER])
                    restarted = True
                    print(f"{elapsed:6.1f} s  drainer killed and restarted")
                outage_job.execute_in_process(
                    instance=instance,
                    raise_on_error=False,
                    run_config={"ops": {"partner_sync": {"config": {"word": WORDS[i]}}}},
                )
            time.sleep(max(0.0, start + args.outage_s - time.time()))
            slack.failing = None
            back = time.time()
            print(f"{back - start:6.1f} s  Slack: back")
            s = sentinel_for(SentinelConfig(), instance)
            print(f"backlog when Slack returned: {s.outbox.backlog()} message(s)")
            while s.outbox.backlog() and time.time() - back < 900:
                time.sleep(1)
            drained = time.time() - back
        drainer.kill()
        drainer.wait()
        slack.stop()

        # Every message Slack stored, whatever its sender heard back.
        keys = slack.posted_keys()
        posts = [k for k in keys if k.endswith(":post")]
        dupes = sum(v - 1 for v in keys.values())
        refused_calls = sum(1 for c in slack.calls if c.answered != 200)
        print(f"incidents: {n}; top-level reports delivered: {len(posts)}; duplicates: {dupes}")
        print(
            f"all delivered {drained:.1f} s after Slack returned; "
            f"{refused_calls} calls answered 429/500 during the outage"
        )


if __name__ == "__main__":
    main()
