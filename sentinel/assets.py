"""Sentinel's assets: `sentinel/rca_report` (one partition per incident) and the history.

Materializing an `rca_report` partition (from the sensor's run request, or by hand in
the UI) diagnoses that incident again from its stored evidence, with Gemini when a key
is set, and updates its Slack message instead of posting a new one.
"""

import time

import dagster as dg
import pandas as pd

from dagster_sentinel import slack
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.context import add_context
from dagster_sentinel.digest import history_frame, summarize, with_chatops
from dagster_sentinel.evidence import from_run
from dagster_sentinel.incidents import Incident
from dagster_sentinel.rca import RCA_ASSET_KEY, incident_partitions
from dagster_sentinel.reporting import Sentinel
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.runpage import annotate_run
from dagster_sentinel.settings import SentinelSettings
from sentinel_brain.diagnose import diagnose
from sentinel_brain.models import Evidence, Report


@dg.asset(
    key=RCA_ASSET_KEY,
    partitions_def=incident_partitions,
    group_name="sentinel",
    description="Root-cause analysis report of one incident (partition = incident id).",
    kinds={"python"},
)
def rca_report(
    context: dg.AssetExecutionContext, sentinel: SentinelConfig
) -> dg.MaterializeResult[None]:
    s = sentinel_for(sentinel, context.instance)
    incident_id = context.partition_key
    incident = s.store.get(incident_id)
    if incident is None:
        raise dg.Failure(f"Unknown incident {incident_id!r}: nothing to diagnose.")
    try:
        if incident.evidence_json:
            evidence = Evidence.model_validate_json(incident.evidence_json)
        else:
            run = context.instance.get_run_by_id(incident.first_run_id or "")
            if run is None:
                raise dg.Failure(
                    f"Incident {incident_id} has no stored evidence and its run is gone."
                )
            evidence = from_run(context.instance, run, s.settings.state_dir)
        add_context(s.settings, incident, evidence, context.instance)
        started = time.perf_counter()
        report = diagnose(evidence, s.settings.brain)
        s.observe_diagnosis(report, time.perf_counter() - started, "rca")
        metadata = s.record(
            None, incident, evidence, report, runless=False, rediagnosis_of=context.run_id
        )
        annotate_run(context.instance, incident.last_run_id, incident, report, s.settings.ui_url)
        _self_heal(s, context.instance, incident, report, evidence)
    except Exception as e:
        s.degraded(
            key=f"rca:{incident_id}",
            title=f"{incident.title or 'Incident'} ({incident.job or incident.target})",
            where=f"incident {incident_id}",
            error=f"{type(e).__name__}: {e}",
            run_id=incident.last_run_id,
        )
        raise
    return dg.MaterializeResult(metadata=metadata)


def _self_heal(
    s: Sentinel,
    instance: dg.DagsterInstance,
    incident: Incident,
    report: Report,
    evidence: Evidence,
) -> None:
    """An automatic retry, when the policy says so, for a failure the hook did not see.

    Deciding twice (a re-diagnosis from the UI) stores one retry: the retry's key is the
    failed run and the attempt.
    """
    from dagster_sentinel.selfheal import after_report

    run_id = incident.last_run_id
    run = instance.get_run_by_id(run_id) if run_id else None
    if run is None or run.status != dg.DagsterRunStatus.FAILURE:
        return
    tags = {k: str(v) for k, v in (run.tags or {}).items()}
    after_report(s, instance, incident, report, evidence, run_id, tags)


def _chatops_columns(
    settings: SentinelSettings, incidents: list[Incident]
) -> dict[str, dict[str, object]]:
    """Acks, notes and actions from the ChatOps timeline (`sentinel serve`)."""
    from dagster_sentinel.chatops import history_columns
    from dagster_sentinel.timeline import TimelineStore

    timeline = TimelineStore(settings.database_url)
    ids = [i.id for i in incidents]
    states, entries = timeline.states(ids), timeline.entries_for(ids)
    return {i.id: history_columns(i, states.get(i.id), entries.get(i.id, [])) for i in incidents}


@dg.asset(
    key=dg.AssetKey(["sentinel", "incident_history"]),
    group_name="sentinel",
    description="Every incident: category, first and last seen, occurrences, status, MTTR.",
    kinds={"pandas"},
)
def incident_history(
    context: dg.AssetExecutionContext, sentinel: SentinelConfig
) -> dg.Output[pd.DataFrame]:
    loop = sentinel_for(sentinel, context.instance)
    incidents = loop.store.all()
    df = with_chatops(history_frame(incidents), _chatops_columns(loop.settings, incidents))
    shown = df.head(200).astype(object).where(df.head(200).notna(), None)
    records = [
        dg.TableRecord({k: (str(v) if isinstance(v, pd.Timestamp) else v) for k, v in row.items()})
        for row in shown.to_dict(orient="records")
    ]
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(
                c,
                "float" if c in ("mttr_s", "mtta_s") else "int" if c == "occurrences" else "string",
            )
            for c in df.columns
        ]
    )
    return dg.Output(
        df,
        metadata={
            "dagster/row_count": len(df),
            "open": int((df["status"] == "open").sum()),
            "incidents": dg.MetadataValue.table(records=records, schema=schema),
        },
    )


digest_job = dg.define_asset_job(
    "sentinel_digest_job",
    selection=dg.AssetSelection.assets(dg.AssetKey(["sentinel", "daily_digest"])),
    tags={"sentinel/internal": "true"},
)


@dg.asset(
    key=dg.AssetKey(["sentinel", "daily_digest"]),
    group_name="sentinel",
    description="The last 24 h in one Slack message: counts by category, top recurring incidents.",
)
def daily_digest(
    context: dg.AssetExecutionContext, sentinel: SentinelConfig
) -> dg.MaterializeResult[None]:
    s = sentinel_for(sentinel, context.instance)
    now = time.time()
    digest = summarize(s.store.all(), now)
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    delivery = s.send(f"digest:{day}", slack.render_digest(digest))
    return dg.MaterializeResult(
        metadata={
            "new": digest.new,
            "open": digest.open,
            "by_category": dg.MetadataValue.json(digest.by_category),
            "slack_delivered": delivery.delivered,
        }
    )


daily_digest_schedule = dg.ScheduleDefinition(
    name="sentinel_daily_digest",
    job=digest_job,
    cron_schedule="0 8 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Posts the daily digest at 08:00 UTC.",
)
