"""The runtime form of Sentinel's settings, built from a resolved `SentinelConfig`.

`dagster_sentinel.config.SentinelConfig` declares every setting (type, default, environment
variable)
and resolves it when a run or tick starts, never at import; this module turns the resolved
configuration into the values the store, the outbox and Slack delivery work with, so a
missing token means "Slack not configured" (reports go to the outbox), not "".
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr

from dagster_sentinel.config import ContextConfig, RemediationConfig, SentinelConfig, parse_mapping
from sentinel_brain.config import BrainSettings

__all__ = ["SentinelSettings", "parse_mapping"]


class SentinelSettings(BaseModel):
    """Resolved values; build with `from_config` (in Dagster) or `resolve` (outside)."""

    ui_url: str
    slack_bot_token: SecretStr | None = None
    slack_channel: str
    slack_api_url: str | None = None
    slack_webhook_url: SecretStr | None = None
    slack_routes: dict[str, str] = Field(default_factory=dict)
    slack_mentions: dict[str, str] = Field(default_factory=dict)
    database_url: str
    # True when no URL was configured: then a PostgreSQL-backed Dagster instance's own
    # database is used, so every process of the deployment shares one store.
    database_default: bool = True
    state_dir: Path
    hook_budget_s: float
    incident_window_h: float
    storm_threshold: int
    storm_window_s: float
    slack_burst: int = 4
    brain: BrainSettings
    context: ContextConfig = Field(default_factory=ContextConfig)
    remediation: RemediationConfig = Field(default_factory=RemediationConfig)

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
    def from_config(cls, config: SentinelConfig) -> SentinelSettings:
        """The runtime values of a configuration that `SentinelConfig.resolved()` returned."""
        state_dir = config.state_path
        slack, store = config.slack, config.store
        return cls(
            ui_url=config.ui_url,
            slack_bot_token=SecretStr(slack.bot_token) if slack.bot_token else None,
            slack_channel=slack.channel,
            slack_api_url=slack.api_url,
            slack_webhook_url=SecretStr(slack.webhook_url) if slack.webhook_url else None,
            slack_routes=slack.routes,
            slack_mentions=slack.mentions,
            database_url=store.database_url or f"sqlite:///{state_dir / 'sentinel.db'}",
            database_default=not store.database_url,
            state_dir=state_dir,
            hook_budget_s=config.brain.hook_budget_s,
            incident_window_h=store.incident_window_h,
            storm_threshold=slack.storm_threshold,
            storm_window_s=slack.storm_window_s,
            slack_burst=slack.burst,
            brain=config.brain_settings(),
            context=config.context,
            remediation=config.remediation,
        )

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None) -> SentinelSettings:
        """Settings from the environment alone (read now), outside a Dagster resource."""
        return cls.from_config(SentinelConfig.from_env(env))
