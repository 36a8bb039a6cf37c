"""sentinel_brain.logs is plain Python: importing it pulls in no Dagster, Sentinel or pipelines
code."""

from __future__ import annotations

import subprocess
import sys

MODULES = [
    "sentinel_brain.logs.cli",
    "sentinel_brain.logs.detection",
    "sentinel_brain.logs.drain_state",
    "sentinel_brain.logs.evidence",
    "sentinel_brain.logs.fastparse",
    "sentinel_brain.logs.formats",
    "sentinel_brain.logs.loghub",
    "sentinel_brain.logs.masking",
    "sentinel_brain.logs.miner",
    "sentinel_brain.logs.parse",
    "sentinel_brain.masking",
]


def test_brain_logs_imports_no_dagster_sentinel_or_pipelines() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dagster', 'dagster_sentinel', 'sentinel', 'pipelines'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == ""


def test_the_cli_does_not_import_pandas() -> None:
    """`sentinel logs parse` starts fast: pandas (~0.3 s) is never imported on that path."""
    code = (
        "import sys, io, tempfile, os\n"
        "from sentinel_brain.logs.parse import parse_to_csv\n"
        "d = tempfile.mkdtemp(); p = os.path.join(d, 'a.log')\n"
        "open(p, 'w').write('2024-01-02 10:00:00 INFO app: hello 1\\n')\n"
        "parse_to_csv(p, None, io.BytesIO())\n"
        "parse_to_csv(p, 'python', io.BytesIO())\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "False"
