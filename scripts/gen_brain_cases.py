# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Generate the brain's evaluation cases by running real library code that fails.

Every case runs real code (pandas, numpy, sqlite3, SQLAlchemy, psycopg2 against the local
PostgreSQL, requests/httpx/urllib3/botocore against loopback HTTP servers, subprocesses
killed by signals, resource limits, Dagster jobs executed in process) and captures the
failure exactly as it is printed: `traceback.format_exc()` (chains included), Dagster's
rendering of the step failure (`SerializableErrorInfo.to_string()`), or process output.

    .venv/bin/python scripts/gen_brain_cases.py [--only NAME_SUBSTRING]

Writes tests/brain/cases/<name>/failure.txt and expected.yaml. Optional libraries for
some cases (duckdb, pyarrow, boto3, httpx): `pip install -e .[gen]`; cases whose library
is missing are skipped. Pipeline code lives in modules written to a scratch directory and
rendered as /opt/dagster/app/pipelines/<module>.py so frames are user frames.
"""

from __future__ import annotations

import argparse
import http.server
import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT / "tests" / "brain" / "cases"
SCRATCH = Path(tempfile.mkdtemp(prefix="sentinel_gen_"))
PKG_DIR = SCRATCH / "pipelines_gen"
SHOWN_DIR = "/opt/dagster/app/pipelines"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PY = sys.executable

PKG_DIR.mkdir(parents=True)
(PKG_DIR / "__init__.py").write_text("")
sys.path.insert(0, str(SCRATCH))

CaseFn = Callable[[], str]
REGISTRY: list[tuple[str, str, list[str], str, CaseFn]] = []


def case(
    name: str, category: str, mentions: list[str], note: str = ""
) -> Callable[[CaseFn], CaseFn]:
    def deco(fn: CaseFn) -> CaseFn:
        REGISTRY.append((name, category, mentions, note, fn))
        return fn

    return deco


def module(name: str, source: str) -> Any:
    """Write a pipeline module and import it fresh."""
    path = PKG_DIR / f"{name}.py"
    path.write_text(textwrap.dedent(source).lstrip())
    modname = f"pipelines_gen.{name}"
    sys.modules.pop(modname, None)
    importlib.invalidate_caches()
    return importlib.import_module(modname)


def capture(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except BaseException:  # noqa: BLE001 - we want the printed failure
        return traceback.format_exc()
    raise RuntimeError("case did not fail")


def scrub(text: str) -> str:
    text = text.replace(str(PKG_DIR), SHOWN_DIR).replace(str(SCRATCH), "/opt/dagster/app")
    text = text.replace(tempfile.gettempdir() + "/", "/tmp/").replace("pipelines_gen", "pipelines")
    home = os.path.expanduser("~")
    if home not in ("/", ""):
        text = text.replace(home, "/home/dagster")
    host = socket.gethostname()
    if len(host) > 3:
        text = text.replace(host, "worker-1")
    return text


# ----------------------------------------------------------------- loopback HTTP server
class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _send(
        self,
        code: int,
        body: str,
        ctype: str = "application/json",
        extra: dict[str, str] | None = None,
    ) -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._route()

    def do_HEAD(self) -> None:  # noqa: N802
        self._route()

    def do_PUT(self) -> None:  # noqa: N802
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self._route()

    def do_POST(self) -> None:  # noqa: N802
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self._route()

    def _route(self) -> None:
        p = self.path
        s3err = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{c}</Code><Message>{m}</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>'
        if p.startswith("/api/401"):
            self._send(401, '{"detail": "Invalid token."}')
        elif p.startswith("/api/403"):
            self._send(403, '{"detail": "You do not have permission to perform this action."}')
        elif p.startswith("/api/429"):
            self._send(429, '{"error": "rate limit exceeded"}', extra={"Retry-After": "30"})
        elif p.startswith("/api/503"):
            self._send(503, "<html><body>Service Unavailable</body></html>", "text/html")
        elif p.startswith("/api/502"):
            self._send(502, "<html><body>Bad Gateway</body></html>", "text/html")
        elif p.startswith("/api/500"):
            self._send(500, '{"error": "internal"}')
        elif p.startswith("/api/404"):
            self._send(404, '{"detail": "Not found."}')
        elif p.startswith("/api/slow"):
            time.sleep(1.5)
            self._send(200, "[]")
        elif p.startswith("/api/html"):
            self._send(200, "<html><body>Maintenance</body></html>", "text/html")
        elif p.startswith("/api/empty"):
            self._send(200, '{"data": null, "count": 0}')
        elif p.startswith("/api/orders"):
            self._send(
                200, json.dumps({"data": [{"id": 1, "total": "12.50"}, {"id": 2, "total": "n/a"}]})
            )
        elif p.startswith("/api/drop"):
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif "/s3/" in p or p.startswith(("/raw-bucket", "/landing")):
            if "missing" in p:
                self._send(
                    404,
                    s3err.format(c="NoSuchKey", m="The specified key does not exist."),
                    "application/xml",
                )
            elif "denied" in p:
                self._send(
                    403, s3err.format(c="AccessDenied", m="Access Denied"), "application/xml"
                )
            elif "badkey" in p:
                self._send(
                    403,
                    s3err.format(
                        c="InvalidAccessKeyId",
                        m="The AWS Access Key Id you provided does not exist in our records.",
                    ),
                    "application/xml",
                )
            elif "slow" in p:
                self._send(
                    503,
                    s3err.format(c="SlowDown", m="Please reduce your request rate."),
                    "application/xml",
                )
            else:
                self._send(404, "", "application/xml")
        else:
            self._send(200, "{}")


def _serve() -> int:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return int(srv.server_address[1])


PORT = _serve()
API = f"http://127.0.0.1:{PORT}"


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def pg_exec(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(PG_DSN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def subproc_failure(code: str, *, user: bool = True, timeout: float = 60, prelude: str = "") -> str:
    """Run a pipeline script in a subprocess and return its output (stderr + stdout)."""
    script = PKG_DIR / "job_script.py"
    script.write_text(textwrap.dedent(prelude) + textwrap.dedent(code))
    proc = subprocess.run(
        [PY, str(script)], capture_output=True, text=True, timeout=timeout, cwd=SCRATCH
    )
    return (proc.stdout + proc.stderr).strip() + "\n"


# ======================================================================= cases
# ---------------------------------------------------------------- code_error
@case("code_zero_division", "code_error", ["division by zero"])
def _() -> str:
    m = module(
        "revenue_metrics",
        """
        def average_order_value(orders):
            total = sum(o["amount"] for o in orders)
            return total / len([o for o in orders if o["status"] == "refunded"])

        def build():
            orders = [{"amount": 10.0, "status": "paid"}, {"amount": 5.0, "status": "paid"}]
            return average_order_value(orders)
        """,
    )
    return capture(m.build)


@case("code_type_concat", "code_error", ["concatenate"])
def _() -> str:
    m = module(
        "report_builder",
        """
        def label(row):
            return "order-" + row["id"]

        def build():
            return [label(r) for r in [{"id": 17}]]
        """,
    )
    return capture(m.build)


@case("code_name_error", "code_error", ["NameError"])
def _() -> str:
    m = module(
        "customer_dim",
        """
        import pandas as pd

        def build():
            df = pd.DataFrame({"id": [1, 2]})
            df["segment"] = df["id"].map(segment_lookup)
            return df
        """,
    )
    return capture(m.build)


@case("code_attribute_list", "code_error", ["has no attribute"])
def _() -> str:
    m = module(
        "events_clean",
        """
        def normalise(events):
            return events.strip().lower()

        def build():
            return normalise(["click", "view"])
        """,
    )
    return capture(m.build)


@case("code_pandas_ambiguous", "code_error", ["ambiguous"])
def _() -> str:
    m = module(
        "churn_features",
        """
        import pandas as pd

        def flag(df):
            if df["days_inactive"] > 30:
                df["churned"] = True
            return df

        def build():
            return flag(pd.DataFrame({"days_inactive": [3, 45]}))
        """,
    )
    return capture(m.build)


@case("code_unbound_local", "code_error", ["UnboundLocalError"])
def _() -> str:
    m = module(
        "fx_rates",
        """
        def pick_rate(rates, currency):
            for r in rates:
                if r["currency"] == currency:
                    rate = r["rate"]
            return rate

        def build():
            return pick_rate([{"currency": "EUR", "rate": 1.1}], "GBP")
        """,
    )
    return capture(m.build)


@case("code_recursion", "code_error", ["recursion"])
def _() -> str:
    m = module(
        "org_tree",
        """
        def depth(node, parents):
            return 1 + depth(parents[node], parents)

        def build():
            return depth("a", {"a": "b", "b": "a"})
        """,
    )
    return capture(m.build)


@case(
    "code_dagster_wrapped_type_error",
    "code_error",
    ["unsupported operand"],
    "Dagster wrapper; judge the user error",
)
def _() -> str:
    return dagster_step_failure(
        "dg_inventory",
        """
        from dagster import op, job

        @op
        def compute_stock():
            on_hand = {"sku-1": 10, "sku-2": None}
            return {k: v - 1 for k, v in on_hand.items()}

        @job
        def inventory_job():
            compute_stock()
        """,
        "inventory_job",
    )


# ---------------------------------------------------------------- config_error
@case(
    "config_env_keyerror",
    "config_error",
    ["WAREHOUSE_DSN"],
    "KeyError from os.environ is config, not code",
)
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
    cfg = SCRATCH / "pipeline_config.yaml"
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
def _() -> str:
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
def _() -> str:
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


# ---------------------------------------------------------------- environment
@case("env_module_not_found", "environment", ["snowflake"])
def _() -> str:
    m = module(
        "snowflake_export",
        """
        def export():
            import snowflake.connector
            return snowflake.connector.connect()
        """,
    )
    return capture(m.export)


@case("env_cannot_import_name", "environment", ["cannot import name"])
def _() -> str:
    m = module(
        "legacy_io",
        """
        def read():
            from pandas.io.json import json_normalize_v1
            return json_normalize_v1
        """,
    )
    return capture(m.read)


@case("env_numpy_removed_alias", "environment", ["numpy"])
def _() -> str:
    m = module(
        "scoring",
        """
        import numpy as np

        def score(values):
            return np.array(values, dtype=np.float)

        def build():
            return score([1, 2])
        """,
    )
    return capture(m.build)


@case("env_pandas_append_removed", "environment", ["append"])
def _() -> str:
    m = module(
        "daily_rollup",
        """
        import pandas as pd

        def build():
            df = pd.DataFrame({"day": ["2024-01-01"], "n": [3]})
            return df.append({"day": "2024-01-02", "n": 4}, ignore_index=True)
        """,
    )
    return capture(m.build)


@case("env_missing_binary", "environment", ["dbt"])
def _() -> str:
    env = dict(os.environ, PATH="/usr/bin:/bin")
    m = module(
        "dbt_runner",
        """
        import subprocess

        def run_models(env):
            return subprocess.run(["dbt", "build", "--select", "marts"], check=True, env=env)
        """,
    )
    return capture(lambda: m.run_models(env))


@case(
    "env_missing_module_dagster",
    "environment",
    ["No module named"],
    "Dagster wrapper around ModuleNotFoundError",
)
def _() -> str:
    return dagster_step_failure(
        "dg_geo",
        """
        from dagster import op, job

        @op
        def geocode():
            import geopandas_fast
            return geopandas_fast.__name__

        @job
        def geo_job():
            geocode()
        """,
        "geo_job",
    )


# ---------------------------------------------------------------- schema_mismatch
@case("schema_pandas_keyerror", "schema_mismatch", ["customer_id"])
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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


# ---------------------------------------------------------------- data_quality
@case("dq_int_parse", "data_quality", ["invalid literal"])
def _() -> str:
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
def _() -> str:
    m = module(
        "orders_api_ingest",
        f"""
        import requests

        def build():
            data = requests.get({API + "/api/orders"!r}, timeout=5).json()["data"]
            return [float(o["total"]) for o in data]
        """,
    )
    return capture(m.build)


@case("dq_to_datetime", "data_quality", ["format"])
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
    path = SCRATCH / "vendor_feed.csv"
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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


# ---------------------------------------------------------------- missing_input
@case("missing_file_read_csv", "missing_input", ["No such file"])
def _() -> str:
    m = module(
        "daily_sales",
        """
        import pandas as pd

        def build(day="2024-03-01"):
            return pd.read_csv(f"/data/landing/sales/{day}/sales.csv")
        """,
    )
    return capture(m.build)


@case("missing_empty_csv", "missing_input", ["No columns to parse"])
def _() -> str:
    path = SCRATCH / "export_2024-03-01.csv"
    path.write_text("")
    m = module(
        "export_reader",
        f"""
        import pandas as pd

        def build():
            return pd.read_csv({str(path)!r})
        """,
    )
    return capture(m.build)


@case("missing_sqlite_table", "missing_input", ["no such table"])
def _() -> str:
    m = module(
        "staging_reader",
        """
        import sqlite3

        def build():
            con = sqlite3.connect(":memory:")
            return con.execute("select * from stg_orders").fetchall()
        """,
    )
    return capture(m.build)


@case("missing_pg_relation", "missing_input", ["does not exist"])
def _() -> str:
    pg_exec("drop table if exists gen_stg_events")
    m = module(
        "events_mart",
        """
        import pandas as pd
        from sqlalchemy import create_engine

        def build():
            eng = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/test")
            return pd.read_sql("select * from gen_stg_events", eng)
        """,
    )
    return capture(m.build)


@case("missing_s3_nosuchkey", "missing_input", ["NoSuchKey"])
def _() -> str:
    m = module(
        "s3_ingest",
        f"""
        import boto3

        def build():
            s3 = boto3.client("s3", endpoint_url={API!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret")
            return s3.get_object(Bucket="raw-bucket", Key="missing/2024-03-01/orders.parquet")["Body"].read()
        """,
    )
    return capture(m.build)


@case("missing_s3_head_404", "missing_input", ["404"])
def _() -> str:
    m = module(
        "s3_sensor_check",
        f"""
        import boto3

        def build():
            s3 = boto3.client("s3", endpoint_url={API!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret")
            return s3.head_object(Bucket="landing", Key="exports/2024-03-01/_SUCCESS")
        """,
    )
    return capture(m.build)


@case("missing_duckdb_no_files", "missing_input", ["No files found"])
def _() -> str:
    import duckdb  # noqa: F401

    m = module(
        "duck_ingest",
        """
        import duckdb

        def build():
            return duckdb.sql("select count(*) from read_parquet('/data/lake/clicks/dt=2024-03-01/*.parquet')").fetchall()
        """,
    )
    return capture(m.build)


@case(
    "missing_empty_upstream_none",
    "missing_input",
    ["0 rows"],
    "TypeError whose real cause is an empty upstream",
)
def _() -> str:
    m = module(
        "latest_snapshot",
        """
        import logging
        import sqlite3

        log = logging.getLogger("latest_snapshot")

        def latest(con):
            rows = con.execute("select id, total from snapshots order by id desc").fetchall()
            log.warning("upstream snapshots query returned %d rows", len(rows))
            print(f"loaded 0 rows from snapshots")
            return rows[0] if rows else None

        def build():
            con = sqlite3.connect(":memory:")
            con.execute("create table snapshots (id integer, total real)")
            snap = latest(con)
            return snap[1] * 1.2
        """,
    )
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        tb = capture(m.build)
    return buf.getvalue() + tb


@case("missing_empty_iloc", "missing_input", ["out-of-bounds"], "empty frame from upstream")
def _() -> str:
    m = module(
        "price_snapshot",
        """
        import pandas as pd

        def build():
            prices = pd.DataFrame({"sku": [], "price": []})
            print(f"fetched {len(prices)} rows from upstream prices export")
            return prices.iloc[0]["price"]
        """,
    )
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        tb = capture(m.build)
    return buf.getvalue() + tb


@case("missing_http_404", "missing_input", ["404"])
def _() -> str:
    m = module(
        "partner_export",
        f"""
        import requests

        def build():
            r = requests.get({API + "/api/404/exports/2024-03-01.json"!r}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case(
    "missing_dagster_file",
    "missing_input",
    ["No such file"],
    "Dagster wrapper around FileNotFoundError",
)
def _() -> str:
    return dagster_step_failure(
        "dg_files",
        """
        import json
        from dagster import op, job

        @op
        def load_manifest():
            with open("/data/exports/partner_a/2024-03-01/manifest.json") as fh:
                return json.load(fh)

        @job
        def manifest_job():
            load_manifest()
        """,
        "manifest_job",
    )


# ---------------------------------------------------------------- dependency_unavailable
@case("dep_requests_refused", "dependency_unavailable", ["Connection refused"])
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
    m = module(
        "weather_api",
        f"""
        import requests

        def build():
            r = requests.get({API + "/api/503/forecast"!r}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("dep_httpx_502", "dependency_unavailable", ["502"])
def _() -> str:
    import httpx  # noqa: F401

    m = module(
        "geo_api",
        f"""
        import httpx

        def build():
            r = httpx.get({API + "/api/502/geocode"!r})
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("dep_urllib3_retries_500", "dependency_unavailable", ["500"])
def _() -> str:
    m = module(
        "ads_pull",
        f"""
        import urllib3
        from urllib3.util.retry import Retry

        def build():
            http = urllib3.PoolManager(retries=Retry(total=2, status_forcelist=[500], backoff_factor=0))
            return http.request("GET", {API + "/api/500/campaigns"!r}).data
        """,
    )
    return capture(m.build)


@case("dep_boto_endpoint", "dependency_unavailable", ["refused"])
def _() -> str:
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
def _() -> str:
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
def _() -> str:
    m = module(
        "inventory_feed",
        f"""
        import http.client

        def build():
            conn = http.client.HTTPConnection("127.0.0.1", {PORT}, timeout=5)
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
def _() -> str:
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


# ---------------------------------------------------------------- timeout
@case("timeout_requests_read", "timeout", ["timed out"])
def _() -> str:
    m = module(
        "slow_api_pull",
        f"""
        import requests

        def build():
            return requests.get({API + "/api/slow/report"!r}, timeout=0.3).json()
        """,
    )
    return capture(m.build)


@case("timeout_httpx_read", "timeout", ["ReadTimeout"])
def _() -> str:
    import httpx  # noqa: F401

    m = module(
        "search_export",
        f"""
        import httpx

        def build():
            return httpx.get({API + "/api/slow/export"!r}, timeout=0.3).json()
        """,
    )
    return capture(m.build)


@case("timeout_pg_statement", "timeout", ["statement timeout"])
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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
def _() -> str:
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


# ---------------------------------------------------------------- rate_limited
@case("rate_requests_429", "rate_limited", ["429"])
def _() -> str:
    m = module(
        "github_stats",
        f"""
        import requests

        def build():
            r = requests.get({API + "/api/429/repos"!r}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("rate_httpx_429", "rate_limited", ["429"])
def _() -> str:
    import httpx  # noqa: F401

    m = module(
        "ads_insights",
        f"""
        import httpx

        def build():
            r = httpx.get({API + "/api/429/insights"!r})
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("rate_urllib3_429", "rate_limited", ["429"])
def _() -> str:
    m = module(
        "maps_batch",
        f"""
        import urllib3
        from urllib3.util.retry import Retry

        def build():
            http = urllib3.PoolManager(retries=Retry(total=1, status_forcelist=[429], backoff_factor=0,
                                                     respect_retry_after_header=False))
            return http.request("GET", {API + "/api/429/geocode"!r}).data
        """,
    )
    return capture(m.build)


@case("rate_s3_slowdown", "rate_limited", ["SlowDown"])
def _() -> str:
    m = module(
        "s3_bulk_put",
        f"""
        import boto3
        from botocore.config import Config

        def build():
            s3 = boto3.client("s3", endpoint_url={API!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret",
                              config=Config(retries={{"max_attempts": 1, "mode": "standard"}}))
            return s3.put_object(Bucket="landing", Key="slow/part-0001.parquet", Body=b"x")
        """,
    )
    return capture(m.build)


# ---------------------------------------------------------------- auth_failure
@case("auth_requests_401", "auth_failure", ["401"])
def _() -> str:
    m = module(
        "hubspot_pull",
        f"""
        import requests

        def build():
            r = requests.get({API + "/api/401/contacts"!r}, headers={{"Authorization": "Bearer expired"}}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("auth_valueerror_from_401", "auth_failure", ["401"], "ValueError raised from a requests 401")
def _() -> str:
    m = module(
        "stripe_sync",
        f"""
        import requests

        def fetch_charges():
            try:
                r = requests.get({API + "/api/401/charges"!r}, timeout=5)
                r.raise_for_status()
            except requests.HTTPError as exc:
                raise ValueError("could not fetch charges page 1") from exc
            return r.json()
        """,
    )
    return capture(m.fetch_charges)


@case("auth_httpx_401", "auth_failure", ["401"])
def _() -> str:
    import httpx  # noqa: F401

    m = module(
        "zendesk_tickets",
        f"""
        import httpx

        def build():
            r = httpx.get({API + "/api/401/tickets"!r}, headers={{"Authorization": "Basic bad"}})
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("auth_pg_role", "auth_failure", ["role"])
def _() -> str:
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
def _() -> str:
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
            s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url={API!r})
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
def _() -> str:
    m = module(
        "s3_export",
        f"""
        import boto3

        def build():
            s3 = boto3.client("s3", endpoint_url={API!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAOLDKEY", aws_secret_access_key="secret")
            return s3.get_object(Bucket="raw-bucket", Key="badkey/orders.csv")
        """,
    )
    return capture(m.build)


@case("auth_google_default_credentials", "auth_failure", ["credentials"])
def _() -> str:
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


# ---------------------------------------------------------------- permission_denied
@case("perm_requests_403", "permission_denied", ["403"])
def _() -> str:
    m = module(
        "admin_export",
        f"""
        import requests

        def build():
            r = requests.get({API + "/api/403/admin/users"!r}, timeout=5)
            r.raise_for_status()
            return r.json()
        """,
    )
    return capture(m.build)


@case("perm_s3_access_denied", "permission_denied", ["AccessDenied"])
def _() -> str:
    m = module(
        "finance_s3",
        f"""
        import boto3

        def build():
            s3 = boto3.client("s3", endpoint_url={API!r}, region_name="us-east-1",
                              aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret")
            return s3.get_object(Bucket="raw-bucket", Key="denied/finance/payroll.csv")
        """,
    )
    return capture(m.build)


@case("perm_pg_privilege", "permission_denied", ["permission denied"])
def _() -> str:
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
def _() -> str:
    target = SCRATCH / "secure_exports"
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
def _() -> str:
    db = SCRATCH / "catalog.db"
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


# ---------------------------------------------------------------- resource_exhaustion
@case("res_memoryerror_numpy", "resource_exhaustion", ["allocate"])
def _() -> str:
    return subproc_failure(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
        import numpy as np

        def build_matrix(n_users, n_items):
            return np.zeros((n_users, n_items), dtype="float64")

        build_matrix(200_000, 50_000)
        """
    )


@case("res_too_many_files", "resource_exhaustion", ["Too many open files"])
def _() -> str:
    return subproc_failure(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

        def open_partitions(n):
            handles = []
            for i in range(n):
                handles.append(open({str(PKG_DIR / "job_script.py")!r}))
            return handles

        open_partitions(500)
        """
    )


@case("res_sqlite_full", "resource_exhaustion", ["full"])
def _() -> str:
    m = module(
        "sqlite_cache",
        f"""
        import sqlite3

        def build():
            con = sqlite3.connect({str(SCRATCH / "cache.db")!r})
            con.execute("pragma max_page_count = 20")
            con.execute("create table if not exists blobs (b blob)")
            for _ in range(100):
                con.execute("insert into blobs values (?)", (b"x" * 4096,))
            con.commit()
        """,
    )
    return capture(m.build)


@case(
    "res_pandas_memory_dagster",
    "resource_exhaustion",
    ["MemoryError"],
    "Dagster step wrapping an allocation failure",
)
def _() -> str:
    src = """
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (2_500_000_000, 2_500_000_000))
    from dagster import op, job

    @op
    def pivot_events():
        import numpy as np
        import pandas as pd
        idx = np.arange(60_000_000)
        df = pd.DataFrame({"a": idx, "b": idx, "c": idx, "d": idx})
        return len(df)

    @job
    def events_job():
        pivot_events()

    if __name__ == "__main__":
        res = events_job.execute_in_process(raise_on_error=False)
        for ev in res.all_events:
            if ev.is_step_failure:
                print('Execution of step "pivot_events" failed.')
                print()
                print(ev.step_failure_data.error.to_string())
    """
    return subproc_failure(src, timeout=120)


@case(
    "res_bash_killed",
    "resource_exhaustion",
    ["Killed"],
    "shell's report of a SIGKILLed process (OOM killer style)",
)
def _() -> str:
    script = PKG_DIR / "train_model.py"
    script.write_text(
        "import os, signal\nprint('loading 48M rows into memory')\nos.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run(
        ["bash", "-c", f'cd {SCRATCH} && {PY} {script}; echo "train_model exited with status $?"'],
        capture_output=True,
        text=True,
    )
    return (proc.stdout + proc.stderr).strip() + "\n"


# ---------------------------------------------------------------- concurrency
def _pg_two_sessions(
    sql_a1: str, sql_b1: str, sql_a2: str, sql_b2: str, iso: int | None = None
) -> str:
    import psycopg2

    errors: list[str] = []
    ca = psycopg2.connect(PG_DSN)
    cb = psycopg2.connect(PG_DSN)
    if iso is not None:
        ca.set_isolation_level(iso)
        cb.set_isolation_level(iso)
    cura, curb = ca.cursor(), cb.cursor()
    cura.execute(sql_a1)
    curb.execute(sql_b1)

    def run(cur: Any, sql: str) -> None:
        try:
            cur.execute(sql)
        except Exception:  # noqa: BLE001
            errors.append(traceback.format_exc())

    t = threading.Thread(target=run, args=(cura, sql_a2))
    t.start()
    time.sleep(0.5)
    run(curb, sql_b2)
    for c in (ca, cb):
        try:
            c.rollback()
        except Exception:  # noqa: BLE001
            pass
    t.join(10)
    ca.close()
    cb.close()
    return errors[0]


@case("conc_pg_deadlock", "concurrency", ["deadlock"])
def _() -> str:
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
    return m.build()


@case("conc_pg_serialization", "concurrency", ["serialize"])
def _() -> str:
    import psycopg2.extensions as ext

    pg_exec(
        "drop table if exists gen_counters; create table gen_counters (id int primary key, n int);"
        "insert into gen_counters values (1, 0)"
    )
    return (
        _pg_two_sessions(
            "select n from gen_counters where id = 1",
            "select n from gen_counters where id = 1",
            "update gen_counters set n = n + 1 where id = 1",
            "update gen_counters set n = n + 10 where id = 1",
            iso=ext.ISOLATION_LEVEL_REPEATABLE_READ,
        )
        if False
        else _serialization_case()
    )


def _serialization_case() -> str:
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
def _() -> str:
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
def _() -> str:
    import sqlite3

    db = SCRATCH / "state.db"
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


# ---------------------------------------------------------------- infrastructure
@case("infra_subprocess_sigkill", "infrastructure", ["SIGKILL"])
def _() -> str:
    m = module(
        "spark_job_runner",
        f"""
        import subprocess

        def build():
            return subprocess.run([{PY!r}, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"], check=True)
        """,
    )
    return capture(m.build)


@case("infra_subprocess_sigterm", "infrastructure", ["SIGTERM"])
def _() -> str:
    m = module(
        "dbt_wrapper",
        f"""
        import subprocess

        def build():
            return subprocess.run([{PY!r}, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"], check=True)
        """,
    )
    return capture(m.build)


@case("infra_segfault", "infrastructure", ["Segmentation fault"])
def _() -> str:
    return subproc_failure(
        """
        import faulthandler, ctypes
        faulthandler.enable()

        def parse_native(buf):
            return ctypes.string_at(0)

        parse_native(b"x")
        """
    )


@case("infra_broken_pool", "infrastructure", ["terminated abruptly"])
def _() -> str:
    return subproc_failure(
        """
        import os, signal
        from concurrent.futures import ProcessPoolExecutor

        def score_chunk(i):
            if i == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            return i

        if __name__ == "__main__":
            with ProcessPoolExecutor(2) as ex:
                print(list(ex.map(score_chunk, range(8))))
        """
    )


@case(
    "infra_dagster_multiprocess_kill",
    "infrastructure",
    ["signal"],
    "Dagster multiprocess child killed",
)
def _() -> str:
    src = """
    import os, signal, tempfile
    from dagster import op, job, reconstructable, DagsterInstance, execute_job, multiprocess_executor

    @op
    def heavy_step():
        os.kill(os.getpid(), signal.SIGKILL)

    @job(executor_def=multiprocess_executor)
    def nightly_job():
        heavy_step()

    if __name__ == "__main__":
        with tempfile.TemporaryDirectory() as d:
            with DagsterInstance.local_temp(d) as inst:
                res = execute_job(reconstructable(nightly_job), instance=inst, raise_on_error=False)
                for ev in res.all_events:
                    if ev.is_failure or ev.event_type_value in ("STEP_FAILURE", "ENGINE_EVENT", "RUN_FAILURE"):
                        print(ev.message)
                        if ev.is_step_failure and ev.step_failure_data.error:
                            print(ev.step_failure_data.error.to_string())
                        elif ev.event_specific_data is not None and getattr(ev.event_specific_data, "error", None):
                            print(ev.event_specific_data.error.to_string())
    """
    path = PKG_DIR / "nightly_job.py"
    path.write_text(textwrap.dedent(src))
    proc = subprocess.run(
        [PY, str(path)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=SCRATCH,
        env=dict(os.environ, PYTHONPATH=str(PKG_DIR)),
    )
    out = proc.stdout.strip()
    lines = [ln for ln in out.splitlines() if ln.strip()]
    return "\n".join(lines) + "\n"


@case(
    "missing_dagster_failure_zero_records",
    "missing_input",
    ["0 records"],
    "user-raised dagster.Failure",
)
def _() -> str:
    return dagster_step_failure(
        "dg_partner_pull",
        """
        from dagster import op, job, Failure, MetadataValue

        @op
        def pull_partner_orders():
            records = []
            if not records:
                raise Failure(
                    description="Partner API returned 0 records for 2024-03-01",
                    metadata={"endpoint": MetadataValue.text("/v2/orders")},
                )
            return records

        @job
        def partner_job():
            pull_partner_orders()
        """,
        "partner_job",
    )


@case(
    "missing_dagster_io_manager_input",
    "missing_input",
    ["No such file"],
    "Dagster load-input wrapper around a missing stored output",
)
def _() -> str:
    import dagster as dg

    base = SCRATCH / "io_storage"
    m = module(
        "dg_assets_io",
        """
        from dagster import asset

        @asset
        def raw_orders():
            return [1, 2, 3]

        @asset
        def orders_summary(raw_orders):
            return len(raw_orders)
        """,
    )
    res = dg.materialize(
        [m.raw_orders, m.orders_summary],
        selection=["orders_summary"],
        resources={"io_manager": dg.FilesystemIOManager(base_dir=str(base))},
        raise_on_error=False,
    )
    return render_dagster_failures(res)


@case(
    "perm_dagster_valueerror_from_403",
    "permission_denied",
    ["403"],
    "user ValueError raised from a requests 403, inside Dagster",
)
def _() -> str:
    return dagster_step_failure(
        "dg_admin_export",
        f"""
        import requests
        from dagster import op, job

        @op
        def export_users():
            try:
                r = requests.get("{API}/api/403/admin/users", timeout=5)
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


@case(
    "timeout_dagster_pg_statement",
    "timeout",
    ["statement timeout"],
    "Dagster wrapper around a statement timeout",
)
def _() -> str:
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


@case(
    "rate_dagster_429_wrapped",
    "rate_limited",
    ["429"],
    "user exception raised from a 429, inside Dagster",
)
def _() -> str:
    return dagster_step_failure(
        "dg_ads_sync",
        f"""
        import requests
        from dagster import op, job

        class AdsApiError(Exception):
            pass

        @op
        def sync_campaigns():
            r = requests.get("{API}/api/429/campaigns", timeout=5)
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


@case(
    "conc_sqlalchemy_sqlite_locked",
    "concurrency",
    ["database is locked"],
    "SQLAlchemy over sqlite with a concurrent writer",
)
def _() -> str:
    import sqlite3

    db = SCRATCH / "watermarks.db"
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
def _() -> str:
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
    return m.build()


@case(
    "infra_popen_sigterm_runtimeerror",
    "infrastructure",
    ["-15"],
    "user RuntimeError reporting a worker killed by SIGTERM",
)
def _() -> str:
    m = module(
        "spark_launcher",
        f"""
        import subprocess

        def build():
            proc = subprocess.Popen([{PY!r}, "-c", "import os, signal, time; os.kill(os.getpid(), signal.SIGTERM)"])
            code = proc.wait()
            if code != 0:
                raise RuntimeError(f"spark driver exited with code {{code}} (terminated by signal {{-code}})")
        """,
    )
    return capture(m.build)


@case(
    "res_file_too_large",
    "resource_exhaustion",
    ["File too large"],
    "RLIMIT_FSIZE reached while writing an export",
)
def _() -> str:
    return subproc_failure(
        f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))

        def write_export(path):
            with open(path, "wb") as fh:
                for _ in range(100):
                    fh.write(b"x" * 100_000)

        write_export({str(SCRATCH / "export.bin")!r})
        """
    )


@case("res_cant_start_thread", "resource_exhaustion", ["thread"], "process/thread limit reached")
def _() -> str:
    return subproc_failure(
        """
        import os, resource, threading, time
        os.setgid(65534); os.setuid(65534)
        resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))

        def fan_out(n):
            threads = [threading.Thread(target=time.sleep, args=(1,)) for _ in range(n)]
            for t in threads:
                t.start()

        fan_out(64)
        """
    )


@case(
    "auth_dagster_pg_role",
    "auth_failure",
    ["role"],
    "Dagster resource connecting with a role that does not exist",
)
def _() -> str:
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


@case("unknown_dagster_bare_exception", "unknown", [], "opaque user exception inside Dagster")
def _() -> str:
    return dagster_step_failure(
        "dg_opaque",
        """
        from dagster import op, job

        @op
        def reconcile():
            raise Exception("reconcile step failed")

        @job
        def reconcile_job():
            reconcile()
        """,
        "reconcile_job",
    )


# ---------------------------------------------------------------- unknown
@case("unknown_success_log", "unknown", [], "nothing diagnosable: a log of a run that was fine")
def _() -> str:
    return subproc_failure(
        """
        import logging
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s - %(message)s", level=logging.INFO)
        log = logging.getLogger("orders_etl")
        for step in ("extract", "transform", "load"):
            log.info("step %s started", step)
            log.info("step %s finished in %.2fs", step, 0.42)
        log.info("run complete")
        """
    )


@case("unknown_binary_junk", "unknown", [], "binary junk pasted")
def _() -> str:
    import random

    rnd = random.Random(7)
    data = bytes(rnd.randrange(32, 127) for _ in range(600)).decode()
    return "\n".join(data[i : i + 60] for i in range(0, 600, 60)) + "\n"


@case("unknown_custom_error", "unknown", [], "opaque custom exception with no detail")
def _() -> str:
    m = module(
        "vendor_sdk_shim",
        """
        class VendorSDKFault(Exception):
            pass

        def build():
            raise VendorSDKFault("E_7731")
        """,
    )
    return capture(m.build)


@case("unknown_nonzero_exit", "unknown", [], "a command failing with exit status 1 and no output")
def _() -> str:
    m = module(
        "shell_step",
        f"""
        import subprocess

        def build():
            return subprocess.run([{PY!r}, "-c", "import sys; sys.exit(1)"], check=True)
        """,
    )
    return capture(m.build)


# ================================================================ Dagster helpers
def render_dagster_failures(result: Any) -> str:
    out: list[str] = []
    for ev in result.all_events:
        if ev.is_step_failure:
            out.append(ev.message or "")
            err = ev.step_failure_data.error
            if err is not None:
                out.append("")
                out.append(err.to_string())
        elif ev.event_type_value == "ASSET_CHECK_EVALUATION":
            out.append(ev.message or "")
            data = ev.event_specific_data
            out.append(
                f"Asset check '{data.check_name}' on {data.asset_key.to_user_string()} "
                f"{'passed' if data.passed else 'failed'}; metadata: "
                + ", ".join(f"{k}={v.value}" for k, v in data.metadata.items())
            )
        elif ev.event_type_value in ("STEP_SKIPPED", "RUN_FAILURE"):
            out.append(ev.message or "")
    return "\n".join(x for x in out if x is not None).strip() + "\n"


def dagster_step_failure(modname: str, source: str, job_name: str) -> str:
    m = module(modname, source)
    job_def = getattr(m, job_name)
    res = job_def.execute_in_process(raise_on_error=False)
    return render_dagster_failures(res)


# ====================================================================== main
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    os.environ.setdefault("DAGSTER_HOME", str(SCRATCH / "dagster_home"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    CASES_DIR.mkdir(parents=True, exist_ok=True)
    ok = failed = 0
    for name, category, mentions, note, fn in REGISTRY:
        if args.only and args.only not in name:
            continue
        try:
            text = scrub(fn())
        except Exception:  # noqa: BLE001
            failed += 1
            print(
                f"SKIP {name}: {traceback.format_exc().strip().splitlines()[-1]}", file=sys.stderr
            )
            continue
        if not text.strip():
            failed += 1
            print(f"SKIP {name}: empty output", file=sys.stderr)
            continue
        d = CASES_DIR / name
        d.mkdir(parents=True, exist_ok=True)
        (d / "failure.txt").write_text(text)
        exp: dict[str, Any] = {"category": category, "mentions": mentions}
        if note:
            exp["note"] = note
        (d / "expected.yaml").write_text(yaml.safe_dump(exp, sort_keys=False))
        ok += 1
        print(f"ok   {name}")
    print(f"{ok} cases written, {failed} skipped")
    shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
