"""Sustained load on the production topology: failed runs at a steady rate across 50 jobs in
3 code locations, processed by the real daemon and Sentinel's code server on PostgreSQL.

    .venv/bin/python -m bench.sustained [--per-hour 1000] [--minutes 10]

Runs are created in the run storage the way bench/burst.py does (execute_in_process on the
shared PostgreSQL instance, jobs without the hook), so only Sentinel's sensors see them.
Prints: processing lag (run end → incident registered) p50/p95, Slack messages per minute,
store growth (Sentinel's tables and Dagster's, bytes and rows per failure), and the peak
memory (RSS) of the daemon and of Sentinel's code server, first vs last minute.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from bench.sustained_jobs import JOBS, LoadConfig
from tests.fakes.prod_topology import prod_topology
from tests.fakes.slack_server import FakeSlack
from tests.sentinel.conftest import fresh_postgres_database

WORKSPACE = """load_from:
  - python_module: {module_name: bench.sustained_jobs, attribute: defs_a, location_name: load_a}
  - python_module: {module_name: bench.sustained_jobs, attribute: defs_b, location_name: load_b}
  - python_module: {module_name: bench.sustained_jobs, attribute: defs_c, location_name: load_c}
  - python_module:
      {module_name: dagster_sentinel.definitions, attribute: defs, location_name: sentinel}
"""


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def tree_rss_kb(pid: int, *, runs: bool = True) -> int:
    """RSS of a process and its descendants, in KiB (from /proc). With `runs=False`, only the
    code server and its gRPC server child count: run workers it launched (RCA runs, spawned
    processes) come and go with the runs and are not the server's own memory."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        if not runs and p != pid and "api grpc" not in _cmdline(p):
            continue  # a run worker (or its step processes), not the server
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


