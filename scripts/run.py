"""`make run`: `dagster dev` and, when the Slack app is configured, `sentinel serve`, side by
side; one Ctrl-C or one SIGTERM stops both within seconds, with no orphans.

Why a script: a background job of a non-interactive shell starts with SIGINT ignored, and
Dagster's interrupt setup copies that disposition onto SIGTERM, so a tree started from a
script or CI would ignore both. Here every child starts with default SIGINT/SIGTERM
dispositions, in its own process group; the launcher forwards one stop signal to each group,
waits, and kills what is left.

Usage: python scripts/run.py [--port 3000]   (DAGSTER_HOME and the Sentinel settings come
from the environment, as `make run` sets them.)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STOP_GRACE_S = 10.0


def _default_signals() -> None:
    """In the child, before exec: undo inherited SIG_IGN (exec keeps ignored dispositions)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def catch_stop_signals() -> list[int]:
    """Install our SIGINT/SIGTERM/SIGHUP handler and return the list each one is appended to:
    the launcher's loop runs while it is empty. Ours first: a stop request must reach the loop
    even if we were started with SIG_IGN (children get default dispositions back,
    `_default_signals`)."""
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    return stopping


def _start(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, cwd=REPO, preexec_fn=_default_signals, start_new_session=True)


def _serve_configured() -> tuple[bool, str]:
    sys.path.insert(0, str(REPO))
    from dagster_sentinel.config import SentinelConfig
    from dagster_sentinel.errors import ConfigurationError

    try:
        config = SentinelConfig.from_env()
    except ConfigurationError as e:
        return False, str(e)
    if not config.serve.signing_secret or not config.slack.bot_token:
        return False, "set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to start it"
    return True, ""


def _stop(children: list[subprocess.Popen[bytes]], sig: int = signal.SIGTERM) -> None:
    """One signal to each child's process group, then SIGKILL for what outlives the grace."""
    for child in children:
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_GRACE_S
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            pass
    for child in children:
        try:
            os.killpg(child.pid, signal.SIGKILL)  # stragglers: the group, not just the leader
        except ProcessLookupError:
            pass
        child.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", default=os.environ.get("DAGSTER_PORT", "3000"))
    args = parser.parse_args(argv)

    stopping = catch_stop_signals()

    children = [
        _start(
            [
                str(BIN / "dagster"),
                "dev",
                "-w",
                "workspace.yaml",
                "-h",
                "127.0.0.1",
                "-p",
                args.port,
            ]
        )
    ]
    ok, why = _serve_configured()
    if ok:
        children.append(_start([str(BIN / "sentinel"), "serve"]))
    else:
        print(f"run: sentinel serve not started ({why})", flush=True)

    code = 0
    dagster = children[0]
    while not stopping:
        if dagster.poll() is not None:
            code = dagster.returncode or 0
            print(f"run: dagster dev exited ({code}); stopping the rest", flush=True)
            break
        for child in children[1:]:
            if child.poll() is not None:
                # The Slack app is optional: Dagster keeps running without it.
                print(f"run: sentinel serve exited ({child.returncode})", flush=True)
                children.remove(child)
        time.sleep(0.2)
    _stop(children)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
