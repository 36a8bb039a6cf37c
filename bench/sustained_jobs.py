"""50 jobs without Sentinel's hook in 3 code locations (`defs_a`, `defs_b`, `defs_c`), for the
sustained-load benchmark. Each job fails with one of two causes whose messages carry
run-specific numbers (masked by the fingerprint), so repeats collapse into incidents."""

import random

import dagster as dg

N_JOBS = 50


class LoadConfig(dg.Config):
    cause: int = 0
    seed: int = 0


def _job(i: int) -> dg.JobDefinition:
    @dg.op(name=f"load_step_{i}")
    def step(config: LoadConfig) -> None:
        rng = random.Random(config.seed)
        print(f"job {i}: batch {rng.randint(1, 10_000)}")
        if config.cause == 0:
            raise ConnectionRefusedError(111, f"Connection refused: svc-{i}:{rng.randint(1, 99)}")
        raise ValueError(f"column amount_{i} has {rng.randint(1, 500)} non-numeric values")

    @dg.job(name=f"load_job_{i:02d}")
    def job() -> None:
        step()

    return job


JOBS = [_job(i) for i in range(N_JOBS)]
defs_a = dg.Definitions(jobs=JOBS[0::3])
defs_b = dg.Definitions(jobs=JOBS[1::3])
defs_c = dg.Definitions(jobs=JOBS[2::3])
