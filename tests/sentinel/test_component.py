"""The Dagster Component: Sentinel attached to a `dg` project by one defs.yaml."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from dagster_sentinel.config import SentinelConfig

DEFS_YAML = """
type: dagster_sentinel.component.SentinelComponent
attributes:
  ui_url: https://dagster.example.com
  slack:
    channel: "#pipeline-alerts"
    routes: {"job:nightly": "#finance"}
  health:
    stale_factor: 4
"""


def _project(root: Path, defs_yaml: str, pkg: str) -> Path:
    (root / "src" / pkg / "defs" / "sentinel").mkdir(parents=True)
    (root / "src" / pkg / "__init__.py").write_text("")
    (root / "src" / pkg / "defs" / "__init__.py").write_text("")
    (root / "src" / pkg / "defs" / "sentinel" / "defs.yaml").write_text(defs_yaml)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [project]
            name = "{pkg}"
            version = "0.1"
            [tool.dg]
            directory_type = "project"
            [tool.dg.project]
            root_module = "{pkg}"
            """
        )
    )
    return root


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def _load(defs_yaml: str, pkg: str) -> dg.Definitions:
        root = _project(tmp_path / pkg, defs_yaml, pkg)
        monkeypatch.syspath_prepend(str(root / "src"))
        try:
            return dg.load_from_defs_folder(project_root=root)
        finally:
            for name in [m for m in sys.modules if m == pkg or m.startswith(f"{pkg}.")]:
                del sys.modules[name]

    return _load


def test_component_attaches_sentinel_with_yaml_settings(load) -> None:
    defs = load(DEFS_YAML, "proj_ok")
    repo = defs.get_repository_def()
    for sensor in (
        "sentinel_run_failure_sensor",
        "sentinel_failure_sweep_sensor",
        "sentinel_recovery_sensor",
        "sentinel_outbox_sensor",
        "sentinel_freshness_sensor",
    ):
        assert repo.get_sensor_def(sensor)
    assert repo.get_job("sentinel_rca_job")
    config = defs.resources["sentinel"]
    assert isinstance(config, SentinelConfig)
    resolved = config.resolved({"SLACK_CHANNEL": "#env", "SENTINEL_STALE_FLOOR_S": "7"})
    assert resolved.slack.channel == "#pipeline-alerts"  # YAML wins over the environment
    assert resolved.slack.routes == {"job:nightly": "#finance"}
    assert resolved.health.stale_factor == 4.0
    assert resolved.health.stale_floor_s == 7.0  # not in YAML: from the environment
    assert resolved.ui_url == "https://dagster.example.com"


def test_component_rejects_unknown_settings(load) -> None:
    bad = DEFS_YAML.replace("stale_factor: 4", "stale_factr: 4")
    with pytest.raises(Exception) as failure:
        load(bad, "proj_bad")
    chain, err = [], failure.value
    while err is not None:
        chain.append(str(err))
        err = err.__cause__
    assert any("unknown health setting(s) ['stale_factr']" in m for m in chain), chain


def test_sentinel_serve_reads_the_same_defs_yaml(tmp_path) -> None:
    from dagster_sentinel.component import config_from_defs_yaml

    path = tmp_path / "defs.yaml"
    path.write_text(
        DEFS_YAML
        + "  serve:\n    approvers: [U0ALICE, S0ONCALL]\n"
        + '  remediation:\n    auto_retry: {"job:nightly": "true"}\n'
    )
    config = config_from_defs_yaml(path).resolved({})
    assert config.serve.approvers == ["U0ALICE", "S0ONCALL"]
    assert config.slack.channel == "#pipeline-alerts"
    (tmp_path / "other.yaml").write_text("type: some.OtherComponent\n")
    with pytest.raises(ValueError, match="not a SentinelComponent"):
        config_from_defs_yaml(tmp_path / "other.yaml")
