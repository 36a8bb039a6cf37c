"""Redaction throughput on a synthetic Dagster-style log: prints lines/s.

.venv/bin/python bench/redact_speed.py [--lines 200000] [--secret-every 50]
"""

from __future__ import annotations

import argparse
import random
import time

from brain.redact import redact

_CLEAN = [
    "2026-11-25 03:12:{s:02d} +0000 - dagster - DEBUG - etl_job - {run} - {n} - STEP_START - "
    'Started execution of step "load_orders".',
    "2026-11-25 03:12:{s:02d} +0000 - dagster - INFO - etl_job - {run} - load_orders - "
    "Loaded {n} rows from s3://warehouse/orders/2026-11-24.parquet in 0.{s}s",
    'INFO:httpx:HTTP Request: GET https://api.example.com/v2/items?page={n} "HTTP/1.1 200 OK"',
    "WARNING worker-{s}: retrying batch {n} after transient error (attempt 2/5)",
    '  File "/opt/pipelines/assets/orders.py", line {n}, in load_orders',
    "    df = pd.read_parquet(path, columns=COLUMNS)",
    "KeyError: 'customer_id'",
    "commit 3f2a9c1e4b5d6f708192a3b4c5d6e7f809a1b2c3 merged; request id {run}",
]
_SECRETS = [
    "connecting with password={n}hunter2 to db",
    "DATABASE_URL=postgresql://etl:s3cr3t{n}@db.internal:5432/prod",
    "Authorization: Bearer abcdefghijklmnopqrstu{n}",
    "aws_access_key_id=AKIAIOSFODNN7EXAMPLE",
]


def build(lines: int, secret_every: int) -> str:
    rnd = random.Random(7)
    out = []
    for i in range(lines):
        pool = _SECRETS if secret_every and i % secret_every == 0 else _CLEAN
        out.append(
            rnd.choice(pool).format(
                s=i % 60, n=rnd.randint(1, 99999), run=f"{rnd.getrandbits(64):016x}"
            )
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--secret-every", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    text = build(args.lines, args.secret_every)
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = redact(text)
        best = min(best, time.perf_counter() - t0)
    assert out.count("\n") == text.count("\n")
    print(
        f"redact: {args.lines} lines ({len(text) / 1e6:.1f} MB, 1 secret line per "
        f"{args.secret_every}) in {best:.3f}s -> {args.lines / best:,.0f} lines/s"
    )


if __name__ == "__main__":
    main()
