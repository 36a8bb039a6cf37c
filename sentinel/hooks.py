"""The failure hook: diagnose in the failing process and report within seconds.

Attach it to any job (`@job(hooks={sentinel_failure_hook})`) or asset job. It needs no
resource: settings come from the environment when it fires. Where the job provides a
`SentinelConfig` resource, use `sentinel_failure_hook_with_resource("sentinel")` (or the
Component, which does it for you) so the configuration comes from there. It never raises and
never changes the step's outcome; if Sentinel itself fails, a degraded report goes out
instead. The run gets tags with the diagnosis and one event-log line linking the report.
"""

import logging
import time
from collections.abc import Mapping

import dagster as dg

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.context import add_context, hook_asset_metadata
from dagster_sentinel.evidence import failure_of, from_hook
from dagster_sentinel.incidents import Incident, is_retried
from dagster_sentinel.reporting import Sentinel, diagnose_within, last_resort
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.runpage import annotate_run, summary_line
from dagster_sentinel.settings import SentinelSettings
from dagster_sentinel.timeline import add_last_time
from sentinel_brain.models import Evidence, Report

log = logging.getLogger("sentinel")


def will_be_retried(tags: Mapping[str, str], default_max_retries: int = 0) -> bool:
    """True when Dagster will launch another attempt of this run after it fails."""
    if is_retried(tags):
        return True
    try:
        max_retries = int(tags.get("dagster/max_retries", default_max_retries))
        attempt = int(tags.get("dagster/retry_number", 0))
    except ValueError:
        return False
    return attempt < max_retries


def _show(
    context: dg.HookContext, incident: Incident, report: Report, settings: SentinelSettings
) -> None:
    """The diagnosis on the run page: tags, and the one summary line in the event log."""
    if annotate_run(
        context.instance, context.run_id, incident, report, settings.ui_url, event=False
    ):
        context.log.info(summary_line(incident, report, settings.ui_url))


def _self_heal(
    sentinel: Sentinel,
    context: dg.HookContext,
    incident: Incident,
    report: Report,
    evidence: Evidence,
) -> None:
    """Schedule an automatic retry when the policy says so (`dagster_sentinel.selfheal`).

    Never raises."""
    from dagster_sentinel.selfheal import after_report

    after_report(
        sentinel, context.instance, incident, report, evidence, context.run_id, evidence.tags
    )


def handle_failure(context: dg.HookContext, config: SentinelConfig | None = None) -> str:
    """Returns what happened (for logs and tests): reported, repeat, duplicate, retry, degraded.

    `config` is the job's `SentinelConfig` resource, if it provides one; otherwise the
    configuration comes from the environment, read now.
    """
    settings: SentinelSettings | None = None
    try:
        settings = SentinelSettings.from_config(
            config.resolved() if config is not None else SentinelConfig.from_env()
        )
        instance = context.instance
        sentinel = sentinel_for(settings, instance)
        evidence = from_hook(context, settings.state_dir)
        if instance.run_retries_enabled and will_be_retried(
            evidence.tags, instance.run_retries_max_retries
        ):
            return "retry"
        registration = sentinel.store.register(
            failure_of(evidence, "hook"), window_s=settings.incident_window_h * 3600
        )
        if registration.outcome == "duplicate":
            return "duplicate"
        if registration.outcome == "repeat":
            sentinel.notify_repeat(registration)
            known = registration.incident
            if known.report_json:  # this run failed the same way: show the known diagnosis
                known_report = Report.model_validate_json(known.report_json)
                _show(context, known, known_report, settings)
                _self_heal(sentinel, context, known, known_report, evidence)
            return "repeat"
        incident = registration.incident
        evidence.recurrence = sentinel.store.earlier_incidents(incident.fingerprint, incident.id)
        # dagster_sentinel.settings: the store may be the instance's PostgreSQL (not `settings`').
        add_context(
            sentinel.settings,
            incident,
            evidence,
            instance,
            asset_metadata=hook_asset_metadata(context),
            budget_s=settings.hook_budget_s / 2,
        )
        # A resolution note left from Slack the last time ("last time: …") reaches the brain.
        add_last_time(sentinel.settings.database_url, incident, evidence.events)
        started = time.perf_counter()
        report = diagnose_within(evidence, settings, settings.hook_budget_s)
        sentinel.observe_diagnosis(report, time.perf_counter() - started, "hook")
        sentinel.record(instance, registration.incident, evidence, report, runless=True)
        _show(context, incident, report, settings)
        _self_heal(sentinel, context, incident, report, evidence)
        return "reported"
    except Exception as e:  # noqa: BLE001 - Sentinel's own failure must become a degraded report
        log.exception("Sentinel failed while reporting a step failure")
        where = f"job {context.job_name}, step {context.step_key}, run {context.run_id}"
        original = context.op_exception
        detail = f"{type(e).__name__}: {e}"
        if original is not None:
            detail = f"step error: {type(original).__name__}: {original}\nSentinel error: {detail}"
        try:
            if settings is None:
                raise
            sentinel_for(settings, context.instance).degraded(
                key=f"{context.run_id}:{context.step_key}",
                title=f"{context.job_name} failed in {context.step_key}",
                where=where,
                error=detail,
                run_id=context.run_id,
            )
        except Exception as inner:  # noqa: BLE001 - store or Slack unusable: last resort
            last_resort(settings, f"{context.job_name} failed in {context.step_key}", inner)
        return "degraded"


def _log_outcome(context: dg.HookContext, outcome: str) -> None:
    # "reported" and most repeats already wrote the summary line; say what else happened.
    if outcome not in ("reported", "repeat"):
        context.log.info(f"Sentinel: {outcome}")


@dg.failure_hook(name="sentinel_failure_hook")
def sentinel_failure_hook(context: dg.HookContext) -> None:
    _log_outcome(context, handle_failure(context))


def sentinel_failure_hook_with_resource(resource_key: str = "sentinel") -> dg.HookDefinition:
    """The failure hook, configured by the job's `SentinelConfig` resource under `resource_key`.

    Examples:
        @dg.job(hooks={sentinel_failure_hook_with_resource()},
                resource_defs={"sentinel": SentinelConfig(...)})
    """

    @dg.failure_hook(
        name=f"sentinel_failure_hook__{resource_key}", required_resource_keys={resource_key}
    )
    def _hook(context: dg.HookContext) -> None:
        config = getattr(context.resources, resource_key)
        if not isinstance(config, SentinelConfig):
            config = None
        _log_outcome(context, handle_failure(context, config))

    return _hook
