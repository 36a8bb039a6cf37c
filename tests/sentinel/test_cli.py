"""`sentinel diagnose` end to end: the real console script, Gemini on a loopback server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from tests.brain.test_redact import CORPUS, SECRETS
from tests.fakes.failing_jobs import run_http_warehouse
from tests.fakes.gemini_server import FakeGemini, Reply
from tests.fakes.loopback import free_port, health_endpoint

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("sentinel")

TRACEBACK = """\
Traceback (most recent call last):
  File "/opt/pipelines/assets/orders.py", line 42, in load_orders
    df = df[["order_id", "customer_id"]]
  File "/usr/lib/python3.11/site-packages/pandas/core/frame.py", line 3899, in __getitem__
    indexer = self.columns._get_indexer_strict(key, "columns")[1]
KeyError: "['customer_id'] not in index"
"""


def command() -> list[str]:
    if SCRIPT.exists():
        return [str(SCRIPT)]
    return [sys.executable, "-m", "dagster_sentinel.cli"]  # pragma: no cover


def run_cli(
    args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GEMINI_", "GOOGLE_", "SENTINEL_", "DAGSTER_HOME"))
    }
    env["SENTINEL_STATE_DIR"] = str(tmp_path / "state")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"  # loopback never via a proxy
    return env


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini(api_key="cli-test-key") as server:
        yield server


@pytest.fixture
def gemini_env(base_env: dict[str, str], fake: FakeGemini) -> dict[str, str]:
    return {
        **base_env,
        "SENTINEL_BRAIN": "gemini",
        "GEMINI_API_KEY": "cli-test-key",
        "GEMINI_BASE_URL": fake.url,
        "SENTINEL_GEMINI_TIMEOUT_S": "3",
        "SENTINEL_GEMINI_ATTEMPTS": "3",
    }


@pytest.fixture
def failure_file(tmp_path: Path) -> Path:
    path = tmp_path / "failure.txt"
    path.write_text(TRACEBACK, encoding="utf-8")
    return path


def parse_json_stdout(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # stdout is exactly one JSON document
    assert isinstance(data, dict)
    return data


def test_rules_json_output_is_pure_json(base_env: dict[str, str], failure_file: Path) -> None:
    proc = run_cli(
        ["diagnose", str(failure_file), "--format", "json"], {**base_env, "SENTINEL_BRAIN": "rules"}
    )
    data = parse_json_stdout(proc)
    assert data["brain"] == "rules"
    assert data["error_type"] == "KeyError"
    assert data["fingerprint"]


def test_stdin_and_markdown(base_env: dict[str, str]) -> None:
    proc = run_cli(["diagnose", "-"], {**base_env, "SENTINEL_BRAIN": "rules"}, stdin=TRACEBACK)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# ")
    assert "**Brain:** `rules`" in proc.stdout


def test_missing_file_and_bad_settings_exit_2(base_env: dict[str, str], tmp_path: Path) -> None:
    proc = run_cli(["diagnose", str(tmp_path / "nope.txt")], base_env)
    assert proc.returncode == 2 and proc.stdout == ""
    proc = run_cli(["diagnose", "-"], {**base_env, "SENTINEL_BRAIN": "psychic"}, stdin="x")
    assert proc.returncode == 2 and "SENTINEL_BRAIN" in proc.stderr


def test_gemini_answer(gemini_env: dict[str, str], fake: FakeGemini, failure_file: Path) -> None:
    proc = run_cli(["diagnose", str(failure_file), "--format", "json"], gemini_env)
    data = parse_json_stdout(proc)
    assert data["brain"] == "gemini", data["notes"]
    assert fake.request_count == 1
    assert fake.requests[0].headers["x-goog-api-key"] == "cli-test-key"


@pytest.mark.parametrize(
    "replies",
    [
        pytest.param([Reply.error(503)] * 3, id="503"),
        pytest.param([Reply.error(429, retry_after=60)] * 3, id="429"),
        pytest.param([Reply.hang(120)], id="hang"),
    ],
)
def test_gemini_trouble_returns_rules_quickly(
    gemini_env: dict[str, str], fake: FakeGemini, failure_file: Path, replies: list[Reply]
) -> None:
    fake.enqueue(*replies)
    t0 = time.monotonic()
    proc = run_cli(["diagnose", str(failure_file), "--format", "json"], gemini_env)
    elapsed = time.monotonic() - t0
    data = parse_json_stdout(proc)
    assert data["brain"] == "rules"
    assert any("Gemini" in n for n in data["notes"])
    assert elapsed < 60
    assert fake.request_count >= 1


def test_no_planted_secret_in_stdout_or_requests(
    gemini_env: dict[str, str], fake: FakeGemini, tmp_path: Path
) -> None:
    path = tmp_path / "leaky.log"
    path.write_text(CORPUS + TRACEBACK, encoding="utf-8")
    for fmt in ("json", "markdown"):
        proc = run_cli(["diagnose", str(path), "--format", fmt], gemini_env)
        assert proc.returncode == 0, proc.stderr
        for secret in SECRETS:
            assert secret not in proc.stdout, secret
            assert secret not in proc.stderr, secret
    bodies = "\n".join(fake.bodies())
    assert bodies
    for secret in SECRETS:
        assert secret not in bodies, secret


def run_cli_bytes(
    args: list[str], env: dict[str, str], stdin: bytes, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*command(), *args],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )


INVALID_UTF8 = (
    TRACEBACK.replace('not in index"', 'not in index \xff"').encode("latin-1")
    + b"\xc3\x28 truncated \xe2\x82 and a lone continuation \x80\n"
)


@pytest.mark.parametrize("locale", ["C.UTF-8", "C", "POSIX"])
@pytest.mark.parametrize("source", ["stdin", "file"])
def test_invalid_utf8_is_decoded_with_replacement(
    base_env: dict[str, str], tmp_path: Path, locale: str, source: str
) -> None:
    env = {**base_env, "SENTINEL_BRAIN": "rules", "LC_ALL": locale, "LANG": locale}
    env.pop("PYTHONUTF8", None)
    env.pop("PYTHONIOENCODING", None)
    if source == "stdin":
        proc = run_cli_bytes(["diagnose", "-", "--format", "json"], env, INVALID_UTF8)
    else:
        path = tmp_path / "bad.log"
        path.write_bytes(INVALID_UTF8)
        proc = run_cli_bytes(["diagnose", str(path), "--format", "json"], env, b"")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in proc.stderr
    data = json.loads(proc.stdout.decode("utf-8"))
    assert data["error_type"] == "KeyError"
    assert "\ufffd" in proc.stdout.decode("utf-8") or "\\ufffd" in proc.stdout.decode("utf-8")


def test_azure_account_key_does_not_leak_through_diagnose(base_env: dict[str, str]) -> None:
    key = "RmFrZUF6dXJlU3RvcmFnZUtleTAxMjM0NTY3ODkwYWJjZA=="
    sas = "FakeSasSig0123456789%2Babc%3D"
    text = (
        "Traceback (most recent call last):\n"
        '  File "/opt/pipelines/assets/export.py", line 12, in export\n'
        "    client = BlobServiceClient.from_connection_string(CONN)\n"
        "ValueError: Connection string is either blank or malformed: "
        f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={key};"
        f"EndpointSuffix=core.windows.net; url https://acme.blob.core.windows.net/c?sv=1&sig={sas}\n"
    )
    for fmt in ("json", "markdown"):
        proc = run_cli(
            ["diagnose", "-", "--format", fmt], {**base_env, "SENTINEL_BRAIN": "rules"}, stdin=text
        )
        assert proc.returncode == 0, proc.stderr
        assert "ValueError" in proc.stdout
        for secret in (key, sas, key[:20]):
            assert secret not in proc.stdout and secret not in proc.stderr


def test_bidi_controls_are_stripped_from_the_report(base_env: dict[str, str]) -> None:
    text = TRACEBACK.replace("not in index", "not in \u202eedoc_yek\u202c index")
    proc = run_cli(["diagnose", "-"], {**base_env, "SENTINEL_BRAIN": "rules"}, stdin=text)
    assert proc.returncode == 0, proc.stderr
    assert "edoc_yek" in proc.stdout
    assert "\u202e" not in proc.stdout and "\u202c" not in proc.stdout


@pytest.mark.slow
def test_logs_parse_long_token_line_does_not_stall(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    # Found by bench/fuzz.py: a 40 KB line of `private_key_id` took > 10 s (42 KB: 15 s,
    # 21 KB: 4 s). At 100 KB a linear parser takes well under a second; the quadratic one
    # takes minutes, so the limit below is only a hang guard.
    src = tmp_path / "long.log"
    src.write_text("private_key_id" * 7200 + "\n", encoding="utf-8")
    try:
        proc = run_cli(
            ["logs", "parse", str(src), "--out", str(tmp_path / "o.csv")], base_env, timeout=30
        )
    except subprocess.TimeoutExpired:
        pytest.fail("sentinel logs parse stalled on a 100 KB line")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").count("\n") == 2


# ---------------------------------------------------------------- diagnose --run


def test_diagnose_a_failed_run_of_the_instance(
    base_env: dict[str, str], dagster_home: Path
) -> None:
    """`--run` reads the run back from $DAGSTER_HOME as the sensor does: the change since the
    last success is in the evidence, and it decides."""
    with dg.DagsterInstance.get() as instance:
        with health_endpoint() as url:
            good = run_http_warehouse(instance, url)
        port = free_port()
        bad = run_http_warehouse(instance, f"http://127.0.0.1:{port}")
    assert good.success and not bad.success
    env = {**base_env, "DAGSTER_HOME": str(dagster_home), "SENTINEL_BRAIN": "rules"}

    report = parse_json_stdout(run_cli(["diagnose", "--run", bad.run_id, "--format", "json"], env))
    assert report["category"] == "config_error"
    assert f"port={port}" in report["candidates"][0]["evidence"][0]
    assert "resources.warehouse.config.url" in report["candidates"][0]["evidence"][1]

    markdown = run_cli(["diagnose", "--run", bad.run_id], env)
    assert markdown.returncode == 0 and "config_error" in markdown.stdout

    for args, why in (
        (["--run", good.run_id], f"run {good.run_id} did not fail (status SUCCESS)"),
        (["--run", "0" * 36], "no run 000"),
        (["somefile.txt", "--run", bad.run_id], "give a file or --run, not both"),
    ):
        proc = run_cli(["diagnose", *args], env)
        assert proc.returncode == 2 and why in proc.stderr, proc.stderr
        assert proc.stdout == ""
    unset = {k: v for k, v in env.items() if k != "DAGSTER_HOME"}
    proc = run_cli(["diagnose", "--run", bad.run_id], unset)
    assert proc.returncode == 2 and "$DAGSTER_HOME, which is not set" in proc.stderr
