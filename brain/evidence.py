"""Turn raw failure material (traceback text, live exceptions) into `Evidence`.

Two producers feed the brain: the CLI and the Dagster sensor hand over text (Python
tracebacks, Dagster's error rendering, logs), the failure hook hands over a live
exception. Both end up as an exception chain ordered root first, with each frame marked
as user code or library code.
"""

from __future__ import annotations

import linecache
import re
import traceback
from collections.abc import Iterable
from typing import Literal

from brain.models import Evidence, ExceptionInfo, Frame, SourceContext

_LIBRARY_MARKERS = (
    "site-packages",
    "dist-packages",
    "/lib/python3",
    "\\lib\\python3",
    "<frozen ",
    "/usr/lib/python",
    "/.pyenv/versions/",
    "<string>",
)

_FRAME_RE = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?\s*$')
_TB_HEADER = "Traceback (most recent call last):"
_CAUSE_MARKERS = (
    "The above exception was the direct cause of the following exception:",
    "The above exception was caused by the following exception:",
)
_CONTEXT_MARKER = "During handling of the above exception, another exception occurred:"
# `pkg.mod.ErrorName: message` or a bare `ErrorName` on its own line.
_EXC_LINE_RE = re.compile(
    r"^(?P<type>(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Warning|"
    r"Failure|Timeout|Refused|Denied|NotFound|Invalid|Conflict|Fault|Abort|Aborted|"
    r"StopIteration|KeyError|Killed|Unavailable|Exhausted|Throttled)|KeyError|StopIteration"
    r"|SystemExit|KeyboardInterrupt|[A-Za-z_][\w.]*\.[A-Z]\w*)(?::\s?(?P<msg>.*))?$"
)


def is_user_file(path: str) -> bool:
    """True for the pipeline's own source files, False for libraries and the stdlib."""
    norm = path.replace("\\", "/")
    if any(marker.replace("\\", "/") in norm for marker in _LIBRARY_MARKERS):
        return False
    return not norm.startswith("<")


def parse_frames(lines: Iterable[str]) -> list[Frame]:
    """Parse `File "x", line N, in f` frames (each optionally followed by its code line)."""
    frames: list[Frame] = []
    pending: Frame | None = None
    for raw in lines:
        for line in raw.splitlines() or [raw]:
            m = _FRAME_RE.match(line)
            if m:
                if pending is not None:
                    frames.append(pending)
                file = m.group("file")
                pending = Frame(
                    file=file,
                    line=int(m.group("line")),
                    function=(m.group("func") or "").strip() or None,
                    is_user=is_user_file(file),
                )
                continue
            stripped = line.strip()
            if (
                pending is not None
                and pending.code is None
                and stripped
                and not set(stripped) <= set("^~ ")
            ):
                pending.code = stripped
    if pending is not None:
        frames.append(pending)
    return frames


def _split_blocks(text: str) -> list[tuple[str | None, str]]:
    """Split text on chain markers; returns (link to previous block, block text)."""
    pattern = "|".join(re.escape(m) for m in (*_CAUSE_MARKERS, _CONTEXT_MARKER))
    parts = re.split(f"({pattern})", text)
    blocks: list[tuple[str | None, str]] = []
    link: str | None = None
    for part in parts:
        if part in _CAUSE_MARKERS:
            link = "cause"
        elif part == _CONTEXT_MARKER:
            link = "context"
        else:
            blocks.append((link, part))
            link = None
    return blocks


