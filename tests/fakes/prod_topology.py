"""The `make run-prod` topology, driven by a test: the same processes scripts/run_prod.py starts
(code servers, webserver, daemon, Celery workers on PostgreSQL and RabbitMQ), each of which a
test can kill and restart. Shared by the topology tests and benchmarks.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import yaml
from dagster_graphql import DagsterGraphQLClient

from scripts import run_prod

BROKER_PORT = 5672


def purge_stale_tasks(broker: str, queue: str = "dagster") -> int:
    """Drop step tasks left on the shared broker by an earlier topology (a worker killed
    mid-step hands its task back, late acks): their instance and database are gone, and a
    worker that takes them first would hold this test's steps up."""
    from kombu import Connection

    try:
        with Connection(broker, connect_timeout=5) as conn:
            return int(conn.default_channel.queue_purge(queue) or 0)
    except Exception:  # noqa: BLE001 - no such queue yet, or no broker (broker_up says so)
        return 0


def broker_up(host: str = "127.0.0.1", port: int = BROKER_PORT) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


class Topology:
    def __init__(
        self,
        home: Path,
        env: dict[str, str],
        port: int,
        workers: int = 1,
        workspace: Path = run_prod.REPO / "workspace.yaml",
    ) -> None:
        self.home, self.env, self.port = home, env, port
        self.logs = home / "proc-logs"
        n = len(run_prod.locations(workspace, list(range(100))))
        self.locs = run_prod.locations(workspace, run_prod.free_ports(n))
        self.procs = {p.name: p for p in run_prod.processes(home, self.locs, port, workers, False)}
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.client = DagsterGraphQLClient("127.0.0.1", port_number=port)

    def setup(self) -> None:
        broker = self.env["SENTINEL_CELERY_BROKER"]
        purge_stale_tasks(broker)
        run_prod.prepare_home(self.home, self.locs, broker)

    def start(self, name: str) -> None:
        self.children[name] = run_prod.start(self.procs[name], self.env, self.logs)

    def start_all(self) -> None:
        self.setup()
        for name in self.procs:
            self.start(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        child = self.children.pop(name)
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            pass
        child.wait(timeout=30)

    def restart(self, name: str, sig: int = signal.SIGKILL) -> None:
        self.kill(name, sig)
        self.start(name)

    def extra_webserver(self, port: int) -> subprocess.Popen[bytes]:
        argv = list(self.procs["webserver"].argv)
        argv[argv.index("-p") + 1] = str(port)
        proc = run_prod.Proc(name=f"webserver-{port}", argv=argv)
        self.children[proc.name] = run_prod.start(proc, self.env, self.logs)
        return self.children[proc.name]

    def stop(self) -> None:
        run_prod.stop(list(self.children.values()))
        self.children.clear()

    def log(self, name: str) -> str:
        path = self.logs / f"{name.replace(':', '-')}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def launch(
        self,
        job: str,
        run_config: dict | None = None,
        *,
        location: str = "demo",
        tags: dict[str, str] | None = None,
        client: DagsterGraphQLClient | None = None,
        timeout: float = 180,
    ) -> str:
        deadline = time.time() + timeout
        last: Exception | None = None
        while time.time() < deadline:
            try:
                return (client or self.client).submit_job_execution(
                    job, repository_location_name=location, run_config=run_config or {}, tags=tags
                )
            except Exception as e:  # noqa: BLE001 - still starting
                last = e
                time.sleep(1)
        raise AssertionError(f"could not launch {job}: {last}\n{self.log('webserver')[-3000:]}")

    def wait_terminal(self, run_ids: list[str], timeout: float = 240) -> dict[str, str]:
        deadline = time.time() + timeout
        status: dict[str, str] = {}
        while time.time() < deadline:
            for rid in run_ids:
                if status.get(rid) in ("FAILURE", "SUCCESS", "CANCELED"):
                    continue
                try:
                    status[rid] = self.client.get_run_status(rid).value
                except Exception:  # noqa: BLE001 - webserver busy
                    pass
            if all(status.get(r) in ("FAILURE", "SUCCESS", "CANCELED") for r in run_ids):
                return status
            time.sleep(1)
        raise AssertionError(f"runs not finished in {timeout}s: {status}")


@contextmanager
def prod_topology(
    home: Path,
    database: str,
    extra_env: Mapping[str, str],
    workers: int = 1,
    workspace: Path = run_prod.REPO / "workspace.yaml",
    run_monitoring: Mapping[str, int] | None = None,
) -> Iterator[Topology]:
    """Start the topology on a PostgreSQL database that exists, and stop it afterwards.
    `run_monitoring` overrides keys of deploy/dagster-prod.yaml's `run_monitoring`."""
    if run_monitoring:
        config = yaml.safe_load((run_prod.REPO / "deploy" / "dagster-prod.yaml").read_text())
        config["run_monitoring"] = {**config.get("run_monitoring", {}), **run_monitoring}
        home.mkdir(parents=True, exist_ok=True)
        (home / "dagster.yaml").write_text(yaml.safe_dump(config))  # prepare_home keeps it
    port = run_prod.free_ports(1)[0]
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GEMINI_", "SENTINEL_"))
    }
    base.update(
        DAGSTER_HOME=str(home),
        DAGSTER_PG_USERNAME="postgres",
        DAGSTER_PG_PASSWORD="",
        DAGSTER_PG_HOST="127.0.0.1",
        DAGSTER_PG_PORT="5432",
        DAGSTER_PG_DB=database,
    )
    base.update(extra_env)
    env = run_prod.environment(base, port)
    topo = Topology(home, env, port, workers, workspace)
    topo.start_all()
    try:
        yield topo
    finally:
        topo.stop()
