"""Find the failure in any text: which lines say something went wrong, and how loudly.

Failures without a Python traceback still say so in recognisable ways: a log level
(`ERROR`, `FATAL`, `SEVERE`, `PANIC`, `[error]`, `level=error`, `"level": "error"`,
glog's `E1204`), a prefix (`ERROR:`, `FATAL:`, `error:`), a JVM exception header and its
`Caused by:` chain, an HTTP status line, a JSON error body (`"error"`, `"code"` with
`"message"`/`"status"`), an API error tag (`"not_found"`, `path/not_found`), a line
naming the error's class (`error_class=`), an exit status, `Killed`/`OOMKilled`, or simply
the words of a failure ("refused", "denied", "timed out", "could not", "no such"...).

These functions classify single lines and collect the failure lines of a large text.
Every pattern here is a bounded alternation of literals (no nested quantifiers over
overlapping classes) and runs on bounded input, so the cost is linear in the input.
"""

from __future__ import annotations

import re
from enum import StrEnum

# Lines longer than this are judged on their head: the level and prefix are at the start.
_HEAD = 200
# Whole-text scans read at most this much (head and tail), whatever the input size.
_SCAN_HEAD = 256_000
_SCAN_TAIL = 1_000_000


class Level(StrEnum):
    """How a line presents itself."""

    ERROR = "error"  # an error level or an error marker
    WARN = "warn"
    INFO = "info"  # INFO/DEBUG/TRACE/NOTICE: the system says this is routine
    NONE = "none"  # no level: plain output


# A level token near the start of the line, in the shapes log frameworks print it.
_LEVEL = re.compile(
    r"(?:^|[\s\[(|:<\"'=,])"
    r"(?P<lvl>TRACE|DEBUG|FINE|FINER|FINEST|INFO|NOTICE|WARN|WARNING|ERROR|ERR|ERRO|FATAL|FATA|"
    r"SEVERE|PANIC|CRITICAL|CRIT|EMERG|ALERT|trace|debug|info|notice|warn|warning|error|err|"
    r"fatal|severe|panic|critical|crit|emerg|alert|Info|Warning|Error|Fatal|Debug|Critical)"
    r"(?:$|[\s\])|:>\"',!\[])"
)
# glog / absl / klog: `E1204 10:00:00.123456 ...` (severity letter + MMDD).
_GLOG = re.compile(r"^(?P<sev>[IWEF])\d{4} \d{2}:\d{2}:\d{2}")
_LEVEL_OF = {
    "trace": Level.INFO,
    "debug": Level.INFO,
    "fine": Level.INFO,
    "finer": Level.INFO,
    "finest": Level.INFO,
    "info": Level.INFO,
    "notice": Level.INFO,
    "warn": Level.WARN,
    "warning": Level.WARN,
}
_GLOG_LEVEL = {"I": Level.INFO, "W": Level.WARN, "E": Level.ERROR, "F": Level.ERROR}

# Markers that make a line an error line whatever its level: at the start of the line...
_MARKER_START = re.compile(
    r"\s*(?:(?:ERROR|FATAL|PANIC|error|fatal|Error|E)\s*:"  # ERROR:  FATAL:  error:
    r"|Caused by:"
    r"|Traceback \(most recent call last\)"
    r"|(?:[a-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b"  # JVM/Python qualified header
    r"|[A-Z]\w*(?:Error|Exception)(?::|$)"
    r"|Exception in thread "
    r"|terminate called after throwing an instance of "  # a C++ program's uncaught exception
    r"|Killed\s*$"
    # engine error codes that open a line: Oracle/TNS/PL-SQL, SQL Server's `Msg N, Level
    # 11+` (levels up to 10 are informational), a Rust panic
    r"|(?:ORA|TNS|PLS|SP2)-\d{4,5}\b"
    r"|Msg \d+, Level (?:1[1-9]|2\d)\b"
    r"|thread '[^']*' panicked at)"
)
# The non-OK canonical gRPC status codes that say something failed (CANCELLED and UNKNOWN
# say too little).
_GRPC_CODES = (
    "DEADLINE_EXCEEDED|UNAVAILABLE|RESOURCE_EXHAUSTED|PERMISSION_DENIED|UNAUTHENTICATED|"
    "NOT_FOUND|ALREADY_EXISTS|FAILED_PRECONDITION|ABORTED|OUT_OF_RANGE|INVALID_ARGUMENT|"
    "UNIMPLEMENTED|INTERNAL|DATA_LOSS"
)
# ...or anywhere in it (HTTP statuses, exit codes, JSON error bodies), behind a cheap
# literal pre-check so that ordinary lines cost a few substring tests.
_MARKER_ANY = re.compile(
    r"\bHTTP/\d(?:\.\d)? [45]\d\d\b"
    r"|\b(?:exit(?:ed)?(?: with)?(?: status| code)?|exit_code|returncode|return code|"
    r"non-zero exit status|failed with (?:exit )?code)\W{0,3}-?[1-9]\d{0,2}\b"
    r"|\bOOMKilled\b"
    r"|\"(?:error|errors|errorMessage|error_message|fault)\"\s*:"
    # API error tags (`"not_found"`, `'channel_not_found'`, `path/not_found`) and log lines
    # that name the error's class (`error_class=Fluent::...Error`), whatever their level
    r"|[\"'](?:\w{1,40}_)?not_found[\"']|\b\w{1,40}/not_found\b"
    r"|\berror_class=\w"
    # a canonical gRPC / Google API status code quoted as a JSON value (`"status":
    # "DEADLINE_EXCEEDED"` in Cloud Tasks, Pub/Sub or Firestore logs), any system
    r"|\"(?:" + _GRPC_CODES + r")\""
    r"|\bstatus(?:_code| code|Code)?\W{1,3}[45]\d\d\b"
    r"|\b(?:received|got|returned|response|responded with|HTTP|code)\W{1,3}(?:an? )?[45]\d\d\b"
    r"|\b[45]\d\d (?:Bad Request|Unauthorized|Forbidden|Not Found|Conflict|Too Many Requests|"
    r"Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)\b",
)
_MARKER_ANY_KEYS = (
    "http",
    "exit",
    "return",
    "oomkilled",
    "not_found",
    "error_class",
    '"error',
    '"fault',
    "status",
    "received",
    "got",
    "response",
    "code",
    " 4",
    " 5",
    *(f'"{c.lower()}"' for c in _GRPC_CODES.split("|")),
)


