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

from sentinel_brain.models import Evidence, ExceptionInfo, Frame, SourceContext

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

# Only the tail of huge inputs is parsed: the traceback is at the end of a failure log.
MAX_PARSE_CHARS = 64_000
_MAX_TYPE_LINE = 400
_MAX_MSG_LINES = 60

_FRAME_RE = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?\s*$')
_TB_HEADER = "Traceback (most recent call last):"
_CAUSE_MARKERS = (
    "The above exception was the direct cause of the following exception:",
    "The above exception was caused by the following exception:",
)
_CONTEXT_MARKER = "During handling of the above exception, another exception occurred:"
# Dagster's SerializableErrorInfo.to_string() prints the chain surface first.
_DAGSTER_CONTEXT_MARKER = "The above exception occurred during handling of the following exception:"
# `pkg.mod.ErrorName: message` or a bare `ErrorName` on its own line.
_EXC_LINE_RE = re.compile(
    r"^(?P<type>(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Warning|"
    r"Failure|Timeout|Refused|Denied|NotFound|Invalid|Conflict|Fault|Abort|Aborted|"
    r"StopIteration|KeyError|Killed|Unavailable|Exhausted|Throttled|Group|Violation|Exceeded)"
    r"|KeyError|StopIteration|SystemExit|KeyboardInterrupt|GeneratorExit|Exception|BaseException"
    r"|(?:[A-Za-z_]\w*\.)+(?:gaierror|herror|timeout|error)"
    r"|[A-Za-z_][\w.]*\.[A-Z]\w*)(?::\s?(?P<msg>.*))?$"
)


def is_user_file(path: str) -> bool:
    """True for the pipeline's own source files, False for libraries and the stdlib."""
    norm = path.replace("\\", "/")
    if norm.endswith((".pyx", ".pxi", ".pxd")) or "/importlib/" in norm:
        return False
    if any(marker.replace("\\", "/") in norm for marker in _LIBRARY_MARKERS):
        return False
    return not norm.startswith("<")


def parse_frames(lines: Iterable[str]) -> list[Frame]:
    """Parse `File "x", line N, in f` frames (each optionally followed by its code line)."""
    frames: list[Frame] = []
    pending: Frame | None = None
    for raw in lines:
        for line in raw.splitlines() or [raw]:
            m = _FRAME_RE.match(line) if 'File "' in line else None
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
                and line[:1] in (" ", "\t")
                and not set(stripped) <= set("^~ ")
            ):
                pending.code = stripped
            elif stripped and line[:1] not in (" ", "\t") and pending is not None:
                # An unindented line ends the frame (exception line, log line).
                frames.append(pending)
                pending = None
    if pending is not None:
        frames.append(pending)
    return frames


def _split_blocks(text: str) -> list[tuple[str | None, str]]:
    """Split text on chain markers; returns (link to previous block, block text)."""
    pattern = "|".join(
        re.escape(m) for m in (*_CAUSE_MARKERS, _CONTEXT_MARKER, _DAGSTER_CONTEXT_MARKER)
    )
    parts = re.split(f"({pattern})", text)
    blocks: list[tuple[str | None, str]] = []
    link: str | None = None
    for part in parts:
        if part in _CAUSE_MARKERS:
            link = "cause"
        elif part in (_CONTEXT_MARKER, _DAGSTER_CONTEXT_MARKER):
            link = "context"
        else:
            blocks.append((link, part))
            link = None
    return blocks


def _exception_line(lines: list[str], start: int = 0) -> tuple[str, str, int] | None:
    """Find the `Type: message` line of a block; the message may span following lines."""
    # Python prints it after the last frame; Dagster prints it first, then "Stack Trace:".
    last_frame = -1
    for i, line in enumerate(lines):
        if 'File "' in line and _FRAME_RE.match(line):
            last_frame = i
    n = len(lines)
    if last_frame >= 0:
        order = list(range(last_frame + 1, n)) + list(range(last_frame))
    else:
        # No frames: a bare error line, usually near the start or the end of the text.
        order = list(range(min(n, 60))) + list(range(max(60, n - 240), n))
    if start:
        order = list(range(start, n))
    for i in order:
        line = lines[i].rstrip()
        if not line or line.startswith((" ", "\t")) or line == _TB_HEADER:
            continue
        m = _EXC_LINE_RE.match(line[:_MAX_TYPE_LINE])
        if m:
            first = line[m.end("type") :]
            first = first[1:].lstrip(" ") if first.startswith(":") else first.strip()
            msg_lines = [first]
            for follow in lines[i + 1 : i + 1 + _MAX_MSG_LINES]:
                if (
                    not follow.strip()
                    or ('File "' in follow and _FRAME_RE.match(follow))
                    or follow.startswith(("Stack Trace:", _TB_HEADER))
                ):
                    break
                msg_lines.append(follow.rstrip())
            return m.group("type"), "\n".join(msg_lines).strip(), i
    return None


_DAGSTER_WRAPPERS = frozenset(
    {
        "DagsterExecutionStepExecutionError",
        "DagsterExecutionLoadInputError",
        "DagsterExecutionHandleOutputError",
        "DagsterResourceFunctionError",
        "DagsterUserCodeExecutionError",
        "DagsterTypeLoadingError",
    }
)


