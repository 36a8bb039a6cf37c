"""Speed of `sentinel logs parse` vs. drain3's TemplateMiner.add_log_message, line by line.

Builds 1,000,000 HDFS lines (Loghub's HDFS_2k repeated 500x, in a temp dir; Loghub data is
read from the shared data dir, never copied into the repo), then runs, each in its own child
process of the same run on the same machine:

* ours: ``sentinel logs parse FILE --out CSV`` (end to end: read, header
  parsing, masking, mining, structured CSV written);
* drain3: read the same file, take each line's Content (same header regex), then
  ``TemplateMiner.add_log_message`` (drain3 defaults) one by one. The headline ratio compares
  our end-to-end time with the add_log_message loop ALONE (the strict reading); the ratio
  including drain3's reading/extraction is printed too.

Runs alternate (``--runs``, default 3) and the best time of each counts, since the machine may
be shared. Prints both times, the ratio and each child's peak RSS (``os.wait4`` rusage).
Usage: ``.venv/bin/python -m bench.logs_speed [--repeat 500] [--dataset HDFS]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sentinel_brain.logs.loghub import dataset_paths

DRAIN3_BASELINE = r"""
import sys, time
from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig
import re
from sentinel_brain.logs.formats import make_parser
match = re.compile(make_parser(sys.argv[2]).header.pattern).match
contents = []
e0 = time.perf_counter()
with open(sys.argv[1], encoding="utf-8", errors="replace") as fh:
    for line in fh:  # reading + content extraction, timed separately from the loop
        m = match(line.rstrip("\r\n"))
        contents.append(m.group("Content") if m else line)
extract = time.perf_counter() - e0
miner = TemplateMiner(config=TemplateMinerConfig())  # drain3 defaults
add = miner.add_log_message
t0, c0 = time.perf_counter(), time.process_time()
for c in contents:
    add(c)
print(time.perf_counter() - t0, time.process_time() - c0, extract)
print(len(miner.drain.clusters), "clusters", file=sys.stderr)
"""


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, int, str]:
    """Wall seconds, CPU seconds, peak RSS (bytes), exit code and stdout of a child process."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss * 1024, proc.returncode, text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="HDFS")
    ap.add_argument("--repeat", type=int, default=500)
    ap.add_argument(
        "--runs", type=int, default=3, help="alternating runs of each; the best time counts"
    )
    args = ap.parse_args(argv)
    log_path, _ = dataset_paths(args.dataset)
    if not log_path.exists():
        print(f"Loghub sample not found: {log_path} (set SENTINEL_SHARED_DATA)", file=sys.stderr)
        return 2
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(repo) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    data = log_path.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    with tempfile.TemporaryDirectory(prefix="logs-speed-") as tmp:
        big = Path(tmp) / f"{args.dataset}_x{args.repeat}.log"
        with open(big, "wb") as fh:
            for _ in range(args.repeat):
                fh.write(data)
        n_lines = data.count(b"\n") * args.repeat
        out_csv = Path(tmp) / "out.csv"
        # the installed `sentinel` command as a fresh process, as a user runs it
        entry = Path(sys.executable).with_name("sentinel")
        launcher = (
            [str(entry)] if entry.exists() else [sys.executable, "-m", "dagster_sentinel.cli"]
        )
        ours = [
            *launcher,
            "logs",
            "parse",
            str(big),
            "--log-format",
            args.dataset.lower(),
            "--out",
            str(out_csv),
        ]
        base = [sys.executable, "-c", DRAIN3_BASELINE, str(big), args.dataset.lower()]
        ours_t: list[float] = []
        ours_cpu: list[float] = []
        base_t: list[float] = []
        base_cpu: list[float] = []
        base_e2e: list[float] = []
        rss_ours = rss_base = 0
        for _ in range(max(1, args.runs)):
            t, cpu, rss, rc1, _ = _run(ours, env)
            if rc1:
                print(f"sentinel logs parse failed: rc={rc1}", file=sys.stderr)
                return 1
            ours_t.append(t)
            ours_cpu.append(cpu)
            rss_ours = max(rss_ours, rss)
            _, _, rss, rc2, printed = _run(base, env)
            if rc2:
                print(f"drain3 baseline failed: rc={rc2}", file=sys.stderr)
                return 1
            wall_s, cpu_s, extract_s = printed.strip().splitlines()[-1].split()
            base_t.append(float(wall_s))
            base_cpu.append(float(cpu_s))
            base_e2e.append(float(wall_s) + float(extract_s))
            rss_base = max(rss_base, rss)
        t_ours, t_base = min(ours_t), min(base_t)
        with open(out_csv, "rb") as fh:
            rows = sum(1 for _ in fh) - 1
    print(
        f"input: {n_lines:,} lines ({args.dataset}_2k x {args.repeat}), CSV rows written {rows:,}"
    )
    print(
        f"sentinel logs parse (end to end): {t_ours:8.2f} s   peak RSS {rss_ours / 2**20:7.1f} MiB"
    )
    print(
        f"drain3 add_log_message loop only: {t_base:8.2f} s   peak RSS {rss_base / 2**20:7.1f} MiB"
        "  (contents pre-extracted, untimed)"
    )
    print(f"speed-up (best of {len(ours_t)}): {t_base / t_ours:.2f}x")
    print(
        f"CPU time (user+sys, best of {len(ours_t)}): ours {min(ours_cpu):.2f} s (whole process), "
        f"drain3 loop {min(base_cpu):.2f} s -> {min(base_cpu) / min(ours_cpu):.2f}x"
    )
    print(
        f"drain3 incl. reading + content extraction (same header regex, one by one): "
        f"{min(base_e2e):.2f} s -> {min(base_e2e) / t_ours:.2f}x"
    )
    print("all runs, ours wall:   " + ", ".join(f"{t:.2f}" for t in ours_t) + " s")
    print("all runs, drain3 wall: " + ", ".join(f"{t:.2f}" for t in base_t) + " s")
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
