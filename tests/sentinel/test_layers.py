"""Watched runs import only what the failure hook needs: importing it, in a fresh
interpreter, loads no log mining, dataframes, plotting, web server or pipelines code.
(The import-linter contracts in pyproject.toml check the static graph; this checks what a
run worker really loads, including the imports they allow inside functions.)"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = [
    "drain3",
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "slack_bolt",
    "starlette",
    "uvicorn",
    "pipelines",
]


def test_importing_the_hook_stays_lean() -> None:
    code = (
        "import json, sys\n"
        "import dagster_sentinel.hooks\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
