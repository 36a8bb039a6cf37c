"""Waiting on a running deployment's sensor ticks instead of a fixed sleep: "nothing happened"
holds only once the sensor has evaluated, and finished, after the event; the daemon's tick
records (through the webserver's GraphQL API) say when it has.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dagster_graphql import DagsterGraphQLClient

TICKS = """
query SensorTicks($selector: SensorSelector!, $after: Float!) {
  sensorOrError(sensorSelector: $selector) {
    __typename
    ... on Sensor {
      sensorState { ticks(limit: 50, afterTimestamp: $after) { tickId status timestamp } }
    }
    ... on PythonError { message }
    ... on SensorNotFoundError { message }
  }
}
"""

# A tick that evaluated to the end: it saw everything stored before it started.
COMPLETED = ("SUCCESS", "SKIPPED")


def completed_ticks(
    client: DagsterGraphQLClient, sensor: str, after: float, location: str = "sentinel"
) -> list[dict]:
    """The ticks of `sensor` that started after `after` (epoch seconds) and completed."""
    selector = {
        "repositoryLocationName": location,
        "repositoryName": "__repository__",
        "sensorName": sensor,
    }
    data = client._execute(TICKS, {"selector": selector, "after": after})  # noqa: SLF001
    found = data["sensorOrError"]
    if found["__typename"] != "Sensor":
        raise AssertionError(f"sensor {location}:{sensor}: {found}")
    ticks = found["sensorState"]["ticks"]
    return [t for t in ticks if t["status"] in COMPLETED and t["timestamp"] > after]


def wait_sensor_ticks(
    client: DagsterGraphQLClient,
    sensor: str,
    after: float,
    *,
    count: int = 2,
    timeout: float = 120,
    location: str = "sentinel",
    log: Callable[[], str] = lambda: "",
) -> list[dict]:
    """Block until `sensor` has `count` completed ticks that started after `after`."""
    deadline = time.time() + timeout
    ticks: list[dict] = []
    while time.time() < deadline:
        try:
            ticks = completed_ticks(client, sensor, after, location)
        except AssertionError:
            raise
        except Exception:  # noqa: BLE001 - the webserver is busy: ask again
            ticks = []
        if len(ticks) >= count:
            return ticks
        time.sleep(0.5)
    raise AssertionError(
        f"{sensor}: {len(ticks)} completed tick(s) after {after:.1f} in {timeout:.0f} s "
        f"(wanted {count})\n{log()[-3000:]}"
    )
