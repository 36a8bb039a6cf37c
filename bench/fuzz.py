"""Fuzz the untrusted-input entry points for a fixed time budget; print what was found.

.venv/bin/python bench/fuzz.py [--seconds 60] [--per-call-limit 10] [--target NAME ...]

Targets (each gets an equal share of the budget):

- `redact`    sentinel_brain.redact.redact(text): must keep the line count, be idempotent on its own
              output, and never return a planted marker-free secret it was handed;
- `sanitize`  sentinel_brain.redact.sanitize(text): no bidi control survives;
- `brain`     sentinel_brain.evidence.from_text(text) + sentinel_brain.analyzers.analyze(evidence);
- `diagnose`  dagster_sentinel.cli.main(["diagnose", "-", ...]) with arbitrary stdin bytes;
- `logs`      dagster_sentinel.cli.main(["logs", "parse", FILE, "--out", CSV]) on arbitrary bytes.

Inputs come from hypothesis with adversarial strategies: arbitrary text and bytes, token
soups built from the fragments that the patterns key on (secret words, separators, quotes,
PEM armour, URL punctuation, bidi controls, NUL, invalid UTF-8), and long repetitions of one
fragment (the shape that exposes super-linear regexes). A call that raises, breaks an
invariant, or runs longer than --per-call-limit seconds counts as a crash; hypothesis then
shrinks it (with --shrink) and the smallest input is printed, ready to become a regression
test. Checks run in a child process that is killed and restarted when a call overruns.

Prints executions per target, crashes found, and the slowest input (time and size).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dagster_sentinel.cli import main as cli_main  # noqa: E402
from sentinel_brain.analyzers import analyze  # noqa: E402
from sentinel_brain.evidence import from_text  # noqa: E402
from sentinel_brain.redact import redact, sanitize  # noqa: E402

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

FRAGMENTS = [
    *"password passwd pwd PWD secret token api_key apiKey AccountKey sig auth Authorization"
    " Bearer Basic Cookie Set-Cookie X-Api-Key --password -p mysql sshpass curl -u"
    " private_key_id <name> </name> <value> </value> <password> </password> name value"
    " AKIA ASIA AIza ghp_ github_pat_ glpat- hvs. xoxb- xapp-1- sk- sk_live_ whsec_ eyJ SG."
    " npm_ pypi-AgE dapi HRKU- dop_v1_ 8Q~ Traceback File line Error: KeyError ValueError"
    " STEP_FAILURE dagster".split(),
    *list("=:;,&?@/\\\"'{}[]()<>%$#|~.-_+*! \t\n\r"),
    "\\n",
    '\\"',
    "}}",
    "=>",
    "://",
    "postgresql://u:",
    "@db:5432/x",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----",
    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
    "0123456789abcdef",
    'Traceback (most recent call last):\n  File "/opt/a.py", line 3, in f\n    x()\n',
    "The above exception was the direct cause of the following exception:\n",
    "\x00",
    "\ufffd",
    "\U0001f600",
    "İ",
    *BIDI,
]
RAW_BYTES = [b"\xff", b"\xfe", b"\xc3\x28", b"\xe2\x82", b"\x80", b"\xed\xa0\x80", b"\x00"]

fragment = st.sampled_from(FRAGMENTS)
soup = st.lists(fragment, max_size=200).map("".join)
# One fragment (or a short run of them) repeated many times: the super-linear shape.
repeated = st.builds(
    lambda parts, n, head, tail: head + "".join(parts) * n + tail,
    st.lists(fragment, min_size=1, max_size=3),
    st.integers(min_value=1, max_value=40_000),
    soup,
    soup,
)
texts = st.one_of(st.text(max_size=2000), soup, repeated)
byte_soup = st.lists(
    st.one_of(fragment.map(lambda s: s.encode("utf-8")), st.sampled_from(RAW_BYTES)),
    max_size=200,
).map(b"".join)
blobs = st.one_of(
    st.binary(max_size=4000), byte_soup, texts.map(lambda s: s.encode("utf-8", "surrogatepass"))
)


class SlowInput(Exception):
    """A single call ran past the per-call limit."""


class InvariantBroken(AssertionError):
    """The target returned, but its output breaks a promise."""


@dataclass
class Stats:
    name: str
    executions: int = 0
    crashes: list[str] = field(default_factory=list)
    slowest_s: float = 0.0
    slowest_size: int = 0
    slowest_repr: str = ""


class Worker:
    """Runs checks in a child process, so that a call stuck in C code (a regex, a parser)
    can be stopped: the parent waits `limit` seconds, then kills and restarts the child."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.ctx = multiprocessing.get_context("fork")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_serve, args=(child,), daemon=True)
        self.proc.start()
        child.close()

    def call(self, name: str, value: Any) -> None:
        self.conn.send((name, value))
        if not self.conn.poll(self.limit):
            self.proc.kill()
            self.proc.join()
            self._start()
            raise SlowInput(f"{name} ran for more than {self.limit}s on {len(value)} chars/bytes")
        status, detail = self.conn.recv()
        if status != "ok":
            raise InvariantBroken(detail)

    def close(self) -> None:
        self.proc.kill()
        self.proc.join()


def _serve(conn: Any) -> None:
    while True:
        try:
            name, value = conn.recv()
        except EOFError:
            return
        try:
            TARGETS[name][0](value)
        except BaseException as e:  # noqa: BLE001 - reported to the parent as a finding
            conn.send(("error", f"{type(e).__name__}: {e}"[:500]))
        else:
            conn.send(("ok", ""))


