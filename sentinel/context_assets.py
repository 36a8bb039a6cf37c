"""Context definitions: the asset `sentinel/runbook_index`, the sensor that keeps it fresh, the
sensor that polls Prometheus alerts (`SENTINEL_PROMETHEUS_ALERTS_URL` /
`SENTINEL_PROMETHEUS_URL`), and the sensor that lets alerts open incidents of their own when
`SENTINEL_ALERTS_OPEN_INCIDENTS` is on.
"""

import time

import dagster as dg

from dagster_sentinel.alerts import (
    AlertError,
    AlertStore,
    alert_evidence,
    linked_alerts,
    matches,
    plan_alert_incidents,
    sync_prometheus,
)
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.context import stored_context
from dagster_sentinel.health_sensors import resolve_incident
from dagster_sentinel.rca import rca_job
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.runbooks import RunbookIndex
from dagster_sentinel.triage import open_incident
from sentinel_brain.fingerprint import alert_fingerprint

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


# Failures older than this are not read to find which alerts they were linked to.
LINK_LOOKBACK_S = 7 * 86400.0


@dg.sensor(
    name="sentinel_alert_incidents_sensor",
    job=rca_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="With SENTINEL_ALERTS_OPEN_INCIDENTS: a firing alert that no pipeline failure "
    "was linked to within SENTINEL_ALERT_WINDOW_S opens one incident (diagnosed by an "
    "rca_report run); it resolves when the alert resolves. Off by default.",
)
def sentinel_alert_incidents_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SensorResult | dg.SkipReason:
    s = sentinel_for(sentinel, context.instance)
    cfg, now = s.settings.context, time.time()
    open_ = {i.fingerprint: i for i in s.store.open_incidents(["alert"], source="alert")}
    if not cfg.alerts_open_incidents and not open_:
        return dg.SkipReason("alerts do not open incidents (SENTINEL_ALERTS_OPEN_INCIDENTS off)")
    firing = AlertStore(s.settings.database_url).firing()
    # Only alerts that could open an incident need the failures since they started.
    pending = [
        a.starts_at
        for a in firing
        if cfg.alerts_open_incidents
        and alert_fingerprint(a.labels) not in open_
        and matches(a.labels, cfg.alerts_incident_match)
    ]
    since = max(min(pending, default=now), now - LINK_LOOKBACK_S)
    failures = [i for i in s.store.opened_between(since, now + 1) if i.kind != "alert"]
    plan = plan_alert_incidents(
        firing,
        {fp: i.id for fp, i in open_.items()},
        linked_alerts(stored_context(i) for i in failures),
        enabled=cfg.alerts_open_incidents,
        match=cfg.alerts_incident_match,
        window_s=cfg.alert_window_s,
        now=now,
    )
    requests, opened = [], []
    for alert in plan.open:
        decision = open_incident(s, context.instance, alert_evidence(alert, now), "alert")
        if decision.partition_key is not None:
            opened.append(f"{alert.name} (incident {decision.partition_key})")
            requests.append(
                dg.RunRequest(
                    run_key=f"rca:{decision.partition_key}",
                    partition_key=decision.partition_key,
                    tags={"sentinel/alert": alert.name},
                )
            )
    by_id = {i.id: i for i in open_.values()}
    resolved = [i for i in plan.resolve if resolve_incident(s, by_id[i])]
    message = (
        f"{len(firing)} alert(s) firing: {len(opened)} new incident(s) {opened}, "
        f"{len(resolved)} resolved, {len(plan.linked)} linked to a failure {plan.linked}, "
        f"{len(plan.waiting)} within the window {plan.waiting}, {plan.unmatched} not matching"
    )
    context.log.info(message)
    if requests:
        return dg.SensorResult(run_requests=requests)
    return dg.SkipReason(message)


context_assets = [runbook_index]
context_jobs = [runbook_index_job]
context_sensors = [
    sentinel_runbook_index_sensor,
    sentinel_prometheus_alerts_sensor,
    sentinel_alert_incidents_sensor,
]
