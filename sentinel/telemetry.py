"""Sentinel's own metrics, for Prometheus (`GET /metrics` on `sentinel serve`).

Where the numbers come from, and why: Sentinel's work happens in many processes on many
hosts — the failure hook inside run workers and Celery workers, sensors in the daemon, RCA
runs in their own run workers. Process-local counters (and prometheus_client's multiprocess
mode, which shares files in one directory of one host) would only ever show the scraping
process. The one thing every process shares is the store, so:

- counters and histograms that only exist as events (diagnosis latency by brain, Gemini
  calls/errors/tokens, sensor ticks) are kept as rows of `sentinel_counters` in the shared
  store, incremented in the same database every process writes to;
- everything else (incidents by category, outbox backlog and age, Slack send results,
  automatic actions) is computed from the store's own tables at scrape time.

A custom collector reads it all when Prometheus scrapes, so any `sentinel serve` replica
shows the whole deployment's numbers. Recording never raises: telemetry must not cost a
report.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from dagster_sentinel.errors import StoreError
from dagster_sentinel.store import counters, engine_for, incidents, outbox, transaction

log = logging.getLogger("sentinel")

# Diagnosis latency buckets (seconds): the offline analyzers take milliseconds, Gemini seconds.
LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
TICK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def label_key(labels: Mapping[str, str]) -> str:
    """A stable text form of a label set (sorted `k=v` pairs joined by `,`)."""
    return ",".join(f"{k}={_clean(v)}" for k, v in sorted(labels.items()))


def parse_labels(text: str) -> dict[str, str]:
    if not text:
        return {}
    return dict(pair.split("=", 1) for pair in text.split(","))


def _clean(value: str) -> str:
    # Label values are names (brains, sensors, outcomes): keep the text form unambiguous.
    return str(value).replace(",", "_").replace("=", "_")[:120]


def bucket_for(value: float, buckets: Iterable[float]) -> str:
    """The smallest bucket bound holding `value` (`+Inf` past the last)."""
    for bound in buckets:
        if value <= bound:
            return repr(float(bound))
    return "+Inf"


class Telemetry:
    """Counters in the shared store. Every method is best-effort and never raises."""

    def __init__(self, url: str) -> None:
        self.url = url

    def inc(self, name: str, labels: Mapping[str, str] | None = None, value: float = 1.0) -> None:
        self._add([(name, label_key(labels or {}), value)])

    def set(self, name: str, labels: Mapping[str, str] | None, value: float) -> None:
        """A gauge written by the process that knows (e.g. the breaker state last seen)."""
        self._add([(name, label_key(labels or {}), value)], absolute=True)

    def observe(
        self,
        name: str,
        labels: Mapping[str, str],
        value: float,
        buckets: Iterable[float] = LATENCY_BUCKETS,
    ) -> None:
        """One histogram observation: its bucket, the count and the sum, in one transaction."""
        base = dict(labels)
        self._add(
            [
                (f"{name}_bucket", label_key({**base, "le": bucket_for(value, buckets)}), 1.0),
                (f"{name}_count", label_key(base), 1.0),
                (f"{name}_sum", label_key(base), float(value)),
            ]
        )

    def _add(self, rows: list[tuple[str, str, float]], *, absolute: bool = False) -> None:
        try:
            engine = engine_for(self.url)
            now = time.time()
            with transaction(engine, lock_key="sentinel-counters") as conn:
                for name, labels, value in rows:
                    where = sa.and_(counters.c.name == name, counters.c.labels == labels)
                    new = sa.literal(value) if absolute else counters.c.value + value
                    res = conn.execute(
                        counters.update().where(where).values(value=new, updated_at=now)
                    )
                    if res.rowcount == 0:
                        conn.execute(
                            counters.insert().values(
                                name=name, labels=labels, value=value, updated_at=now
                            )
                        )
        except (StoreError, SQLAlchemyError) as e:
            log.warning("telemetry not recorded (%s)", e)

    def read(self) -> list[tuple[str, dict[str, str], float]]:
        with engine_for(self.url).connect() as conn:
            rows = conn.execute(sa.select(counters.c.name, counters.c.labels, counters.c.value))
            return [(r.name, parse_labels(r.labels), float(r.value)) for r in rows]

    @contextmanager
    def tick(self, sensor: str) -> Iterator[None]:
        """Time one sensor evaluation; a raising tick counts as failed (and still raises)."""
        started = time.perf_counter()
        status = "error"
        try:
            yield
            status = "ok"
        finally:
            elapsed = time.perf_counter() - started
            self.observe("tick_duration_seconds", {"sensor": sensor}, elapsed, TICK_BUCKETS)
            self.inc("ticks_total", {"sensor": sensor, "status": status})


def record_diagnosis(
    telemetry: Telemetry,
    *,
    brain: str,
    path: str,
    seconds: float,
    gemini_outcome: str | None,
    gemini_tokens: int | None,
) -> None:
    """One diagnosis: its latency by brain, and what Gemini did (if it was asked)."""
    telemetry.observe("diagnosis_duration_seconds", {"brain": brain, "path": path}, seconds)
    if gemini_outcome is None:
        return
    telemetry.inc("gemini_calls_total", {"outcome": gemini_outcome})
    if gemini_tokens:
        telemetry.inc("gemini_tokens_total", {}, float(gemini_tokens))
    if gemini_outcome == "breaker_open":
        telemetry.set("gemini_breaker_open", {}, 1.0)
    elif gemini_outcome in ("ok", "rejected"):
        # The service answered: a breaker that was open has closed again.
        telemetry.set("gemini_breaker_open", {}, 0.0)


# --- Scrape time ---------------------------------------------------------------------------

GEMINI_ERRORS = ("unavailable", "rejected", "crashed")


class StoreCollector(Collector):
    """Reads the shared store when Prometheus scrapes."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._collect()
        except (StoreError, SQLAlchemyError) as e:
            log.warning("metrics: cannot read the store (%s)", e)
            up = GaugeMetricFamily("sentinel_store_up", "1 when the shared store could be read.")
            up.add_metric([], 0.0)
            yield up

    def _collect(self) -> Iterator[Metric]:
        engine = engine_for(self.url)
        now = float(self.clock())
        with engine.connect() as conn:
            by_cat = conn.execute(
                sa.select(
                    incidents.c.kind,
                    incidents.c.category,
                    sa.func.count(),
                    sa.func.count(incidents.c.resolved_at),
                    sa.func.sum(sa.case((incidents.c.status == "open", 1), else_=0)),
                ).group_by(incidents.c.kind, incidents.c.category)
            ).all()
            out = conn.execute(
                sa.select(
                    outbox.c.status,
                    outbox.c.kind,
                    sa.func.count(),
                    sa.func.coalesce(sa.func.sum(outbox.c.attempts), 0),
                    sa.func.min(outbox.c.created_at),
                ).group_by(outbox.c.status, outbox.c.kind)
            ).all()
            actions = _actions(conn)
        rows = Telemetry(self.url).read()

        up = GaugeMetricFamily("sentinel_store_up", "1 when the shared store could be read.")
        up.add_metric([], 1.0)
        yield up

        opened = CounterMetricFamily(
            "sentinel_incidents_opened",
            "Incidents opened, by kind and category (undiagnosed until a report is stored).",
            labels=["kind", "category"],
        )
        resolved = CounterMetricFamily(
            "sentinel_incidents_resolved",
            "Incidents resolved, by kind and category.",
            labels=["kind", "category"],
        )
        open_now = GaugeMetricFamily(
            "sentinel_incidents_open", "Incidents open now.", labels=["kind", "category"]
        )
        for kind, category, total, n_resolved, n_open in by_cat:
            labels = [kind or "failure", category or "undiagnosed"]
            opened.add_metric(labels, float(total))
            resolved.add_metric(labels, float(n_resolved))
            open_now.add_metric(labels, float(n_open or 0))
        yield from (opened, resolved, open_now)

        backlog = GaugeMetricFamily(
            "sentinel_outbox_backlog", "Slack messages waiting in the outbox.", labels=["kind"]
        )
        age = GaugeMetricFamily(
            "sentinel_outbox_oldest_age_seconds",
            "Age of the oldest Slack message still waiting (0 when none).",
        )
        sends = CounterMetricFamily(
            "sentinel_slack_sends",
            "Slack API sends by result: ok (delivered), failed (attempts that failed and "
            "were retried or gave up), dead (messages given up on).",
            labels=["result"],
        )
        oldest: float | None = None
        sent = attempts = dead = 0.0
        for status, kind, count, n_attempts, first in out:
            if status == "pending":
                backlog.add_metric([kind], float(count))
                if first is not None:
                    oldest = first if oldest is None else min(oldest, first)
            if status == "sent":
                sent += float(count)
            if status == "dead":
                dead += float(count)
            attempts += float(n_attempts or 0)
        age.add_metric([], max(now - oldest, 0.0) if oldest is not None else 0.0)
        sends.add_metric(["ok"], sent)
        sends.add_metric(["failed"], max(attempts - sent, 0.0))
        sends.add_metric(["dead"], dead)
        yield from (backlog, age, sends)

        acts = CounterMetricFamily(
            "sentinel_actions",
            "Actions on incidents: automatic (by Sentinel) or by people from Slack.",
            labels=["by", "action", "result"],
        )
        for (by, action, result), count in sorted(actions.items()):
            acts.add_metric([by, action, result], float(count))
        yield acts

        yield from _from_counters(rows)


