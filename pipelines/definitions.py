"""The ingestion code location: logs and metrics as assets, with their checks, refreshed
every 15 minutes (their failing checks become Sentinel incidents)."""

import dagster as dg

from pipelines.logs.definitions import defs as logs_defs
from pipelines.metrics.definitions import defs as metrics_defs

ingestion_job = dg.define_asset_job(
    "ingestion_job",
    selection=dg.AssetSelection.groups("sentinel_logs", "metrics"),
    description="Ingest logs and metrics, mine templates, detect anomalies.",
)

ingestion_schedule = dg.ScheduleDefinition(
    name="ingestion_every_15_min",
    job=ingestion_job,
    cron_schedule="*/15 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions.merge(
    logs_defs,
    metrics_defs,
    dg.Definitions(jobs=[ingestion_job], schedules=[ingestion_schedule]),
)
