"""Fixtures for the log parser tests (no Dagster)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel_brain.logs.loghub import loghub_dir


@pytest.fixture
def loghub() -> Path:
    d = loghub_dir()
    if not d.is_dir():
        pytest.skip(f"Loghub samples not found at {d} (set SENTINEL_SHARED_DATA)")
    return d
