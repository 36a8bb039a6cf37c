"""Resolved Sentinel settings: explicit resource config first, then the environment.

Values are read when a run or tick starts (`SentinelSettings.resolve`), never at import,
so a missing token means "Slack not configured" (reports go to the outbox), not "".
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, field_validator

from brain.config import BrainSettings
from sentinel.errors import ConfigurationError

DEFAULT_UI_URL = "http://127.0.0.1:3000"
DEFAULT_CHANNEL = "#data-alerts"

# Environment variable for each setting (the README's configuration table).
ENV = {
    "ui_url": "SENTINEL_UI_URL",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_channel": "SLACK_CHANNEL",
    "slack_api_url": "SLACK_API_URL",
    "slack_webhook_url": "SLACK_WEBHOOK_URL",
    "database_url": "SENTINEL_DATABASE_URL",
    "hook_budget_s": "SENTINEL_HOOK_BUDGET_S",
    "incident_window_h": "SENTINEL_INCIDENT_WINDOW_H",
    "slack_routes": "SENTINEL_SLACK_ROUTES",
    "slack_mentions": "SENTINEL_SLACK_MENTIONS",
    "storm_threshold": "SENTINEL_STORM_THRESHOLD",
    "storm_window_s": "SENTINEL_STORM_WINDOW_S",
}


def parse_mapping(text: str) -> dict[str, str]:
    """`a=b,c=d` or a JSON object → dict. The key may itself contain ':' (`owner:team:x`)."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return {str(k): str(v) for k, v in data.items()}
    out: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"expected selector=value, got {part.strip()!r}")
        out[key.strip()] = value.strip()
    return out


def dagster_home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    home = env.get("DAGSTER_HOME")
    return Path(home) if home else Path.cwd() / ".dagster_home"


class SentinelSettings(BaseModel):
    ui_url: str = DEFAULT_UI_URL
    slack_bot_token: SecretStr | None = None
    slack_channel: str = DEFAULT_CHANNEL
    slack_api_url: str | None = None
    slack_webhook_url: SecretStr | None = None
    # selector → channel, selectors `job:NAME`, `asset:KEY`, `owner:OWNER`, `group:NAME`,
    # `location:NAME` (most specific wins); from "sel=#chan,sel=#chan" or a JSON object.
    slack_routes: dict[str, str] = Field(default_factory=dict)
    # asset owner → Slack user id (U…/W…) or user group id (S…), for @-mentions.
    slack_mentions: dict[str, str] = Field(default_factory=dict)
    database_url: str = ""
    # True when no URL was configured: then a PostgreSQL-backed Dagster instance's own
    # database is used, so every process of the deployment shares one store.
    database_default: bool = True
    state_dir: Path
    hook_budget_s: float = Field(default=8.0, gt=0)
    incident_window_h: float = Field(default=24.0, gt=0)
    # More than `storm_threshold` new incidents within one `storm_window_s` window become
    # one digest message instead of one message each.
    storm_threshold: int = Field(default=10, ge=1)
    storm_window_s: float = Field(default=300.0, gt=0)
    brain: BrainSettings

    @field_validator("slack_routes", "slack_mentions", mode="before")
    @classmethod
    def _parse_mapping(cls, value: Any) -> Any:
        return parse_mapping(value) if isinstance(value, str) else value

    @property
    def slack_configured(self) -> bool:
        return self.slack_bot_token is not None or self.slack_webhook_url is not None

    def with_instance_database(self, postgres_url: str | None) -> SentinelSettings:
        if not self.database_default or not postgres_url:
            return self
        return self.model_copy(update={"database_url": postgres_url, "database_default": False})

    def run_url(self, run_id: str) -> str:
        return f"{self.ui_url.rstrip('/')}/runs/{run_id}"

    @classmethod
    def resolve(
        cls, overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> SentinelSettings:
        """Merge explicit values (None = unset) over the environment, read now."""
        env = dict(os.environ if env is None else env)
        given = {k: v for k, v in (overrides or {}).items() if v is not None and v != ""}
        values: dict[str, Any] = {}
        for field, var in ENV.items():
            if field in given:
                values[field] = given[field]
            elif env.get(var):
                values[field] = env[var]
        state_dir = dagster_home(env) / "sentinel"
        values["database_default"] = "database_url" not in values
        values.setdefault("database_url", f"sqlite:///{state_dir / 'sentinel.db'}")
        brain_env = dict(env)
        brain_env.setdefault("SENTINEL_STATE_DIR", str(state_dir))
        for key, var in (
            ("brain", "SENTINEL_BRAIN"),
            ("gemini_api_key", "GEMINI_API_KEY"),
            ("gemini_model", "GEMINI_MODEL"),
            ("gemini_base_url", "GEMINI_BASE_URL"),
        ):
            if key in given:
                brain_env[var] = str(given[key])
        try:
            brain = BrainSettings.from_env(brain_env)
            return cls(state_dir=state_dir, brain=brain, **values)
        except ValueError as e:
            raise ConfigurationError(f"invalid Sentinel settings: {e}") from e
