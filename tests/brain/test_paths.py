"""sentinel_brain.paths: relative paths for the reader."""

from __future__ import annotations

import time

from sentinel_brain.evidence import from_text
from sentinel_brain.paths import shorten_model_paths, shorten_paths

TB = """Traceback (most recent call last):
  File "/opt/dagster/app/pipelines/etl.py", line 12, in transform
    return total / count
  File "/opt/venv/lib/python3.11/site-packages/pandas/core/frame.py", line 40, in mean
    raise ZeroDivisionError("division by zero")
ZeroDivisionError: division by zero
"""


def test_paths_under_the_working_directory_become_relative() -> None:
    out = shorten_paths(TB, ["/opt/dagster/app"])
    assert 'File "pipelines/etl.py", line 12' in out
    assert 'File "site-packages/pandas/core/frame.py", line 40' in out
    assert "/opt/" not in out


def test_unrelated_paths_and_roots_are_left_alone() -> None:
    line = "reading /data/in/orders.csv failed; root / and empty roots are ignored"
    assert shorten_paths(line, ["/", "", "/opt/dagster/app"]) == line


def test_longest_root_wins() -> None:
    out = shorten_paths("/srv/a/b/x.py and /srv/a/y.py", ["/srv/a", "/srv/a/b"])
    assert out == "x.py and y.py"


def test_evidence_copy_keeps_structure_and_user_frames() -> None:
    ev = from_text(TB)
    short = shorten_model_paths(ev, ["/opt/dagster/app"])
    frames = short.exceptions[0].frames
    assert [f.file for f in frames] == ["pipelines/etl.py", "site-packages/pandas/core/frame.py"]
    assert [f.is_user for f in frames] == [f.is_user for f in ev.exceptions[0].frames]
    assert ev.exceptions[0].frames[0].file.startswith("/opt/")  # the original is unchanged


def test_linear_on_adversarial_input() -> None:
    text = "/" + "a/" * 500_000 + "x" + " /b" * 200_000 + "-packages/"
    start = time.perf_counter()
    shorten_paths(text, ["/r"])
    assert time.perf_counter() - start < 5.0  # a hang guard, not a speed target
