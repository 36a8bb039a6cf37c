"""Context definitions: the asset `sentinel/runbook_index`, the sensor that keeps it fresh, and
the sensor that polls Prometheus alerts (`SENTINEL_PROMETHEUS_ALERTS_URL` /
`SENTINEL_PROMETHEUS_URL`).
"""

import dagster as dg

from dagster_sentinel.alerts import AlertError, sync_prometheus
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.runbooks import RunbookIndex

RUNBOOK_INDEX_KEY = dg.AssetKey(["sentinel", "runbook_index"])


@dg.asset(
    key=RUNBOOK_INDEX_KEY,
    group_name="sentinel",
    description="Runbook sections (SENTINEL_RUNBOOKS) indexed for search: changed files only, "
    "deleted files drop out, non-UTF-8 or huge files skipped and counted.",
)
def runbook_index(
    context: dg.AssetExecutionContext, sentinel: SentinelConfig
) -> dg.MaterializeResult[None]:
    settings = sentinel_for(sentinel, context.instance).settings
    cfg = settings.context
    index = RunbookIndex(settings.database_url, base_url=cfg.runbooks_base_url)
    stats = index.sync(cfg.runbooks, max_bytes=cfg.runbook_max_bytes)
    if not cfg.runbooks:
        context.log.info("SENTINEL_RUNBOOKS is not set: the index is empty.")
    return dg.MaterializeResult(
        metadata={
            "engine": stats.engine,
            "sources": dg.MetadataValue.json(list(cfg.runbooks)),
            "files": stats.files,
            "sections": stats.sections,
            "changed": stats.changed,
            "unchanged": stats.unchanged,
            "deleted": stats.deleted,
            "skipped": len(stats.skipped),
            "skipped_files": dg.MetadataValue.json([s.model_dump() for s in stats.skipped[:100]]),
            "missing_sources": dg.MetadataValue.json(stats.missing_sources),
        }
    )


runbook_index_job = dg.define_asset_job(
    "sentinel_runbook_index_job",
    selection=dg.AssetSelection.assets(RUNBOOK_INDEX_KEY),
    tags={"sentinel/internal": "true"},
)


@dg.sensor(
    name="sentinel_runbook_index_sensor",
    job=runbook_index_job,
    minimum_interval_seconds=900,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-indexes changed runbooks every 15 minutes when SENTINEL_RUNBOOKS is set "
    "(unchanged files cost a stat); launches nothing otherwise.",
)
def sentinel_runbook_index_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.RunRequest | dg.SkipReason:
    settings = sentinel_for(sentinel, context.instance).settings
    if not settings.context.runbooks:
        return dg.SkipReason("SENTINEL_RUNBOOKS is not set: no runbooks to index")
    return dg.RunRequest()


@dg.sensor(
    name="sentinel_prometheus_alerts_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Polls Prometheus /api/v1/alerts (when configured) so failures can be "
    "correlated with firing alerts. Never opens incidents by itself.",
)
def sentinel_prometheus_alerts_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SkipReason:
    settings = sentinel_for(sentinel, context.instance).settings
    if not settings.context.prometheus_url:
        return dg.SkipReason("no Prometheus URL configured (SENTINEL_PROMETHEUS_ALERTS_URL)")
    try:
        firing, closed = sync_prometheus(settings)
    except AlertError as e:
        return dg.SkipReason(f"Prometheus alerts not polled: {e}")
    return dg.SkipReason(f"{firing} alert(s) firing, {closed} closed")


context_assets = [runbook_index]
context_jobs = [runbook_index_job]
context_sensors = [sentinel_runbook_index_sensor, sentinel_prometheus_alerts_sensor]
