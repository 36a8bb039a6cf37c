"""The RCA report's identity, in one place: its asset key, its partitions (one per
incident), and the job that (re-)diagnoses an incident by materializing its partition.
"""

from __future__ import annotations

import dagster as dg

RCA_ASSET_KEY = dg.AssetKey(["sentinel", "rca_report"])
INCIDENT_PARTITIONS = "sentinel_incidents"
RCA_JOB_NAME = "sentinel_rca_job"

incident_partitions = dg.DynamicPartitionsDefinition(name=INCIDENT_PARTITIONS)

rca_job = dg.define_asset_job(
    RCA_JOB_NAME,
    selection=dg.AssetSelection.assets(RCA_ASSET_KEY),
    tags={"sentinel/internal": "true"},
)
