"""`demo_dependency`: a job that fails while a local service is down and succeeds once it is
back, the failure that re-executing from Slack (or a retry) actually recovers.

`fetch_rates` calls a local HTTP service (`url`); while nothing listens there it raises
`ConnectionRefusedError` (a `dependency_unavailable` diagnosis). `publish_rates` runs after
it, so "re-execute from failure" re-runs only the failed step and what follows.
"""

import json
from urllib.error import URLError
from urllib.request import urlopen

import dagster as dg
from pydantic import Field

from dagster_sentinel.hooks import sentinel_failure_hook


class DependencyConfig(dg.Config):
    url: str = Field(
        default="http://127.0.0.1:8765/rates",
        description="The local rates service; start it for the job to succeed.",
    )
    timeout_s: float = Field(default=5.0, description="HTTP timeout.")


@dg.op
def prepare_batch() -> list[str]:
    return ["EUR", "GBP", "JPY"]


@dg.op
def fetch_rates(config: DependencyConfig, currencies: list[str]) -> dict[str, float]:
    try:
        with urlopen(config.url, timeout=config.timeout_s) as resp:  # noqa: S310 - local demo
            data = json.loads(resp.read().decode() or "{}")
    except URLError as e:
        # Surface the socket error itself (ConnectionRefusedError), as a client library would.
        if isinstance(e.reason, OSError):
            raise e.reason from e
        raise
    return {c: float(data.get(c, 1.0)) for c in currencies}


@dg.op
def publish_rates(context: dg.OpExecutionContext, rates: dict[str, float]) -> None:
    context.log.info(f"published {len(rates)} rates")


@dg.job(
    hooks={sentinel_failure_hook},
    executor_def=dg.in_process_executor,
    description="Fails while the local rates service is down; succeeds once it is back.",
)
def demo_dependency() -> None:
    publish_rates(fetch_rates(prepare_batch()))
