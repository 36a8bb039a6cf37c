"""External alerts: Alertmanager webhook intake, Prometheus polling, and the alert store.

`handle_alertmanager(body, headers, settings)` is the `POST /alertmanager` handler as a plain
function (the HTTP service mounts it): optional bearer auth (`SENTINEL_ALERTMANAGER_TOKEN`,
constant-time comparison), the webhook payload version 4 validated with pydantic (a
malformed body gets a 400 with a clear message and nothing is stored), each alert upserted
by its fingerprint with labels, annotations, start and end times (redacted), and resolved
alerts closed. `poll_prometheus` reads `/api/v1/alerts` with a strict timeout.

Alerts are read back by `dagster_sentinel.context` to correlate with a failure (see
`sentinel_brain.context.correlate`). By default they never open incidents by themselves:
Sentinel is not an alert router. With `SENTINEL_ALERTS_OPEN_INCIDENTS`, a firing alert that
no pipeline failure was linked to within the window opens one (`plan_alert_incidents`, a
pure decision; `sentinel_alert_incidents_sensor` applies it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import Engine

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.errors import SentinelError
from dagster_sentinel.settings import SentinelSettings
from dagster_sentinel.store import engine_for, transaction
from sentinel_brain.context import IncidentContext, RelatedSignal
from sentinel_brain.fingerprint import alert_fingerprint
from sentinel_brain.models import Evidence, Kind
from sentinel_brain.redact import redact, redact_data

MAX_BODY = 5_000_000
# Alertmanager's "no end time" is the zero time; any end this far in the past means "open".
_ZERO_YEAR = 1970

_meta = sa.MetaData()
_READY: weakref.WeakSet[Engine] = weakref.WeakSet()

alerts_table = sa.Table(
    "sentinel_alerts",
    _meta,
    sa.Column("fingerprint", sa.String(128), primary_key=True),
    sa.Column("source", sa.String(16), nullable=False),  # alertmanager | prometheus
    sa.Column("name", sa.String(512), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # firing | resolved
    sa.Column("labels_json", sa.Text, nullable=False),
    sa.Column("annotations_json", sa.Text, nullable=False),
    sa.Column("starts_at", sa.Float, nullable=False, index=True),
    sa.Column("ends_at", sa.Float, index=True),
    sa.Column("generator_url", sa.Text),
    sa.Column("received_at", sa.Float, nullable=False),
)


class AlertError(SentinelError):
    """An alert source could not be read (Prometheus unreachable, bad answer)."""


# --- payload models (Alertmanager webhook, version 4) --------------------------------------


class AMAlert(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    generator_url: str | None = Field(default=None, alias="generatorURL")
    fingerprint: str | None = None

    @field_validator("labels")
    @classmethod
    def _named(cls, labels: dict[str, str]) -> dict[str, str]:
        if not labels.get("alertname"):
            raise ValueError("every alert needs an `alertname` label")
        return labels


class AMPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str = ""
    alerts: list[AMAlert]


class StoredAlert(BaseModel):
    fingerprint: str
    source: str
    name: str
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    ends_at: float | None = None
    generator_url: str | None = None


def _ts(value: datetime | None) -> float | None:
    if value is None or value.year <= _ZERO_YEAR:
        return None
    return value.timestamp()


def _fingerprint(labels: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()[:32]


# --- the store --------------------------------------------------------------------------------


class AlertStore:
    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        if self.engine not in _READY:  # once per engine and process, not per report
            with transaction(self.engine, lock_key="sentinel-alerts-schema") as conn:
                _meta.create_all(conn, checkfirst=True)
            _READY.add(self.engine)

    def upsert(self, alerts: list[StoredAlert], now: float | None = None) -> None:
        now = time.time() if now is None else now
        with transaction(self.engine, lock_key="sentinel-alerts") as conn:
            for a in alerts:
                a = redact_data(a)
                values = {
                    "source": a.source,
                    "name": a.name[:512],
                    "status": a.status,
                    "labels_json": json.dumps(a.labels),
                    "annotations_json": json.dumps(a.annotations),
                    "starts_at": a.starts_at,
                    "ends_at": a.ends_at,
                    "generator_url": a.generator_url,
                    "received_at": now,
                }
                done = conn.execute(
                    alerts_table.update()
                    .where(alerts_table.c.fingerprint == a.fingerprint)
                    .values(**values)
                )
                if done.rowcount == 0:
                    conn.execute(alerts_table.insert().values(fingerprint=a.fingerprint, **values))

    def close_missing(self, source: str, firing: set[str], now: float | None = None) -> int:
        """Resolve this source's open alerts that are no longer firing (polling)."""
        now = time.time() if now is None else now
        with transaction(self.engine, lock_key="sentinel-alerts") as conn:
            query = alerts_table.update().where(
                alerts_table.c.source == source, alerts_table.c.status == "firing"
            )
            if firing:
                query = query.where(alerts_table.c.fingerprint.not_in(sorted(firing)))
            return int(conn.execute(query.values(status="resolved", ends_at=now)).rowcount)

    def active_between(self, start: float, end: float) -> list[StoredAlert]:
        """Alerts that were firing at some point between `start` and `end`."""
        return self._select(
            alerts_table.c.starts_at <= end,
            sa.or_(alerts_table.c.ends_at.is_(None), alerts_table.c.ends_at >= start),
        )

    def firing(self) -> list[StoredAlert]:
        """Alerts firing now."""
        return self._select(alerts_table.c.status == "firing")

    def _select(self, *where: Any) -> list[StoredAlert]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(alerts_table).where(*where)).all()
        return [
            StoredAlert(
                fingerprint=r.fingerprint,
                source=r.source,
                name=r.name,
                status=r.status,
                labels=json.loads(r.labels_json),
                annotations=json.loads(r.annotations_json),
                starts_at=r.starts_at,
                ends_at=r.ends_at,
                generator_url=r.generator_url,
            )
            for r in rows
        ]


