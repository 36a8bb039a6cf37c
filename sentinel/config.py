"""Sentinel's one typed configuration: `SentinelConfig`, a Dagster `ConfigurableResource`.

Every setting is declared once, here or in a section model, with its type, its default, its
environment variable and what it means. Precedence, decided when a run or tick starts (never
at import): a value given explicitly (Python, the Component's YAML, `dg.EnvVar`) wins; then
the setting's environment variable; then the default. Secrets (`secret=True`) are meant to
be given as `dg.EnvVar("…")` so they never appear in run config or the UI.

The README's configuration table is generated from these models (`sentinel config
--markdown`), and a test keeps the two in sync.

Consumers call `SentinelConfig.resolved()` (or `SentinelConfig.from_env()` outside Dagster:
the CLI, `sentinel serve`, the hook when the job provides no resource) and read typed values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import dagster as dg
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator

from dagster_sentinel.errors import ConfigurationError
from sentinel_brain.config import BrainSettings

_BRAIN_DEFAULTS = BrainSettings.model_fields


def setting(
    default: Any,
    env: str | tuple[str, ...],
    description: str,
    *,
    secret: bool = False,
    shown_default: str | None = None,
    **constraints: Any,
) -> Any:
    """A config field bound to its environment variable(s); the first one set wins."""
    names = (env,) if isinstance(env, str) else env
    extra: dict[str, Any] = {"env": list(names), "secret": secret}
    if shown_default is not None:
        extra["shown_default"] = shown_default
    return Field(default=default, description=description, json_schema_extra=extra, **constraints)


def parse_mapping(text: str) -> dict[str, str]:
    """`a=b,c=d` or a JSON object → dict. The key may itself contain ':' (`owner:team:x`)."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return {str(k): str(v) for k, v in data.items()}
    out: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"expected selector=value, got {part.strip()!r}")
        out[key.strip()] = value.strip()
    return out


class SlackConfig(dg.Config):
    """How Sentinel reaches Slack, and where messages go."""

    bot_token: str | None = setting(
        None,
        "SLACK_BOT_TOKEN",
        "Bot token for the Web API: threads, updates, resolution edits. Scopes: `chat:write`; "
        "`channels:history` (`groups:history` for a private channel) to check, after a crash "
        "or an unclear answer, whether Slack already has a message; `channels:read` "
        "(`groups:read`) to find a channel's id before the first post there succeeds. Without "
        "the history scopes a message whose fate is unknown is sent again (at least once).",
        secret=True,
    )
    channel: str = setting("#data-alerts", "SLACK_CHANNEL", "Channel Sentinel posts to.")
    api_url: str | None = setting(
        None, "SLACK_API_URL", "Web API base URL (a proxy, or tests).", shown_default="Slack's"
    )
    webhook_url: str | None = setting(
        None,
        "SLACK_WEBHOOK_URL",
        "Incoming webhook, used when no bot token is set (no threads or updates).",
        secret=True,
    )
    routes: dict[str, str] = setting(
        {},
        "SENTINEL_SLACK_ROUTES",
        "Channel routing, most specific first: `job:NAME`, `asset:KEY`, `owner:OWNER`, "
        "`group:NAME`, `location:NAME`, as `sel=#chan,sel=#chan` or a JSON object.",
        shown_default="none",
    )
    mentions: dict[str, str] = setting(
        {},
        "SENTINEL_SLACK_MENTIONS",
        "Asset owner → Slack user id (`U…`) or user-group id (`S…`) to @-mention, same syntax.",
        shown_default="none",
    )
    storm_threshold: int = setting(
        10,
        "SENTINEL_STORM_THRESHOLD",
        "More new incidents than this within the storm window share one digest message.",
        ge=1,
    )
    storm_window_s: float = setting(
        300.0, "SENTINEL_STORM_WINDOW_S", "The storm window, in seconds.", gt=0
    )
    burst: int = setting(
        4,
        "SENTINEL_SLACK_BURST",
        "Messages a channel may take back to back before the pacing of about one a second "
        "per channel applies (Slack grants short bursts); 1 paces every message.",
        ge=1,
    )

    @field_validator("routes", "mentions", mode="before")
    @classmethod
    def _parse_mapping(cls, value: Any) -> Any:
        return parse_mapping(value) if isinstance(value, str) else value


