"""The case generator package: importing it does nothing; its registry mirrors the cases.

Import side effects are checked in a fresh interpreter (threads, sys.path, open file
descriptors, environment, temp dir, files in the worktree). The registry is checked
against tests/brain/cases, and one real case is regenerated and compared with the stored
text.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from scripts.gen_brain_cases import harness, loopback
from scripts.gen_brain_cases.__main__ import main
from sentinel_brain.models import Category

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "brain" / "cases"
PKG = "scripts.gen_brain_cases"

_PROBE = r"""
import importlib, json, os, pkgutil, sys, tempfile, threading

def snapshot():
    return {
        "threads": sorted(t.name for t in threading.enumerate()),
        "path": list(sys.path),
        "fds": sorted(os.listdir("/proc/self/fd")),
        "environ": dict(os.environ),
        "tmp": sorted(os.listdir(tempfile.gettempdir())),
    }

before = snapshot()
import scripts.gen_brain_cases as pkg
names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__))
for name in names:
    importlib.import_module(f"scripts.gen_brain_cases.{name}")
after = snapshot()
print(json.dumps({"before": before, "after": after, "modules": names}))
"""


def _tree(root: Path) -> dict[str, int]:
    """Every file of the worktree outside dot-folders, with its mtime."""
    out: dict[str, int] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for f in filenames:
            p = Path(dirpath, f)
            out[str(p.relative_to(root))] = p.stat().st_mtime_ns
    return out


def test_importing_every_module_has_no_side_effects(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tree_before = _tree(ROOT / "scripts") | _tree(CASES)
    proc = subprocess.run(
        [sys.executable, "-B", "-c", _PROBE],
        cwd=ROOT,
        env=dict(os.environ, TMPDIR=str(tmp)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    expected_modules = {"__main__", "harness", "loopback"} | {c.value for c in Category}
    assert set(res["modules"]) == expected_modules
    before, after = res["before"], res["after"]
    assert after["threads"] == before["threads"]
    assert after["path"] == before["path"]
    assert after["fds"] == before["fds"]
    assert after["environ"] == before["environ"]
    assert after["tmp"] == before["tmp"] == []
    assert list(tmp.iterdir()) == []
    assert _tree(ROOT / "scripts") | _tree(CASES) == tree_before


def test_registry_has_the_stored_cases_each_in_its_category_module() -> None:
    cases = harness.load_all()
    folders = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert len(cases) == len({c.name for c in cases})
    assert {c.name for c in cases} == folders
    for c in cases:
        assert c.fn.__module__ == f"{PKG}.{c.category}", c.name
        assert c.fn.__name__ != "_", c.name
        stored = yaml.safe_load((CASES / c.name / "expected.yaml").read_text())
        assert stored["category"] == c.category, c.name
        assert stored["mentions"] == list(c.mentions), c.name
        assert stored.get("note", "") == c.note, c.name
    # Category order, then source order: the run order is stable.
    order = [c.value for c in Category]
    assert [order.index(c.category) for c in cases] == sorted(
        order.index(c.category) for c in cases
    )


def test_registration_checks_category_home_and_duplicates() -> None:
    harness.load_all()
    with pytest.raises(harness.RegistryError, match="unknown category"):
        harness.check_registration("x_new", "weather", f"{PKG}.weather", "f")
    with pytest.raises(harness.RegistryError, match="must be defined in"):
        harness.check_registration("x_new", "timeout", f"{PKG}.code_error", "f")
    with pytest.raises(harness.RegistryError, match="registered twice"):
        harness.check_registration("timeout_futures", "timeout", f"{PKG}.timeout", "other")
    # The same function registering again (a module re-import) is accepted.
    harness.check_registration("timeout_futures", "timeout", f"{PKG}.timeout", "future_result")


def test_helpers_refuse_to_run_outside_a_session() -> None:
    with pytest.raises(harness.NoSessionError):
        harness.api()
    with pytest.raises(harness.NoSessionError):
        harness.module("anything", "x = 1\n")


def test_scrub_shows_deployment_paths() -> None:
    scratch = Path(tempfile.gettempdir()) / "sentinel_gen_abc123"
    sess = harness.Session(scratch, scratch / harness.GEN_PACKAGE, 1)
    text = (
        f'File "{scratch}/pipelines_gen/orders.py", line 3\n'
        f"wrote {scratch}/export.bin and {tempfile.gettempdir()}/other.csv\n"
    )
    out = harness.scrub(text, sess)
    assert 'File "/opt/dagster/app/pipelines/orders.py", line 3' in out
    assert "/opt/dagster/app/export.bin" in out
    assert "/tmp/other.csv" in out
    assert "sentinel_gen_abc123" not in out


def test_loopback_server_answers_and_stops() -> None:
    with loopback.serve() as port:
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/429/x", timeout=5)
        assert exc.value.code == 429
        assert exc.value.headers["Retry-After"] == "30"
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/raw-bucket/missing/k", timeout=5)
        assert b"<Code>NoSuchKey</Code>" in exc.value.read()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/429/x", timeout=5)


def _without_generator_frame(text: str) -> str:
    # The generator's own `capture` frame names this checkout's path and line: volatile.
    return re.sub(r'File "[^"]*scripts/gen_brain_cases[^"]*", line \d+', 'File "<gen>"', text)


def test_main_regenerates_a_stored_case_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path_before = list(sys.path)
    threads_before = {t.name for t in threading.enumerate()}
    environ_before = dict(os.environ)
    tmp_before = set(os.listdir(tempfile.gettempdir()))

    assert main(["--only", "code_zero_division", "--out", str(tmp_path / "out")]) == 0

    got = tmp_path / "out" / "code_zero_division"
    ref = CASES / "code_zero_division"
    assert (got / "expected.yaml").read_text() == (ref / "expected.yaml").read_text()
    assert _without_generator_frame((got / "failure.txt").read_text()) == (
        _without_generator_frame((ref / "failure.txt").read_text())
    )
    assert sys.path == path_before
    assert {t.name for t in threading.enumerate()} == threads_before
    assert dict(os.environ) == environ_before
    assert not [m for m in sys.modules if m.startswith(harness.GEN_PACKAGE)]
    assert {d for d in os.listdir(tempfile.gettempdir()) if d.startswith("sentinel_gen_")} <= {
        d for d in tmp_before if d.startswith("sentinel_gen_")
    }
    with pytest.raises(harness.NoSessionError):
        harness.current()


def test_main_rejects_a_filter_that_matches_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["--only", "no_such_case_name", "--out", str(out)]) == 2
    assert not out.exists()


def test_scripts_stay_out_of_the_distribution() -> None:
    setuptools = pytest.importorskip("setuptools")
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = conf["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = setuptools.find_packages(where=str(ROOT), include=include)
    assert shipped, "the package finder found nothing: the check would be vacuous"
    assert not [p for p in shipped if p == "scripts" or p.startswith("scripts.")]
    # The same finder does see the generator when asked for it.
    assert PKG in setuptools.find_packages(where=str(ROOT), include=["scripts*"])
