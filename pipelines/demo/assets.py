"""The demo pipeline as software-defined assets, with Sentinel's hook on its job."""

import dagster as dg

from dagster_sentinel.hooks import sentinel_failure_hook
from pipelines.demo.etl import DATA, DemoConfig, average_by_region, read_orders


@dg.asset(group_name="demo", description="Orders of the day, as extracted.")
def raw_orders(config: DemoConfig) -> list[dict[str, str]]:
    path = DATA / ("orders_v2.csv" if config.scenario == "schema_drift" else "orders.csv")
    return read_orders(path)


@dg.asset(group_name="demo", description="Average order value per region with orders.")
def region_averages(
    context: dg.AssetExecutionContext, raw_orders: list[dict[str, str]]
) -> dict[str, float]:
    regions = sorted({o["region"] for o in raw_orders})
    averages = average_by_region(raw_orders, regions)
    context.add_output_metadata({"dagster/row_count": len(averages), "regions": ", ".join(regions)})
    return averages


demo_assets_job = dg.define_asset_job(
    "demo_assets_job",
    selection=dg.AssetSelection.groups("demo"),
    hooks={sentinel_failure_hook},
    executor_def=dg.in_process_executor,
    description="The demo as assets; `scenario: schema_drift` on raw_orders breaks it.",
)
