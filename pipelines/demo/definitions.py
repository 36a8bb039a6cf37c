"""The demo code location's definitions."""

import dagster as dg

from pipelines.demo.assets import demo_assets_job, raw_orders, region_averages
from pipelines.demo.dependency import demo_dependency
from pipelines.demo.etl import demo_etl, partner_export

defs = dg.Definitions(
    assets=[raw_orders, region_averages],
    jobs=[demo_etl, demo_assets_job, partner_export, demo_dependency],
)
