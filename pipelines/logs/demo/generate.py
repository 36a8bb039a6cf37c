"""Generate the demo logs (synthetic, deterministic): ``python -m pipelines.logs.demo.generate``.

``app.log`` (Python-logging text format) holds two hours of a healthy ETL service, then, in
the last 15 minutes, a burst of a never-seen error (the warehouse refuses connections) and
aborted loads: the logs assets' checks flag a new template, an error spike and a high error
rate. ``worker-json.log`` is a quieter JSON-lines source (its format is auto-detected).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = datetime(2026, 1, 15, 10, 0, 0)
HOURS = 2
INCIDENT_MINUTES = 12


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"


def app_lines(rng: random.Random) -> list[str]:
    lines: list[str] = []
    t = START
    end = START + timedelta(hours=HOURS)
    incident = end - timedelta(minutes=INCIDENT_MINUTES)
    run = 4100
    while t < end:
        t += timedelta(seconds=rng.randint(5, 15), milliseconds=rng.randint(0, 999))
        r = rng.random()
        if t >= incident and r < 0.45:
            if rng.random() < 0.8:
                lines.append(
                    f"{_ts(t)} ERROR etl.warehouse: Connection to warehouse db-03.internal:5432 "
                    f"refused: too many clients already (attempt {rng.randint(1, 5)}/5)"
                )
            else:
                lines.append(
                    f"{_ts(t)} ERROR etl.loader: Load of staging.orders aborted after "
                    f"{rng.randint(100, 90000)} rows: upstream connection lost"
                )
            continue
        if r < 0.15:
            run += 1
            lines.append(f"{_ts(t)} INFO etl.scheduler: Starting run {run} for job daily_orders")
        elif r < 0.45:
            lines.append(
                f"{_ts(t)} INFO etl.loader: Loaded {rng.randint(100, 90000)} rows into "
                f"staging.orders in {rng.uniform(0.2, 9):.2f}s"
            )
        elif r < 0.85:
            lines.append(
                f"{_ts(t)} INFO etl.http: GET /api/v1/orders?page={rng.randint(1, 400)} 200 "
                f"{rng.randint(3, 900)}ms"
            )
        elif r < 0.97:
            lines.append(
                f"{_ts(t)} WARNING etl.loader: Slow query on table orders took "
                f"{rng.uniform(5, 30):.1f}s"
            )
        else:
            lines.append(
                f"{_ts(t)} ERROR etl.http: GET /api/v1/customers/{rng.randint(1, 99999)} 500 "
                f"after {rng.randint(100, 3000)}ms"
            )
    return lines


def worker_lines(rng: random.Random) -> list[str]:
    out = []
    t = START
    end = START + timedelta(hours=HOURS)
    while t < end:
        t += timedelta(seconds=rng.randint(20, 60))
        if rng.random() < 0.9:
            rec = {
                "ts": t.isoformat() + "Z",
                "level": "info",
                "logger": "worker.queue",
                "msg": f"processed batch {rng.randint(1, 10**6)} with {rng.randint(1, 500)} items",
            }
        else:
            rec = {
                "ts": t.isoformat() + "Z",
                "level": "warning",
                "logger": "worker.queue",
                "msg": f"queue depth {rng.randint(1000, 5000)} above soft limit 1000",
            }
        out.append(json.dumps(rec))
    return out


def main() -> None:
    rng = random.Random(20260115)
    (HERE / "app.log").write_text("\n".join(app_lines(rng)) + "\n", encoding="utf-8")
    (HERE / "worker-json.log").write_text("\n".join(worker_lines(rng)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
