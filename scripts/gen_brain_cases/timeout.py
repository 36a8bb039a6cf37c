# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `timeout`.

Something took too long: HTTP reads, a PostgreSQL statement timeout,
subprocesses, sockets, futures.
"""

from __future__ import annotations

import socket

from .harness import (
    PG_DSN,
    PY,
    api,
    capture,
    case,
    dagster_step_failure,
    module,
)


@case("timeout_requests_read", "timeout", ["timed out"])
def requests_read() -> str:
    m = module(
        "slow_api_pull",
        f"""
        import requests

        def build():
            return requests.get({api() + "/api/slow/report"!r}, timeout=0.3).json()
        """,
    )
    return capture(m.build)


@case("timeout_httpx_read", "timeout", ["ReadTimeout"])
def httpx_read() -> str:
    import httpx  # noqa: F401

    m = module(
        "search_export",
        f"""
        import httpx

        def build():
            return httpx.get({api() + "/api/slow/export"!r}, timeout=0.3).json()
        """,
    )
    return capture(m.build)


@case("timeout_pg_statement", "timeout", ["statement timeout"])
def pg_statement() -> str:
    m = module(
        "heavy_aggregate",
        f"""
        import psycopg2

        def build():
            conn = psycopg2.connect({PG_DSN!r}, options="-c statement_timeout=200")
            with conn.cursor() as cur:
                cur.execute("select pg_sleep(2)")
        """,
    )
    return capture(m.build)


@case("timeout_subprocess", "timeout", ["timed out"])
def subprocess_run() -> str:
    m = module(
        "spark_submit",
        f"""
        import subprocess

        def build():
            return subprocess.run([{PY!r}, "-c", "import time; time.sleep(5)"], timeout=0.5, check=True)
        """,
    )
    return capture(m.build)


@case("timeout_socket", "timeout", ["timed out"])
def socket_read() -> str:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    m = module(
        "ledger_socket",
        f"""
        import socket

        def build():
            s = socket.create_connection(("127.0.0.1", {port}), timeout=0.3)
            s.sendall(b"PING\\n")
            return s.recv(64)
        """,
    )
    try:
        return capture(m.build)
    finally:
        srv.close()


@case("timeout_futures", "timeout", ["TimeoutError"])
def future_result() -> str:
    m = module(
        "parallel_fetch",
        """
        import time
        from concurrent.futures import ThreadPoolExecutor

        def build():
            with ThreadPoolExecutor(2) as ex:
                fut = ex.submit(time.sleep, 1)
                return fut.result(timeout=0.2)
        """,
    )
    return capture(m.build)


@case(
    "timeout_dagster_pg_statement",
    "timeout",
    ["statement timeout"],
    "Dagster wrapper around a statement timeout",
)
def dagster_pg_statement() -> str:
    return dagster_step_failure(
        "dg_heavy_sql",
        f"""
        import psycopg2
        from dagster import op, job

        @op
        def rebuild_aggregates():
            conn = psycopg2.connect({PG_DSN!r}, options="-c statement_timeout=200")
            with conn.cursor() as cur:
                cur.execute("select pg_sleep(2)")

        @job
        def aggregates_job():
            rebuild_aggregates()
        """,
        "aggregates_job",
    )
