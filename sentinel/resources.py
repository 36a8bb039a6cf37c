"""Sentinel's Dagster resource: typed configuration, resolved when a run or tick starts.

Every field is optional; an unset field falls back to its environment variable (see the
README's table), read at run time. Nothing is read at import.
"""

from __future__ import annotations

import threading

import dagster as dg
from pydantic import Field

from sentinel.reporting import Sentinel
from sentinel.settings import SentinelSettings

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
    settings: SentinelSettings, instance: dg.DagsterInstance | None = None
) -> Sentinel:
    """One `Sentinel` per distinct settings per process (engines and clients are reused).

    With no store configured, a PostgreSQL-backed instance's database is used.
    """
    settings = settings.with_instance_database(instance_postgres_url(instance))
    key = settings.model_dump_json()
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = _CACHE[key] = Sentinel(settings)
        return found


class SentinelResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where Sentinel stores incidents, how it reaches Slack and Gemini, where the UI is."""

    ui_url: str | None = Field(
        default=None, description="Dagster UI base URL for run links. Env: SENTINEL_UI_URL."
    )
    slack_bot_token: str | None = Field(
        default=None, description="Slack bot token. Env: SLACK_BOT_TOKEN."
    )
    slack_channel: str | None = Field(
        default=None, description="Channel for alerts. Env: SLACK_CHANNEL."
    )
    slack_api_url: str | None = Field(
        default=None, description="Slack Web API base URL. Env: SLACK_API_URL."
    )
    slack_webhook_url: str | None = Field(
        default=None, description="Incoming webhook URL. Env: SLACK_WEBHOOK_URL."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the incident store. Env: SENTINEL_DATABASE_URL; "
        "default: SQLite under $DAGSTER_HOME/sentinel/.",
    )
    brain: str | None = Field(
        default=None, description="auto, rules or gemini. Env: SENTINEL_BRAIN."
    )
    gemini_api_key: str | None = Field(
        default=None, description="Env: GEMINI_API_KEY or GOOGLE_API_KEY."
    )
    gemini_model: str | None = Field(default=None, description="Env: GEMINI_MODEL.")
    gemini_base_url: str | None = Field(default=None, description="Env: GEMINI_BASE_URL.")

    def settings(self) -> SentinelSettings:
        fields = (
            "ui_url",
            "slack_bot_token",
            "slack_channel",
            "slack_api_url",
            "slack_webhook_url",
            "database_url",
            "brain",
            "gemini_api_key",
            "gemini_model",
            "gemini_base_url",
        )
        return SentinelSettings.resolve({name: getattr(self, name) for name in fields})

    def get(self, instance: dg.DagsterInstance | None = None) -> Sentinel:
        return sentinel_for(self.settings(), instance)