class BrainConfig(dg.Config):
    """Which brain diagnoses, and how Gemini is reached."""

    mode: Literal["auto", "rules", "gemini"] = setting(
        _BRAIN_DEFAULTS["mode"].default,
        "SENTINEL_BRAIN",
        "`auto` (Gemini when a key is set), `rules` (offline only) or `gemini`.",
    )
    gemini_api_key: str | None = setting(
        None, ("GEMINI_API_KEY", "GOOGLE_API_KEY"), "Gemini API key.", secret=True
    )
    gemini_model: str = setting(
        _BRAIN_DEFAULTS["gemini_model"].default,
        "GEMINI_MODEL",
        "Gemini model (a current GA Flash model).",
    )
    gemini_base_url: str | None = setting(
        None,
        "GEMINI_BASE_URL",
        "Gemini REST base URL (a proxy, or tests).",
        shown_default="Google's",
    )
    gemini_timeout_s: float = setting(
        _BRAIN_DEFAULTS["gemini_timeout_s"].default,
        "SENTINEL_GEMINI_TIMEOUT_S",
        "Wall-clock budget of one Gemini diagnosis, retries included.",
        gt=0,
    )
    gemini_attempts: int = setting(
        _BRAIN_DEFAULTS["gemini_attempts"].default,
        "SENTINEL_GEMINI_ATTEMPTS",
        "Gemini HTTP attempts (429/5xx).",
        ge=1,
    )
    max_prompt_chars: int = setting(
        _BRAIN_DEFAULTS["max_prompt_chars"].default,
        "SENTINEL_MAX_PROMPT_CHARS",
        "Cap on the condensed evidence sent to Gemini (characters).",
        ge=1000,
    )
    breaker_threshold: int = setting(
        _BRAIN_DEFAULTS["breaker_threshold"].default,
        "SENTINEL_BREAKER_THRESHOLD",
        "Gemini circuit breaker: consecutive failures before it opens.",
        ge=1,
    )
    breaker_cooldown_s: float = setting(
        _BRAIN_DEFAULTS["breaker_cooldown_s"].default,
        "SENTINEL_BREAKER_COOLDOWN_S",
        "Seconds the open breaker waits before Gemini is tried again.",
        ge=0,
    )
    cache: bool = setting(
        _BRAIN_DEFAULTS["cache_enabled"].default,
        "SENTINEL_GEMINI_CACHE",
        "Cache Gemini answers by fingerprint in the state directory (a recurring failure "
        "costs one call).",
    )
    hook_budget_s: float = setting(
        8.0,
        "SENTINEL_HOOK_BUDGET_S",
        "Budget of the diagnosis inside the failing process; past it, offline analyzers only.",
        gt=0,
    )


class StoreConfig(dg.Config):
    """Where incidents and the outbox live."""

    database_url: str | None = setting(
        None,
        "SENTINEL_DATABASE_URL",
        "Incident store and outbox (SQLAlchemy URL), e.g. "
        "`postgresql://user@127.0.0.1:5432/dagster`. Unset: the instance's own PostgreSQL "
        "when Dagster runs on dagster-postgres, else SQLite in the state directory.",
        secret=True,
        shown_default="see meaning",
    )
    incident_window_h: float = setting(
        24.0,
        "SENTINEL_INCIDENT_WINDOW_H",
        "A repeat of the same fingerprint within this window updates the incident.",
        gt=0,
    )


