"""Jobs without Sentinel's hook that fail with four distinct causes (for burst tests).

Messages carry run-specific numbers and ids, which the fingerprint masks, so many runs
collapse into one incident per cause.
"""

import random

import dagster as dg


class FaultConfig(dg.Config):
    cause: int = 0
    seed: int = 0


@dg.op
def ingest_partner(config: FaultConfig) -> None:
    rng = random.Random(config.seed)
    if config.cause == 0:
        raise ConnectionRefusedError(
            111, f"Connection refused: partner-api:{8000 + rng.randint(0, 99)}"
        )
    raise ValueError(f"could not convert string to float: 'N/A' (row {rng.randint(1, 10_000)})")


@dg.op
def aggregate_orders(config: FaultConfig) -> None:
    rng = random.Random(config.seed)
    batch = [rng.random() for _ in range(0)]
    print(f"aggregating batch {rng.randint(1, 1000)}")
    _ = sum(batch) / len(batch)


@dg.op
def export_report(config: FaultConfig) -> None:
    import os

    _ = os.environ[f"EXPORT_BUCKET_{'X' * (config.cause + 1)}"]


@dg.job
def burst_ingest() -> None:
    ingest_partner()


@dg.job
def burst_aggregate() -> None:
    aggregate_orders()


@dg.job
def burst_export() -> None:
    export_report()


def run_failures(instance: dg.DagsterInstance, n: int) -> list[str]:
    """Run n failing runs round-robin over four causes in three jobs; returns run ids."""
    plan = [
        (burst_ingest, "ingest_partner", 0),
        (burst_ingest, "ingest_partner", 1),
        (burst_aggregate, "aggregate_orders", 0),
        (burst_export, "export_report", 0),
    ]
    run_ids = []
    for i in range(n):
        job, op, cause = plan[i % len(plan)]
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"ops": {op: {"config": {"cause": cause, "seed": i}}}},
        )
        assert not result.success
        run_ids.append(result.run_id)
    return run_ids
