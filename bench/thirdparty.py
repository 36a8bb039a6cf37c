"""A third-party code location for benchmarks: jobs WITHOUT Sentinel's hook, each failing in
its own way (so each failure is its own incident), reached only through Sentinel's sensors."""

from __future__ import annotations

import dagster as dg

N_JOBS = 8


def _failing_job(i: int) -> dg.JobDefinition:
    @dg.op(name=f"sync_partner_{i}")
    def sync() -> None:
        print(f"syncing partner feed {i}")
        raise ConnectionError(f"partner feed endpoint partner-{chr(97 + i)} refused the upload")

    @dg.job(name=f"partner_sync_{chr(97 + i)}", description="No Sentinel hook.")
    def job() -> None:
        sync()

    return job


defs = dg.Definitions(jobs=[_failing_job(i) for i in range(N_JOBS)])
