"""Dagster definitions of the logs pipeline (wired into the project's definitions by the lead).

Resources are keyed ``logs_sources`` and ``logs_state``. Sources come from
``LogSourcesResource.sources`` or, at run time, the ``SENTINEL_LOG_SOURCES`` env var (a
comma-separated glob list, read with ``dagster.EnvVar``); with neither, the bundled demo logs.
State lives under ``$DAGSTER_HOME/sentinel/logs``. ``logs_job`` (both assets + checks) is
exported for a schedule but not part of ``defs``.
"""

from __future__ import annotations

from dagster import Definitions, define_asset_job

from pipelines.logs.assets import GROUP, logs_parsed_lines, logs_templates
from pipelines.logs.checks import LOG_CHECKS
from pipelines.logs.resources import LogSourcesResource, LogStateResource

LOG_ASSETS = [logs_parsed_lines, logs_templates]

logs_job = define_asset_job("sentinel_logs_job", selection=[logs_parsed_lines, logs_templates])

defs = Definitions(
    assets=LOG_ASSETS,
    asset_checks=LOG_CHECKS,
    resources={
        "logs_sources": LogSourcesResource(),
        "logs_state": LogStateResource(),
    },
)

__all__ = ["GROUP", "LOG_ASSETS", "LOG_CHECKS", "defs", "logs_job"]