def as_signal(alert: StoredAlert) -> RelatedSignal:
    ann = alert.annotations
    summary = ann.get("summary") or ann.get("description") or ann.get("message") or ""
    return RelatedSignal(
        source="prometheus" if alert.source == "prometheus" else "alertmanager",
        name=alert.name,
        status=alert.status,
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        labels=alert.labels,
        summary=redact(summary)[:300],
    )


# --- alerts on their own (opt-in incidents) -----------------------------------------------------


class AlertIncidentPlan(BaseModel):
    """What one evaluation does: alerts to open incidents for, incident ids to resolve, and
    (for the tick's message) the alerts held back and why."""

    open: list[StoredAlert] = Field(default_factory=list)
    resolve: list[str] = Field(default_factory=list)
    waiting: list[str] = Field(default_factory=list)  # firing for less than the window
    linked: list[str] = Field(default_factory=list)  # a pipeline failure cites them
    unmatched: int = 0  # firing, but not matching the label matcher


def matches(labels: Mapping[str, str], match: Mapping[str, str]) -> bool:
    """Every `label=value` of the matcher holds (`value` may list alternatives `a|b`)."""
    return all(labels.get(k) in v.split("|") for k, v in match.items())


def linked_alerts(contexts: Iterable[IncidentContext | None]) -> set[str]:
    """Alert fingerprints that pipeline failures were linked to: their evidence names the
    alert's system, or the alert's labels own the failing asset (time alone is no link)."""
    return {
        alert_fingerprint(sig.labels)
        for ctx in contexts
        if ctx is not None
        for sig in ctx.alerts
        if sig.source != "metric" and (sig.names_system or sig.owner_match)
    }