class HealthConfig(dg.Config):
    """Health-check thresholds (the `sentinel_*_sensor`s of `dagster_sentinel.health_sensors`)."""

    interval_s: float = setting(
        60.0, "SENTINEL_HEALTH_INTERVAL_S", "Seconds between two health evaluations.", ge=0
    )
    history_interval_s: float = setting(
        300.0,
        "SENTINEL_HEALTH_HISTORY_INTERVAL_S",
        "Seconds between two run-history evaluations (regressions, failure rates).",
        ge=0,
    )
    lookback_h: float = setting(
        24.0,
        "SENTINEL_HEALTH_LOOKBACK_H",
        "Hours of check evaluations read on a first tick; jobs with runs this recent are "
        "checked for regressions.",
        ge=0,
    )
    min_history: int = setting(
        5,
        "SENTINEL_HEALTH_MIN_HISTORY",
        "Fewest past values before judging a cadence or a duration.",
        ge=2,
    )
    stale_factor: float = setting(
        3.0, "SENTINEL_STALE_FACTOR", "Stale when silent longer than factor × median gap.", gt=0
    )
    stale_floor_s: float = setting(
        3600.0, "SENTINEL_STALE_FLOOR_S", "Never stale before this many seconds of silence.", ge=0
    )
    cadence_history: int = setting(
        10, "SENTINEL_CADENCE_HISTORY", "Materializations used for the usual cadence.", ge=3
    )
    freshness_warn: bool = setting(
        False, "SENTINEL_FRESHNESS_WARN", "Also report freshness WARN (not only FAIL)."
    )
    long_run_factor: float = setting(
        3.0, "SENTINEL_LONG_RUN_FACTOR", "Long-running beyond factor × p95 duration.", gt=0
    )
    long_run_floor_s: float = setting(
        3600.0, "SENTINEL_LONG_RUN_FLOOR_S", "Never long-running before this many s.", ge=0
    )
    queued_max_s: float = setting(
        1800.0, "SENTINEL_QUEUED_MAX_S", "A run QUEUED longer than this is stuck.", ge=0
    )
    starting_max_s: float = setting(
        600.0, "SENTINEL_STARTING_MAX_S", "A run STARTING/CANCELING longer is stuck.", ge=0
    )
    run_history: int = setting(
        20, "SENTINEL_RUN_HISTORY", "Successful runs per job used as the baseline.", ge=3
    )
    regression_k: float = setting(
        3.0, "SENTINEL_REGRESSION_K", "Robust z (MAD units) of a duration regression.", gt=0
    )
    regression_min_increase_s: float = setting(
        60.0,
        "SENTINEL_REGRESSION_MIN_INCREASE_S",
        "A slower run is a regression only if this many seconds slower than the median.",
        ge=0,
    )
    failure_window_s: float = setting(
        3600.0, "SENTINEL_FAILURE_WINDOW_S", "Window of the failure-rate check.", gt=0
    )
    failure_min_count: int = setting(
        3, "SENTINEL_FAILURE_MIN_COUNT", "Fewest failures in the window (spike).", ge=1
    )
    failure_factor: float = setting(
        3.0, "SENTINEL_FAILURE_FACTOR", "Spike when the rate is factor × the baseline.", gt=0
    )
    outbox_max_age_s: float = setting(
        1800.0, "SENTINEL_OUTBOX_MAX_AGE_S", "Oldest pending Slack message allowed.", ge=0
    )
    tick_failures: int = setting(
        3, "SENTINEL_TICK_FAILURES", "Consecutive failed ticks of a sentinel_* sensor.", ge=1
    )


