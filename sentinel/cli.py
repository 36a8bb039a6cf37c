"""The `sentinel` command line: `sentinel diagnose`, `sentinel logs parse`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pipelines.logs.cli import register as register_logs


def _decode(data: bytes) -> str:
    """Bytes from stdin or a file as text: UTF-8 (a BOM is dropped), invalid bytes become
    U+FFFD whatever the locale says, and bidirectional controls are stripped."""
    from brain.redact import sanitize

    return sanitize(data.decode("utf-8-sig", errors="replace"))


def _cmd_diagnose(args: argparse.Namespace) -> int:
    from brain.config import BrainSettings
    from brain.diagnose import diagnose
    from brain.evidence import from_text
    from brain.render import to_markdown

    # Read bytes, never text: under a strict locale, decoding stdin with the locale's codec
    # raises on the first invalid byte (and under C, yields surrogates that break output).
    if args.file in (None, "-"):
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(args.file, "rb") as fh:
                data = fh.read()
        except OSError as e:
            print(f"sentinel diagnose: cannot read {args.file}: {e.strerror}", file=sys.stderr)
            return 2
    text = _decode(data)
    try:
        settings = BrainSettings.from_env()
    except ValueError as e:
        print(f"sentinel diagnose: {e}", file=sys.stderr)
        return 2
    report = diagnose(from_text(text), settings)
    if args.format == "json":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(to_markdown(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sentinel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    diag = sub.add_parser("diagnose", help="diagnose a failure text (traceback, error output, log)")
    diag.add_argument("file", nargs="?", default="-", help="file to read, or - for stdin")
    diag.add_argument("--format", choices=("json", "markdown"), default="markdown")
    diag.set_defaults(func=_cmd_diagnose)

    register_logs(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
