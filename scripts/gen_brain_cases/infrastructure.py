# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `infrastructure`.

The process running the code dies: signals (SIGKILL, SIGTERM), a segfault,
a broken process pool, a killed Dagster multiprocess child.
"""

from __future__ import annotations

import os
import subprocess
import textwrap

from .harness import (
    PY,
    capture,
    case,
    module,
    pkg_dir,
    scratch,
    subproc_failure,
)


@case("infra_subprocess_sigkill", "infrastructure", ["SIGKILL"])
def subprocess_sigkill() -> str:
    m = module(
        "spark_job_runner",
        f"""
        import subprocess

        def build():
            return subprocess.run([{PY!r}, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"], check=True)
        """,
    )
    return capture(m.build)


@case("infra_subprocess_sigterm", "infrastructure", ["SIGTERM"])
def subprocess_sigterm() -> str:
    m = module(
        "dbt_wrapper",
        f"""
        import subprocess

        def build():
            return subprocess.run([{PY!r}, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"], check=True)
        """,
    )
    return capture(m.build)


@case("infra_segfault", "infrastructure", ["Segmentation fault"])
def segfault() -> str:
    return subproc_failure(
        """
        import faulthandler, ctypes
        faulthandler.enable()

        def parse_native(buf):
            return ctypes.string_at(0)

        parse_native(b"x")
        """
    )


@case("infra_broken_pool", "infrastructure", ["terminated abruptly"])
def broken_pool() -> str:
    return subproc_failure(
        """
        import os, signal
        from concurrent.futures import ProcessPoolExecutor

        def score_chunk(i):
            if i == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            return i

        if __name__ == "__main__":
            with ProcessPoolExecutor(2) as ex:
                print(list(ex.map(score_chunk, range(8))))
        """
    )


@case(
    "infra_dagster_multiprocess_kill",
    "infrastructure",
    ["signal"],
    "Dagster multiprocess child killed",
)
def dagster_multiprocess_kill() -> str:
    src = """
    import os, signal, tempfile
    from dagster import op, job, reconstructable, DagsterInstance, execute_job, multiprocess_executor

    @op
    def heavy_step():
        os.kill(os.getpid(), signal.SIGKILL)

    @job(executor_def=multiprocess_executor)
    def nightly_job():
        heavy_step()

    if __name__ == "__main__":
        with tempfile.TemporaryDirectory() as d:
            with DagsterInstance.local_temp(d) as inst:
                res = execute_job(reconstructable(nightly_job), instance=inst, raise_on_error=False)
                for ev in res.all_events:
                    if ev.is_failure or ev.event_type_value in ("STEP_FAILURE", "ENGINE_EVENT", "RUN_FAILURE"):
                        print(ev.message)
                        if ev.is_step_failure and ev.step_failure_data.error:
                            print(ev.step_failure_data.error.to_string())
                        elif ev.event_specific_data is not None and getattr(ev.event_specific_data, "error", None):
                            print(ev.event_specific_data.error.to_string())
    """
    path = pkg_dir() / "nightly_job.py"
    path.write_text(textwrap.dedent(src))
    proc = subprocess.run(
        [PY, str(path)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=scratch(),
        env=dict(os.environ, PYTHONPATH=str(pkg_dir())),
    )
    out = proc.stdout.strip()
    lines = [ln for ln in out.splitlines() if ln.strip()]
    return "\n".join(lines) + "\n"


@case(
    "infra_popen_sigterm_runtimeerror",
    "infrastructure",
    ["-15"],
    "user RuntimeError reporting a worker killed by SIGTERM",
)
def popen_sigterm_runtimeerror() -> str:
    m = module(
        "spark_launcher",
        f"""
        import subprocess

        def build():
            proc = subprocess.Popen([{PY!r}, "-c", "import os, signal, time; os.kill(os.getpid(), signal.SIGTERM)"])
            code = proc.wait()
            if code != 0:
                raise RuntimeError(f"spark driver exited with code {{code}} (terminated by signal {{-code}})")
        """,
    )
    return capture(m.build)
