"""Runs launched from a code location served by its own gRPC server (production) carry an
origin that does not know its loadable target: evidence must still be built."""

from __future__ import annotations

import sys

import dagster as dg
from dagster._core.code_pointer import ModuleCodePointer
from dagster._core.origin import JobPythonOrigin, RepositoryPythonOrigin
from dagster._core.remote_origin import (
    GrpcServerCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)

from dagster_sentinel.evidence import working_directory


def _run(with_code_origin: bool) -> dg.DagsterRun:
    remote = RemoteJobOrigin(
        RemoteRepositoryOrigin(
            GrpcServerCodeLocationOrigin(host="127.0.0.1", port=4000, location_name="demo"),
            "__repository__",
        ),
        "demo_etl",
    )
    code = JobPythonOrigin(
        "demo_etl",
        RepositoryPythonOrigin(
            executable_path=sys.executable,
            code_pointer=ModuleCodePointer(
                "pipelines.demo.definitions", "defs", working_directory="/srv/app"
            ),
        ),
    )
    return dg.DagsterRun(
        job_name="demo_etl",
        remote_job_origin=remote,
        job_code_origin=code if with_code_origin else None,
    )


def test_grpc_origin_uses_the_code_pointers_working_directory() -> None:
    assert working_directory(_run(with_code_origin=True)) == ["/srv/app"]


def test_grpc_origin_without_a_code_pointer_is_no_directory_not_an_error() -> None:
    assert working_directory(_run(with_code_origin=False)) == []
