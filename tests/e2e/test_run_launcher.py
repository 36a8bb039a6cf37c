"""`make run`'s launcher (scripts/run.py) started the way a script starts it (a background
job of a non-interactive shell: SIGINT ignored): one SIGTERM stops `dagster dev` and
`sentinel serve` and every process they started, within seconds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fakes.loopback import free_port
from tests.fakes.slack_app import SIGNING_SECRET
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_one_sigterm_stops_dagster_and_serve_with_no_orphans(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    dagster_port, serve_port = free_port(), free_port()
    with FakeSlack() as slack:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "GEMINI_", "SENTINEL_"))
        }
        env.update(
            DAGSTER_HOME=str(home),
            DAGSTER_PORT=str(dagster_port),
            SLACK_BOT_TOKEN=slack.token,
            SLACK_API_URL=slack.url,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SENTINEL_SERVE_PORT=str(serve_port),
            SENTINEL_BRAIN="rules",
        )
        log = (tmp_path / "run.log").open("wb")
        script = f"{sys.executable} scripts/run.py --port {dagster_port} & wait"
        shell = subprocess.Popen(
            ["bash", "-c", script],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.time() + 120
            up = set()
            while time.time() < deadline and len(up) < 2:
                for name, url in (
                    ("serve", f"http://127.0.0.1:{serve_port}/healthz"),
                    ("dagster", f"http://127.0.0.1:{dagster_port}/server_info"),
                ):
                    try:
                        if requests.get(url, timeout=2).status_code == 200:
                            up.add(name)
                    except requests.RequestException:
                        pass
                time.sleep(0.5)
            assert up == {"serve", "dagster"}, (tmp_path / "run.log").read_text()[-3000:]
            tree = descendants(shell.pid)
            assert len(tree) >= 3

            started = time.time()
            os.killpg(shell.pid, signal.SIGTERM)
            shell.wait(timeout=20)
            while time.time() - started < 20 and any(alive(p) for p in tree):
                time.sleep(0.2)
            left = [p for p in tree if alive(p)]
            assert left == [], f"orphans after SIGTERM: {left}"
            assert time.time() - started < 15
        finally:
            for pid in descendants(shell.pid) | {shell.pid}:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            log.close()
