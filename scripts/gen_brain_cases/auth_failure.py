# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `auth_failure`.

Credentials are wrong or missing: HTTP 401, an unknown PostgreSQL role, AWS
and Google clients without valid credentials.
"""

from __future__ import annotations

import os

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


@case("auth_boto_no_credentials", "auth_failure", ["credentials"])
def boto_no_credentials() -> str:
    env_backup = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("AWS_")}
    os.environ.update(
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        AWS_CONFIG_FILE="/nonexistent",
        AWS_EC2_METADATA_DISABLED="true",
    )
    m = module(
        "s3_archive",
        f"""
        import boto3

        def build():
            s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url={api()!r})
            return s3.list_objects_v2(Bucket="archive")
        """,
    )
    try:
        return capture(m.build)
    finally:
        for k in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED"):
            os.environ.pop(k, None)
        os.environ.update(env_backup)


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


@case("auth_google_default_credentials", "auth_failure", ["credentials"])
def google_default_credentials() -> str:
    os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    os.environ["GCE_METADATA_HOST"] = "127.0.0.1:1"
    os.environ["GCE_METADATA_IP"] = "127.0.0.1:1"
    os.environ["CLOUDSDK_CONFIG"] = "/nonexistent"
    m = module(
        "bq_export",
        """
        import google.auth

        def build():
            credentials, project = google.auth.default(scopes=["https://www.googleapis.com/auth/bigquery"])
            return project
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
