"""The ingestion code location: logs and metrics as assets, with their checks."""

import dagster as dg

from pipelines.logs.definitions import defs as logs_defs
from pipelines.metrics.definitions import defs as metrics_defs

defs = dg.Definitions.merge(logs_defs, metrics_defs)