def _inline_cause(lines: list[str], at: int) -> tuple[str, str] | None:
    """An exception line printed after a Dagster wrapper's line and before its stack."""
    for i in range(at + 1, min(len(lines), at + 40)):
        line = lines[i]
        if line.startswith("Stack Trace:") or ('File "' in line and _FRAME_RE.match(line)):
            return None
        if not line.strip() or line[:1] in (" ", "\t"):
            continue
        m = _EXC_LINE_RE.match(line.rstrip()[:_MAX_TYPE_LINE])
        if m and m.group("type").rsplit(".", 1)[-1] not in _DAGSTER_WRAPPERS:
            found = _exception_line(lines, start=i)
            if found is not None:
                return found[0], found[1]
    return None


# A notebook cell's error as IPython renders it (papermill, dagstermill, nbconvert):
# `KeyError      Traceback (most recent call last)`, then `----> 2 code` lines marking the
# failing line of each frame, then `KeyError: 'X'` (absent when the text is cut short).
_CELL_TB_RE = re.compile(
    r"^(?P<type>(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)\s{2,}Traceback \(most recent call last\)",
    re.MULTILINE,
)
_CELL_ARROW_RE = re.compile(r"^-*> ?(?P<line>\d+)\s(?P<code>.*\S)")


def _notebook_cell_exception(text: str) -> ExceptionInfo | None:
    """The exception a notebook cell raised, from its IPython rendering inside `text`."""
    found = list(_CELL_TB_RE.finditer(text))
    if not found:
        return None
    m = found[-1]
    etype = m.group("type")
    frames: list[Frame] = []
    message = ""
    for line in text[m.end() :].splitlines()[1:200]:
        a = _CELL_ARROW_RE.match(line)
        if a:
            code = a.group("code").strip()
            frames.append(
                Frame(file="<notebook cell>", line=int(a.group("line")), code=code, is_user=True)
            )
            continue
        if line.startswith(f"{etype}:"):
            message = line[len(etype) + 1 :].strip()
            break
    return ExceptionInfo(type=etype, message=message, frames=frames)


_DIGITS_OR_SPACES = re.compile(r"\d+|\s+")


def _strip_line_prefix(text: str) -> str:
    """The text without the per-line prefix a log pipeline put before a traceback.

    CI runners, kubectl, syslog and log forwarders prefix every line (a timestamp, a pod
    name, `host prog[pid]:`, a `> ` quote). The prefix of the last `Traceback` line,
    generalised (digit runs and inner blank runs may vary), is stripped from every line
    that starts with it, so frames and the failing code line parse as usual. Plain
    indentation is not a prefix.
    """
    at = text.rfind(_TB_HEADER)
    if at < 0:
        return text
    start = text.rfind("\n", 0, at) + 1
    prefix = text[start:at]
    core = prefix.rstrip()
    if not core or len(prefix) > 120:
        return text
    parts: list[str] = []
    pos = 0
    for m in _DIGITS_OR_SPACES.finditer(core):
        parts.append(re.escape(core[pos : m.start()]))
        parts.append(r"\d+" if m.group()[0].isdigit() else r"\s+")
        pos = m.end()
    parts.append(re.escape(core[pos:]) + re.escape(prefix[len(core) :]))
    return re.compile("^" + "".join(parts), re.MULTILINE).sub("", text)


def parse_exceptions(text: str) -> list[ExceptionInfo]:
    """Parse every exception of the chains found in `text`, root first.

    Python prints a chain root first ("The above exception was the direct cause of the
    following exception"); Dagster's SerializableErrorInfo prints it surface first
    ("The above exception was caused by the following exception"). Both are normalised
    to root first.
    """
    if len(text) > MAX_PARSE_CHARS:
        # Tracebacks end a failure log: keep the tail, starting at a line boundary.
        tail = text[-MAX_PARSE_CHARS:]
        text = tail[tail.find("\n") + 1 :]
    text = _strip_line_prefix(text)
    dagster_order = _CAUSE_MARKERS[1] in text or _DAGSTER_CONTEXT_MARKER in text
    infos: list[ExceptionInfo] = []
    for link, block in _split_blocks(text):
        lines = block.splitlines()
        found = _exception_line(lines)
        if found is None:
            continue
        etype, msg, at = found
        frames = parse_frames(lines)
        infos.append(ExceptionInfo(type=etype, message=msg, frames=frames, link=_as_link(link)))
        if etype.rsplit(".", 1)[-1] in _DAGSTER_WRAPPERS:
            # Newer Dagster prints the user error inline, before "Stack Trace:".
            inner = _inline_cause(lines, at)
            if inner is not None:
                itype, imsg = inner
                infos.append(
                    ExceptionInfo(type=itype, message=imsg, frames=list(frames), link="cause")
                )
                dagster_order = True
    if dagster_order and len(infos) > 1:
        # Surface first in the text: reverse, and move links to the following element.
        links = [i.link for i in infos]
        infos.reverse()
        for idx, info in enumerate(infos):
            info.link = links[len(links) - idx] if idx > 0 else None
    cell = _notebook_cell_exception(text) if "Traceback (most recent call last)" in text else None
    if cell is not None and not any(
        i.type == cell.type and i.message == cell.message for i in infos
    ):
        # The cell's error is what the notebook runner's exception wraps: the root.
        if infos:
            infos[0].link = "cause"
        infos.insert(0, cell)
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
        name = (
            ctype.__qualname__ if mod in ("builtins", "__main__") else f"{mod}.{ctype.__qualname__}"
        )
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
