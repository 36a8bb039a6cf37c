"""One `Sentinel` (store, outbox, Slack client) per configuration and process.

`SentinelConfig` (dagster_sentinel.config) is the resource Dagster gives to assets and sensors under
the key `sentinel`; `sentinel_for` turns it, resolved at run or tick time, into the objects
that do the work, and reuses them across ticks.
"""

from __future__ import annotations

import threading

import dagster as dg

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.reporting import Sentinel
from dagster_sentinel.settings import SentinelSettings

_CACHE: dict[str, Sentinel] = {}
_CACHE_LOCK = threading.Lock()


def instance_postgres_url(instance: dg.DagsterInstance | None) -> str | None:
    """The PostgreSQL URL of a dagster-postgres instance's run storage, if it has one."""
    if instance is None:
        return None
    storage = instance.run_storage
    for candidate in (storage, getattr(storage, "_run_storage", None)):
        url = getattr(candidate, "postgres_url", None)
        if isinstance(url, str):
            return url
    return None


def sentinel_for(
    config: SentinelConfig | SentinelSettings, instance: dg.DagsterInstance | None = None
) -> Sentinel:
    """One `Sentinel` per distinct settings per process (engines and clients are reused).

    A `SentinelConfig` is resolved against the environment now. With no store configured,
    a PostgreSQL-backed instance's database is used.
    """
    settings = (
        SentinelSettings.from_config(config.resolved())
        if isinstance(config, SentinelConfig)
        else config
    )
    settings = settings.with_instance_database(instance_postgres_url(instance))
    key = settings.model_dump_json()
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = _CACHE[key] = Sentinel(settings)
        return found
