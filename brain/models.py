"""The brain's data contract: what goes in (Evidence) and what comes out (Report).

Everything here is plain pydantic so `sentinel/` can hand over evidence gathered from
Dagster and the CLI can hand over a pasted traceback, and both get the same report back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sentinel_brain.context import IncidentContext


class Category(StrEnum):
    """Root-cause taxonomy. The root cause decides, not the surface exception.

    Credentials follow one rule, decided by whether anything was presented:

    - `CONFIG_ERROR`: credentials are ABSENT: not found, not configured, the env var or
      secret that should hold them is unset ("Unable to locate credentials", "default
      credentials were not found"). Nothing was sent, so nothing was rejected; the fix is
      the deployment's configuration. `AUTH_FAILURE` stays a plausible alternative.
    - `AUTH_FAILURE`: credentials were PRESENTED AND REJECTED: invalid, expired or revoked,
      a wrong password, an unknown user or key (HTTP 401, `InvalidAccessKeyId`).

    A configured value that is wrong (host, port, region, endpoint, option, DSN, profile,
    handler name) is `CONFIG_ERROR` even when the surface is a connection or auth error;
    the surface category stays among the candidates.
    """

    CODE_ERROR = "code_error"
    SCHEMA_MISMATCH = "schema_mismatch"
    DATA_QUALITY = "data_quality"
    MISSING_INPUT = "missing_input"
    DEPENDENCY_UNAVAILABLE = "dependency_unavailable"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    AUTH_FAILURE = "auth_failure"
    PERMISSION_DENIED = "permission_denied"
    RESOURCE_EXHAUSTION = "resource_exhaustion"
    CONFIG_ERROR = "config_error"
    ENVIRONMENT = "environment"
    CONCURRENCY = "concurrency"
    INFRASTRUCTURE = "infrastructure"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class Kind(StrEnum):
    """What kind of trouble an `Evidence` describes: a failure, or a health-check finding.

    The health kinds are the ones Sentinel opens incidents for (`dagster_sentinel.health`) plus
    the anomalies raised by log/metric ingestion checks.
    """

    # A failure handed over without saying where it happened (CLI text, older callers).
    FAILURE = "failure"
    STEP_FAILURE = "step_failure"
    RUN_FAILURE = "run_failure"
    STALE_ASSET = "stale_asset"
    FAILED_CHECK = "failed_check"
    STUCK_RUN = "stuck_run"
    LONG_RUNNING_RUN = "long_running_run"
    DURATION_REGRESSION = "duration_regression"
    FAILURE_RATE_SPIKE = "failure_rate_spike"
    SENTINEL_HEALTH = "sentinel_health"
    LOG_ANOMALY = "log_anomaly"
    METRIC_ANOMALY = "metric_anomaly"
    # An external alert firing with no pipeline failure linked to it (opt-in, see
    # `dagster_sentinel.alerts.plan_alert_incidents`).
    ALERT = "alert"

    @property
    def is_failure(self) -> bool:
        """True for failures (an error happened), False for health findings."""
        return self in (Kind.FAILURE, Kind.STEP_FAILURE, Kind.RUN_FAILURE)


class Frame(BaseModel):
    """One stack frame. `is_user` separates the pipeline's own code from libraries."""

    file: str
    line: int | None = None
    function: str | None = None
    code: str | None = None
    is_user: bool = False


class ExceptionInfo(BaseModel):
    """One exception of a chain. `type` is as printed (`KeyError`, `pandas.errors.X`)."""

    type: str
    message: str = ""
    frames: list[Frame] = Field(default_factory=list)
    # How this exception relates to the previous one in `Evidence.exceptions`:
    # "cause" (raise ... from), "context" (during handling of), or None for the first.
    link: Literal["cause", "context"] | None = None


class SourceContext(BaseModel):
    """Source lines around the failing user frame."""

    file: str
    line: int
    lines: dict[int, str] = Field(default_factory=dict)


class UpstreamAsset(BaseModel):
    """Latest materialization facts of an upstream asset (row counts, columns...)."""

    asset_key: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    timestamp: float | None = None


class LogTemplate(BaseModel):
    """A mined log template with its counts, as evidence from ingested logs."""

    template: str
    count: int
    level: str | None = None
    source: str | None = None
    is_new: bool = False


class ConfigChange(BaseModel):
    """One leaf of the run config that differs from the last successful run's (redacted).

    `before`/`after` are None when the leaf was absent on that side."""

    path: str
    before: str | None = None
    after: str | None = None


class PreviousSuccess(BaseModel):
    """The job's last successful run, and what changed in the run config since."""

    model_config = ConfigDict(extra="ignore")

    run_id: str
    end_time: float | None = None
    duration_s: float | None = None
    config_changes: list[ConfigChange] = Field(default_factory=list)


class Evidence(BaseModel):
    """Everything known about one failure, as plain data.

    `exceptions` is ordered as Python prints a chain: the earliest (innermost root)
    first and the exception that finally surfaced last. `text` is the raw failure
    text when the evidence came from text (CLI), or a rendering of it otherwise.
    """

    model_config = ConfigDict(extra="ignore")

    text: str = ""
    exceptions: list[ExceptionInfo] = Field(default_factory=list)
    source: SourceContext | None = None
    logs: str = ""
    events: list[str] = Field(default_factory=list)
    run_config: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    job: str | None = None
    step: str | None = None
    asset: str | None = None
    run_id: str | None = None
    location: str | None = None
    upstream: list[UpstreamAsset] = Field(default_factory=list)
    previous_success: PreviousSuccess | None = None
    blast_radius: list[str] = Field(default_factory=list)
    owners: list[str] = Field(default_factory=list)
    group: str | None = None
    recurrence: int = 0
    log_templates: list[LogTemplate] = Field(default_factory=list)
    kind: Kind = Kind.FAILURE
    # Facts of a health finding (cadence, last materialization, check metadata, status,
    # durations...), as plain data: the health diagnosis quotes them.
    facts: dict[str, Any] = Field(default_factory=dict)
    # Where in the run the failure happened, when read from Dagster: "step" (a step's own
    # code), "resource_init", "step_process" (a step's process died), "run_worker" (the
    # run was failed from outside its worker), "run" (run-level, outside any step).
    phase: str | None = None
    # Runbooks, similar past incidents and correlated alerts (dagster_sentinel.context).
    context: IncidentContext | None = None

    @property
    def root(self) -> ExceptionInfo | None:
        return self.exceptions[0] if self.exceptions else None

    @property
    def surface(self) -> ExceptionInfo | None:
        return self.exceptions[-1] if self.exceptions else None


class Location(BaseModel):
    file: str
    line: int | None = None
    function: str | None = None


class Candidate(BaseModel):
    """One ranked hypothesis about the root cause."""

    category: Category
    cause: str
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list)
    remediation: list[str] = Field(default_factory=list)
    signature: str | None = None


GeminiOutcome = Literal[
    "ok", "cached", "no_key", "breaker_open", "unavailable", "rejected", "crashed"
]


class Report(BaseModel):
    """A root-cause-analysis report. `candidates` are ranked, best first."""

    category: Category
    summary: str
    severity: Severity = Severity.HIGH
    candidates: list[Candidate] = Field(default_factory=list)
    failing_location: Location | None = None
    fix_suggestion: str | None = None
    brain: Literal["rules", "gemini"] = "rules"
    fingerprint: str = ""
    error_type: str | None = None
    error_message: str | None = None
    # What was looked at, and why the report may be weaker than usual.
    examined: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    degraded: bool = False
    # What Gemini did for this report (None: not asked) and the tokens it billed: telemetry.
    gemini_outcome: GeminiOutcome | None = None
    gemini_tokens: int | None = None
    # Runbook sections (refs of `Evidence.context.runbooks`) the diagnosis cites.
    runbooks_cited: list[str] = Field(default_factory=list)

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None
