"""``sentinel logs ...``: the log template engine on the command line.

``sentinel logs parse FILE [--log-format FMT] [--out CSV]`` writes Loghub's structured CSV:
one row per input line with ``LineId`` (1-based), the header fields, ``EventId`` and
``EventTemplate``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

from sentinel_brain.logs.formats import PRESETS, LogFormatError, LogInputError

if TYPE_CHECKING:
    from sentinel_brain.logs.parse import ParseStats


class _OutputError(Exception):
    """Writing the output failed (so the message blames the output, not the input)."""

    def __init__(self, err: OSError):
        super().__init__(str(err))
        self.err = err


class _BlameOutput:
    """A binary stream whose write errors are reported as output errors."""

    def __init__(self, fh: BinaryIO):
        self._fh = fh

    def write(self, data: bytes) -> int:
        try:
            return self._fh.write(data)
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _OutputError(e) from e

    def flush(self) -> None:
        try:
            self._fh.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _OutputError(e) from e


def _check_output(out: str) -> str | None:
    """Why ``out`` cannot be written, or None. A directory is refused; a missing folder is
    named as the output's."""
    if os.path.isdir(out):
        return f"{out}: output is a directory"
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        return f"{out}: output folder does not exist: {parent}"
    return None


def _is_special(path: str) -> bool:
    """An existing path that is not a regular file (device node, FIFO, socket, ...)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(st.st_mode)


def _write_output(out: str, write: Callable[[BinaryIO], ParseStats]) -> ParseStats:
    """Run ``write`` on the output: in place for anything that is not a regular file (a
    device node or FIFO must not be replaced), else a temp file in the same folder that
    atomically replaces ``out`` once complete (nothing is left behind on failure). A symlink
    is followed (its target is written; the link stays), and an existing file keeps its
    permission bits."""
    out = os.path.realpath(out)
    if _is_special(out):
        try:
            fh = open(out, "wb")  # noqa: SIM115 - closed below
        except OSError as e:
            raise _OutputError(e) from e
        with fh:
            stats = write(_BlameOutput(fh))  # type: ignore[arg-type]
        return stats
    folder = os.path.dirname(os.path.abspath(out))
    try:
        fd, tmp = tempfile.mkstemp(
            dir=folder, prefix=f".{os.path.basename(out)}.", suffix=".partial"
        )
    except OSError as e:
        raise _OutputError(e) from e
    try:
        with os.fdopen(fd, "wb") as fh:
            stats = write(_BlameOutput(fh))  # type: ignore[arg-type]
        try:
            try:
                mode = stat.S_IMODE(os.stat(out).st_mode)
            except FileNotFoundError:
                mode = 0o666 & ~_umask()
            os.chmod(tmp, mode)
            os.replace(tmp, out)
        except OSError as e:
            raise _OutputError(e) from e
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return stats


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cmd_parse(args: argparse.Namespace) -> int:
    from sentinel_brain.logs.parse import ParseSettings, parse_to_csv

    prog = "sentinel logs parse"
    try:
        settings = ParseSettings.from_env(os.environ)
    except ValueError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 2
    path = args.file
    if os.path.isdir(path):
        print(f"{prog}: {path}: is a directory (give a log file)", file=sys.stderr)
        return 2
    if not os.path.exists(path):
        print(f"{prog}: {path}: no such file", file=sys.stderr)
        return 2
    to_stdout = args.out in (None, "-")
    if not to_stdout:
        problem = _check_output(args.out)
        if problem:
            print(f"{prog}: {problem}", file=sys.stderr)
            return 2

    def write(out: BinaryIO) -> ParseStats:
        return parse_to_csv(path, args.log_format, out, settings=settings)

    try:
        if to_stdout:
            sys.stdout.flush()
            stats = write(_BlameOutput(sys.stdout.buffer))  # type: ignore[arg-type]
            sys.stdout.buffer.flush()
        else:
            stats = _write_output(args.out, write)
    except LogFormatError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        print(
            "  use Loghub's syntax, e.g. '<Date> <Time> <Level> <Component>: <Content>', "
            "or one of: " + ", ".join([*PRESETS, "json", "logfmt", "raw"]),
            file=sys.stderr,
        )
        return 2
    except LogInputError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `| head`: the reader is gone, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except _OutputError as e:
        where = "stdout" if to_stdout else args.out
        print(f"{prog}: cannot write {where}: {e.err.strerror or e.err}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{prog}: {path}: {e.strerror or e}", file=sys.stderr)
        return 2
    for w in stats.warnings:
        print(f"{prog}: warning: {w}", file=sys.stderr)
    if stats.truncated_lines:
        print(
            f"{prog}: warning: {stats.truncated_lines} lines longer than "
            f"{settings.max_line_bytes} bytes were cut (SENTINEL_LOGS_MAX_LINE_BYTES)",
            file=sys.stderr,
        )
    unmatched = stats.lines - stats.matched
    if unmatched and stats.log_format != "raw":
        print(
            f"{prog}: {unmatched} of {stats.lines} lines did not match "
            f"'{stats.log_format}' (kept with the whole line as Content)",
            file=sys.stderr,
        )
    if not to_stdout:
        print(
            f"{prog}: {stats.lines} lines, {stats.templates} templates, "
            f"format '{stats.log_format}' -> {args.out}",
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
