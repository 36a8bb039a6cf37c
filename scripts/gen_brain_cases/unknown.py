# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `unknown`.

Inputs where the honest answer is 'cannot tell': a log of a run that was
fine, binary junk, opaque exceptions with no detail.
"""

from __future__ import annotations

from .harness import (
    PY,
    capture,
    case,
    dagster_step_failure,
    module,
    subproc_failure,
)


@case("unknown_dagster_bare_exception", "unknown", [], "opaque user exception inside Dagster")
def dagster_bare_exception() -> str:
    return dagster_step_failure(
        "dg_opaque",
        """
        from dagster import op, job

        @op
        def reconcile():
            raise Exception("reconcile step failed")

        @job
        def reconcile_job():
            reconcile()
        """,
        "reconcile_job",
    )


@case("unknown_success_log", "unknown", [], "nothing diagnosable: a log of a run that was fine")
def success_log() -> str:
    return subproc_failure(
        """
        import logging
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s - %(message)s", level=logging.INFO)
        log = logging.getLogger("orders_etl")
        for step in ("extract", "transform", "load"):
            log.info("step %s started", step)
            log.info("step %s finished in %.2fs", step, 0.42)
        log.info("run complete")
        """
    )


@case("unknown_binary_junk", "unknown", [], "binary junk pasted")
def binary_junk() -> str:
    import random

    rnd = random.Random(7)
    data = bytes(rnd.randrange(32, 127) for _ in range(600)).decode()
    return "\n".join(data[i : i + 60] for i in range(0, 600, 60)) + "\n"


@case("unknown_custom_error", "unknown", [], "opaque custom exception with no detail")
def custom_error() -> str:
    m = module(
        "vendor_sdk_shim",
        """
        class VendorSDKFault(Exception):
            pass

        def build():
            raise VendorSDKFault("E_7731")
        """,
    )
    return capture(m.build)


@case("unknown_nonzero_exit", "unknown", [], "a command failing with exit status 1 and no output")
def nonzero_exit() -> str:
    m = module(
        "shell_step",
        f"""
        import subprocess

        def build():
            return subprocess.run([{PY!r}, "-c", "import sys; sys.exit(1)"], check=True)
        """,
    )
    return capture(m.build)
