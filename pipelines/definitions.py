"""The pipelines code location: demo jobs and assets (log and metric ingestion to come)."""

import dagster as dg

from pipelines.demo.definitions import defs as demo_defs

defs = dg.Definitions.merge(demo_defs)