class IngestionConfig(dg.Config):
    """Where the log and metric ingestion assets read from, and how logs are parsed."""

    log_sources: str | None = setting(
        None,
        "SENTINEL_LOG_SOURCES",
        "Log files or globs, comma-separated; `path#FORMAT` forces a format (a preset, "
        "`json`, `logfmt` or a Loghub header format).",
        shown_default="the demo logs",
    )
    logs_max_line_bytes: int = setting(
        65536,
        "SENTINEL_LOGS_MAX_LINE_BYTES",
        "Log lines are cut to this many bytes (the cut is counted), so one huge line costs "
        "bounded time and memory.",
        ge=1,
    )
    logs_threads: int = setting(
        2, "SENTINEL_LOGS_THREADS", "Worker threads of the log parser (capped at the CPUs).", ge=1
    )
    logs_spool_memory_bytes: int = setting(
        256 * 1024 * 1024,
        "SENTINEL_LOGS_SPOOL_MEMORY",
        "Parsed log columns kept in memory before spooling to a temporary file.",
        ge=0,
    )
    logs_no_arrow: bool = setting(
        False, "SENTINEL_LOGS_NO_ARROW", "Parse logs without the vectorised pyarrow path."
    )
    metrics_csv: str | None = setting(
        None,
        "SENTINEL_METRICS_CSV",
        "Metric CSV files, directories or globs (`timestamp,value[,series]`).",
        shown_default="the demo series",
    )
    metrics_exposition: str | None = setting(
        None,
        "SENTINEL_METRICS_EXPOSITION",
        "Prometheus text-exposition files, directories or globs (saved scrapes).",
    )
    prometheus_url: str | None = setting(
        None, "SENTINEL_PROMETHEUS_URL", "Prometheus base URL for `query_range` metrics."
    )
    prometheus_queries: str | None = setting(
        None,
        "SENTINEL_PROMETHEUS_QUERIES",
        "PromQL queries: a JSON list, or one per line / separated by `;;`.",
    )


class ContextConfig(dg.Config):
    """Context beyond the run: runbooks, similar past incidents, external alerts."""

    runbooks: list[str] = setting(
        [],
        "SENTINEL_RUNBOOKS",
        "Runbooks to index: folders or globs of Markdown files, comma-separated (`sentinel/"
        "runbook_index`). Job tag `sentinel/runbook` and asset metadata `runbook_url` add links.",
        shown_default="none",
    )
    runbooks_base_url: str | None = setting(
        None,
        "SENTINEL_RUNBOOKS_BASE_URL",
        "Base URL where the runbook folders are browsable (e.g. a Git web view); links to "
        "sections are built from it. Unset: sections are cited by file and heading.",
    )
    runbook_max_bytes: int = setting(
        2_000_000,
        "SENTINEL_RUNBOOK_MAX_BYTES",
        "Runbook files larger than this are skipped (and counted in the index metadata).",
        ge=1,
    )
    runbook_min_terms: int = setting(
        2,
        "SENTINEL_RUNBOOK_MIN_TERMS",
        "Relevance floor: a section is shown only if it matches at least this many distinct "
        "distinctive terms of the incident's query.",
        ge=1,
    )
    alertmanager_token: str | None = setting(
        None,
        "SENTINEL_ALERTMANAGER_TOKEN",
        "Bearer token Alertmanager must send to `POST /alertmanager` (unset: no auth).",
        secret=True,
    )
    prometheus_url: str | None = setting(
        None,
        ("SENTINEL_PROMETHEUS_ALERTS_URL", "SENTINEL_PROMETHEUS_URL"),
        "Prometheus base URL whose `/api/v1/alerts` the alerts sensor polls (unset: no polling).",
    )
    prometheus_timeout_s: float = setting(
        5.0, "SENTINEL_PROMETHEUS_TIMEOUT_S", "Timeout of one Prometheus alerts poll.", gt=0
    )
    alert_window_s: float = setting(
        900.0,
        "SENTINEL_ALERT_WINDOW_S",
        "Alerts and metric anomalies active within this many seconds before a failure are "
        "correlated with it.",
        gt=0,
    )
    alerts_open_incidents: bool = setting(
        False,
        "SENTINEL_ALERTS_OPEN_INCIDENTS",
        "Let a firing alert open an incident of its own (kind `alert`) when no pipeline "
        "failure has been linked to it `SENTINEL_ALERT_WINDOW_S` after it started: one per "
        "alert (alertname and labels) while it fires, diagnosed offline, reported like any "
        "incident, resolved when the alert resolves. Off: alerts only enrich failure reports.",
    )
    alerts_incident_match: dict[str, str] = setting(
        {},
        "SENTINEL_ALERTS_INCIDENT_MATCH",
        "Labels an alert must all carry to open an incident (with "
        "`SENTINEL_ALERTS_OPEN_INCIDENTS`), e.g. `severity=critical`; `label=a|b` accepts "
        "either value. Same syntax as `SENTINEL_SLACK_ROUTES`.",
        shown_default="any alert",
    )
    similar_lookback_days: float = setting(
        90.0,
        "SENTINEL_SIMILAR_LOOKBACK_D",
        "Past incidents this recent are searched for similar ones.",
        gt=0,
    )

    @field_validator("runbooks", mode="before")
    @classmethod
    def _parse_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value

    @field_validator("alerts_incident_match", mode="before")
    @classmethod
    def _parse_match(cls, value: Any) -> Any:
        return parse_mapping(value) if isinstance(value, str) else value


