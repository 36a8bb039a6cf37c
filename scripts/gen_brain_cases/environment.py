# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `environment`.

The runtime is not what the code expects: modules that are not installed,
names removed from pandas and numpy, a binary that is not on PATH.
"""

from __future__ import annotations

import os

from .harness import (
    capture,
    case,
    dagster_step_failure,
    module,
)


@case("env_module_not_found", "environment", ["snowflake"])
def module_not_found() -> str:
    m = module(
        "snowflake_export",
        """
        def export():
            import snowflake.connector
            return snowflake.connector.connect()
        """,
    )
    return capture(m.export)


@case("env_cannot_import_name", "environment", ["cannot import name"])
def cannot_import_name() -> str:
    m = module(
        "legacy_io",
        """
        def read():
            from pandas.io.json import json_normalize_v1
            return json_normalize_v1
        """,
    )
    return capture(m.read)


@case("env_numpy_removed_alias", "environment", ["numpy"])
def numpy_removed_alias() -> str:
    m = module(
        "scoring",
        """
        import numpy as np

        def score(values):
            return np.array(values, dtype=np.float)

        def build():
            return score([1, 2])
        """,
    )
    return capture(m.build)


@case("env_pandas_append_removed", "environment", ["append"])
def pandas_append_removed() -> str:
    m = module(
        "daily_rollup",
        """
        import pandas as pd

        def build():
            df = pd.DataFrame({"day": ["2024-01-01"], "n": [3]})
            return df.append({"day": "2024-01-02", "n": 4}, ignore_index=True)
        """,
    )
    return capture(m.build)


@case("env_missing_binary", "environment", ["dbt"])
def missing_binary() -> str:
    env = dict(os.environ, PATH="/usr/bin:/bin")
    m = module(
        "dbt_runner",
        """
        import subprocess

        def run_models(env):
            return subprocess.run(["dbt", "build", "--select", "marts"], check=True, env=env)
        """,
    )
    return capture(lambda: m.run_models(env))


@case(
    "env_missing_module_dagster",
    "environment",
    ["No module named"],
    "Dagster wrapper around ModuleNotFoundError",
)
def missing_module_dagster() -> str:
    return dagster_step_failure(
        "dg_geo",
        """
        from dagster import op, job

        @op
        def geocode():
            import geopandas_fast
            return geopandas_fast.__name__

        @job
        def geo_job():
            geocode()
        """,
        "geo_job",
    )
