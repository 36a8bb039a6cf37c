# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `permission_denied`.

Authenticated but not allowed: HTTP 403, S3 AccessDenied, PostgreSQL
privileges, file modes, a read-only SQLite database.
"""

from __future__ import annotations

import os

from .harness import (
    PG_DSN,
    api,
    capture,
    case,
    dagster_step_failure,
    module,
    pg_exec,
    scratch,
    subproc_failure,
)


@case("perm_requests_403", "permission_denied", ["403"])
def requests_403() -> str:
    m = module(
        "admin_export",
        f"""
        import requests

        def build():
            r = requests.get({api() + "/api/403/admin/users"!r}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("perm_s3_access_denied", "permission_denied", ["AccessDenied"])
def s3_access_denied() -> str:
    m = module(
        "finance_s3",
        f"""
        import boto3

        def build():
            s3 = boto3.client("s3", endpoint_url={api()!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret")
            return s3.get_object(Bucket="raw-bucket", Key="denied/finance/payroll.csv")
        """,
    )
    return capture(m.build)


@case("perm_pg_privilege", "permission_denied", ["permission denied"])
def pg_privilege() -> str:
    pg_exec(
        "drop table if exists gen_salaries; create table gen_salaries (id int, amount int);"
        "do $$ begin if not exists (select from pg_roles where rolname = 'gen_analyst') then "
        "create role gen_analyst nologin; end if; end $$;"
    )
    m = module(
        "salary_report",
        f"""
        import psycopg2

        def build():
            conn = psycopg2.connect({PG_DSN!r})
            with conn.cursor() as cur:
                cur.execute("set role gen_analyst")
                cur.execute("select sum(amount) from gen_salaries")
                return cur.fetchone()
        """,
    )
    return capture(m.build)


@case("perm_os_file", "permission_denied", ["Permission denied"])
def os_file() -> str:
    target = scratch() / "secure_exports"
    target.mkdir(exist_ok=True)
    os.chmod(target, 0o700)
    return subproc_failure(
        f"""
        import os, traceback
        os.setgid(65534); os.setuid(65534)

        def write_report(rows):
            with open({str(target / "report.csv")!r}, "w") as fh:
                fh.write(rows)

        write_report("id,total\\n1,2\\n")
        """
    )


@case("perm_sqlite_readonly", "permission_denied", ["readonly"])
def sqlite_readonly() -> str:
    db = scratch() / "catalog.db"
    import sqlite3

    con = sqlite3.connect(db)
    con.execute("create table if not exists runs (id integer)")
    con.commit()
    con.close()
    m = module(
        "catalog_writer",
        f"""
        import sqlite3

        def build():
            con = sqlite3.connect("file:{db}?mode=ro", uri=True)
            con.execute("insert into runs values (1)")
            con.commit()
        """,
    )
    return capture(m.build)


@case(
    "perm_dagster_valueerror_from_403",
    "permission_denied",
    ["403"],
    "user ValueError raised from a requests 403, inside Dagster",
)
def dagster_valueerror_from_403() -> str:
    return dagster_step_failure(
        "dg_admin_export",
        f"""
        import requests
        from dagster import op, job

        @op
        def export_users():
            try:
                r = requests.get("{api()}/api/403/admin/users", timeout=5)
                r.raise_for_status()
            except requests.HTTPError as exc:
                raise ValueError("user export failed") from exc
            return r.json()

        @job
        def admin_job():
            export_users()
        """,
        "admin_job",
    )
