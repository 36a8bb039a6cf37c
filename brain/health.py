"""Default diagnoses of health-check findings (kinds that are not exceptions).

A health incident (a stale asset, a failed check, a stuck run...) carries its facts as
text: a one-line summary naming the problem, then one fact per line ("Last
materialization: 5 h ago", "Usual cadence: every 1 h", check metadata, the runs and how
long they have been in a status). Whatever facts are there, the diagnosis quotes them
verbatim: the cause names the kind's problem with its first facts, the evidence is the
summary and fact lines, and the remediation names the asset, job, check or status.

Pure functions over `Evidence`; `sentinel_brain.analyzers` ranks these hypotheses with the
signature hits (a specific signature in the facts, e.g. a check description saying
"column missing", outranks the kind's default).
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel_brain.models import Category, Evidence, Kind

_MAX_LINES = 60
_MAX_LINE = 300
_FACTS_IN_CAUSE = 4
_MAX_CAUSE = 600


@dataclass(frozen=True)
class Hypothesis:
    """One default hypothesis of a health kind."""

    category: Category
    confidence: float
    cause: str
    evidence: tuple[str, ...]
    remediation: tuple[str, ...]


@dataclass(frozen=True)
class _Default:
    category: Category
    confidence: float
    lead: str  # what the kind means; {target}, {check}, {status} are filled from Evidence
    remediation: tuple[str, ...]


def _lines(evidence: Evidence) -> list[str]:
    """The finding's non-empty lines (summary first), stripped and bounded."""
    out: list[str] = []
    for line in evidence.text.splitlines()[:_MAX_LINES]:
        if line.strip():
            out.append(line.strip()[:_MAX_LINE])
    return out


def facts_of(evidence: Evidence) -> list[str]:
    """The fact lines of a finding (all lines after its summary) plus structured facts."""
    lines = _lines(evidence)[1:]
    lines.extend(f"{k}: {_fact(v)}"[:_MAX_LINE] for k, v in list(evidence.facts.items())[:20])
    # A bare heading ("Check metadata:") says nothing by itself (its items follow); a
    # heading with a figure in it ("2 run(s) in QUEUED for longer than 30 min:") does.
    return [ln for ln in lines if not ln.endswith(":") or any(c.isdigit() for c in ln)]


