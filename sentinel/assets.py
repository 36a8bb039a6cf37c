"""Sentinel's assets: `sentinel/rca_report` (one partition per incident) and the history.

Materializing an `rca_report` partition (from the sensor's run request, or by hand in
the UI) diagnoses that incident again from its stored evidence, with Gemini when a key
is set, and updates its Slack message instead of posting a new one.
"""


import pandas as pd

import dagster as dg
from brain.diagnose import diagnose
from brain.models import Evidence
from sentinel.evidence import from_run
from sentinel.reporting import INCIDENT_PARTITIONS, RCA_ASSET_KEY
from sentinel.resources import SentinelResource

incident_partitions = dg.DynamicPartitionsDefinition(name=INCIDENT_PARTITIONS)


@dg.asset(
    key=RCA_ASSET_KEY,
    partitions_def=incident_partitions,
    group_name="sentinel",
    description="Root-cause analysis report of one incident (partition = incident id).",
    kinds={"python"},
)
def rca_report(context: dg.AssetExecutionContext, sentinel: SentinelResource) -> dg.MaterializeResult:
    s = sentinel.get(context.instance)
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
                raise dg.Failure(f"Incident {incident_id} has no stored evidence and its run is gone.")
            evidence = from_run(context.instance, run)
        report = diagnose(evidence, s.settings.brain)
        metadata = s.record(None, incident, evidence, report, runless=False, rediagnosis_of=context.run_id)
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


def _markdown_table(df: pd.DataFrame) -> str:
    if df.empty:
        return "_no incidents_"
    header = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body])


@dg.asset(
    key=dg.AssetKey(["sentinel", "incident_history"]),
    group_name="sentinel",
    description="Every incident: category, first and last seen, occurrences, status, MTTR.",
    kinds={"pandas"},
)
def incident_history(
    context: dg.AssetExecutionContext, sentinel: SentinelResource
) -> dg.MaterializeResult:
    s = sentinel.get(context.instance)
    rows = [
        {
            "incident_id": i.id,
            "kind": i.kind,
            "target": i.target,
            "step": i.step,
            "category": i.category,
            "severity": i.severity,
            "first_seen": pd.Timestamp(i.first_seen, unit="s", tz="UTC"),
            "last_seen": pd.Timestamp(i.last_seen, unit="s", tz="UTC"),
            "occurrences": i.occurrences,
            "status": i.status,
            "mttr_s": i.mttr_s,
        }
        for i in s.store.all()
    ]
    df = pd.DataFrame(rows)
    return dg.MaterializeResult(
        metadata={
            "incidents": len(df),
            "open": int((df["status"] == "open").sum()) if len(df) else 0,
            "preview": dg.MetadataValue.md(_markdown_table(df.head(50))),
        }
    )
