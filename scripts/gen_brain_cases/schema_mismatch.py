# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `schema_mismatch`.

The data's shape changed: missing columns in pandas, SQLite, PostgreSQL,
DuckDB and Arrow, join keys of different types, renamed record fields.
"""

from __future__ import annotations

from .harness import (
    PG_DSN,
    capture,
    case,
    dagster_step_failure,
    module,
    pg_exec,
)


@case("schema_pandas_keyerror", "schema_mismatch", ["customer_id"])
def pandas_keyerror() -> str:
    m = module(
        "orders_enrich",
        """
        import pandas as pd

        def enrich(orders):
            orders["customer_key"] = orders["customer_id"].astype(str)
            return orders

        def build():
            upstream = pd.DataFrame({"order_id": [1, 2], "cust_id": [7, 8], "amount": [3.0, 4.0]})
            return enrich(upstream)
        """,
    )
    return capture(m.build)


@case("schema_pandas_not_in_index", "schema_mismatch", ["not in index"])
def pandas_not_in_index() -> str:
    m = module(
        "sales_mart",
        """
        import pandas as pd

        COLUMNS = ["region", "net_revenue", "units"]

        def build():
            df = pd.DataFrame({"region": ["eu"], "revenue": [1.0], "units": [2]})
            return df[COLUMNS]
        """,
    )
    return capture(m.build)


@case("schema_sqlite_no_column", "schema_mismatch", ["no such column"])
def sqlite_no_column() -> str:
    m = module(
        "sqlite_mart",
        """
        import sqlite3

        def build():
            con = sqlite3.connect(":memory:")
            con.execute("create table customers (id integer, name text, country text)")
            return con.execute("select id, email from customers").fetchall()
        """,
    )
    return capture(m.build)


@case("schema_pg_undefined_column", "schema_mismatch", ["does not exist"])
def pg_undefined_column() -> str:
    pg_exec(
        "drop table if exists gen_payments; create table gen_payments (id int, amount_cents int)"
    )
    m = module(
        "payments_pg",
        f"""
        import psycopg2

        def build():
            conn = psycopg2.connect({PG_DSN!r})
            with conn.cursor() as cur:
                cur.execute("select id, amount from gen_payments")
                return cur.fetchall()
        """,
    )
    return capture(m.build)


@case("schema_sqlalchemy_undefined_column", "schema_mismatch", ["does not exist"])
def sqlalchemy_undefined_column() -> str:
    pg_exec("drop table if exists gen_users; create table gen_users (id int, full_name text)")
    m = module(
        "users_sa",
        """
        from sqlalchemy import create_engine, text

        def build():
            eng = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/test")
            with eng.connect() as c:
                return c.execute(text("select id, first_name from gen_users")).fetchall()
        """,
    )
    return capture(m.build)


@case("schema_duckdb_binder", "schema_mismatch", ["column"])
def duckdb_binder() -> str:
    import duckdb  # noqa: F401

    m = module(
        "duck_mart",
        """
        import duckdb

        def build():
            con = duckdb.connect()
            con.execute("create table events (event_id int, ts timestamp, kind varchar)")
            return con.execute("select event_id, event_type from events").fetchall()
        """,
    )
    return capture(m.build)


@case("schema_pyarrow_concat", "schema_mismatch", ["schema"])
def pyarrow_concat() -> str:
    import pyarrow  # noqa: F401

    m = module(
        "arrow_merge",
        """
        import pyarrow as pa

        def build():
            a = pa.table({"id": [1], "amount": [1.5]})
            b = pa.table({"id": [2], "amount_usd": [2.5]})
            return pa.concat_tables([a, b])
        """,
    )
    return capture(m.build)


@case("schema_merge_dtype", "schema_mismatch", ["merge"])
def merge_dtype() -> str:
    m = module(
        "join_customers",
        """
        import pandas as pd

        def build():
            orders = pd.DataFrame({"customer_id": ["7", "8"], "amount": [1, 2]})
            customers = pd.DataFrame({"customer_id": [7, 8], "name": ["a", "b"]})
            return orders.merge(customers, on="customer_id")
        """,
    )
    return capture(m.build)


@case("schema_record_keyerror", "schema_mismatch", ["email"])
def record_keyerror() -> str:
    m = module(
        "contacts_sync",
        """
        def to_row(record):
            return (record["id"], record["email"].lower())

        def build():
            records = [{"id": 1, "email_address": "A@x.io"}]
            return [to_row(r) for r in records]
        """,
    )
    return capture(m.build)


@case(
    "schema_dagster_pandas_keyerror",
    "schema_mismatch",
    ["unit_price"],
    "Dagster wrapper around a pandas column KeyError",
)
def dagster_pandas_keyerror() -> str:
    return dagster_step_failure(
        "dg_pricing",
        """
        import pandas as pd
        from dagster import op, job

        @op
        def price_lines():
            lines = pd.DataFrame({"sku": ["a"], "qty": [2], "price": [9.5]})
            lines["total"] = lines["qty"] * lines["unit_price"]
            return len(lines)

        @job
        def pricing_job():
            price_lines()
        """,
        "pricing_job",
    )