class MemoryWatch(threading.Thread):
    def __init__(self, pids: dict[str, int], every_s: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.pids, self.every_s = pids, every_s
        self.samples: dict[str, list[tuple[float, int]]] = {k: [] for k in pids}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.time()
            for name, pid in self.pids.items():
                self.samples[name].append((now, tree_rss_kb(pid, runs=False)))
                if name == "sentinel code server":
                    total = tree_rss_kb(pid)
                    self.samples.setdefault("sentinel code server + RCA run workers", []).append(
                        (now, total)
                    )
            self.stop.wait(self.every_s)


def table_stats(url: str) -> dict[str, tuple[int, int]]:
    """Bytes and live rows of every table, by name (PostgreSQL)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        rows = conn.execute(
            sa.text(
                "SELECT relname, pg_total_relation_size(relid), n_live_tup FROM pg_stat_user_tables"
            )
        ).all()
    engine.dispose()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-hour", type=float, default=1000)
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    interval = 3600.0 / args.per_hour
    with (
        FakeSlack() as slack,
        tempfile.TemporaryDirectory() as tmp,
        fresh_postgres_database() as url,
    ):
        home = Path(tmp)
        workspace = home / "workspace-load.yaml"
        workspace.write_text(WORKSPACE)
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.url,
            "SENTINEL_BRAIN": "rules",
        }
        with prod_topology(
            home, url.rsplit("/", 1)[1], env, workers=0, workspace=workspace
        ) as topo:
            # Let the code servers load and the daemon start ticking before the load starts.
            topo.launch(
                "load_job_00",
                location="load_a",
                run_config={"ops": {"load_step_0": {"config": {"cause": 0}}}},
            )
            time.sleep(20)
            before = table_stats(url)
            watch = MemoryWatch(
                {
                    "daemon": topo.children["daemon"].pid,
                    "sentinel code server": topo.children["code-server:sentinel"].pid,
                }
            )
            watch.start()
            os.environ["DAGSTER_HOME"] = str(home)
            for k, v in topo.env.items():
                if k.startswith("DAGSTER_PG_"):
                    os.environ[k] = v
            run_ids: list[str] = []
            with dg.DagsterInstance.get() as instance:
                start = time.time()
                deadline = start + args.minutes * 60
                i = 0
                while time.time() < deadline:
                    job = JOBS[i % len(JOBS)]
                    config = LoadConfig(cause=(i // len(JOBS)) % 2, seed=i)
                    op_name = job.graph.node_defs[0].name
                    result = job.execute_in_process(
                        instance=instance,
                        raise_on_error=False,
                        run_config={"ops": {op_name: {"config": config.model_dump()}}},
                    )
                    run_ids.append(result.run_id)
                    i += 1
                    time.sleep(max(0.0, start + i * interval - time.time()))
                created = time.time() - start
                print(
                    f"{len(run_ids)} failed runs over {created / 60:.1f} min "
                    f"({len(run_ids) / created * 3600:.0f}/h) across {len(JOBS)} jobs, 3 locations"
                )
                # Let Sentinel catch up (bounded), then measure.
                engine = sa.create_engine(url)
                catch_up = time.time() + 180
                registered: dict[str, float] = {}
                while time.time() < catch_up:
                    with engine.connect() as conn:
                        registered = {
                            r[0]: float(r[1])
                            for r in conn.execute(
                                sa.text("SELECT run_id, created_at FROM sentinel_occurrences")
                            )
                        }
                    if all(r in registered for r in run_ids):
                        break
                    time.sleep(2)
                lags = []
                for rid in run_ids:
                    record = instance.get_run_record_by_id(rid)
                    if rid in registered and record is not None and record.end_time:
                        lags.append(registered[rid] - record.end_time)
                engine.dispose()
            watch.stop.set()
            watch.join()
            after = table_stats(url)
            elapsed_min = (time.time() - start) / 60
        missing = len(run_ids) - len(lags)
        if not lags:
            print(f"no failed run was registered ({len(run_ids)} created)")
            return
        print(
            f"processing lag (run end → registered): p50 {statistics.median(lags):.1f} s, "
            f"p95 {percentile(lags, 95):.1f} s, max {max(lags):.1f} s; unregistered: {missing}"
        )
        posts = slack.messages()
        print(
            f"Slack: {len(posts)} messages ({len(slack.top_level())} top-level), "
            f"{len(slack.messages('chat.update'))} updates; "
            f"{(len(posts) + len(slack.messages('chat.update'))) / elapsed_min:.1f} calls/min"
        )
        n = max(len(run_ids), 1)
        for group, prefix in (("Sentinel", "sentinel_"), ("Dagster", "")):
            names = [
                t
                for t in after
                if t.startswith(prefix) and (prefix or not t.startswith("sentinel_"))
            ]
            grew = sum(after[t][0] - before.get(t, (0, 0))[0] for t in names)
            rows = sum(after[t][1] - before.get(t, (0, 0))[1] for t in names)
            print(
                f"store growth, {group} tables: {grew / 1024:.0f} KiB, {rows} rows "
                f"({grew / n / 1024:.1f} KiB and {rows / n:.1f} rows per failed run)"
            )
        for name, samples in watch.samples.items():
            peak = max(v for _, v in samples)
            t0 = samples[0][0]
            first = max(v for t, v in samples if t - t0 <= 60)
            last = max(v for t, v in samples if samples[-1][0] - t <= 60)
            print(
                f"peak RSS {name}: {peak / 1024:.0f} MiB (first minute {first / 1024:.0f} MiB, "
                f"last minute {last / 1024:.0f} MiB)"
            )
            # Growth that levels off (warm-up) vs growth that keeps on (a leak): the peak of
            # each quarter of the run.
            span = max(samples[-1][0] - t0, 1e-9)
            quarters = [
                max((v for t, v in samples if q <= 4 * (t - t0) / span <= q + 1), default=0)
                for q in range(4)
            ]
            print(f"  by quarter: {' → '.join(f'{v / 1024:.0f}' for v in quarters)} MiB")
        print(json.dumps({"runs": len(run_ids), "lags": len(lags)}))


if __name__ == "__main__":
    main()