def plan_alert_incidents(
    firing: Iterable[StoredAlert],
    open_incidents: Mapping[str, str],
    linked: set[str],
    *,
    enabled: bool,
    match: Mapping[str, str],
    window_s: float,
    now: float,
) -> AlertIncidentPlan:
    """Which alerts open an incident and which alert incidents are over.

    `open_incidents`: open alert incidents, fingerprint → id. An alert opens one when it is
    firing, matches, has fired for `window_s` (time for a failure to be linked to it) and no
    pipeline failure was linked to it; one incident per alert fingerprint (alertname and
    labels) while it fires, so re-sent alerts open nothing new. An open alert incident whose
    alert is not firing any more resolves, also once the feature is turned off.
    """
    current: dict[str, StoredAlert] = {}
    for alert in firing:
        if alert.status == "firing":
            current.setdefault(alert_fingerprint(alert.labels), alert)
    plan = AlertIncidentPlan(
        resolve=[i for fp, i in sorted(open_incidents.items()) if fp not in current]
    )
    if not enabled:
        return plan
    for fp, alert in sorted(current.items(), key=lambda kv: (kv[1].starts_at, kv[0])):
        if fp in open_incidents:
            continue
        if not matches(alert.labels, match):
            plan.unmatched += 1
        elif fp in linked:
            plan.linked.append(alert.name)
        elif now - alert.starts_at < window_s:
            plan.waiting.append(alert.name)
        else:
            plan.open.append(alert)
    return plan


def _clock(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def alert_evidence(alert: StoredAlert, now: float) -> Evidence:
    """An alert incident's evidence: its summary line names the alert; the facts quote its
    labels, start and annotations (redacted)."""
    lines = [
        f"Alert {alert.name} is firing with no pipeline failure linked to it",
        "Labels: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())),
        f"Firing since {_clock(alert.starts_at)} ({(now - alert.starts_at) / 60:.0f} min)",
    ]
    for key in ("summary", "description", "message", "runbook_url"):
        if alert.annotations.get(key):
            lines.append(f"{key.capitalize()}: {' '.join(alert.annotations[key].split())[:500]}")
    source = f"Source: {alert.source}" + (
        f" ({alert.generator_url})" if alert.generator_url else ""
    )
    lines.append(source)
    owners = [alert.labels[k] for k in ("team", "owner") if alert.labels.get(k)]
    return redact_data(
        Evidence(
            kind=Kind.ALERT,
            text="\n".join(lines),
            facts={"labels": dict(sorted(alert.labels.items()))},
            owners=owners,
            tags={"sentinel/alert": alert.name},
        )
    )


# --- intake ------------------------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def authorized(headers: Mapping[str, str], token: str | None) -> bool:
    """No token configured: open. Else `Authorization: Bearer <token>`, constant-time."""
    if not token:
        return True
    scheme, _, given = _header(headers, "Authorization").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def parse_alertmanager(body: bytes) -> list[StoredAlert]:
    """Validate a webhook body (version 4). Raises ValueError with a clear message."""
    if len(body) > MAX_BODY:
        raise ValueError(f"body too large ({len(body)} bytes > {MAX_BODY})")
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("body is not UTF-8") from None
    except json.JSONDecodeError as e:
        raise ValueError(
            f"body is not JSON ({e.msg} at line {e.lineno} column {e.colno})"
        ) from None
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object (Alertmanager webhook payload)")
    try:
        payload = AMPayload.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()[:5]
        )
        raise ValueError(f"not an Alertmanager webhook payload (version 4): {problems}") from None
    out = []
    for a in payload.alerts:
        starts = _ts(a.starts_at) or time.time()
        ends = _ts(a.ends_at)
        resolved = a.status == "resolved"
        out.append(
            StoredAlert(
                fingerprint=f"am:{a.fingerprint or _fingerprint(a.labels)}",
                source="alertmanager",
                name=a.labels["alertname"],
                status=a.status,
                labels=a.labels,
                annotations=a.annotations,
                starts_at=starts,
                # A firing alert's endsAt is Alertmanager's expected expiry, not an end.
                ends_at=(ends or time.time()) if resolved else None,
                generator_url=a.generator_url,
            )
        )
    return out


