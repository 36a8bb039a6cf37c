# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `concurrency`.

Two writers collide: PostgreSQL deadlocks, serialization failures and lock
timeouts, SQLite's database-is-locked, bare and through SQLAlchemy.
"""

from __future__ import annotations

from .harness import (
    PG_DSN,
    capture,
    case,
    module,
    pg_exec,
    scratch,
)


@case("conc_pg_deadlock", "concurrency", ["deadlock"])
def pg_deadlock() -> str:
    pg_exec(
        "drop table if exists gen_balances; create table gen_balances (id int primary key, v int);"
        "insert into gen_balances values (1, 0), (2, 0)"
    )
    m = module(
        "balances_update",
        f"""
        import psycopg2, threading, time, traceback

        def transfer(conn, first, second, out):
            try:
                with conn.cursor() as cur:
                    cur.execute("update gen_balances set v = v + 1 where id = %s", (first,))
                    time.sleep(0.5)
                    cur.execute("update gen_balances set v = v - 1 where id = %s", (second,))
                conn.commit()
            except Exception:
                out.append(traceback.format_exc())
                conn.rollback()

        def build():
            out = []
            a, b = psycopg2.connect({PG_DSN!r}), psycopg2.connect({PG_DSN!r})
            t1 = threading.Thread(target=transfer, args=(a, 1, 2, out))
            t2 = threading.Thread(target=transfer, args=(b, 2, 1, out))
            t1.start(); t2.start(); t1.join(); t2.join()
            return out[0]
        """,
    )
    return str(m.build())  # the traceback the losing thread printed


@case("conc_pg_serialization", "concurrency", ["serialize"])
def pg_serialization() -> str:
    pg_exec(
        "drop table if exists gen_counters; create table gen_counters (id int primary key, n int);"
        "insert into gen_counters values (1, 0)"
    )
    m = module(
        "counter_sync",
        f"""
        import psycopg2, psycopg2.extensions as ext

        def build():
            a, b = psycopg2.connect({PG_DSN!r}), psycopg2.connect({PG_DSN!r})
            for c in (a, b):
                c.set_isolation_level(ext.ISOLATION_LEVEL_REPEATABLE_READ)
            ca, cb = a.cursor(), b.cursor()
            ca.execute("select n from gen_counters where id = 1")
            cb.execute("select n from gen_counters where id = 1")
            ca.execute("update gen_counters set n = n + 1 where id = 1")
            a.commit()
            cb.execute("update gen_counters set n = n + 10 where id = 1")
            b.commit()
        """,
    )
    return capture(m.build)


@case("conc_pg_lock_timeout", "concurrency", ["lock timeout"])
def pg_lock_timeout() -> str:
    import psycopg2

    pg_exec("drop table if exists gen_dim_product; create table gen_dim_product (id int)")
    holder = psycopg2.connect(PG_DSN)
    hc = holder.cursor()
    hc.execute("lock table gen_dim_product in access exclusive mode")
    m = module(
        "dim_product_refresh",
        f"""
        import psycopg2

        def build():
            conn = psycopg2.connect({PG_DSN!r}, options="-c lock_timeout=300")
            with conn.cursor() as cur:
                cur.execute("truncate gen_dim_product")
        """,
    )
    try:
        return capture(m.build)
    finally:
        holder.rollback()
        holder.close()


@case("conc_sqlite_locked", "concurrency", ["database is locked"])
def sqlite_locked() -> str:
    import sqlite3

    db = scratch() / "state.db"
    holder = sqlite3.connect(db)
    holder.execute("create table if not exists cursors (k text, v text)")
    holder.commit()
    holder.execute("begin exclusive")
    m = module(
        "cursor_store",
        f"""
        import sqlite3

        def build():
            con = sqlite3.connect({str(db)!r}, timeout=0.2)
            con.execute("insert into cursors values ('orders', '2024-03-01')")
            con.commit()
        """,
    )
    try:
        return capture(m.build)
    finally:
        holder.rollback()
        holder.close()


@case(
    "conc_sqlalchemy_sqlite_locked",
    "concurrency",
    ["database is locked"],
    "SQLAlchemy over sqlite with a concurrent writer",
)
def sqlalchemy_sqlite_locked() -> str:
    import sqlite3

    db = scratch() / "watermarks.db"
    holder = sqlite3.connect(db)
    holder.execute("create table if not exists watermarks (source text, ts text)")
    holder.commit()
    holder.execute("begin immediate")
    m = module(
        "watermark_store",
        f"""
        from sqlalchemy import create_engine, text

        def build():
            eng = create_engine("sqlite:///{db}", connect_args={{"timeout": 0.2}})
            with eng.begin() as c:
                c.execute(text("insert into watermarks values ('orders', '2024-03-01T00:00:00')"))
        """,
    )
    try:
        return capture(m.build)
    finally:
        holder.rollback()
        holder.close()


@case(
    "conc_sqlalchemy_pg_deadlock",
    "concurrency",
    ["deadlock"],
    "SQLAlchemy wrapper around a PostgreSQL deadlock",
)
def sqlalchemy_pg_deadlock() -> str:
    pg_exec(
        "drop table if exists gen_stock; create table gen_stock (sku int primary key, n int);"
        "insert into gen_stock values (1, 10), (2, 10)"
    )
    m = module(
        "stock_rebalance",
        """
        import threading, time, traceback
        from sqlalchemy import create_engine, text

        ENGINE = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/test")

        def move(a, b, out):
            try:
                with ENGINE.begin() as c:
                    c.execute(text("update gen_stock set n = n - 1 where sku = :s"), {"s": a})
                    time.sleep(0.5)
                    c.execute(text("update gen_stock set n = n + 1 where sku = :s"), {"s": b})
            except Exception:
                out.append(traceback.format_exc())

        def build():
            out = []
            t1 = threading.Thread(target=move, args=(1, 2, out))
            t2 = threading.Thread(target=move, args=(2, 1, out))
            t1.start(); t2.start(); t1.join(); t2.join()
            return out[0]
        """,
    )
    return str(m.build())  # the traceback the losing thread printed
