"""The `sentinel` command: `diagnose`, `config`, `incidents resolve`, `logs parse`, `actions`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sentinel_brain.logs.cli import register as register_logs

if TYPE_CHECKING:
    from sentinel_brain.models import Evidence


def _decode(data: bytes) -> str:
    """Bytes from stdin or a file as text: UTF-8 (a BOM is dropped), invalid bytes become
    U+FFFD whatever the locale says, and bidirectional controls are stripped."""
    from sentinel_brain.redact import sanitize

    return sanitize(data.decode("utf-8-sig", errors="replace"))


def _run_evidence(run_id: str) -> tuple[Evidence | None, str]:
    """The evidence of a failed run of the instance at $DAGSTER_HOME, as the sensor reads it
    (redacted), or None and why not."""
    import dagster as dg

    from dagster_sentinel.evidence import from_run
    from sentinel_brain.redact import redact_data

    if not os.environ.get("DAGSTER_HOME"):
        return None, "--run reads the Dagster instance at $DAGSTER_HOME, which is not set"
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(run_id)
        if run is None:
            return None, f"no run {run_id} in the instance at {os.environ['DAGSTER_HOME']}"
        if run.status not in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
            return None, f"run {run_id} did not fail (status {run.status.value})"
        return redact_data(from_run(instance, run)), ""


def _cmd_diagnose(args: argparse.Namespace) -> int:
    from dagster_sentinel.config import SentinelConfig
    from dagster_sentinel.errors import ConfigurationError
    from sentinel_brain.diagnose import diagnose
    from sentinel_brain.evidence import from_text
    from sentinel_brain.render import to_markdown

    try:
        settings = SentinelConfig.from_env().brain_settings()
    except ConfigurationError as e:
        print(f"sentinel diagnose: {e}", file=sys.stderr)
        return 2
    if args.run:
        if args.file not in (None, "-"):
            print("sentinel diagnose: give a file or --run, not both", file=sys.stderr)
            return 2
        evidence, why = _run_evidence(args.run)
        if evidence is None:
            print(f"sentinel diagnose: {why}", file=sys.stderr)
            return 2
    else:
        # Read bytes, never text: under a strict locale, decoding stdin with the locale's
        # codec raises on the first invalid byte (and under C, yields surrogates that break
        # output).
        if args.file in (None, "-"):
            data = sys.stdin.buffer.read()
        else:
            try:
                with open(args.file, "rb") as fh:
                    data = fh.read()
            except OSError as e:
                print(f"sentinel diagnose: cannot read {args.file}: {e.strerror}", file=sys.stderr)
                return 2
        evidence = from_text(_decode(data))
    report = diagnose(evidence, settings)
    if args.format == "json":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(to_markdown(report))
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from dagster_sentinel.config import SentinelConfig, iter_settings, markdown_table
    from dagster_sentinel.errors import ConfigurationError

    if args.markdown:
        sys.stdout.write(markdown_table())
        return 0
    try:
        config = SentinelConfig.from_env()
    except ConfigurationError as e:
        print(f"sentinel config: {e}", file=sys.stderr)
        return 2
    for doc in iter_settings():
        value: object = config
        for part in doc.path.split("."):
            value = getattr(value, part)
        shown = "(set)" if doc.secret and value else value
        print(f"{doc.path} = {shown}")
    return 0


def _cmd_incidents_resolve(args: argparse.Namespace) -> int:
    """Resolve an incident with a note (stored for similar incidents to cite)."""
    import getpass

    from dagster_sentinel.errors import ConfigurationError, SentinelError
    from dagster_sentinel.resources import sentinel_for
    from dagster_sentinel.settings import SentinelSettings
    from dagster_sentinel.similar import resolve_with_note

    try:
        settings = SentinelSettings.resolve()
    except ConfigurationError as e:
        print(f"sentinel incidents resolve: {e}", file=sys.stderr)
        return 2
    author = args.author or getpass.getuser()
    try:
        incident, newly = resolve_with_note(settings.database_url, args.id, args.note, author)
    except KeyError:
        print(f"sentinel incidents resolve: no incident {args.id!r}", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"sentinel incidents resolve: {e}", file=sys.stderr)
        return 2
    except SentinelError as e:
        print(f"sentinel incidents resolve: {e}", file=sys.stderr)
        return 1
    if newly:
        # Edit the Slack message to say resolved (through the outbox; delivered now if it can).
        sentinel_for(settings).notify_resolved(incident, None)
        print(f"resolved {incident.id} with a note by {author}")
    else:
        print(f"{incident.id} was already {incident.status}; note stored")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging

    from dagster_sentinel.config import SentinelConfig
    from dagster_sentinel.errors import ConfigurationError
    from dagster_sentinel.serve import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        if args.config:
            from dagster_sentinel.component import config_from_defs_yaml

            try:
                config = config_from_defs_yaml(args.config).resolved()
            except (OSError, ValueError) as e:
                print(f"sentinel serve: {e}", file=sys.stderr)
                return 2
        else:
            config = SentinelConfig.from_env()
        if args.port is not None:
            config = config.model_copy(
                update={"serve": config.serve.model_copy(update={"port": args.port})}
            )
        serve(config, host=args.host)
    except ConfigurationError as e:
        print(f"sentinel serve: {e}", file=sys.stderr)
        return 2
    return 0


def _cmd_actions(args: argparse.Namespace) -> int:
    from dagster_sentinel.remediation_chatops import cli

    return cli(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sentinel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    diag = sub.add_parser(
        "diagnose", help="diagnose a failure text (traceback, error output, log) or a failed run"
    )
    diag.add_argument("file", nargs="?", default="-", help="file to read, or - for stdin")
    diag.add_argument(
        "--run",
        metavar="RUN_ID",
        help="diagnose a failed run of the instance at $DAGSTER_HOME instead, from its event "
        "log, as the run-failure sensor does (with what changed since the last success)",
    )
    diag.add_argument("--format", choices=("json", "markdown"), default="markdown")
    diag.set_defaults(func=_cmd_diagnose)

    conf = sub.add_parser("config", help="show the resolved configuration (secrets hidden)")
    conf.add_argument(
        "--markdown", action="store_true", help="print the README's settings table instead"
    )
    conf.set_defaults(func=_cmd_config)

    incidents = sub.add_parser("incidents", help="manage incidents")
    inc_sub = incidents.add_subparsers(dest="incidents_command", required=True)
    resolve = inc_sub.add_parser("resolve", help="resolve an incident with a resolution note")
    resolve.add_argument("id", help="incident id (the rca_report partition)")
    resolve.add_argument("--note", required=True, help="what the cause was and how it was fixed")
    resolve.add_argument("--author", help="who resolved it (default: the current user)")
    resolve.set_defaults(func=_cmd_incidents_resolve)
    srv = sub.add_parser("serve", help="run the Slack app (buttons, /sentinel, mentions)")
    srv.add_argument("--port", type=int, default=None, help="overrides SENTINEL_SERVE_PORT")
    srv.add_argument(
        "--config",
        default=None,
        help="the SentinelComponent defs.yaml to read settings from (else the environment)",
    )
    srv.add_argument(
        "--host", default="127.0.0.1", help="address to bind (0.0.0.0 inside a container)"
    )
    srv.set_defaults(func=_cmd_serve)

    acts = sub.add_parser("actions", help="remediation actions of an incident (list, run)")
    verbs = acts.add_subparsers(dest="verb", required=True)
    lst = verbs.add_parser("list", help="the actions that fit an incident, risk and approval")
    lst.add_argument("incident")
    run = verbs.add_parser("run", help="run one action through the webserver's GraphQL API")
    run.add_argument("incident")
    run.add_argument("action", help="e.g. reexecute_from_failure, pause_automation")
    run.add_argument("--user", default=None, help="recorded as who ran it (default: $USER)")
    acts.set_defaults(func=_cmd_actions)

    register_logs(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
