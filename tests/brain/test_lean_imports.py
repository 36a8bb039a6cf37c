"""The failure hook's path stays lean: the brain's entry points import no drain3 or pandas."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["sentinel_brain.diagnose", "sentinel_brain.gemini", "sentinel_brain.condense"]
)
def test_hook_path_does_not_import_heavy_libraries(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "heavy = sorted(m for m in ('drain3', 'pandas', 'numpy', 'pyarrow') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "", f"{module} imports {out.stdout.strip()}"


def test_condense_still_mines_templates_when_asked() -> None:
    from sentinel_brain.condense import log_templates

    lines = [f"worker {i} started in {i}.5 s" for i in range(50)]
    templates = log_templates(lines)
    assert templates and templates[0][0] == 50
