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

from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from pydantic import Field

from dagster_sentinel.config import (
    BrainConfig,
    ContextConfig,
    HealthConfig,
    IngestionConfig,
    RemediationConfig,
    SentinelConfig,
    ServeConfig,
    SlackConfig,
    StoreConfig,
)
from dagster_sentinel.definitions import sentinel_definitions

_SECTIONS: dict[str, type[dg.Config]] = {
    "slack": SlackConfig,
    "brain": BrainConfig,
    "store": StoreConfig,
    "health": HealthConfig,
    "ingestion": IngestionConfig,
    "context": ContextConfig,
    "remediation": RemediationConfig,
    "serve": ServeConfig,
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
    ingestion: dict[str, Any] | None = Field(
        default=None, description="`IngestionConfig` fields (log and metric sources)."
    )
    serve: dict[str, Any] | None = Field(
        default=None,
        description="`ServeConfig` fields (approvers...), read by `sentinel serve --config`.",
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


def config_from_defs_yaml(path: str | Path) -> SentinelConfig:
    """The `SentinelConfig` of a component's `defs.yaml`, for processes that run outside
    the code location (`sentinel serve --config defs.yaml`), so both read one file.

    Raises:
        ValueError: the file is not a SentinelComponent definition, or a setting is invalid.
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    kind = str(data.get("type", ""))
    if not kind.endswith("SentinelComponent"):
        raise ValueError(f"{path}: not a SentinelComponent defs.yaml (type: {kind or 'none'})")
    return SentinelComponent.model_validate(data.get("attributes") or {}).config()
