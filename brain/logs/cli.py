"""``sentinel logs ...``: the log template engine on the command line.

``sentinel logs parse FILE [--log-format FMT] [--out CSV]`` writes Loghub's structured CSV:
one row per input line with ``LineId`` (1-based), the header fields, ``EventId`` and
``EventTemplate``.
"""

from __future__ import annotations

import argparse
import os
import sys

from brain.logs.formats import PRESETS, LogFormatError


def _cmd_parse(args: argparse.Namespace) -> int:
    from brain.logs.parse import ParseSettings, parse_to_csv

    try:
        settings = ParseSettings.from_env(os.environ)
    except ValueError as e:
        print(f"sentinel logs parse: {e}", file=sys.stderr)
        return 2
    path = args.file
    if not os.path.isfile(path):
        print(f"sentinel logs parse: no such file: {path}", file=sys.stderr)
        return 2
    out = None
    try:
        if args.out in (None, "-"):
            sys.stdout.flush()
            stats = parse_to_csv(path, args.log_format, sys.stdout.buffer, settings=settings)
            sys.stdout.buffer.flush()
        else:
            tmp = f"{args.out}.partial"
            with open(tmp, "wb") as out:
                stats = parse_to_csv(path, args.log_format, out, settings=settings)
            os.replace(tmp, args.out)
    except LogFormatError as e:
        if out is not None:
            try:
                os.unlink(f"{args.out}.partial")
            except OSError:
                pass
        print(f"sentinel logs parse: {e}", file=sys.stderr)
        print(
            "  use Loghub's syntax, e.g. '<Date> <Time> <Level> <Component>: <Content>', "
            "or one of: " + ", ".join([*PRESETS, "json", "logfmt", "raw"]),
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:  # e.g. `| head`: the reader is gone, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as e:
        print(f"sentinel logs parse: {path}: {e.strerror or e}", file=sys.stderr)
        return 2
    for w in stats.warnings:
        print(f"sentinel logs parse: warning: {w}", file=sys.stderr)
    unmatched = stats.lines - stats.matched
    if unmatched and stats.log_format != "raw":
        print(
            f"sentinel logs parse: {unmatched} of {stats.lines} lines did not match "
            f"{stats.log_format!r} (kept with the whole line as Content)",
            file=sys.stderr,
        )
    if args.out not in (None, "-"):
        print(
            f"sentinel logs parse: {stats.lines} lines, {stats.templates} templates, "
            f"format {stats.log_format!r} -> {args.out}",
            file=sys.stderr,
        )
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``logs`` command (with ``parse``) to the ``sentinel`` CLI."""
    logs = subparsers.add_parser("logs", help="log template mining (Loghub-style parsing)")
    logs_sub = logs.add_subparsers(dest="logs_command", required=True)
    p = logs_sub.add_parser(
        "parse",
        help="parse a log file into Loghub's structured CSV "
        "(LineId, fields, EventId, EventTemplate)",
    )
    p.add_argument("file", help="log file (plain text or .gz)")
    p.add_argument(
        "--log-format",
        default=None,
        help="Loghub header format such as '<Date> <Time> <Level> <Component>: <Content>', "
        f"or a preset ({', '.join(PRESETS)}, json, logfmt, raw); detected when omitted",
    )
    p.add_argument("--out", default=None, help="CSV file to write (default: stdout)")
    p.set_defaults(func=_cmd_parse)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sentinel")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
