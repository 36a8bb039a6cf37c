"""Jobs without Sentinel's hook that fail in known ways.

Burst tests: four distinct causes whose messages carry run-specific numbers and ids, which
the fingerprint masks, so many runs collapse into one incident per cause. Evidence tests:
failures outside a step's own code (resources, dying processes, launches, subprocesses).
"""

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.launcher import LaunchRunContext, RunLauncher
from dagster._serdes import ConfigurableClass, ConfigurableClassData


class FaultConfig(dg.Config):
    cause: int = 0
    seed: int = 0


@dg.op
def ingest_partner(config: FaultConfig) -> None:
    rng = random.Random(config.seed)
    if config.cause == 0:
        raise ConnectionRefusedError(
            111, f"Connection refused: partner-api:{8000 + rng.randint(0, 99)}"
        )
    raise ValueError(f"could not convert string to float: 'N/A' (row {rng.randint(1, 10_000)})")


@dg.op
def aggregate_orders(config: FaultConfig) -> None:
    rng = random.Random(config.seed)
    batch = [rng.random() for _ in range(0)]
    print(f"aggregating batch {rng.randint(1, 1000)}")
    _ = sum(batch) / len(batch)


@dg.op
def export_report(config: FaultConfig) -> None:
    import os

    _ = os.environ[f"EXPORT_BUCKET_{'X' * (config.cause + 1)}"]


@dg.job
def burst_ingest() -> None:
    ingest_partner()


@dg.job
def burst_aggregate() -> None:
    aggregate_orders()


@dg.job
def burst_export() -> None:
    export_report()


def run_failures(instance: dg.DagsterInstance, n: int) -> list[str]:
    """Run n failing runs round-robin over four causes in three jobs; returns run ids."""
    plan = [
        (burst_ingest, "ingest_partner", 0),
        (burst_ingest, "ingest_partner", 1),
        (burst_aggregate, "aggregate_orders", 0),
        (burst_export, "export_report", 0),
    ]
    run_ids = []
    for i in range(n):
        job, op, cause = plan[i % len(plan)]
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"ops": {op: {"config": {"cause": cause, "seed": i}}}},
        )
        assert not result.success
        run_ids.append(result.run_id)
    return run_ids


# --------------------------------------------------------------------------------------
# Failures outside a step's own code (issue 12): resources, processes, runs, subprocesses.


class EnvWarehouse(dg.ConfigurableResource):
    """Reads its URL from the environment when a step starts (a common resource shape)."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._url = os.environ["SENTINEL_TEST_WAREHOUSE_URL"]


class SocketWarehouse(dg.ConfigurableResource):
    """Opens its connection when a step starts; `port` is where the warehouse listens."""

    host: str = "127.0.0.1"
    port: int

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        socket.create_connection((self.host, self.port), timeout=5).close()


@dg.op
def load_orders(warehouse: dg.ResourceParam[Any]) -> None:
    print("loading orders")


@dg.job(resource_defs={"warehouse": EnvWarehouse()})
def resource_env_job() -> None:
    load_orders()


@dg.job(resource_defs={"warehouse": SocketWarehouse.configure_at_launch()})
def resource_refused_job() -> None:
    load_orders()


class HttpWarehouse(dg.ConfigurableResource):
    """Checks its HTTP endpoint when a step starts, as a REST client does (`requests`)."""

    url: str

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        import requests

        requests.get(f"{self.url}/health", timeout=5).raise_for_status()


@dg.job(resource_defs={"warehouse": HttpWarehouse.configure_at_launch()})
def http_warehouse_job() -> None:
    load_orders()


def run_http_warehouse(instance: dg.DagsterInstance, url: str) -> dg.ExecuteInProcessResult:
    """One in-process run of `http_warehouse_job` against `url`."""
    return http_warehouse_job.execute_in_process(
        run_config={"resources": {"warehouse": {"config": {"url": url}}}},
        instance=instance,
        raise_on_error=False,
    )


class LaunchedWarehouse(dg.ConfigurableResource):
    url: str


@dg.op
def sync_orders(warehouse: LaunchedWarehouse) -> None:
    print(f"syncing to {warehouse.url}")


@dg.job(resource_defs={"warehouse": LaunchedWarehouse.configure_at_launch()})
def launch_config_job() -> None:
    sync_orders()


@dg.op
def score_orders() -> None:
    # The process dies as the OOM killer or `kill -9` would leave it: no exception, no event.
    print("loading 40 GB of orders into memory")
    sys.stderr.write("scoring: allocating feature matrix\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(137)


@dg.op
def rank_orders() -> None:
    print("ranking orders")
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


@dg.job  # multiprocess executor (the default): each step in its own process
def step_exit_job() -> None:
    score_orders()


@dg.job
def step_sigkill_job() -> None:
    rank_orders()


@dg.job(executor_def=dg.in_process_executor)  # the run worker itself dies
def worker_crash_job() -> None:
    score_orders()


# An external program run through Dagster Pipes; it fails reading its input.
PIPES_SCRIPT = """
from dagster_pipes import open_dagster_pipes
with open_dagster_pipes() as pipes:
    pipes.log.info("reading partner feed")
    print("partner feed: 120 files", flush=True)
    open("/nonexistent-sentinel-test/partner/feed.csv").read()
