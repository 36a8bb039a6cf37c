# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `dependency_unavailable`.

A service the pipeline needs is down: refused connections, DNS
failures, 5xx answers, a peer closing the connection.
"""

from __future__ import annotations

from .harness import (
    api,
    api_port,
    capture,
    case,
    closed_port,
    module,
)


@case("dep_requests_refused", "dependency_unavailable", ["Connection refused"])
def requests_refused() -> str:
    port = closed_port()
    m = module(
        "crm_pull",
        f"""
        import requests

        def build():
            return requests.get("http://127.0.0.1:{port}/v1/accounts", timeout=5).json()
        """,
    )
    return capture(m.build)


@case("dep_httpx_connect_error", "dependency_unavailable", ["ConnectError"])
def httpx_connect_error() -> str:
    import httpx  # noqa: F401

    port = closed_port()
    m = module(
        "billing_client",
        f"""
        import httpx

        def build():
            with httpx.Client(base_url="http://127.0.0.1:{port}") as client:
                return client.get("/invoices").json()
        """,
    )
    return capture(m.build)


@case("dep_pg_refused", "dependency_unavailable", ["Connection refused"])
def pg_refused() -> str:
    port = closed_port()
    m = module(
        "warehouse_conn",
        f"""
        import psycopg2

        def build():
            return psycopg2.connect(host="127.0.0.1", port={port}, user="etl", dbname="warehouse")
        """,
    )
    return capture(m.build)


@case("dep_sqlalchemy_refused", "dependency_unavailable", ["Connection refused"])
def sqlalchemy_refused() -> str:
    port = closed_port()
    m = module(
        "replica_reader",
        f"""
        from sqlalchemy import create_engine, text

        def build():
            eng = create_engine("postgresql+psycopg2://etl@127.0.0.1:{port}/replica")
            with eng.connect() as c:
                return c.execute(text("select 1")).scalar()
        """,
    )
    return capture(m.build)


@case("dep_requests_503", "dependency_unavailable", ["503"])
def requests_503() -> str:
    m = module(
        "weather_api",
        f"""
        import requests

        def build():
            r = requests.get({api() + "/api/503/forecast"!r}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("dep_httpx_502", "dependency_unavailable", ["502"])
def httpx_502() -> str:
    import httpx  # noqa: F401

    m = module(
        "geo_api",
        f"""
        import httpx

        def build():
            r = httpx.get({api() + "/api/502/geocode"!r})
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("dep_urllib3_retries_500", "dependency_unavailable", ["500"])
def urllib3_retries_500() -> str:
    m = module(
        "ads_pull",
        f"""
        import urllib3
        from urllib3.util.retry import Retry

        def build():
            http = urllib3.PoolManager(retries=Retry(total=2, status_forcelist=[500], backoff_factor=0))
            return http.request("GET", {api() + "/api/500/campaigns"!r}).data
        """,
    )
    return capture(m.build)


@case("dep_boto_endpoint", "dependency_unavailable", ["refused"])
def boto_endpoint() -> str:
    port = closed_port()
    m = module(
        "minio_upload",
        f"""
        import boto3
        from botocore.config import Config

        def build():
            s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:{port}", region_name="us-east-1",
                              aws_access_key_id="minio", aws_secret_access_key="minio123",
                              config=Config(retries={{"max_attempts": 1}}, connect_timeout=2))
            return s3.list_objects_v2(Bucket="curated")
        """,
    )
    return capture(m.build)


@case("dep_dns", "dependency_unavailable", ["DNS"])
def dns() -> str:
    m = module(
        "legacy_ftp",
        """
        import socket

        def build():
            return socket.create_connection(("sftp.partner-a.invalid", 22), timeout=3)
        """,
    )
    text = capture(m.build)
    return text


@case("dep_remote_disconnected", "dependency_unavailable", ["closed connection"])
def remote_disconnected() -> str:
    m = module(
        "inventory_feed",
        f"""
        import http.client

        def build():
            conn = http.client.HTTPConnection("127.0.0.1", {api_port()}, timeout=5)
            conn.request("GET", "/api/drop/stock")
            return conn.getresponse().read()
        """,
    )
    return capture(m.build)


@case(
    "dep_wrapped_runtime",
    "dependency_unavailable",
    ["Connection refused"],
    "RuntimeError raised from a refused connection",
)
def wrapped_runtime() -> str:
    port = closed_port()
    m = module(
        "fx_feed",
        f"""
        import requests

        class FeedUnavailable(RuntimeError):
            pass

        def build():
            try:
                return requests.get("http://127.0.0.1:{port}/rates", timeout=3).json()
            except requests.RequestException as exc:
                raise FeedUnavailable("could not refresh FX rates") from exc
        """,
    )
    return capture(m.build)