def check_redact(text: str) -> None:
    out = redact(text)
    if out.count("\n") != sanitize(text).count("\n"):
        raise InvariantBroken("redact() changed the number of lines")
    if redact(out) != out:
        raise InvariantBroken("redact() is not idempotent on its own output")
    if any(c in out for c in BIDI):
        raise InvariantBroken("a bidi control survived redact()")
    planted = "password=Fuzz-S3cret-Planted"
    if "Fuzz-S3cret-Planted" in redact(text + "\n" + planted):
        raise InvariantBroken("a planted secret on its own line survived")


def check_sanitize(text: str) -> None:
    out = sanitize(text)
    if any(c in out for c in BIDI) or len(out) > len(text):
        raise InvariantBroken("sanitize() left a bidi control")


def check_brain(text: str) -> None:
    report = analyze(from_text(text))
    report.model_dump_json()


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)

    def read(self) -> str:  # pragma: no cover - the CLI must not read text
        raise InvariantBroken("diagnose read stdin as text")


def _run_cli(argv: list[str], stdin: bytes) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_in = sys.stdin
    sys.stdin = _Stdin(stdin)  # type: ignore[assignment]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = cli_main(argv)
            except SystemExit as e:  # argparse errors
                rc = int(e.code or 0)
    finally:
        sys.stdin = old_in
    return rc, out.getvalue(), err.getvalue()


def check_diagnose(data: bytes) -> None:
    os.environ["SENTINEL_BRAIN"] = "rules"
    rc, out, _ = _run_cli(["diagnose", "-", "--format", "json"], data)
    if rc != 0:
        raise InvariantBroken(f"diagnose exited {rc}")
    if "Fuzz-S3cret-Planted" in out:
        raise InvariantBroken("a planted secret reached the report")


def check_logs(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.log"
        src.write_bytes(data)
        rc, _, err = _run_cli(["logs", "parse", str(src), "--out", str(Path(tmp) / "o.csv")], b"")
        if rc not in (0, 2):
            raise InvariantBroken(f"logs parse exited {rc}: {err[-300:]}")


TARGETS: dict[str, tuple[Callable[[Any], None], st.SearchStrategy[Any]]] = {
    "redact": (check_redact, texts),
    "sanitize": (check_sanitize, texts),
    "brain": (check_brain, texts),
    "diagnose": (
        check_diagnose,
        st.one_of(blobs, blobs.map(lambda b: b + b"\npassword=Fuzz-S3cret-Planted\n")),
    ),
    "logs": (check_logs, blobs),
}


def fuzz(name: str, seconds: float, worker: Worker, shrink: bool, save_dir: Path) -> Stats:
    strategy = TARGETS[name][1]
    stats = Stats(name)
    deadline = time.monotonic() + seconds
    last_failing: list[Any] = []

    def one(value: Any) -> None:
        stats.executions += 1
        t0 = time.perf_counter()
        try:
            worker.call(name, value)
        except BaseException:
            last_failing.append(value)
            raise
        finally:
            dt = time.perf_counter() - t0
            if dt > stats.slowest_s:
                stats.slowest_s = dt
                stats.slowest_size = len(value)
                stats.slowest_repr = repr(value[:80])

    run = settings(
        max_examples=100,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink] if shrink else [Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )(given(strategy)(one))
    while time.monotonic() < deadline:
        try:
            run()
        except Exception as e:  # noqa: BLE001 - every failure is a finding to print
            smallest = last_failing[-1] if last_failing else None
            saved = save_dir / f"{name}-{len(stats.crashes) + 1}.bin"
            if smallest is not None:
                data = (
                    smallest
                    if isinstance(smallest, bytes)
                    else smallest.encode("utf-8", "surrogatepass")
                )
                saved.write_bytes(data)
            stats.crashes.append(
                f"{type(e).__name__}: {str(e)[:200]} <- {smallest!r:.300} (saved: {saved})"
            )
            last_failing.clear()
            if len(stats.crashes) >= 5:
                break
    return stats


def main() -> int:
    warnings.filterwarnings("ignore", category=HypothesisWarning)  # "overly large repr"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="total budget")
    ap.add_argument("--per-call-limit", type=float, default=10.0)
    ap.add_argument("--target", action="append", choices=list(TARGETS))
    ap.add_argument(
        "--save-dir", type=Path, help="where failing inputs are written (default: a temp dir)"
    )
    ap.add_argument(
        "--shrink", action="store_true", help="minimise failing inputs (slow inputs make it slow)"
    )
    args = ap.parse_args()
    names = args.target or list(TARGETS)
    share = args.seconds / len(names)
    os.environ.setdefault("SENTINEL_STATE_DIR", tempfile.mkdtemp(prefix="sentinel-fuzz-"))
    total_exec = total_crash = 0
    slowest = (0.0, "", 0)
    save_dir = args.save_dir or Path(tempfile.mkdtemp(prefix="sentinel-fuzz-crashes-"))
    save_dir.mkdir(parents=True, exist_ok=True)
    worker = Worker(args.per_call_limit)
    for name in names:
        s = fuzz(name, share, worker, args.shrink, save_dir)
        total_exec += s.executions
        total_crash += len(s.crashes)
        if s.slowest_s > slowest[0]:
            slowest = (s.slowest_s, name, s.slowest_size)
        print(
            f"{name:9s} executions={s.executions:6d} crashes={len(s.crashes)} "
            f"slowest={s.slowest_s:.3f}s ({s.slowest_size} chars/bytes: {s.slowest_repr})"
        )
        for c in s.crashes:
            print(f"    CRASH {c}")
    worker.close()
    print(
        f"total: {total_exec} executions in {args.seconds:.0f}s, {total_crash} crashes, "
        f"slowest input {slowest[0]:.3f}s ({slowest[1]}, {slowest[2]} chars/bytes)"
    )
    return 1 if total_crash else 0


if __name__ == "__main__":
    raise SystemExit(main())
