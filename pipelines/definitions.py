"""The ingestion code location: logs and metrics as assets, with their checks."""

import dagster as dg

from pipelines.metrics.definitions import defs as metrics_defs

defs = dg.Definitions.merge(metrics_defs)