def handle_alertmanager(
    body: bytes, headers: Mapping[str, str], settings: SentinelSettings | SentinelConfig
) -> tuple[int, dict[str, Any]]:
    """`POST /alertmanager`: (HTTP status, JSON answer). Never raises on bad input.

    `settings`: the service's resolved settings, or its `SentinelConfig` (resolved now). In
    a deployment whose store is the Dagster instance's PostgreSQL, pass
    `sentinel_for(config, instance).settings` so alerts land in the same store.
    """
    if isinstance(settings, SentinelConfig):
        settings = SentinelSettings.from_config(settings.resolved())
    if not authorized(headers, settings.context.alertmanager_token):
        return 401, {"error": "missing or wrong bearer token (SENTINEL_ALERTMANAGER_TOKEN)"}
    try:
        alerts = parse_alertmanager(body)
    except ValueError as e:
        return 400, {"error": str(e)}
    try:
        AlertStore(settings.database_url).upsert(alerts)
    except SentinelError as e:
        # Not the sender's fault: 503 makes Alertmanager retry the notification.
        return 503, {"error": f"alert store unavailable: {type(e).__name__}"}
    firing = sum(1 for a in alerts if a.status == "firing")
    return 200, {"stored": len(alerts), "firing": firing, "resolved": len(alerts) - firing}


# --- Prometheus polling -------------------------------------------------------------------------


def parse_prometheus_alerts(payload: Any) -> list[StoredAlert]:
    """`/api/v1/alerts` → firing alerts (pending ones are not firing yet)."""
    if not isinstance(payload, dict) or payload.get("status") != "success":
        raise AlertError(f"Prometheus answered {str(payload)[:200]!r}")
    out = []
    for a in (payload.get("data") or {}).get("alerts") or []:
        if not isinstance(a, dict) or a.get("state") != "firing":
            continue
        labels = {str(k): str(v) for k, v in (a.get("labels") or {}).items()}
        if "alertname" not in labels:
            continue
        try:
            active = datetime.fromisoformat(str(a.get("activeAt")).replace("Z", "+00:00"))
            starts = active.timestamp()
        except ValueError:
            starts = time.time()
        out.append(
            StoredAlert(
                fingerprint=f"prom:{_fingerprint(labels)}",
                source="prometheus",
                name=labels["alertname"],
                status="firing",
                labels=labels,
                annotations={str(k): str(v) for k, v in (a.get("annotations") or {}).items()},
                starts_at=starts,
            )
        )
    return out


def poll_prometheus(base_url: str, timeout_s: float) -> list[StoredAlert]:
    url = base_url.rstrip("/") + "/api/v1/alerts"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:  # noqa: S310 - configured URL
            payload = json.loads(resp.read(MAX_BODY).decode("utf-8"))
    except urllib.error.HTTPError as e:
        raise AlertError(f"Prometheus at {base_url} answered HTTP {e.code}") from e
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise AlertError(f"Prometheus at {base_url} unreachable: {e}") from e
    except ValueError as e:
        raise AlertError(f"Prometheus at {base_url} answered non-JSON") from e
    return parse_prometheus_alerts(payload)


def sync_prometheus(settings: SentinelSettings, now: float | None = None) -> tuple[int, int]:
    """Poll once: store firing alerts, close the ones that stopped. (firing, closed)."""
    url = settings.context.prometheus_url
    if not url:
        return 0, 0
    alerts = poll_prometheus(url, settings.context.prometheus_timeout_s)
    store = AlertStore(settings.database_url)
    # An alert already known keeps its first start time.
    store.upsert(alerts, now)
    closed = store.close_missing("prometheus", {a.fingerprint for a in alerts}, now)
    return len(alerts), closed
