# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `rate_limited`.

The remote side throttles: HTTP 429 through requests, httpx and urllib3,
S3 SlowDown, a 429 wrapped by user code in a Dagster step.
"""

from __future__ import annotations

from .harness import (
    api,
    capture,
    case,
    dagster_step_failure,
    module,
)


@case("rate_requests_429", "rate_limited", ["429"])
def requests_429() -> str:
    m = module(
        "github_stats",
        f"""
        import requests

        def build():
            r = requests.get({api() + "/api/429/repos"!r}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("rate_httpx_429", "rate_limited", ["429"])
def httpx_429() -> str:
    import httpx  # noqa: F401

    m = module(
        "ads_insights",
        f"""
        import httpx

        def build():
            r = httpx.get({api() + "/api/429/insights"!r})
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("rate_urllib3_429", "rate_limited", ["429"])
def urllib3_429() -> str:
    m = module(
        "maps_batch",
        f"""
        import urllib3
        from urllib3.util.retry import Retry

        def build():
            http = urllib3.PoolManager(retries=Retry(total=1, status_forcelist=[429], backoff_factor=0,
                                                     respect_retry_after_header=False))
            return http.request("GET", {api() + "/api/429/geocode"!r}).data
        """,
    )
    return capture(m.build)


@case("rate_s3_slowdown", "rate_limited", ["SlowDown"])
def s3_slowdown() -> str:
    m = module(
        "s3_bulk_put",
        f"""
        import boto3
        from botocore.config import Config

        def build():
            s3 = boto3.client("s3", endpoint_url={api()!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret",
                              config=Config(retries={{"max_attempts": 1, "mode": "standard"}}))
            return s3.put_object(Bucket="landing", Key="slow/part-0001.parquet", Body=b"x")
        """,
    )
    return capture(m.build)


@case(
    "rate_dagster_429_wrapped",
    "rate_limited",
    ["429"],
    "user exception raised from a 429, inside Dagster",
)
def dagster_429_wrapped() -> str:
    return dagster_step_failure(
        "dg_ads_sync",
        f"""
        import requests
        from dagster import op, job

        class AdsApiError(Exception):
            pass

        @op
        def sync_campaigns():
            r = requests.get("{api()}/api/429/campaigns", timeout=5)
            try:
                r.raise_for_status()
            except requests.HTTPError as exc:
                raise AdsApiError(f"campaign sync failed on page 3") from exc
            return r.json()

        @job
        def ads_job():
            sync_campaigns()
        """,
        "ads_job",
    )
