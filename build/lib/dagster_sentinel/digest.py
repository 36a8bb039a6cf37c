"""The incident history table and the daily digest: pure functions over incidents."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from pydantic import BaseModel

from dagster_sentinel.incidents import Incident

if TYPE_CHECKING:
    import pandas as pd

HISTORY_COLUMNS = [
    "incident_id",
    "kind",
    "target",
    "step",
    "category",
    "severity",
    "first_seen",
    "last_seen",
    "occurrences",
    "status",
    "mttr_s",
]


def history_frame(incidents: list[Incident]) -> pd.DataFrame:
    """One row per incident, newest first."""
    import pandas as pd  # heavy; only the history asset needs it

    rows = [
        {
            "incident_id": i.id,
            "kind": i.kind,
            "target": i.target,
            "step": i.step,
            "category": i.category,
            "severity": i.severity,
            "first_seen": pd.Timestamp(i.first_seen, unit="s", tz="UTC"),
            "last_seen": pd.Timestamp(i.last_seen, unit="s", tz="UTC"),
            "occurrences": i.occurrences,
            "status": i.status,
            "mttr_s": i.mttr_s,
        }
        for i in incidents
    ]
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


CHATOPS_COLUMNS = ["acked_by", "mtta_s", "resolution_note", "actions"]


def with_chatops(frame: pd.DataFrame, extra: dict[str, dict[str, object]]) -> pd.DataFrame:
    """The history with what people did from Slack (`dagster_sentinel.chatops.history_columns`)."""
    out = frame.copy()
    for column in CHATOPS_COLUMNS:
        out[column] = [extra.get(i, {}).get(column) for i in out["incident_id"]]
    return out


class Digest(BaseModel):
    window_h: float
    new: int
    occurrences: int
    open: int
    resolved: int
    by_category: dict[str, int]
    top_recurring: list[tuple[str, str, int]]  # (incident id, title, occurrences)
    mean_mttr_s: float | None


def summarize(incidents: list[Incident], now: float, window_s: float = 86_400.0) -> Digest:
    """What happened in the window: incidents seen in it, by category, the worst repeaters."""
    since = now - window_s
    seen = [i for i in incidents if i.last_seen >= since]
    resolved = [i for i in incidents if i.resolved_at is not None and i.resolved_at >= since]
    mttrs = [i.mttr_s for i in resolved if i.mttr_s is not None]
    top = sorted(seen, key=lambda i: (-i.occurrences, i.id))[:5]
    return Digest(
        window_h=window_s / 3600,
        new=sum(1 for i in seen if i.first_seen >= since),
        occurrences=sum(i.occurrences for i in seen),
        open=sum(1 for i in incidents if i.status == "open"),
        resolved=len(resolved),
        by_category=dict(Counter(i.category or "undiagnosed" for i in seen).most_common()),
        top_recurring=[(i.id, i.title or i.kind, i.occurrences) for i in top if i.occurrences > 1],
        mean_mttr_s=sum(mttrs) / len(mttrs) if mttrs else None,
    )
