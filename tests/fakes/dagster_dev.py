"""`dagster dev` (webserver + daemon) on a free port, driven through GraphQL; or the whole
`make run` launcher (scripts/run.py: `dagster dev` and `sentinel serve`).

Shared by the end-to-end tests and the latency benchmark.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_graphql import DagsterGraphQLClient

from tests.fakes.loopback import free_port

REPO = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).parent / "dagster"


class Deployment:
    def __init__(self, home: Path, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.home, self.port, self.proc, self.log = home, port, proc, log
        self.client = DagsterGraphQLClient("127.0.0.1", port_number=port)

    def launch(
        self, job: str, run_config: dict | None = None, timeout: float = 180, location: str = "demo"
    ) -> str:
        deadline = time.time() + timeout
        last: Exception | None = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dagster dev exited:\n{self.log.read_text()[-4000:]}")
            try:
                return self.client.submit_job_execution(
                    job, repository_location_name=location, run_config=run_config or {}
                )
            except Exception as e:  # noqa: BLE001 - the server is still starting
                last = e
                time.sleep(1)
        raise AssertionError(f"could not launch {job}: {last}\n{self.log.read_text()[-4000:]}")

    def run_status(self, run_id: str) -> str:
        return self.client.get_run_status(run_id).value

    def rca_materialization(self) -> dict | None:
        query = """
        query { assetOrError(assetKey: {path: ["sentinel", "rca_report"]}) {
          ... on Asset { assetMaterializations(limit: 5) { runId partition
              metadataEntries { label ... on MarkdownMetadataEntry { mdStr }
                                       ... on TextMetadataEntry { text }
                                       ... on BoolMetadataEntry { boolValue } } } } } }
        """
        data = self.client._execute(query)  # noqa: SLF001 - the client's own GraphQL call
        asset = data.get("assetOrError") or {}
        mats = asset.get("assetMaterializations") or []
        return mats[0] if mats else None


@contextmanager
def dagster_dev(
    home: Path, extra_env: dict[str, str], workspace: str = "workspace.yaml"
) -> Iterator[Deployment]:
    """Start `dagster dev -w workspace.yaml` like `make run` does, and stop it afterwards."""
    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = _clean_env(home, port, extra_env)
    argv = [str(DAGSTER), "dev", "-w", workspace, "-h", "127.0.0.1", "-p", str(port)]
    with _started(argv, env, home, port, home / "dagster-dev.log") as deployment:
        yield deployment


@contextmanager
def _started(
    argv: list[str], env: dict[str, str], home: Path, port: int, log: Path
) -> Iterator[Deployment]:
    """Run `argv` in its own session, logging to `log`; one SIGTERM to its group stops it
    (the launchers stop their children's groups), SIGKILL after 30 s."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield Deployment(home, port, proc, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _clean_env(home: Path, port: int, extra_env: dict[str, str]) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GEMINI_", "SENTINEL_"))
    }
    env.update(DAGSTER_HOME=str(home), SENTINEL_UI_URL=f"http://127.0.0.1:{port}")
    env.update(extra_env)
    return env


@contextmanager
def make_run(home: Path, extra_env: dict[str, str]) -> Iterator[Deployment]:
    """Start scripts/run.py exactly as `make run` does (`dagster dev`, plus `sentinel serve`
    when the Slack app is configured in `extra_env`), and stop the whole tree with one
    SIGTERM afterwards. `Deployment.launch` waits for the webserver."""
    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = _clean_env(home, port, {"DAGSTER_PORT": str(port), **extra_env})
    argv = [sys.executable, "scripts/run.py", "--port", str(port)]
    with _started(argv, env, home, port, home / "make-run.log") as deployment:
        yield deployment
