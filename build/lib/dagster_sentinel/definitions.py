"""Sentinel's code location: the RCA assets, their job and the sensors that watch every
code location of the instance. Load it beside your own code locations (workspace.yaml).
"""

import dagster as dg

from dagster_sentinel.assets import (
    daily_digest,
    daily_digest_schedule,
    digest_job,
    incident_history,
    rca_report,
)
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.context_assets import context_assets, context_jobs, context_sensors
from dagster_sentinel.health_sensors import health_sensors
from dagster_sentinel.rca import rca_job
from dagster_sentinel.selfheal import sentinel_remediation_sensor
from dagster_sentinel.sensors import (
    sentinel_failure_sweep_sensor,
    sentinel_outbox_sensor,
    sentinel_recovery_sensor,
    sentinel_run_failure_sensor,
)


def sentinel_definitions(resource: SentinelConfig | None = None) -> dg.Definitions:
    """Sentinel's definitions, to load as their own code location or merge into yours.

    Args:
        resource: explicit configuration; by default every setting comes from the
            environment when a run or tick starts (see the README).

    Examples:
        defs = dg.Definitions.merge(my_defs, sentinel_definitions())
    """
    return dg.Definitions(
        assets=[rca_report, incident_history, daily_digest, *context_assets],
        jobs=[rca_job, digest_job, *context_jobs],
        schedules=[daily_digest_schedule],
        sensors=[
            sentinel_run_failure_sensor,
            sentinel_failure_sweep_sensor,
            sentinel_recovery_sensor,
            sentinel_outbox_sensor,
            *health_sensors,
            *context_sensors,
            sentinel_remediation_sensor,
        ],
        resources={"sentinel": resource or SentinelConfig()},
    )


defs = sentinel_definitions()
