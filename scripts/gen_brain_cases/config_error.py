# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `config_error`.

Settings that are missing or malformed: environment variables, Dagster run
config, URLs, YAML and INI files, an AWS client without a region, AWS and Google
clients with no credentials configured (absent credentials are configuration; `also`
auth_failure).
"""

from __future__ import annotations

import os

from .harness import (
    api,
    capture,
    case,
    dagster_step_failure,
    module,
    restored_environ,
    scratch,
)


@case(
    "config_env_keyerror",
    "config_error",
    ["WAREHOUSE_DSN"],
    "KeyError from os.environ is config, not code",
)
def env_keyerror() -> str:
    os.environ.pop("WAREHOUSE_DSN", None)
    m = module(
        "warehouse_load",
        """
        import os

        def connect():
            dsn = os.environ["WAREHOUSE_DSN"]
            return dsn

        def build():
            return connect()
        """,
    )
    return capture(m.build)


@case("config_env_int", "config_error", ["BATCH_SIZE"])
def env_int() -> str:
    os.environ["BATCH_SIZE"] = "five-hundred"
    m = module(
        "batch_settings",
        """
        import os

        def batch_size():
            return int(os.environ.get("BATCH_SIZE", "500"))

        def build():
            return batch_size()
        """,
    )
    try:
        return capture(m.build)
    finally:
        os.environ.pop("BATCH_SIZE", None)


@case(
    "config_env_chain_valueerror",
    "config_error",
    ["S3_BUCKET"],
    "ValueError raised from a KeyError on os.environ",
)
def env_chain_valueerror() -> str:
    os.environ.pop("S3_BUCKET", None)
    m = module(
        "export_settings",
        """
        import os

        class Settings:
            def __init__(self):
                try:
                    self.bucket = os.environ["S3_BUCKET"]
                except KeyError as exc:
                    raise ValueError("export settings incomplete") from exc

        def build():
            return Settings()
        """,
    )
    return capture(m.build)


@case("config_dagster_invalid_config", "config_error", ["config"])
def dagster_invalid_config() -> str:
    m = module(
        "dg_config_job",
        """
        from dagster import op, job, Config

        class LoadConfig(Config):
            table: str
            limit: int

        @op
        def load(config: LoadConfig):
            return config.table

        @job
        def load_job():
            load()

        def run():
            load_job.execute_in_process(run_config={"ops": {"load": {"config": {"table": "orders", "limit": "ten"}}}})
        """,
    )
    return capture(m.run)


@case(
    "config_dagster_env_wrapped",
    "config_error",
    ["API_BASE_URL"],
    "Dagster step failure wrapping os.environ KeyError",
)
def dagster_env_wrapped() -> str:
    os.environ.pop("API_BASE_URL", None)
    return dagster_step_failure(
        "dg_ingest",
        """
        import os
        from dagster import op, job

        @op
        def fetch_orders():
            base = os.environ["API_BASE_URL"]
            return base + "/orders"

        @job
        def ingest_job():
            fetch_orders()
        """,
        "ingest_job",
    )


@case("config_requests_missing_schema", "config_error", ["No scheme supplied"])
def requests_missing_schema() -> str:
    m = module(
        "crm_client",
        """
        import requests

        API_URL = "crm.internal.example/api/v2"

        def fetch():
            return requests.get(API_URL + "/contacts", timeout=5).json()
        """,
    )
    return capture(m.fetch)


@case("config_sqlalchemy_bad_url", "config_error", ["URL"])
def sqlalchemy_bad_url() -> str:
    m = module(
        "db_resource",
        """
        from sqlalchemy import create_engine

        def engine():
            return create_engine("postgres//analytics:5432/warehouse")
        """,
    )
    return capture(m.engine)


@case("config_yaml_parse", "config_error", ["yaml"])
def yaml_parse() -> str:
    cfg = scratch() / "pipeline_config.yaml"
    cfg.write_text("sources:\n  orders:\n    path: s3://raw/orders\n   format: csv\n")
    m = module(
        "config_loader",
        f"""
        import yaml

        def load():
            with open({str(cfg)!r}) as fh:
                return yaml.safe_load(fh)
        """,
    )
    return capture(m.load)


@case("config_boto_no_region", "config_error", ["region"])
def boto_no_region() -> str:
    import boto3  # noqa: F401

    for k in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        os.environ.pop(k, None)
    os.environ["AWS_CONFIG_FILE"] = "/nonexistent"
    m = module(
        "aws_resources",
        """
        import boto3

        def sqs():
            return boto3.client("sqs", aws_access_key_id="x", aws_secret_access_key="y")
        """,
    )
    return capture(m.sqs)


@case("config_configparser", "config_error", ["section"])
def configparser_missing_section() -> str:
    m = module(
        "ini_settings",
        """
        import configparser

        def load():
            cp = configparser.ConfigParser()
            cp.read_string("[general]\\nname = etl\\n")
            return cp.get("warehouse", "dsn")
        """,
    )
    return capture(m.load)


@case(
    "config_boto_no_credentials",
    "config_error",
    ["credentials"],
    "no AWS credentials configured at all: nothing was presented, so nothing was rejected",
    also=("auth_failure",),
)
def boto_no_credentials() -> str:
    with restored_environ():
        for k in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[k]
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
        return capture(m.build)


@case(
    "config_google_default_credentials",
    "config_error",
    ["credentials"],
    "no Google application-default credentials configured",
    also=("auth_failure",),
)
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
