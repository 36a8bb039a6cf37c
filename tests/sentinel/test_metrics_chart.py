"""`/sentinel metrics`: the ingested series (materialized by the real metrics asset into the
instance's storage), drawn with its anomaly windows, uploaded with files_upload_v2."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from dagster_sentinel.chatops import BadRequest
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.metrics_chart import load_series, render_png, windows_for
from dagster_sentinel.serve import ChatOps
from pipelines.metrics.assets import metrics_csv
from pipelines.metrics.resources import MetricsCsvResource
from tests.fakes.loopback import free_port
from tests.fakes.slack_app import SIGNING_SECRET, SlackSigner, running_server
from tests.fakes.slack_server import FakeSlack

PNG = b"\x89PNG\r\n\x1a\n"
SERIES = "demo_checkout_requests_per_min"


@pytest.fixture
def ingested(dagster_home: Path) -> Path:
    with dg.instance_for_test(temp_dir=str(dagster_home)) as instance:
        result = dg.materialize(
            [metrics_csv],
            instance=instance,
            resources={"metrics_csv_config": MetricsCsvResource()},
        )
        assert result.success
    storage = dagster_home / "storage"
    assert (storage / "metrics_csv").is_file()
    return storage


def test_load_series_and_render(ingested: Path) -> None:
    points = load_series(ingested, SERIES, 86400)
    assert set(points["series"]) == {SERIES}
    span = points["timestamp"].max() - points["timestamp"].min()
    assert span <= pd.Timedelta(days=1) and len(points) >= 90
    middle = points["timestamp"].iloc[len(points) // 2]
    windows = [
        {"series": SERIES, "start": middle.isoformat(), "end": middle.isoformat(), "observed": 1.0},
        {"series": "other", "start": middle.isoformat(), "end": middle.isoformat()},
    ]
    assert len(windows_for(windows, {SERIES})) == 1
    png = render_png(points, windows_for(windows, {SERIES}), "t")
    assert png.startswith(PNG) and len(png) > 5000
    with pytest.raises(BadRequest, match="no metric series"):
        load_series(ingested, "nope", 86400)


def test_no_ingested_metrics_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="no ingested metrics"):
        load_series(tmp_path, SERIES, 86400)


@pytest.fixture
def ops(slack_env: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatOps]:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SENTINEL_DAGSTER_URL", f"http://127.0.0.1:{free_port()}")
    chat = ChatOps(SentinelConfig.from_env())
    yield chat
    chat.dagster.close()


def test_slash_metrics_uploads_a_png(ingested: Path, ops: ChatOps, slack_env: FakeSlack) -> None:
    with running_server(ops) as base:
        resp = SlackSigner(base).command(f"metrics {SERIES} 24h", "UONCALL001")
        assert resp.status_code == 200 and "Drawing" in resp.text
        deadline = time.time() + 20
        while time.time() < deadline and not slack_env.messages("files.completeUploadExternal"):
            time.sleep(0.1)
    complete = slack_env.messages("files.completeUploadExternal")[0].body
    assert complete["channel_id"] == "C0SENTINEL"
    assert len(slack_env.uploads) == 1
    (data,) = slack_env.uploads.values()
    assert PNG in data
