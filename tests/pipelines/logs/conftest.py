"""Fixtures for the logs pipeline tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.logs.resources import LogSourcesResource, LogStateResource
from sentinel_brain.logs.loghub import loghub_dir


@pytest.fixture
def loghub() -> Path:
    d = loghub_dir()
    if not d.is_dir():
        pytest.skip(f"Loghub samples not found at {d} (set SENTINEL_SHARED_DATA)")
    return d


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    d = tmp_path / "state"
    d.mkdir()
    return d


@pytest.fixture
def make_resources(state_dir: Path):
    def make(sources: str = "", **kw) -> dict[str, object]:
        return {
            "logs_sources": LogSourcesResource(
                sources=sources,
                include_dagster_logs=kw.pop("include_dagster_logs", False),
                **kw,
            ),
            "logs_state": LogStateResource(state_dir=str(state_dir)),
        }

    return make


@pytest.fixture(autouse=True)
def _no_env_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTINEL_LOG_SOURCES", raising=False)
