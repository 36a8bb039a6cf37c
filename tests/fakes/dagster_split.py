"""The Dagster webserver and daemon as two processes, so the daemon can be stopped and
started again (the loopback dependency that goes down and comes back is
`tests.fakes.rates_service`).

Used by tests/e2e/test_selfheal.py and bench/remediation.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster_graphql import DagsterGraphQLClient

from tests.fakes.dagster_dev import REPO
from tests.fakes.loopback import free_port

BIN = Path(sys.executable).parent


class Split:
    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.port = free_port()
        self.env = env
        self.webserver: subprocess.Popen[bytes] | None = None
        self.daemon: subprocess.Popen[bytes] | None = None
        self.client = DagsterGraphQLClient("127.0.0.1", port_number=self.port)
        self.daemon_starts = 0

    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        with (self.home / log).open("ab") as out:
            return subprocess.Popen(
                args,
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_webserver(self) -> None:
        self.webserver = self._spawn(
            [
                str(BIN / "dagster-webserver"),
                "-w",
                "workspace.yaml",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            "webserver.log",
        )

    def wait_webserver(self, timeout: float = 240) -> None:
        import requests

        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/server_info", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise AssertionError(f"the webserver did not start\n{self.log_tail()}")

    def start_daemon(self) -> None:
        self.daemon_starts += 1
        self.daemon = self._spawn(
            [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], "daemon.log"
        )

    def stop_daemon(self) -> None:
        _stop(self.daemon)
        self.daemon = None

    def stop(self) -> None:
        self.stop_daemon()
        _stop(self.webserver)
        self.webserver = None

    def log_tail(self) -> str:
        out = []
        for name in ("webserver.log", "daemon.log"):
            path = self.home / name
            if path.exists():
                out.append(f"--- {name}\n" + path.read_text(errors="replace")[-3000:])
        return "\n".join(out)

    def launch(
        self,
        job: str,
        run_config: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        timeout: float = 240,
        location: str = "demo",
        asset_selection: list[list[str]] | None = None,
    ) -> str:
        deadline = time.time() + timeout
        last: Exception | None = None
        while time.time() < deadline:
            try:
                return self.client.submit_job_execution(
                    job,
                    repository_location_name=location,
                    run_config=run_config or {},
                    tags=tags,
                    asset_selection=asset_selection,
                )
            except Exception as e:  # noqa: BLE001 - the server is still starting
                last = e
                time.sleep(1)
        raise AssertionError(f"could not launch {job}: {last}\n{self.log_tail()}")

    def status(self, run_id: str) -> str:
        return self.client.get_run_status(run_id).value

    def wait_status(self, run_id: str, statuses: tuple[str, ...], timeout: float = 180) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = self.status(run_id)
            if status in statuses:
                return status
            time.sleep(0.5)
        raise AssertionError(f"run {run_id} is {self.status(run_id)}\n{self.log_tail()}")


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextmanager
def split_deployment(
    home: Path, extra_env: dict[str, str], *, run_retries: bool = False
) -> Iterator[Split]:
    """Webserver and daemon on `home` (deploy/dagster.yaml, optionally with run retries)."""
    config = (REPO / "deploy" / "dagster.yaml").read_text()
    if run_retries:
        config += "run_retries:\n  enabled: true\n"
    (home / "dagster.yaml").write_text(config)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GEMINI_", "SENTINEL_"))
    }
    env.update(DAGSTER_HOME=str(home), SENTINEL_BRAIN="rules")
    split = Split(home, env)
    env.update(SENTINEL_UI_URL=f"http://127.0.0.1:{split.port}")
    env.update(SENTINEL_DAGSTER_URL=f"http://127.0.0.1:{split.port}")
    env.update(extra_env)
    # Create the instance's storage once, here: a webserver and a daemon starting together
    # on a fresh DAGSTER_HOME race to create the SQLite schema (two alembic heads).
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        instance.get_runs(limit=1)
    try:
        split.start_webserver()
        split.wait_webserver()
        split.start_daemon()
        yield split
    finally:
        split.stop()