def _fact(value: object) -> str:
    """A fact as a reader writes it: a mapping (an alert's labels) as `k=v, k=v`."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _names(evidence: Evidence) -> dict[str, str]:
    labels = evidence.facts.get("labels")
    alert = labels.get("alertname") if isinstance(labels, dict) else None
    return {
        "alert": str(alert or "the alert"),
        "target": evidence.asset or evidence.job or "the target",
        "asset": evidence.asset or "the asset",
        "job": evidence.job or "the job",
        "check": evidence.step or "the check",
        "status": evidence.step or "its status",
    }


_RUN_HUNG = (
    "Open the run's event log and the run worker's process/pod logs for {job}; terminate the "
    "run and relaunch it if the worker is gone.",
    "Set run monitoring (max runtime, start and cancel timeouts) so hung runs of {job} fail "
    "fast instead of hanging.",
)

DEFAULTS: dict[Kind, tuple[_Default, ...]] = {
    Kind.STALE_ASSET: (
        _Default(
            Category.MISSING_INPUT,
            0.62,
            "Asset {asset} is stale: its data stopped arriving at the expected cadence",
            (
                "Open the last materialization of {asset} and the runs after it: a failed or "
                "skipped run, or an upstream asset that stopped updating, is the usual cause.",
                "Check that the schedule, sensor or automation condition that refreshes {asset} "
                "is running and has recent ticks.",
            ),
        ),
        _Default(
            Category.INFRASTRUCTURE,
            0.45,
            "The schedule, sensor or daemon that refreshes {asset} is not running",
            ("Check the daemon's health and the schedule/sensor status of {asset} in the UI.",),
        ),
        _Default(
            Category.DEPENDENCY_UNAVAILABLE,
            0.3,
            "An external source feeding {asset} stopped delivering",
            ("Check the external source's availability and delivery logs.",),
        ),
    ),
    Kind.FAILED_CHECK: (
        _Default(
            Category.DATA_QUALITY,
            0.8,
            "Asset check {check} on {asset} failed: the data violates its expectation",
            (
                "Read the check's metadata (failing rows, values, thresholds) and fix the data "
                "at the producer of {asset}, then re-run the check.",
                "Decide whether assets downstream of {asset} must wait until {check} passes "
                "(make the check blocking).",
            ),
        ),
        _Default(
            Category.SCHEMA_MISMATCH,
            0.4,
            "Check {check} failed because the schema of {asset} changed",
            ("Compare the columns of {asset} with the schema the check expects.",),
        ),
        _Default(
            Category.MISSING_INPUT,
            0.35,
            "Check {check} failed because {asset} is empty or incomplete",
            ("Check the row count of the latest materialization of {asset}.",),
        ),
    ),
    Kind.STUCK_RUN: (
        _Default(
            Category.INFRASTRUCTURE,
            0.6,
            "Runs of {job} are stuck in {status}: the queue, launcher or run worker is not "
            "making progress",
            (
                "QUEUED: check the run queue's concurrency limits and that the daemon runs; "
                "STARTING/CANCELING: check that the run launcher can start (or stop) the run "
                "worker of {job} and the code location loads.",
                *_RUN_HUNG,
            ),
        ),
        _Default(
            Category.CONCURRENCY,
            0.45,
            "Runs of {job} wait on a concurrency slot or queue limit held by other runs",
            ("Check concurrency pools and run-queue limits, and the runs holding them.",),
        ),
        _Default(
            Category.TIMEOUT,
            0.35,
            "A run of {job} waits on something without a timeout",
            ("Add start/cancel timeouts (run monitoring) and timeouts to external calls.",),
        ),
    ),
    Kind.LONG_RUNNING_RUN: (
        _Default(
            Category.INFRASTRUCTURE,
            0.5,
            "A run of {job} is running far longer than its usual duration: its worker may hang",
            _RUN_HUNG,
        ),
        _Default(
            Category.DEPENDENCY_UNAVAILABLE,
            0.45,
            "A run of {job} waits on a slow or unresponsive external system",
            (
                "Check the latency of the databases/APIs the run's current step calls, and set "
                "timeouts on those calls.",
            ),
        ),
        _Default(
            Category.RESOURCE_EXHAUSTION,
            0.4,
            "A run of {job} processes much more data, or has fewer resources, than usual",
            ("Compare input volumes and the worker's CPU/memory with earlier runs.",),
        ),
    ),
    Kind.DURATION_REGRESSION: (
        _Default(
            Category.RESOURCE_EXHAUSTION,
            0.45,
            "Job {job} became much slower than usual, likely from data growth or resource pressure",
            (
                "Compare input row counts and step durations of {job} with previous runs.",
                "Check CPU/memory saturation of the worker during the run.",
            ),
        ),
        _Default(
            Category.DEPENDENCY_UNAVAILABLE,
            0.4,
            "An external dependency that {job} calls became slow",
            ("Check the latency of the databases/APIs the slow steps call.",),
        ),
        _Default(
            Category.DATA_QUALITY,
            0.35,
            "The input volume of {job} changed unexpectedly (duplicates, unfiltered data)",
            ("Compare input volume with previous runs; look for duplicated loads.",),
        ),
    ),
    Kind.FAILURE_RATE_SPIKE: (
        _Default(
            Category.DEPENDENCY_UNAVAILABLE,
            0.45,
            "Many runs of {job} fail at once: a shared dependency is likely failing",
            (
                "Group the recent failures of {job} by fingerprint; the common one points at "
                "the cause.",
                "Check the shared services (database, object store, APIs) {job} uses.",
            ),
        ),
        _Default(
            Category.INFRASTRUCTURE,
            0.4,
            "Many runs of {job} fail at once: the workers or cluster are unhealthy",
            ("Check the run launcher and cluster health.",),
        ),
        _Default(
            Category.CONFIG_ERROR,
            0.3,
            "A configuration or deployment change broke {job}",
            ("Check recent deployments and configuration changes.",),
        ),
    ),
    Kind.SENTINEL_HEALTH: (
        _Default(
            Category.DEPENDENCY_UNAVAILABLE,
            0.5,
            "Sentinel's {status} is failing: a service it depends on (Slack, Gemini, the "
            "instance's storage) does not answer as expected",
            (
                "Read the last error quoted here; check reachability, quota and credentials of "
                "that service.",
                "Check the ticks of Sentinel's sensors in the UI (Automation).",
            ),
        ),
        _Default(
            Category.CONFIG_ERROR,
            0.4,
            "Sentinel's {status} is misconfigured (token, scopes, channel, key)",
            ("Check Sentinel's settings and the scopes of its tokens.",),
        ),
        _Default(
            Category.INFRASTRUCTURE,
            0.35,
            "The daemon running Sentinel's sensors is unhealthy",
            ("Check the daemon's health and logs.",),
        ),
    ),
    Kind.ALERT: (
        _Default(
            Category.INFRASTRUCTURE,
            0.55,
            "Alert {alert} is firing with no pipeline failure linked to it: the system it "
            "watches is unhealthy",
            (
                "Follow the alert's own runbook and annotations; check the system its labels "
                "name (instance, service, host).",
                "List the jobs and assets that depend on that system and hold their next runs "
                "until {alert} resolves.",
            ),
        ),
        _Default(
            Category.DEPENDENCY_UNAVAILABLE,
            0.45,
            "A service that pipelines call is degraded or down ({alert})",
            ("Check the service's availability and its recent deploys.",),
        ),
        _Default(
            Category.RESOURCE_EXHAUSTION,
            0.3,
            "{alert} reports resource pressure (disk, memory, CPU, connections) on the system "
            "it watches",
            ("Check the resource the alert measures; free or add capacity.",),
        ),
    ),
    Kind.LOG_ANOMALY: (
        _Default(
            Category.UNKNOWN,
            0.4,
            "New or unusually frequent log patterns appeared in {target}",
            ("Read the new log templates and the runs that emitted them.",),
        ),
    ),
    Kind.METRIC_ANOMALY: (
        _Default(
            Category.DATA_QUALITY,
            0.5,
            "A metric of {target} (row count, nulls, values) moved outside its normal range",
            (
                "Compare the metric with its history and find which partition/source changed.",
                "Add an asset check on the metric so the anomaly blocks downstream assets.",
            ),
        ),
        _Default(
            Category.MISSING_INPUT,
            0.4,
            "Part of the input data of {target} did not arrive",
            ("Check the row counts of the upstream assets for the same period.",),
        ),
    ),
}


def health_hypotheses(evidence: Evidence) -> list[Hypothesis]:
    """The kind's default hypotheses, built from the finding's facts; [] for failures."""
    defaults = DEFAULTS.get(evidence.kind, ())
    if not defaults:
        return []
    names = _names(evidence)
    lines = _lines(evidence)
    facts = facts_of(evidence)
    head = lines[:1] + facts[:3]
    detail = "; ".join(f.rstrip(".:") for f in facts[:_FACTS_IN_CAUSE])[:_MAX_CAUSE]
    out: list[Hypothesis] = []
    for i, d in enumerate(defaults):
        cause = d.lead.format(**names)
        if i == 0 and detail:
            cause = f"{cause} ({detail})"
        out.append(
            Hypothesis(
                category=d.category,
                confidence=d.confidence,
                cause=cause,
                evidence=tuple(head if i == 0 else head[:1]),
                remediation=tuple(r.format(**names) for r in d.remediation),
            )
        )
    return out
