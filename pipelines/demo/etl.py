"""`demo_etl`: extract → transform → load over a small bundled CSV.

With empty run config it hits a real bug: `transform_data` averages order amounts per
region for every region in the reference list, and a region with no orders in the batch
divides by zero. `scenario` selects other faults real pipelines hit.
"""

import csv
import os
import sqlite3
from pathlib import Path
from typing import Literal
from urllib.request import urlopen

import dagster as dg
from pydantic import Field

from dagster_sentinel.config import dagster_home
from dagster_sentinel.hooks import sentinel_failure_hook

DATA = Path(__file__).parent / "data"

Scenario = Literal["default", "none", "schema_drift", "missing_file", "api_down"]


class DemoConfig(dg.Config):
    scenario: Scenario = Field(
        default="default",
        description="default: the empty-region bug; none: a green run; schema_drift: "
        "upstream renamed a column; missing_file: the day's extract is absent; "
        "api_down: the FX-rate API refuses connections.",
    )
    fx_api_url: str = Field(
        default="http://127.0.0.1:9/v1/rates", description="FX-rate API (api_down scenario)."
    )


def read_orders(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


@dg.op(description="Read the day's orders and the region reference list.")
def extract_data(
    context: dg.OpExecutionContext, config: DemoConfig
) -> dict[str, list[dict[str, str]]]:
    source = {
        "schema_drift": DATA / "orders_v2.csv",
        "missing_file": DATA / "incoming" / "orders_2026-11-25.csv",
    }.get(config.scenario, DATA / "orders.csv")
    print(f"extract_data: reading {source.name}")
    orders = read_orders(source)
    if config.scenario == "api_down":
        print(f"extract_data: fetching FX rates from {config.fx_api_url}")
        with urlopen(config.fx_api_url, timeout=5) as resp:  # noqa: S310 - demo API
            resp.read()
    with (DATA / "regions.csv").open(newline="") as fh:
        regions = [r["region"] for r in csv.DictReader(fh)]
    if config.scenario == "none":
        regions = sorted({o["region"] for o in orders})
    context.log.info(f"{len(orders)} orders, regions {regions}")
    return {"orders": orders, "regions": [{"region": r} for r in regions]}


def average_by_region(orders: list[dict[str, str]], regions: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for region in regions:
        amounts = [float(o["amount"]) for o in orders if o["region"] == region]
        out[region] = sum(amounts) / len(amounts)
    return out


@dg.op(description="Average order value per region.")
def transform_data(extracted: dict[str, list[dict[str, str]]]) -> dict[str, float]:
    regions = [r["region"] for r in extracted["regions"]]
    print(f"transform_data: {len(extracted['orders'])} orders across {len(regions)} regions")
    return average_by_region(extracted["orders"], regions)


@dg.op(description="Write the averages to the local warehouse (SQLite under DAGSTER_HOME).")
def load_data(context: dg.OpExecutionContext, averages: dict[str, float]) -> None:
    path = dagster_home() / "demo" / "warehouse.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS region_avg (region TEXT PRIMARY KEY, avg REAL)")
        conn.executemany("INSERT OR REPLACE INTO region_avg VALUES (?, ?)", averages.items())
    context.log.info(f"loaded {len(averages)} rows into {path}")


DEFAULT_CELERY_BROKER = "pyamqp://guest@127.0.0.1:5672//"
# A worker that dies mid-step hands the step back to the broker instead of losing it.
CELERY_RELIABLE = {"task_acks_late": True, "task_reject_on_worker_lost": True}


def demo_executor(env: dict[str, str] | os._Environ[str] = os.environ) -> dg.ExecutorDefinition:
    """`SENTINEL_DEMO_EXECUTOR=celery` (set by `make run-prod`): each step of demo_etl runs in
    a Celery worker (broker `SENTINEL_CELERY_BROKER`), so its failure hook fires there.
    Read when the code location loads, in this location only: Sentinel itself never cares
    which executor ran the step."""
    choice = env.get("SENTINEL_DEMO_EXECUTOR", "in_process")
    if choice == "in_process":
        return dg.in_process_executor
    if choice == "celery":
        from dagster_celery import celery_executor

        broker = env.get("SENTINEL_CELERY_BROKER", DEFAULT_CELERY_BROKER)
        return celery_executor.configured(
            {"broker": broker, "backend": "rpc://", "config_source": CELERY_RELIABLE}
        )
    raise ValueError(f"SENTINEL_DEMO_EXECUTOR must be in_process or celery, not {choice!r}")


@dg.job(
    hooks={sentinel_failure_hook},
    executor_def=demo_executor(),
    description="Demo ETL with Sentinel attached. Fails by default (see DemoConfig).",
)
def demo_etl() -> None:
    load_data(transform_data(extract_data()))


class ExportConfig(dg.Config):
    partner_url: str = Field(
        default="http://127.0.0.1:9/v1/upload", description="Partner upload endpoint."
    )


@dg.op(description="Upload the region averages to a partner API.")
def upload_to_partner(config: ExportConfig) -> None:
    print(f"upload_to_partner: POST {config.partner_url}")
    with urlopen(config.partner_url, data=b"{}", timeout=5) as resp:  # noqa: S310 - demo API
        resp.read()


@dg.job(description="A job without Sentinel's hook: its failures reach Sentinel via the sensor.")
def partner_export() -> None:
    upload_to_partner()