"""

# The same without Pipes: a bare script whose only trace is its stderr.
BARE_SCRIPT = """
import sys
print("export: connecting to sftp.partner.example", flush=True)
sys.stderr.write("export: login as svc_export\\n")
sys.stderr.write("paramiko.ssh_exception.AuthenticationException: Authentication failed.\\n")
sys.exit(3)
"""

# A dbt-like CLI: dbt prints its errors as log lines and exits 1.
DBT_SCRIPT = """
import sys
print("12:00:01  Running with dbt=1.8.0")
print("12:00:02  Found 12 models, 4 tests, 3 sources")
print("12:00:03  1 of 1 START sql table model analytics.orders ............ [RUN]")
print("12:00:04  1 of 1 ERROR creating sql table model analytics.orders ... [ERROR in 0.21s]")
print("12:00:04  ")
print("12:00:04  Completed with 1 error and 0 warnings:")
print("12:00:04  ")
print("12:00:04    Database Error in model orders (models/orders.sql)")
print('12:00:04    relation "raw.orders_v2" does not exist')
print("12:00:04    LINE 5: from raw.orders_v2")
print("12:00:04    compiled Code at target/run/shop/models/orders.sql")
print("12:00:04  ")
print("12:00:04  Done. PASS=0 WARN=0 ERROR=1 SKIP=0 TOTAL=1")
sys.exit(1)
"""


def script(name: str, body: str) -> str:
    """Write an external program to a file (a command line must not carry its output)."""
    path = Path(tempfile.gettempdir()) / "sentinel-fakes" / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return str(path)


@dg.op
def partner_feed(context: dg.OpExecutionContext, pipes: dg.PipesSubprocessClient) -> None:
    pipes.run(command=[sys.executable, script("partner_feed", PIPES_SCRIPT)], context=context)


@dg.op
def partner_export(context: dg.OpExecutionContext, pipes: dg.PipesSubprocessClient) -> None:
    pipes.run(command=[sys.executable, script("partner_export", BARE_SCRIPT)], context=context)


@dg.job(resource_defs={"pipes": dg.PipesSubprocessClient()})
def pipes_job() -> None:
    partner_feed()


@dg.job(resource_defs={"pipes": dg.PipesSubprocessClient()})
def pipes_bare_job() -> None:
    partner_export()


@dg.op
def dbt_build() -> None:
    subprocess.run([sys.executable, script("dbt", DBT_SCRIPT), "build"], check=True)


@dg.job
def dbt_job() -> None:
    dbt_build()


@dg.op
def fetch_rates() -> None:
    raise ConnectionError("HTTPSConnectionPool(host='rates.example.internal', port=443): timed out")


@dg.op
def summarise(context: dg.OpExecutionContext) -> None:
    for i in range(120):  # an independent step keeps logging after the failure
        context.log.info(f"summarising partition {i}")


@dg.job(executor_def=dg.in_process_executor)
def chatty_job() -> None:
    fetch_rates()
    summarise()


class UnreachableRunLauncher(RunLauncher, ConfigurableClass):
    """Launches runs on a container API (as the Docker/K8s/ECS launchers do) at `port`."""

    def __init__(self, port: int, inst_data: ConfigurableClassData | None = None) -> None:
        self._port = port
        self._inst_data = inst_data
        super().__init__()

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._inst_data

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {"port": int}

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData, config_value: dict[str, Any]
    ) -> "UnreachableRunLauncher":
        return cls(inst_data=inst_data, **config_value)

    def launch_run(self, context: LaunchRunContext) -> None:
        with socket.create_connection(("127.0.0.1", self._port), timeout=5) as conn:
            conn.sendall(f"POST /containers/create?run={context.dagster_run.run_id}\r\n".encode())

    def terminate(self, run_id: str) -> bool:
        return False


# Code location for runs launched through a code server (the run-worker crash).
defs = dg.Definitions(jobs=[worker_crash_job])
