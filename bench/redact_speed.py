"""Redaction figures: throughput, false positives, recall, adversarial timings.

.venv/bin/python bench/redact_speed.py [--lines 200000] [--secret-every 50] [--adversarial]
                                       [--benign-glob '/path/to/real/logs/*.log']

- throughput on a synthetic Dagster-style log, in lines/s of CPU time (the machine is
  shared, so wall time is printed too but CPU time is the comparable figure);
- false-positive rate on tests/brain/redact_corpus/benign.txt (lines changed / lines);
- recall on tests/brain/redact_corpus/secrets.txt (planted secrets removed / planted);
- with --benign-glob: the same rate on real log files you trust to hold no secret (e.g.
  Loghub's 2k samples), with the changed lines printed for review;
- with --adversarial: time for 1 MB and 5 MB single lines of each adversarial shape.
"""

from __future__ import annotations

import argparse
import glob
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sentinel_brain.redact import redact  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "brain" / "redact_corpus"
ADVERSARIAL = {
    "password a=a=a=...": ("password a=", "a="),
    "password=password=...": ("", "password="),
    "::::": ("", ":"),
    'password="""...': ('password="', '"'),
    "-----BEGIN ... x N": ("", "-----BEGIN RSA PRIVATE KEY-----"),
    "eyJAAAA...": ("eyJ", "A"),
    "token=%%%...": ("token=", "%"),
    "postgres://u:p@p@...": ("postgres://u:", "p@"),
    "<password><password>...": ("", "<password>"),
    "Authorization: x N": ("", "Authorization: "),
    "'--password', x N": ("", "'--password', "),
    "mysql -p x N": ("", "mysql -p"),
    "Pwd={}}}}...": ("Pwd={", "}}"),
}

_CLEAN = [
    "2026-11-25 03:12:{s:02d} +0000 - dagster - DEBUG - etl_job - {run} - {n} - STEP_START - "
    'Started execution of step "load_orders".',
    "2026-11-25 03:12:{s:02d} +0000 - dagster - INFO - etl_job - {run} - load_orders - "
    "Loaded {n} rows from s3://warehouse/orders/2026-11-24.parquet in 0.{s}s",
    'INFO:httpx:HTTP Request: GET https://api.example.com/v2/items?page={n} "HTTP/1.1 200 OK"',
    "WARNING worker-{s}: retrying batch {n} after transient error (attempt 2/5)",
    '  File "/opt/pipelines/assets/orders.py", line {n}, in load_orders',
    "    df = pd.read_parquet(path, columns=COLUMNS)",
    "KeyError: 'customer_id'",
    "commit 3f2a9c1e4b5d6f708192a3b4c5d6e7f809a1b2c3 merged; request id {run}",
]
_SECRETS = [
    "connecting with password={n}hunter2 to db",
    "DATABASE_URL=postgresql://etl:s3cr3t{n}@db.internal:5432/prod",
    "Authorization: Bearer abcdefghijklmnopqrstu{n}",
    "aws_access_key_id=AKIAIOSFODNN7EXAMPLE",
]


def build(lines: int, secret_every: int) -> str:
    rnd = random.Random(7)
    out = []
    for i in range(lines):
        pool = _SECRETS if secret_every and i % secret_every == 0 else _CLEAN
        out.append(
            rnd.choice(pool).format(
                s=i % 60, n=rnd.randint(1, 99999), run=f"{rnd.getrandbits(64):016x}"
            )
        )
    return "\n".join(out)


def _corpus(name: str) -> list[str]:
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def quality() -> None:
    benign = _corpus("benign.txt")
    changed = sum(redact(line) != line for line in benign)
    print(
        f"false positives: {changed}/{len(benign)} benign lines changed "
        f"({100 * changed / len(benign):.1f}%)"
    )
    planted = [line.split("\t", 1) for line in _corpus("secrets.txt")]
    caught = sum(secret not in redact(line) for secret, line in planted)
    print(f"recall: {caught}/{len(planted)} planted secrets removed")


def benign_files(pattern: str) -> None:
    paths = sorted(glob.glob(pattern))
    total = 0
    changed: list[tuple[str, str]] = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh.read().splitlines():
                total += 1
                out = redact(line)
                if out != line:
                    changed.append((path, out))
    texts = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fh:
            texts.append(fh.read())
    joined = "\n".join(texts)
    c0 = time.process_time()
    redact(joined)
    cpu = max(time.process_time() - c0, 1e-9)
    print(f"redact on those files: {total} lines in {cpu:.3f}s CPU -> {total / cpu:,.0f} lines/s")
    rate = 100 * len(changed) / max(total, 1)
    print(
        f"false positives on {len(paths)} files: {len(changed)}/{total} lines changed ({rate:.2f}%)"
    )
    for path, out in changed[:20]:
        print(f"    {Path(path).name}: {out[:160]}")


def adversarial() -> None:
    for name, (head, unit) in ADVERSARIAL.items():
        times = []
        for mb in (1, 5):
            text = head + unit * (mb * 1_000_000 // len(unit))
            t0 = time.process_time()
            redact(text)
            times.append(time.process_time() - t0)
        print(f"adversarial {name:26s} 1 MB {times[0]:6.2f}s   5 MB {times[1]:6.2f}s (CPU)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--secret-every", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--adversarial", action="store_true")
    ap.add_argument("--benign-glob", help="real log files holding no secret, e.g. 'loghub/*.log'")
    args = ap.parse_args()
    text = build(args.lines, args.secret_every)
    best_cpu = best_wall = float("inf")
    for _ in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = redact(text)
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    assert out.count("\n") == text.count("\n")
    print(
        f"redact: {args.lines} lines ({len(text) / 1e6:.1f} MB, 1 secret line per "
        f"{args.secret_every}) in {best_cpu:.3f}s CPU -> {args.lines / best_cpu:,.0f} lines/s "
        f"(wall {best_wall:.3f}s -> {args.lines / best_wall:,.0f} lines/s)"
    )
    quality()
    if args.benign_glob:
        benign_files(args.benign_glob)
    if args.adversarial:
        adversarial()


if __name__ == "__main__":
    main()
