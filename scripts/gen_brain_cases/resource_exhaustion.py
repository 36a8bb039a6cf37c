# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `resource_exhaustion`.

A limit of the machine is reached: memory, open files, file size,
processes, a full database, a process killed the way the OOM killer does.
"""

from __future__ import annotations

import subprocess

from .harness import (
    PY,
    capture,
    case,
    module,
    pkg_dir,
    scratch,
    subproc_failure,
)


@case("res_memoryerror_numpy", "resource_exhaustion", ["allocate"])
def memoryerror_numpy() -> str:
    return subproc_failure(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
        import numpy as np

        def build_matrix(n_users, n_items):
            return np.zeros((n_users, n_items), dtype="float64")

        build_matrix(200_000, 50_000)
        """
    )


@case("res_too_many_files", "resource_exhaustion", ["Too many open files"])
def too_many_files() -> str:
    return subproc_failure(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

        def open_partitions(n):
            handles = []
            for i in range(n):
                handles.append(open({str(pkg_dir() / "job_script.py")!r}))
            return handles

        open_partitions(500)
        """
    )


@case("res_sqlite_full", "resource_exhaustion", ["full"])
def sqlite_full() -> str:
    m = module(
        "sqlite_cache",
        f"""
        import sqlite3

        def build():
            con = sqlite3.connect({str(scratch() / "cache.db")!r})
            con.execute("pragma max_page_count = 20")
            con.execute("create table if not exists blobs (b blob)")
            for _ in range(100):
                con.execute("insert into blobs values (?)", (b"x" * 4096,))
            con.commit()
        """,
    )
    return capture(m.build)


@case(
    "res_pandas_memory_dagster",
    "resource_exhaustion",
    ["MemoryError"],
    "Dagster step wrapping an allocation failure",
)
def pandas_memory_dagster() -> str:
    src = """
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (2_500_000_000, 2_500_000_000))
    from dagster import op, job

    @op
    def pivot_events():
        import numpy as np
        import pandas as pd
        idx = np.arange(60_000_000)
        df = pd.DataFrame({"a": idx, "b": idx, "c": idx, "d": idx})
        return len(df)

    @job
    def events_job():
        pivot_events()

    if __name__ == "__main__":
        res = events_job.execute_in_process(raise_on_error=False)
        for ev in res.all_events:
            if ev.is_step_failure:
                print('Execution of step "pivot_events" failed.')
                print()
                print(ev.step_failure_data.error.to_string())
    """
    return subproc_failure(src, timeout=120)


@case(
    "res_bash_killed",
    "resource_exhaustion",
    ["Killed"],
    "shell's report of a SIGKILLed process (OOM killer style)",
)
def bash_killed() -> str:
    script = pkg_dir() / "train_model.py"
    script.write_text(
        "import os, signal\nprint('loading 48M rows into memory')\nos.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run(
        [
            "bash",
            "-c",
            f'cd {scratch()} && {PY} {script}; echo "train_model exited with status $?"',
        ],
        capture_output=True,
        text=True,
    )
    return (proc.stdout + proc.stderr).strip() + "\n"


@case(
    "res_file_too_large",
    "resource_exhaustion",
    ["File too large"],
    "RLIMIT_FSIZE reached while writing an export",
)
def file_too_large() -> str:
    return subproc_failure(
        f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))

        def write_export(path):
            with open(path, "wb") as fh:
                for _ in range(100):
                    fh.write(b"x" * 100_000)

        write_export({str(scratch() / "export.bin")!r})
        """
    )


@case("res_cant_start_thread", "resource_exhaustion", ["thread"], "process/thread limit reached")
def cant_start_thread() -> str:
    return subproc_failure(
        """
        import os, resource, threading, time
        os.setgid(65534); os.setuid(65534)
        resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))

        def fan_out(n):
            threads = [threading.Thread(target=time.sleep, args=(1,)) for _ in range(n)]
            for t in threads:
                t.start()

        fan_out(64)
        """
    )