def _has_marker(head: str) -> bool:
    if _MARKER_START.match(head):
        return True
    low = head.lower()
    return any(k in low for k in _MARKER_ANY_KEYS) and _MARKER_ANY.search(head) is not None


# The words of a failure. A plain line (no level) carrying one of these reads as an error.
_FAILURE_WORDS = re.compile(
    r"\b(?:error|errors|exception|fail|failed|failure|fatal|panic|abort|aborted|refused|denied|"
    r"forbidden|unauthori[sz]ed|cannot|can't|could not|couldn't|unable to|not found|"
    r"does not exist|doesn't exist|no such|timed out|timeout|deadline exceeded|exceeded|"
    r"invalid|killed|oom|out of memory|no space|not permitted|violat\w*|reset by peer|"
    r"unreachable|unavailable|deadlock|segmentation fault|core dumped|crash\w*|evicted|"
    r"backoff|not set|missing|conflict|throttl\w*|rejected|expired|insufficient|overflow|"
    r"traceback|errno|terminated|lost|corrupt\w*|mismatch|unexpected|illegal|malformed|"
    r"unsupported|incompatible|broken|stuck|hung|too many|too large|quota|limit|panicked|died)\b",
    re.IGNORECASE,
)


def line_level(line: str) -> Level:
    """The level a line presents itself with (markers count as errors)."""
    head = line[:_HEAD]
    if _has_marker(head):
        return Level.ERROR
    g = _GLOG.match(head)
    if g:
        return _GLOG_LEVEL[g.group("sev")]
    m = _LEVEL.search(head)
    if m:
        return _LEVEL_OF.get(m.group("lvl").lower(), Level.ERROR)
    return Level.NONE


def has_failure_words(line: str) -> bool:
    return _FAILURE_WORDS.search(line[: _HEAD * 4]) is not None


def is_failure_line(line: str) -> bool:
    """An error line, or a line without a level that speaks of a failure."""
    level = line_level(line)
    if level is Level.ERROR:
        return True
    return level in (Level.NONE, Level.WARN) and has_failure_words(line)


def line_weight(line: str, text_has_failure: bool, wording_is_failure: bool = False) -> float:
    """How much a failure wording found on `line` counts, by how the line presents itself.

    An error line counts fully, and so does a plain line that speaks of a failure (its
    own words, or `wording_is_failure`). A routine line (INFO/DEBUG) is the system saying all is
    well: a wording there is a weak hint (a retry that succeeded, "0 rows" in normal
    output). A plain line counts when it speaks of a failure, or when the text has a
    failure elsewhere (context such as a DETAIL or HINT line); otherwise it is a hint.
    """
    level = line_level(line)
    if level is Level.ERROR:
        return 1.0
    # A specific failure wording (a catalog entry that names a failure by itself) speaks
    # for the line just as the generic failure words do.
    words = wording_is_failure or has_failure_words(line)
    if level is Level.INFO:
        return 0.75 if words else 0.45
    if level is Level.WARN:
        return 0.9 if words else 0.8
    if words:
        return 1.0
    return 0.9 if text_has_failure else 0.45


def _bounded(text: str) -> str:
    if len(text) <= _SCAN_HEAD + _SCAN_TAIL:
        return text
    return text[:_SCAN_HEAD] + "\n" + text[-_SCAN_TAIL:]


# A cheap pre-filter for failure lines over a whole text: literals only, one forward pass
# (each hit is widened to its line with find/rfind, and the scan resumes after that line).
_ANY_FAILURE = re.compile(
    r"ERROR|FATAL|SEVERE|PANIC|CRITICAL|Exception|Error|error|Caused by|Killed|refused|"
    r"denied|Denied|failed|Failed|FAILED|timed out|exit code|exit status|Forbidden|"
    r"terminate called|Unauthorized|Traceback|HTTP/\d|not_found|error_class=|"
    r"\"(?:" + _GRPC_CODES + r")\""
)


def failure_lines(text: str, limit: int = 80) -> list[tuple[int, str]]:
    """(offset, line) of the failure lines of `text`, in order: the first `limit // 4` and
    the last ones up to `limit`. Reads a bounded head and tail of huge inputs."""
    text = _bounded(text)
    found: list[tuple[int, str]] = []
    pos = 0
    while True:
        m = _ANY_FAILURE.search(text, pos)
        if m is None:
            break
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        line = text[start : min(end, start + 4 * _HEAD)]
        if is_failure_line(line):
            found.append((start, line))
        pos = end + 1
    if len(found) > limit:
        found = found[: limit // 4] + found[-(limit - limit // 4) :]
    return found


def jvm_root_cause(lines: list[str]) -> str | None:
    """The deepest `Caused by:` line of a JVM stack trace (the root cause), if any."""
    last = None
    for line in lines:
        s = line.lstrip()
        if s.startswith("Caused by:"):
            last = s
    return last
