"""The pipelines code location: demo jobs and assets, metric (and log) ingestion."""

import dagster as dg

from pipelines.demo.definitions import defs as demo_defs
from pipelines.metrics.definitions import defs as metrics_defs

defs = dg.Definitions.merge(demo_defs, metrics_defs)
