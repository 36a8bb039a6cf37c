# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `auth_failure`.

Credentials were presented and rejected: HTTP 401, an unknown PostgreSQL role, an AWS
key the service does not know. Credentials that are absent (none configured) are
`config_error` cases (see config_error.py).
"""

from __future__ import annotations

from .harness import (
    api,
    capture,
    case,
    dagster_step_failure,
    module,
)


@case("auth_requests_401", "auth_failure", ["401"])
def requests_401() -> str:
    m = module(
        "hubspot_pull",
        f"""
        import requests

        def build():
            r = requests.get({api() + "/api/401/contacts"!r}, headers={{"Authorization": "Bearer expired"}}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("auth_valueerror_from_401", "auth_failure", ["401"], "ValueError raised from a requests 401")
def valueerror_from_401() -> str:
    m = module(
        "stripe_sync",
        f"""
        import requests

        def fetch_charges():
            try:
                r = requests.get({api() + "/api/401/charges"!r}, timeout=5)
                r.raise_for_status()
            except requests.HTTPError as exc:
                raise ValueError("could not fetch charges page 1") from exc
            return r.json()
        """,
    )
    return capture(m.fetch_charges)


@case("auth_httpx_401", "auth_failure", ["401"])
def httpx_401() -> str:
    import httpx  # noqa: F401

    m = module(
        "zendesk_tickets",
        f"""
        import httpx

        def build():
            r = httpx.get({api() + "/api/401/tickets"!r}, headers={{"Authorization": "Basic bad"}})
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("auth_pg_role", "auth_failure", ["role"])
def pg_role() -> str:
    m = module(
        "reporting_conn",
        """
        import psycopg2

        def build():
            return psycopg2.connect(host="127.0.0.1", port=5432, user="reporting_svc", dbname="test")
        """,
    )
    return capture(m.build)


@case("auth_boto_invalid_key", "auth_failure", ["InvalidAccessKeyId"])
def boto_invalid_key() -> str:
    m = module(
        "s3_export",
        f"""
        import boto3

        def build():
            s3 = boto3.client("s3", endpoint_url={api()!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAOLDKEY", aws_secret_access_key="secret")
            return s3.get_object(Bucket="raw-bucket", Key="badkey/orders.csv")
        """,
    )
    return capture(m.build)


@case(
    "auth_dagster_pg_role",
    "auth_failure",
    ["role"],
    "Dagster resource connecting with a role that does not exist",
)
def dagster_pg_role() -> str:
    return dagster_step_failure(
        "dg_reporting",
        """
        from dagster import op, job
        from sqlalchemy import create_engine, text

        @op
        def refresh_report():
            eng = create_engine("postgresql+psycopg2://report_writer@127.0.0.1:5432/test")
            with eng.connect() as c:
                return c.execute(text("select 1")).scalar()

        @job
        def reporting_job():
            refresh_report()
        """,
        "reporting_job",
    )
