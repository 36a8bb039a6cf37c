"""`make run-prod`: the production shape of a Dagster deployment with Sentinel, on this machine.

- instance storage on PostgreSQL (`deploy/dagster-prod.yaml`, configured by DAGSTER_PG_USERNAME,
  DAGSTER_PG_PASSWORD, DAGSTER_PG_HOST, DAGSTER_PG_PORT, DAGSTER_PG_DB; defaults: the local
  server at 127.0.0.1:5432, user postgres, database `dagster`, created when missing);
- each code location of workspace.yaml as its own `dagster code-server` process; the webserver
  and `dagster-daemon` as separate processes, reading a generated gRPC workspace;
- `sentinel serve` when the Slack app is configured (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN);
- Celery workers (`dagster-celery`) on the RabbitMQ broker SENTINEL_CELERY_BROKER (default
  pyamqp://guest@127.0.0.1:5672//); `demo_etl` runs on the celery_executor here.

One Ctrl-C or SIGTERM stops everything: each child starts with default signal dispositions in
its own process group (see scripts/run.py for why), and gets one stop signal, then SIGKILL.

Usage: python scripts/run_prod.py [--port 3000] [--workers 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

# One way to start and stop a process tree, shared with `make run` (scripts/run.py).
from scripts.run import _default_signals as default_signals
from scripts.run import _stop as stop
from scripts.run import catch_stop_signals

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_BROKER = "pyamqp://guest@127.0.0.1:5672//"
PG_DEFAULTS = {
    "DAGSTER_PG_USERNAME": "postgres",
    "DAGSTER_PG_PASSWORD": "",
    "DAGSTER_PG_HOST": "127.0.0.1",
    "DAGSTER_PG_PORT": "5432",
    "DAGSTER_PG_DB": "dagster",
}


class Proc(BaseModel):
    """One process of the topology: a name for logs and the command line."""

    name: str
    argv: list[str]
    critical: bool = True  # when it exits, the launcher stops everything


class Location(BaseModel):
    name: str
    module: str
    attribute: str
    port: int


def locations(workspace: Path, ports: list[int]) -> list[Location]:
    """The python_module code locations of a workspace file, each given a port."""
    data = yaml.safe_load(workspace.read_text()) or {}
    found: list[Location] = []
    for entry in data.get("load_from", []):
        mod = entry.get("python_module")
        if not isinstance(mod, dict):
            raise ValueError(f"{workspace}: only python_module locations can be served: {entry}")
        found.append(
            Location(
                name=mod.get("location_name") or mod["module_name"],
                module=mod["module_name"],
                attribute=mod.get("attribute", "defs"),
                port=ports[len(found)],
            )
        )
    return found


def grpc_workspace(locs: list[Location]) -> dict[str, Any]:
    return {
        "load_from": [
            {"grpc_server": {"host": "127.0.0.1", "port": loc.port, "location_name": loc.name}}
            for loc in locs
        ]
    }


def environment(base: Mapping[str, str], port: int) -> dict[str, str]:
    """The environment every process of the topology shares."""
    env = dict(base)
    for key, value in PG_DEFAULTS.items():
        env.setdefault(key, value)
    env.setdefault("SENTINEL_CELERY_BROKER", DEFAULT_BROKER)
    # Dagster's run-failure sensor handles at most 5 runs a tick by default; a burst of
    # concurrent failures then waits a tick per 5 runs for its first reports.
    env.setdefault("DAGSTER_RUN_STATUS_SENSOR_PROCESS_LIMIT", "10")
    env["SENTINEL_DEMO_EXECUTOR"] = env.get("SENTINEL_DEMO_EXECUTOR") or "celery"
    env.setdefault("SENTINEL_UI_URL", f"http://127.0.0.1:{port}")
    env.setdefault("SENTINEL_DAGSTER_URL", f"http://127.0.0.1:{port}")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # `celery` for dagster-celery
    return env


def processes(home: Path, locs: list[Location], port: int, workers: int, serve: bool) -> list[Proc]:
    workspace = str(home / "workspace-prod.yaml")
    procs = [
        Proc(
            name=f"code-server:{loc.name}",
            argv=[
                str(BIN / "dagster"),
                "code-server",
                "start",
                "-h",
                "127.0.0.1",
                "-p",
                str(loc.port),
                "-m",
                loc.module,
                "-a",
                loc.attribute,
                "--location-name",
                loc.name,
                "-d",
                str(REPO),
            ],
        )
        for loc in locs
    ]
    procs.append(
        Proc(
            name="webserver",
            argv=[
                str(BIN / "dagster-webserver"),
                "-w",
                workspace,
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
        )
    )
    procs.append(Proc(name="daemon", argv=[str(BIN / "dagster-daemon"), "run", "-w", workspace]))
    celery_yaml = str(home / "celery.yaml")
    for i in range(workers):
        procs.append(
            Proc(
                name=f"celery-worker:{i}",
                argv=[
                    str(BIN / "dagster-celery"),
                    "worker",
                    "start",
                    "-A",
                    "dagster_celery.app",
                    "-y",
                    celery_yaml,
                    "-n",
                    f"sentinel-{i}",
                    "--",
                    "--concurrency",
                    "2",
                ],
            )
        )
    if serve:
        procs.append(
            Proc(name="sentinel-serve", argv=[str(BIN / "sentinel"), "serve"], critical=False)
        )
    return procs


def ensure_database(env: Mapping[str, str]) -> bool:
    """Create DAGSTER_PG_DB on the server when it is missing. True when it was created."""
    import psycopg2
    from psycopg2 import sql

    params = {
        "host": env["DAGSTER_PG_HOST"],
        "port": int(env["DAGSTER_PG_PORT"]),
        "user": env["DAGSTER_PG_USERNAME"],
        "password": env["DAGSTER_PG_PASSWORD"] or None,
        "connect_timeout": 10,
    }
    name = env["DAGSTER_PG_DB"]
    conn = psycopg2.connect(dbname="postgres", **params)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is not None:
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


def prepare_home(home: Path, locs: list[Location], broker: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        shutil.copy(REPO / "deploy" / "dagster-prod.yaml", target)
    (home / "workspace-prod.yaml").write_text(yaml.safe_dump(grpc_workspace(locs)))
    # Late acks: a worker killed mid-step hands the step back to the broker (same settings as
    # the demo location's executor, pipelines/demo/etl.py). Celery's own stdout redirection
    # (into its logger) is off, so Dagster's compute log capture, and with it the failure
    # hook's evidence, gets what the step prints.
    worker = {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_redirect_stdouts": False,
    }
    celery = {
        "execution": {"config": {"broker": broker, "backend": "rpc://", "config_source": worker}}
    }
    (home / "celery.yaml").write_text(yaml.safe_dump(celery))


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def start(proc: Proc, env: Mapping[str, str], log_dir: Path | None) -> subprocess.Popen[bytes]:
    out = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        out = (log_dir / f"{proc.name.replace(':', '-')}.log").open("ab")
    try:
        return subprocess.Popen(
            proc.argv,
            cwd=REPO,
            env=dict(env),
            preexec_fn=default_signals,
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
        )
    finally:
        if out is not None:
            out.close()


def _serve_configured() -> tuple[bool, str]:
    sys.path.insert(0, str(REPO))
    from scripts.run import _serve_configured as configured

    return configured()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("DAGSTER_PORT", "3000")))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("SENTINEL_CELERY_WORKERS", "1"))
    )
    parser.add_argument("--log-dir", type=Path, default=None, help="one log file per process")
    args = parser.parse_args(argv)

    stopping = catch_stop_signals()

    if "DAGSTER_HOME" not in os.environ:
        print("run-prod: set DAGSTER_HOME (make run-prod does)", file=sys.stderr)
        return 2
    home = Path(os.environ["DAGSTER_HOME"]).resolve()
    env = environment(os.environ, args.port)
    env["DAGSTER_HOME"] = str(home)
    try:
        if ensure_database(env):
            print(f"run-prod: created database {env['DAGSTER_PG_DB']}", flush=True)
    except Exception as e:  # noqa: BLE001 - psycopg2's errors: say what is wrong and stop
        print(
            f"run-prod: PostgreSQL at {env['DAGSTER_PG_HOST']}:{env['DAGSTER_PG_PORT']} "
            f"is not usable ({type(e).__name__}: {str(e).strip()})",
            file=sys.stderr,
        )
        return 1
    workspace = REPO / "workspace.yaml"
    n_locations = len((yaml.safe_load(workspace.read_text()) or {}).get("load_from", []))
    locs = locations(workspace, free_ports(n_locations))
    prepare_home(home, locs, env["SENTINEL_CELERY_BROKER"])
    serve, why = _serve_configured()
    if not serve:
        print(f"run-prod: sentinel serve not started ({why})", flush=True)
    procs = processes(home, locs, args.port, args.workers, serve)
    children: dict[str, subprocess.Popen[bytes]] = {}
    for proc in procs:
        children[proc.name] = start(proc, env, args.log_dir)
    print(f"run-prod: {', '.join(children)}; Dagster on http://127.0.0.1:{args.port}", flush=True)
    critical = {p.name for p in procs if p.critical}
    code = 0
    while not stopping:
        for name, child in list(children.items()):
            if child.poll() is None:
                continue
            print(f"run-prod: {name} exited ({child.returncode})", flush=True)
            if name in critical:
                code = child.returncode or 1
                stopping.append(0)
                break
            del children[name]
        time.sleep(0.2)
    stop(list(children.values()))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
