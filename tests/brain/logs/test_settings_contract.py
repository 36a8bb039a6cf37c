"""`sentinel logs parse` reads its tuning without importing Dagster (start-up time counts in
its speed), so `ParseSettings.from_env` reads the variables itself. This keeps it to the same
names and defaults as the `ingestion` section of `SentinelConfig`, the one place they are
declared and documented."""

from __future__ import annotations

from dagster_sentinel.config import IngestionConfig, SentinelConfig
from sentinel_brain.logs.parse import ParseSettings

PAIRS = {
    "logs_threads": "threads",
    "logs_spool_memory_bytes": "spool_memory_bytes",
    "logs_max_line_bytes": "max_line_bytes",
}


def test_same_defaults() -> None:
    d = ParseSettings()
    for config_field, parse_field in PAIRS.items():
        assert IngestionConfig.model_fields[config_field].default == getattr(d, parse_field)
    assert IngestionConfig.model_fields["logs_no_arrow"].default is (not d.use_arrow)


def test_same_variables() -> None:
    env = {
        "SENTINEL_LOGS_THREADS": "3",
        "SENTINEL_LOGS_SPOOL_MEMORY": "1024",
        "SENTINEL_LOGS_MAX_LINE_BYTES": "4096",
        "SENTINEL_LOGS_NO_ARROW": "1",
    }
    parsed = ParseSettings.from_env(env)
    ingestion = SentinelConfig.from_env(env).ingestion
    for config_field, parse_field in PAIRS.items():
        assert getattr(ingestion, config_field) == getattr(parsed, parse_field)
    assert ingestion.logs_no_arrow is True and parsed.use_arrow is False
