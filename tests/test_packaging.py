"""The distribution adds no generic top-level names to a user's environment: a wheel built
from this repository holds `dagster_sentinel` and `sentinel_brain` only (no `brain`,
`pipelines`, `scripts` or demo jobs), with the brain's signature catalog as package data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_has_only_namespaced_packages(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        timeout=600,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("dagster_sentinel-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"dagster_sentinel", "sentinel_brain"}
    assert "dagster_sentinel/component.py" in names
    assert any(n.startswith("sentinel_brain/signatures/") and n.endswith(".yaml") for n in names)
    assert not any("demo" in n.split("/") for n in names)