class ServeConfig(dg.Config):
    """`sentinel serve`: the Slack app (buttons, modals, `/sentinel`, mentions, App Home)."""

    signing_secret: str | None = setting(
        None,
        "SLACK_SIGNING_SECRET",
        "Slack app signing secret; every request to `/slack/events` is verified with it "
        "(required by `sentinel serve`).",
        secret=True,
    )
    app_token: str | None = setting(
        None,
        "SLACK_APP_TOKEN",
        "App-level token (`xapp-…`, `connections:write`): when set, `sentinel serve` also "
        "runs Socket Mode (no public URL needed).",
        secret=True,
    )
    port: int = setting(
        3001,
        "SENTINEL_SERVE_PORT",
        "Port of `sentinel serve` on 127.0.0.1 (`POST /slack/events`, `GET /healthz`).",
        ge=0,
        le=65535,
    )
    dagster_url: str | None = setting(
        None,
        "SENTINEL_DAGSTER_URL",
        "Dagster webserver whose GraphQL API `sentinel serve` uses (re-execute, run status).",
        shown_default="`http://127.0.0.1:${DAGSTER_PORT:-3000}`",
    )
    approvers: list[str] = setting(
        [],
        "SENTINEL_SLACK_APPROVERS",
        "Who may change Dagster state from Slack (re-execute, approve): comma-separated user "
        "ids (`U…`) and user-group ids (`S…`, resolved with `usergroups.users.list`).",
        shown_default="none",
    )

    @field_validator("approvers", mode="before")
    @classmethod
    def _parse_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    def graphql_url(self, env: Mapping[str, str] | None = None) -> str:
        """The webserver's GraphQL endpoint; default from `DAGSTER_PORT` as `make run` binds it."""
        if self.dagster_url:
            return self.dagster_url.rstrip("/") + "/graphql"
        port = (os.environ if env is None else env).get("DAGSTER_PORT", "").strip() or "3000"
        return f"http://127.0.0.1:{port}/graphql"


