"""Attach Sentinel to a `dg` project with one YAML file.

    # defs/sentinel/defs.yaml
    type: dagster_sentinel.component.SentinelComponent
    attributes:
      ui_url: https://dagster.example.com
      slack:
        channel: "#data-alerts"
        routes: {"job:nightly_export": "#finance-data"}
        mentions: {"team:billing": "S0BILLING"}
      health:
        stale_factor: 4
      remediation:
        auto_retry: {"job:nightly_export": "true"}

The component adds Sentinel's definitions (RCA assets and job, the run-failure, recovery,
outbox and health sensors, the daily digest) configured by these attributes. Anything left
out falls back to its environment variable and then its default (README, "Configuration").
Keep secrets out of YAML: `SLACK_BOT_TOKEN`, `GEMINI_API_KEY` and the store URL are read
from the environment of the process that needs them, when it needs them.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from pydantic import Field

from dagster_sentinel.config import (
    BrainConfig,
    ContextConfig,
    HealthConfig,
    RemediationConfig,
    SentinelConfig,
    SlackConfig,
    StoreConfig,
)
from dagster_sentinel.definitions import sentinel_definitions

_SECTIONS: dict[str, type[dg.Config]] = {
    "slack": SlackConfig,
    "brain": BrainConfig,
    "store": StoreConfig,
    "health": HealthConfig,
    "context": ContextConfig,
    "remediation": RemediationConfig,
}


class SentinelComponent(dg.Component, dg.Resolvable, dg.Model):
    """Sentinel, AI failure diagnosis: watches every code location of the instance."""

    ui_url: str | None = Field(default=None, description="Base URL for links to runs.")
    state_dir: str | None = Field(default=None, description="Sentinel's state directory.")
    # Sections are validated by their `SentinelConfig` models (dagster_sentinel.config) on load.
    slack: dict[str, Any] | None = Field(default=None, description="`SlackConfig` fields.")
    brain: dict[str, Any] | None = Field(default=None, description="`BrainConfig` fields.")
    store: dict[str, Any] | None = Field(default=None, description="`StoreConfig` fields.")
    health: dict[str, Any] | None = Field(default=None, description="`HealthConfig` fields.")
    context: dict[str, Any] | None = Field(default=None, description="`ContextConfig` fields.")
    remediation: dict[str, Any] | None = Field(
        default=None, description="`RemediationConfig` fields (self-healing)."
    )

    def config(self) -> SentinelConfig:
        """The `SentinelConfig` these attributes describe (only what was given is explicit).

        Raises:
            ValueError: an unknown or malformed setting (pydantic's ValidationError is one),
                named in the message.
        """
        given: dict[str, Any] = {
            name: getattr(self, name)
            for name in ("ui_url", "state_dir")
            if getattr(self, name) is not None
        }
        for name, model in _SECTIONS.items():
            values = getattr(self, name)
            if values is None:
                continue
            unknown = sorted(set(values) - set(model.model_fields))
            if unknown:
                known = ", ".join(model.model_fields)
                raise ValueError(f"unknown {name} setting(s) {unknown}; known: {known}")
            given[name] = model.model_validate(values)
        return SentinelConfig(**given)

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        return sentinel_definitions(self.config())