def _exception_line(lines: list[str]) -> tuple[str, str] | None:
    """Find the `Type: message` line of a block; the message may span following lines."""
    # Python prints it after the last frame; Dagster prints it first, then "Stack Trace:".
    last_frame = -1
    for i, line in enumerate(lines):
        if _FRAME_RE.match(line):
            last_frame = i
    order = list(range(last_frame + 1, len(lines))) + list(range(0, max(last_frame, 0)))
    for i in order:
        line = lines[i].rstrip()
        if not line or line.startswith((" ", "\t")) or line == _TB_HEADER:
            continue
        m = _EXC_LINE_RE.match(line)
        if m:
            msg_lines = [m.group("msg") or ""]
            for follow in lines[i + 1 :]:
                if (
                    not follow.strip()
                    or _FRAME_RE.match(follow)
                    or follow.startswith(("Stack Trace:", _TB_HEADER))
                ):
                    break
                msg_lines.append(follow.rstrip())
            return m.group("type"), "\n".join(msg_lines).strip()
    return None


def parse_exceptions(text: str) -> list[ExceptionInfo]:
    """Parse every exception of the chains found in `text`, root first.

    Python prints a chain root first ("The above exception was the direct cause of the
    following exception"); Dagster's SerializableErrorInfo prints it surface first
    ("The above exception was caused by the following exception"). Both are normalised
    to root first.
    """
    dagster_order = _CAUSE_MARKERS[1] in text
    infos: list[ExceptionInfo] = []
    for link, block in _split_blocks(text):
        lines = block.splitlines()
        found = _exception_line(lines)
        if found is None:
            continue
        etype, msg = found
        infos.append(
            ExceptionInfo(
                type=etype,
                message=msg,
                frames=parse_frames(lines),
                link=_as_link(link),
            )
        )
    if dagster_order and len(infos) > 1:
        # Surface first in the text: reverse, and move links to the following element.
        links = [i.link for i in infos]
        infos.reverse()
        for idx, info in enumerate(infos):
            info.link = links[len(links) - idx] if idx > 0 else None
    return infos


def exceptions_from_live(exc: BaseException) -> list[ExceptionInfo]:
    """Walk a live exception's __cause__/__context__ chain into ExceptionInfos, root first."""
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link: str | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "context"
        else:
            current = None
    infos: list[ExceptionInfo] = []
    # chain is surface first; each element's link describes how it leads to the next.
    for idx, (e, _) in enumerate(reversed(chain)):
        frames = [
            Frame(
                file=fs.filename,
                line=fs.lineno,
                function=fs.name,
                code=(fs.line or None),
                is_user=is_user_file(fs.filename),
            )
            for fs in traceback.extract_tb(e.__traceback__)
        ]
        ctype = type(e)
        mod = ctype.__module__
        name = ctype.__qualname__ if mod in ("builtins", "__main__") else f"{mod}.{ctype.__qualname__}"
        # The link of element k (k>0) is how chain[k-1] relates to it, read from the surface side.
        rel = chain[len(chain) - idx][1] if idx > 0 else None
        infos.append(ExceptionInfo(type=name, message=str(e), frames=frames, link=_as_link(rel)))
    return infos


def _as_link(value: str | None) -> Literal["cause", "context"] | None:
    if value == "cause":
        return "cause"
    if value == "context":
        return "context"
    return None


def failing_user_frame(exceptions: list[ExceptionInfo]) -> Frame | None:
    """The deepest user frame of the root-most exception that has one."""
    for info in exceptions:
        for frame in reversed(info.frames):
            if frame.is_user:
                return frame
    return None


def source_context(frame: Frame | None, radius: int = 3) -> SourceContext | None:
    """Read the lines around a frame from disk, when the file is readable here."""
    if frame is None or frame.line is None:
        return None
    lines: dict[int, str] = {}
    for n in range(max(1, frame.line - radius), frame.line + radius + 1):
        text = linecache.getline(frame.file, n)
        if text:
            lines[n] = text.rstrip("\n")
    if not lines:
        return None
    return SourceContext(file=frame.file, line=frame.line, lines=lines)


def from_text(text: str) -> Evidence:
    """Evidence from plain failure text (a traceback, Dagster error output, a log)."""
    exceptions = parse_exceptions(text)
    return Evidence(
        text=text,
        exceptions=exceptions,
        source=source_context(failing_user_frame(exceptions)),
    )