class RemediationConfig(dg.Config):
    """Self-healing: automatic retries of transient failures, and remediation actions."""

    auto_retry: dict[str, str] = setting(
        {},
        "SENTINEL_AUTO_RETRY",
        "Targets opted in to automatic retries, same selectors as `SENTINEL_SLACK_ROUTES` "
        "(`job:NAME`, `asset:KEY`, `group:NAME`, `location:NAME`, comma-separated; "
        '`sel=false` opts out). The job tag `sentinel/auto_retry: "true"` opts in too.',
        shown_default="none",
    )
    min_confidence: float = setting(
        0.6,
        "SENTINEL_AUTO_RETRY_MIN_CONFIDENCE",
        "Retry automatically only when the transient diagnosis is at least this confident.",
        ge=0,
        le=1,
    )
    delay_s: float = setting(
        30.0,
        "SENTINEL_AUTO_RETRY_DELAY_S",
        "First retry delay; doubles per attempt, with jitter; a `Retry-After` or reset time "
        "in the evidence wins when longer.",
        ge=0,
    )
    max_attempts: int = setting(
        3, "SENTINEL_AUTO_RETRY_MAX", "Automatic attempts per incident at most.", ge=0
    )
    budget: int = setting(
        20,
        "SENTINEL_AUTO_RETRY_BUDGET",
        "Automatic launches per 10 minutes across the instance; beyond it auto-retry pauses.",
        ge=0,
    )
    max_delay_s: float = setting(
        3600.0,
        "SENTINEL_AUTO_RETRY_MAX_DELAY_S",
        "Longest wait before a retry (backoff and `Retry-After` capped).",
        gt=0,
    )
    here_on_exhaustion: bool = setting(
        False,
        "SENTINEL_AUTO_RETRY_HERE",
        "Mention `@here` when automatic retries are exhausted (owners are always mentioned).",
    )
    policy_file: str | None = setting(
        None,
        "SENTINEL_REMEDIATION_FILE",
        "YAML approval policy of remediation actions (`auto`, `approve`, `never` per action "
        "and selector); unset: every action needs approval.",
    )
    launch_timeout_s: float = setting(
        10.0,
        "SENTINEL_REMEDIATION_TIMEOUT_S",
        "Timeout of one GraphQL call of `sentinel_remediation_sensor` (its tick stops at 45 s).",
        gt=0,
    )

    @field_validator("auto_retry", mode="before")
    @classmethod
    def _parse_selectors(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        # `job:a,asset:b` (bare selectors opt in) or `job:a=true,job:b=false` or JSON.
        text = value.strip()
        if text.startswith("{"):
            return parse_mapping(text)
        out: dict[str, str] = {}
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" in part:
                out.update(parse_mapping(part))
            else:
                out[part] = "true"
        return out


class SentinelConfig(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Everything Sentinel needs to know: the Dagster UI, the state directory, Slack, the
    brain, the store and the health checks. Give only what differs from the environment.

    Examples:
        defs = dg.Definitions.merge(
            my_defs,
            sentinel_definitions(
                SentinelConfig(slack=SlackConfig(bot_token=dg.EnvVar("SLACK_BOT_TOKEN")))
            ),
        )
    """

    ui_url: str | None = setting(
        None,
        "SENTINEL_UI_URL",
        "Base URL of the Dagster UI, for links to runs and reports.",
        shown_default="`http://127.0.0.1:${DAGSTER_PORT:-3000}`",
    )
    state_dir: str | None = setting(
        None,
        "SENTINEL_STATE_DIR",
        "Sentinel's one state directory (SQLite store, Gemini cache and breaker, log state).",
        shown_default="`$DAGSTER_HOME/sentinel`",
    )
    slack: SlackConfig = Field(default_factory=SlackConfig, description="Slack.")
    brain: BrainConfig = Field(default_factory=BrainConfig, description="The brain.")
    store: StoreConfig = Field(default_factory=StoreConfig, description="The incident store.")
    health: HealthConfig = Field(
        default_factory=HealthConfig, description="Health-check thresholds."
    )
    ingestion: IngestionConfig = Field(
        default_factory=IngestionConfig, description="Log and metric ingestion."
    )
    context: ContextConfig = Field(
        default_factory=ContextConfig, description="Runbooks, similar incidents, alerts."
    )
    serve: ServeConfig = Field(default_factory=ServeConfig, description="The Slack app.")
    remediation: RemediationConfig = Field(
        default_factory=RemediationConfig, description="Self-healing and remediation actions."
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SentinelConfig:
        """Configuration from the environment alone (CLI, `sentinel serve`, bare hooks)."""
        return cls().resolved(env)

    def resolved(self, env: Mapping[str, str] | None = None) -> SentinelConfig:
        """A copy where every setting not given explicitly is read from the environment now.

        Raises:
            ConfigurationError: a value (given or from the environment) is malformed; the
                message names the setting and the environment variable it came from.
        """
        env = os.environ if env is None else env
        origins: dict[str, str] = {}
        try:
            values = _overlay(self, env, origins)
            values["state_dir"] = str(_state_dir(values.get("state_dir"), env))
            # Unset: the UI that `make run` serves, on DAGSTER_PORT.
            values["ui_url"] = values.get("ui_url") or _local_ui(env)
            return type(self).model_validate(values)
        except ValidationError as e:
            problems = []
            for err in e.errors():
                path = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
                where = f"{origins[path]} ({path})" if path in origins else path
                got = repr(err.get("input"))
                msg = err["msg"] if got in err["msg"] else f"{err['msg']}, got {got}"
                problems.append(f"{where}: {msg}")
            raise ConfigurationError("invalid Sentinel settings: " + "; ".join(problems)) from e
        except ValueError as e:
            raise ConfigurationError(f"invalid Sentinel settings: {e}") from e

    @property
    def state_path(self) -> Path:
        return _state_dir(self.state_dir, os.environ)

    def brain_settings(self) -> BrainSettings:
        b = self.brain
        return BrainSettings(
            mode=b.mode,
            gemini_api_key=SecretStr(b.gemini_api_key) if b.gemini_api_key else None,
            gemini_model=b.gemini_model,
            gemini_base_url=b.gemini_base_url,
            gemini_timeout_s=b.gemini_timeout_s,
            gemini_attempts=b.gemini_attempts,
            max_prompt_chars=b.max_prompt_chars,
            state_dir=self.state_path,
            breaker_threshold=b.breaker_threshold,
            breaker_cooldown_s=b.breaker_cooldown_s,
            cache_enabled=b.cache,
        )


def _local_ui(env: Mapping[str, str]) -> str:
    port = env.get("DAGSTER_PORT", "").strip() or "3000"
    return f"http://127.0.0.1:{port}"


def dagster_home(env: Mapping[str, str] | None = None) -> Path:
    """`$DAGSTER_HOME`, or `.dagster_home/` in the working directory (as `make run` sets it)."""
    home = (os.environ if env is None else env).get("DAGSTER_HOME")
    return Path(home) if home else Path.cwd() / ".dagster_home"


def _state_dir(explicit: str | None, env: Mapping[str, str]) -> Path:
    """The one rule for Sentinel's state directory."""
    if explicit:
        return Path(explicit).expanduser()
    return dagster_home(env) / "sentinel"


def _env_value(field: Any, env: Mapping[str, str]) -> tuple[str, str] | None:
    """`(variable, value)` of the first of the field's environment variables that is set."""
    extra = field.json_schema_extra or {}
    for name in extra.get("env", ()):
        value = env.get(name, "")
        if value.strip():
            return name, value
    return None


def _overlay(
    model: BaseModel, env: Mapping[str, str], origins: dict[str, str], prefix: str = ""
) -> dict[str, Any]:
    """The model's values with every field not set explicitly read from `env`; `origins`
    records which variable each value read from the environment came from."""
    out: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        current = getattr(model, name)
        if isinstance(current, BaseModel):
            out[name] = _overlay(current, env, origins, f"{prefix}{name}.")
            continue
        if name not in model.model_fields_set:
            found = _env_value(field, env)
            if found is not None:
                origins[f"{prefix}{name}"], out[name] = found
                continue
        out[name] = current
    return out


# --- the README table --------------------------------------------------------------------


class SettingDoc(BaseModel):
    path: str
    env: list[str]
    default: str
    description: str
    secret: bool


def _shown(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, dict | list) and not value:
        return "none"
    return f"`{value}`"


def iter_settings(model: type[BaseModel] | None = None, prefix: str = "") -> Iterator[SettingDoc]:
    """Every setting with its environment variable, default and meaning, in model order."""
    model = model or SentinelConfig
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from iter_settings(annotation, f"{prefix}{name}.")
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        env = [str(e) for e in extra.get("env", [])]  # type: ignore[union-attr]
        if not env:
            continue
        default = extra.get("shown_default")
        yield SettingDoc(
            path=f"{prefix}{name}",
            env=env,
            default=str(default) if default is not None else _shown(field.default),
            description=field.description or "",
            secret=bool(extra.get("secret")),
        )


def markdown_table() -> str:
    """The README's configuration table, generated from the models."""
    rows = [
        "| Variable | Setting | Default | Meaning |",
        "| --- | --- | --- | --- |",
    ]
    for doc in iter_settings():
        env = " / ".join(f"`{e}`" for e in doc.env)
        meaning = doc.description + (" Secret: give it as `dg.EnvVar`." if doc.secret else "")
        rows.append(f"| {env} | `{doc.path}` | {doc.default} | {meaning} |")
    return "\n".join(rows) + "\n"