def _actions(conn: sa.Connection) -> dict[tuple[str, str, str], int]:
    from dagster_sentinel.timeline import timeline

    if not sa.inspect(conn).has_table(timeline.name):
        return {}
    found: dict[tuple[str, str, str], int] = {}
    for actor_is_sentinel, action, result, count in conn.execute(
        sa.select(
            timeline.c.actor == "sentinel", timeline.c.action, timeline.c.result, sa.func.count()
        ).group_by(timeline.c.actor == "sentinel", timeline.c.action, timeline.c.result)
    ):
        key = ("sentinel" if actor_is_sentinel else "user", action, result)
        found[key] = found.get(key, 0) + int(count)
    return found


def _from_counters(rows: list[tuple[str, dict[str, str], float]]) -> Iterator[Metric]:
    def values(name: str) -> list[tuple[dict[str, str], float]]:
        return [(labels, v) for n, labels, v in rows if n == name]

    yield from _histogram(
        "sentinel_diagnosis_duration_seconds",
        "Time to diagnose one incident, by brain and path (hook, sensor, rca).",
        "diagnosis_duration_seconds",
        ["brain", "path"],
        LATENCY_BUCKETS,
        rows,
    )
    calls = CounterMetricFamily(
        "sentinel_gemini_calls", "Gemini diagnoses by outcome.", labels=["outcome"]
    )
    errors = CounterMetricFamily(
        "sentinel_gemini_errors", "Gemini calls that failed (unavailable, rejected, crashed)."
    )
    n_errors = 0.0
    for labels, v in values("gemini_calls_total"):
        calls.add_metric([labels.get("outcome", "")], v)
        if labels.get("outcome") in GEMINI_ERRORS:
            n_errors += v
    errors.add_metric([], n_errors)
    tokens = CounterMetricFamily("sentinel_gemini_tokens", "Gemini tokens used (total count).")
    tokens.add_metric([], sum(v for _, v in values("gemini_tokens_total")))
    breaker = GaugeMetricFamily(
        "sentinel_gemini_breaker_open",
        "1 when the last diagnosis found Gemini's circuit breaker open, 0 once Gemini answers.",
    )
    breaker.add_metric([], max((v for _, v in values("gemini_breaker_open")), default=0.0))
    yield from (calls, errors, tokens, breaker)

    ticks = CounterMetricFamily(
        "sentinel_sensor_ticks",
        "Sensor evaluations by sensor and status.",
        labels=["sensor", "status"],
    )
    for labels, v in values("ticks_total"):
        ticks.add_metric([labels.get("sensor", ""), labels.get("status", "")], v)
    yield ticks
    yield from _histogram(
        "sentinel_sensor_tick_duration_seconds",
        "Duration of Sentinel's sensor evaluations.",
        "tick_duration_seconds",
        ["sensor"],
        TICK_BUCKETS,
        rows,
    )


def _histogram(
    metric: str,
    documentation: str,
    name: str,
    label_names: list[str],
    buckets: Iterable[float],
    rows: list[tuple[str, dict[str, str], float]],
) -> Iterator[Metric]:
    family = HistogramMetricFamily(metric, documentation, labels=label_names)
    series: dict[tuple[str, ...], dict[str, float]] = {}
    sums: dict[tuple[str, ...], float] = {}
    for n, labels, v in rows:
        key = tuple(labels.get(k, "") for k in label_names)
        if n == f"{name}_bucket":
            series.setdefault(key, {})[labels.get("le", "+Inf")] = v
        elif n == f"{name}_sum":
            sums[key] = v
        elif n == f"{name}_count":
            series.setdefault(key, {})
    bounds = [repr(float(b)) for b in buckets] + ["+Inf"]
    for key, per_bucket in sorted(series.items()):
        cumulative, out = 0.0, []
        for bound in bounds:
            cumulative += per_bucket.get(bound, 0.0)
            out.append((bound, cumulative))
        family.add_metric(list(key), out, sums.get(key, 0.0))
    yield family


def exposition(url: str) -> bytes:
    """The Prometheus text exposition of the whole deployment's metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(url))
    return generate_latest(registry)
