# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `data_quality`.

The shape is right but values are bad: unparsable numbers and dates, nulls,
duplicate keys, check constraints, malformed CSV, failed Dagster checks.
"""

from __future__ import annotations

from .harness import (
    PG_DSN,
    api,
    capture,
    case,
    dagster_step_failure,
    module,
    pg_exec,
    render_dagster_failures,
    scratch,
)


@case("dq_int_parse", "data_quality", ["invalid literal"])
def int_parse() -> str:
    m = module(
        "inventory_parse",
        """
        def parse(rows):
            return [int(r["qty"]) for r in rows]

        def build():
            return parse([{"qty": "4"}, {"qty": "4 units"}])
        """,
    )
    return capture(m.build)


@case("dq_float_parse_api", "data_quality", ["could not convert"])
def float_parse_api() -> str:
    m = module(
        "orders_api_ingest",
        f"""
        import requests

        def build():
            data = requests.get({api() + "/api/orders"!r}, timeout=5).json()["data"]
            return [float(o["total"]) for o in data]
        """,
    )
    return capture(m.build)


@case("dq_to_datetime", "data_quality", ["format"])
def to_datetime() -> str:
    m = module(
        "signup_dates",
        """
        import pandas as pd

        def build():
            df = pd.DataFrame({"signup": ["2024-01-03", "2024-13-45"]})
            df["signup"] = pd.to_datetime(df["signup"], format="%Y-%m-%d")
            return df
        """,
    )
    return capture(m.build)


@case("dq_nan_to_int", "data_quality", ["NA"])
def nan_to_int() -> str:
    m = module(
        "units_cast",
        """
        import numpy as np
        import pandas as pd

        def build():
            df = pd.DataFrame({"units": [1.0, np.nan, 3.0]})
            df["units"] = df["units"].astype("int64")
            return df
        """,
    )
    return capture(m.build)


@case("dq_pg_not_null", "data_quality", ["not-null"])
def pg_not_null() -> str:
    pg_exec(
        "drop table if exists gen_shipments; create table gen_shipments (id int primary key, carrier text not null)"
    )
    m = module(
        "shipments_load",
        f"""
        import psycopg2

        def build():
            conn = psycopg2.connect({PG_DSN!r})
            with conn.cursor() as cur:
                cur.executemany("insert into gen_shipments values (%s, %s)", [(1, "ups"), (2, None)])
            conn.commit()
        """,
    )
    return capture(m.build)


@case("dq_pg_unique", "data_quality", ["duplicate key"])
def pg_unique() -> str:
    pg_exec(
        "drop table if exists gen_customers; create table gen_customers (id int primary key, name text)"
    )
    m = module(
        "customers_load",
        f"""
        import psycopg2

        def build():
            conn = psycopg2.connect({PG_DSN!r})
            with conn.cursor() as cur:
                cur.executemany("insert into gen_customers values (%s, %s)", [(1, "a"), (2, "b"), (1, "a")])
            conn.commit()
        """,
    )
    return capture(m.build)


@case("dq_sqlite_unique", "data_quality", ["UNIQUE"])
def sqlite_unique() -> str:
    m = module(
        "sqlite_loader",
        """
        import sqlite3

        def build():
            con = sqlite3.connect(":memory:")
            con.execute("create table skus (sku text primary key, price real)")
            con.executemany("insert into skus values (?, ?)", [("a", 1.0), ("a", 1.0)])
        """,
    )
    return capture(m.build)


@case("dq_pg_check", "data_quality", ["check constraint"])
def pg_check() -> str:
    pg_exec(
        "drop table if exists gen_refunds; create table gen_refunds (id int, amount numeric check (amount >= 0))"
    )
    m = module(
        "refunds_load",
        """
        from sqlalchemy import create_engine, text

        def build():
            eng = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/test")
            with eng.begin() as c:
                c.execute(text("insert into gen_refunds values (1, 5), (2, -3)"))
        """,
    )
    return capture(m.build)


@case("dq_pg_invalid_text", "data_quality", ["invalid input syntax"])
def pg_invalid_text() -> str:
    pg_exec("drop table if exists gen_metrics; create table gen_metrics (day date, value int)")
    m = module(
        "metrics_load",
        f"""
        import psycopg2

        def build():
            conn = psycopg2.connect({PG_DSN!r})
            with conn.cursor() as cur:
                cur.execute("insert into gen_metrics values (%s, %s)", ("2024-02-01", "12,5"))
            conn.commit()
        """,
    )
    return capture(m.build)


@case("dq_merge_not_unique", "data_quality", ["unique"])
def merge_not_unique() -> str:
    m = module(
        "dim_join",
        """
        import pandas as pd

        def build():
            facts = pd.DataFrame({"product_id": [1, 2], "qty": [1, 1]})
            dim = pd.DataFrame({"product_id": [1, 1, 2], "name": ["a", "a2", "b"]})
            return facts.merge(dim, on="product_id", validate="many_to_one")
        """,
    )
    return capture(m.build)


@case("dq_custom_validation", "data_quality", ["negative"])
def custom_validation() -> str:
    m = module(
        "ledger_checks",
        """
        import pandas as pd

        def validate(df):
            bad = df[df["amount"] < 0]
            if len(bad):
                raise ValueError(f"{len(bad)} ledger rows have a negative amount: ids {bad['id'].tolist()}")
            return df

        def build():
            return validate(pd.DataFrame({"id": [1, 2, 3], "amount": [5, -2, -7]}))
        """,
    )
    return capture(m.build)


@case("dq_csv_tokenizing", "data_quality", ["tokenizing"])
def csv_tokenizing() -> str:
    path = scratch() / "vendor_feed.csv"
    path.write_text("id,name,price\n1,apple,1.0\n2,pear,2.0,extra\n")
    m = module(
        "vendor_feed",
        f"""
        import pandas as pd

        def build():
            return pd.read_csv({str(path)!r})
        """,
    )
    return capture(m.build)


@case("dq_pyarrow_convert", "data_quality", ["n/a"])
def pyarrow_convert() -> str:
    import pyarrow  # noqa: F401

    m = module(
        "parquet_writer",
        """
        import pyarrow as pa

        def build():
            return pa.array(["12", "13", "n/a"], type=pa.string()).cast(pa.int64())
        """,
    )
    return capture(m.build)


@case("dq_dagster_asset_check", "data_quality", ["check"], "Dagster blocking asset check failure")
def dagster_asset_check() -> str:
    m = module(
        "dg_checks",
        """
        from dagster import asset, asset_check, AssetCheckResult, materialize, Definitions

        @asset
        def daily_orders():
            return [{"id": 1, "email": None}, {"id": 2, "email": "x@y.z"}]

        @asset_check(asset=daily_orders, blocking=True)
        def emails_not_null(daily_orders):
            nulls = sum(1 for r in daily_orders if r["email"] is None)
            return AssetCheckResult(passed=nulls == 0, metadata={"null_emails": nulls})

        @asset(deps=[daily_orders])
        def orders_report():
            return 1

        def run():
            res = materialize([daily_orders, emails_not_null, orders_report], raise_on_error=False)
            return res
        """,
    )
    res = m.run()
    return render_dagster_failures(res)


@case("dq_dagster_type_check", "data_quality", ["type check"])
def dagster_type_check() -> str:
    return dagster_step_failure(
        "dg_typed",
        """
        from dagster import op, job, DagsterType, TypeCheck, Out

        def _no_nulls(_, value):
            nulls = [i for i, v in enumerate(value) if v is None]
            return TypeCheck(success=not nulls, description=f"{len(nulls)} null values in batch",
                             metadata={"null_rows": str(nulls)})

        NonNullBatch = DagsterType(name="NonNullBatch", type_check_fn=_no_nulls)

        @op(out=Out(NonNullBatch))
        def extract():
            return [3, None, 5]

        @job
        def typed_job():
            extract()
        """,
        "typed_job",
    )
