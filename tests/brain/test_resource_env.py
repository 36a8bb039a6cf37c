"""A KeyError on os.environ[...] inside a resource's setup is a config error.

The failure text comes from a real Dagster run (resource initialisation fails before any
step runs), rendered as Sentinel's run-failure sensor sees it.
"""

from __future__ import annotations

import os

import dagster as dg
import pytest

from sentinel_brain.analyzers import analyze
from sentinel_brain.evidence import from_text
from sentinel_brain.models import Category

_VAR = "SENTINEL_TEST_SURELY_UNSET_TOKEN"


class _ApiClient(dg.ConfigurableResource):  # type: ignore[misc]
    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._token = os.environ[_VAR]


@dg.asset
def _orders(api: _ApiClient) -> int:
    return 1


@pytest.fixture(scope="module")
def run_failure_text() -> str:
    assert _VAR not in os.environ
    res = dg.materialize([_orders], resources={"api": _ApiClient()}, raise_on_error=False)
    errors = [
        ev.event_specific_data.error.to_string()
        for ev in res.all_events
        if ev.event_type_value == "PIPELINE_FAILURE" and ev.event_specific_data.error
    ]
    assert errors
    return str(errors[0])


def test_resource_setup_env_keyerror_is_config_error(run_failure_text: str) -> None:
    assert "setup_for_execution" in run_failure_text
    rep = analyze(from_text(run_failure_text))
    assert rep.category is Category.CONFIG_ERROR, rep.summary
    assert _VAR in rep.summary


def test_same_failure_in_an_installed_project_is_config_error(run_failure_text: str) -> None:
    # An attached third-party project is installed: its frames are library frames.
    here = __file__
    assert here in run_failure_text
    text = run_failure_text.replace(here, "/usr/lib/python3.11/site-packages/acme/resources.py")
    rep = analyze(from_text(text))
    assert rep.category is Category.CONFIG_ERROR, rep.summary
