# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `missing_input`.

An input that should be there is not: files, tables, S3 keys, HTTP 404s,
empty upstream results, a stored Dagster output that is gone.
"""

from __future__ import annotations

from .harness import (
    api,
    capture,
    case,
    dagster_step_failure,
    module,
    pg_exec,
    render_dagster_failures,
    scratch,
)


@case("missing_file_read_csv", "missing_input", ["No such file"])
def file_read_csv() -> str:
    m = module(
        "daily_sales",
        """
        import pandas as pd

        def build(day="2024-03-01"):
            return pd.read_csv(f"/data/landing/sales/{day}/sales.csv")
        """,
    )
    return capture(m.build)


@case("missing_empty_csv", "missing_input", ["No columns to parse"])
def empty_csv() -> str:
    path = scratch() / "export_2024-03-01.csv"
    path.write_text("")
    m = module(
        "export_reader",
        f"""
        import pandas as pd

        def build():
            return pd.read_csv({str(path)!r})
        """,
    )
    return capture(m.build)


@case("missing_sqlite_table", "missing_input", ["no such table"])
def sqlite_table() -> str:
    m = module(
        "staging_reader",
        """
        import sqlite3

        def build():
            con = sqlite3.connect(":memory:")
            return con.execute("select * from stg_orders").fetchall()
        """,
    )
    return capture(m.build)


@case("missing_pg_relation", "missing_input", ["does not exist"])
def pg_relation() -> str:
    pg_exec("drop table if exists gen_stg_events")
    m = module(
        "events_mart",
        """
        import pandas as pd
        from sqlalchemy import create_engine

        def build():
            eng = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/test")
            return pd.read_sql("select * from gen_stg_events", eng)
        """,
    )
    return capture(m.build)


@case("missing_s3_nosuchkey", "missing_input", ["NoSuchKey"])
def s3_nosuchkey() -> str:
    m = module(
        "s3_ingest",
        f"""
        import boto3

        def build():
            s3 = boto3.client("s3", endpoint_url={api()!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret")
            return s3.get_object(Bucket="raw-bucket", Key="missing/2024-03-01/orders.parquet")["Body"].read()
        """,
    )
    return capture(m.build)


@case("missing_s3_head_404", "missing_input", ["404"])
def s3_head_404() -> str:
    m = module(
        "s3_sensor_check",
        f"""
        import boto3

        def build():
            s3 = boto3.client("s3", endpoint_url={api()!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret")
            return s3.head_object(Bucket="landing", Key="exports/2024-03-01/_SUCCESS")
        """,
    )
    return capture(m.build)


@case("missing_duckdb_no_files", "missing_input", ["No files found"])
def duckdb_no_files() -> str:
    import duckdb  # noqa: F401

    m = module(
        "duck_ingest",
        """
        import duckdb

        def build():
            return duckdb.sql("select count(*) from read_parquet('/data/lake/clicks/dt=2024-03-01/*.parquet')").fetchall()
        """,
    )
    return capture(m.build)


@case(
    "missing_empty_upstream_none",
    "missing_input",
    ["0 rows"],
    "TypeError whose real cause is an empty upstream",
)
def empty_upstream_none() -> str:
    m = module(
        "latest_snapshot",
        """
        import logging
        import sqlite3

        log = logging.getLogger("latest_snapshot")

        def latest(con):
            rows = con.execute("select id, total from snapshots order by id desc").fetchall()
            log.warning("upstream snapshots query returned %d rows", len(rows))
            print(f"loaded 0 rows from snapshots")
            return rows[0] if rows else None

        def build():
            con = sqlite3.connect(":memory:")
            con.execute("create table snapshots (id integer, total real)")
            snap = latest(con)
            return snap[1] * 1.2
        """,
    )
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        tb = capture(m.build)
    return buf.getvalue() + tb


@case("missing_empty_iloc", "missing_input", ["out-of-bounds"], "empty frame from upstream")
def empty_iloc() -> str:
    m = module(
        "price_snapshot",
        """
        import pandas as pd

        def build():
            prices = pd.DataFrame({"sku": [], "price": []})
            print(f"fetched {len(prices)} rows from upstream prices export")
            return prices.iloc[0]["price"]
        """,
    )
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        tb = capture(m.build)
    return buf.getvalue() + tb


@case("missing_http_404", "missing_input", ["404"])
def http_404() -> str:
    m = module(
        "partner_export",
        f"""
        import requests

        def build():
            r = requests.get({api() + "/api/404/exports/2024-03-01.json"!r}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case(
    "missing_dagster_file",
    "missing_input",
    ["No such file"],
    "Dagster wrapper around FileNotFoundError",
)
def dagster_file() -> str:
    return dagster_step_failure(
        "dg_files",
        """
        import json
        from dagster import op, job

        @op
        def load_manifest():
            with open("/data/exports/partner_a/2024-03-01/manifest.json") as fh:
                return json.load(fh)

        @job
        def manifest_job():
            load_manifest()
        """,
        "manifest_job",
    )


@case(
    "missing_dagster_failure_zero_records",
    "missing_input",
    ["0 records"],
    "user-raised dagster.Failure",
)
def dagster_failure_zero_records() -> str:
    return dagster_step_failure(
        "dg_partner_pull",
        """
        from dagster import op, job, Failure, MetadataValue

        @op
        def pull_partner_orders():
            records = []
            if not records:
                raise Failure(
                    description="Partner API returned 0 records for 2024-03-01",
                    metadata={"endpoint": MetadataValue.text("/v2/orders")},
                )
            return records

        @job
        def partner_job():
            pull_partner_orders()
        """,
        "partner_job",
    )


@case(
    "missing_dagster_io_manager_input",
    "missing_input",
    ["No such file"],
    "Dagster load-input wrapper around a missing stored output",
)
def dagster_io_manager_input() -> str:
    import dagster as dg

    base = scratch() / "io_storage"
    m = module(
        "dg_assets_io",
        """
        from dagster import asset

        @asset
        def raw_orders():
            return [1, 2, 3]

        @asset
        def orders_summary(raw_orders):
            return len(raw_orders)
        """,
    )
    res = dg.materialize(
        [m.raw_orders, m.orders_summary],
        selection=["orders_summary"],
        resources={"io_manager": dg.FilesystemIOManager(base_dir=str(base))},
        raise_on_error=False,
    )
    return render_dagster_failures(res)
