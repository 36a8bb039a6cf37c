"""`/sentinel metrics <name> [window]`: a PNG chart of an ingested metric series with its
anomaly windows marked, uploaded to Slack with `files_upload_v2`.

The series are the ones the ingestion location materialized (`metrics_csv`,
`metrics_exposition`, `metrics_prometheus`, `metrics_dagster`), read from the instance's
default filesystem IO manager storage (`$DAGSTER_HOME/storage/<asset>`); the anomaly windows
come from the latest `metrics_anomalies` materialization, through the GraphQL API. Nothing is
recomputed here, so the chart shows what the pipeline saw. The chart itself is a pure
function (matplotlib, Agg backend: no display).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_sentinel import chatops
from dagster_sentinel.chatops import BadRequest

if TYPE_CHECKING:
    import pandas as pd

    from dagster_sentinel.serve import ChatOps

log = logging.getLogger("dagster_sentinel.metrics_chart")

SOURCE_ASSETS = ("metrics_csv", "metrics_exposition", "metrics_prometheus", "metrics_dagster")
MAX_SERIES = 5
DEFAULT_WINDOW_S = 7 * 86400


def load_series(storage: Path, name: str, window_s: int) -> pd.DataFrame:
    """The ingested points of series `name` (or of every series of metric `name`), over the
    last `window_s` seconds of data: columns timestamp, series, value."""
    import pandas as pd

    frames = []
    for asset in SOURCE_ASSETS:
        path = storage / asset
        if path.is_file():
            # Written by Dagster's own IO manager in this instance's storage, never by a request.
            frame = pd.read_pickle(path)  # noqa: S301
            if isinstance(frame, pd.DataFrame) and {"timestamp", "series", "value"} <= set(
                frame.columns
            ):
                frames.append(frame)
    if not frames:
        raise BadRequest("no ingested metrics yet (materialize the `metrics` assets first)")
    data = pd.concat(frames, ignore_index=True)
    chosen = data[(data["series"] == name) | (data.get("metric") == name)]
    if chosen.empty:
        known = sorted(data["metric"].dropna().unique())[:10] if "metric" in data else []
        raise BadRequest(f"no metric series `{name}`; known metrics: {', '.join(known) or 'none'}")
    keep = sorted(chosen["series"].unique())[:MAX_SERIES]
    chosen = chosen[chosen["series"].isin(keep)]
    end = chosen["timestamp"].max()
    chosen = chosen[chosen["timestamp"] >= end - pd.Timedelta(seconds=window_s)]
    return chosen[["timestamp", "series", "value"]].sort_values("timestamp")


def windows_for(windows: list[dict[str, Any]], series: set[str]) -> list[dict[str, Any]]:
    return [w for w in windows if w.get("series") in series]


def render_png(points: pd.DataFrame, windows: list[dict[str, Any]], title: str) -> bytes:
    """The series as lines, anomaly windows shaded, their most extreme value marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    try:
        for series, group in points.groupby("series"):
            ax.plot(group["timestamp"], group["value"], linewidth=1, label=str(series)[:60])
        first, last = points["timestamp"].min(), points["timestamp"].max()
        for w in windows:
            start, end = pd.Timestamp(w["start"]), pd.Timestamp(w["end"])
            if end < first or start > last:
                continue
            if start == end:
                ax.axvline(start, color="red", alpha=0.5, linewidth=2)
            else:
                ax.axvspan(start, end, color="red", alpha=0.2)
            observed = w.get("observed")
            if isinstance(observed, int | float):
                ax.plot([start], [observed], marker="o", color="red")
        ax.set_title(title[:120])
        ax.grid(alpha=0.3)
        if points["series"].nunique() > 1:
            ax.legend(fontsize=7)
        fig.autofmt_xdate()
        out = io.BytesIO()
        fig.savefig(out, format="png", bbox_inches="tight")
        return out.getvalue()
    finally:
        plt.close(fig)


def post_chart(ops: ChatOps, args: list[str], channel: str, user: str) -> None:
    """Draw and upload the chart to the channel the command came from; errors go back to
    the user ephemerally."""
    from slack_sdk.errors import SlackApiError, SlackRequestError

    from dagster_sentinel.config import dagster_home
    from dagster_sentinel.dagster_api import DagsterApiError

    try:
        name = args[0]
        window_s = chatops.parse_duration(args[1]) if len(args) > 1 else DEFAULT_WINDOW_S
        points = load_series(dagster_home() / "storage", name, window_s)
        try:
            meta = ops.dagster.latest_metadata(["metrics_anomalies"])
        except DagsterApiError as e:
            log.info("anomaly windows unavailable: %s", e)
            meta = {}
        found = windows_for(list(meta.get("windows") or []), set(points["series"]))
        title = f"{name} · last {chatops.age(window_s)} · {len(found)} anomaly window(s)"
        png = render_png(points, found, title)
    except BadRequest as e:
        ops.ephemeral(channel, user, f":warning: {e}")
        return
    try:
        ops.client.files_upload_v2(
            channel=channel,
            file=png,
            filename=f"{name[:60]}.png",
            title=title,
            initial_comment=f"<@{user}> asked for `{name[:60]}`",
        )
    except (SlackApiError, SlackRequestError, OSError) as e:
        log.warning("cannot upload the chart: %s", e)
        ops.ephemeral(channel, user, f":warning: could not upload the chart: {e}")
