"""Secret redaction for failure text, logs and structured evidence.

`redact(text)` replaces credentials with `[REDACTED:kind]` markers and leaves everything
else byte-for-byte intact: no line is added or removed, so line numbers in a traceback or
log keep pointing at the same lines. `redact_data(obj)` does the same recursively over
dicts, lists, tuples, strings and pydantic models, and masks the whole value of any key
that names a secret (`{"password": "hunter2"}` -> `{"password": "[REDACTED:password]"}`).

Speed: a cheap case-insensitive prefilter finds the lines that could hold a secret; only
those lines go through the full set of patterns. Clean log lines cost one regex scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

MARK = "[REDACTED:{}]"
_MARK_PREFIX = "[REDACTED"

T = TypeVar("T")


def _mark(kind: str) -> str:
    return MARK.format(kind)


# --- Prefilter -------------------------------------------------------------------------
# Any line that can hold a secret matches one of these cheap substrings. Keep it in sync
# with the patterns below: a pattern whose trigger is missing here is never applied.
# Matched against the lower-cased text, case-sensitively: a case-sensitive alternation of
# literals lets the regex engine skip quickly over positions that cannot start a match.
_PREFILTER_WORDS = (
    r"akia|asia|agpa|aida|aroa|aiza|xox[abeposr]|xapp-|hooks\.slack\.com|gh[pousr]_|github_pat_"
    r"|sk-|sk_|rk_live|pk_live|rk_test|pk_test|eyj|pass|pwd|token|secret|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|auth|bearer|basic\s|credential|cookie|session[_-]?key|://[^\s/@]+@"
)
_PREFILTER = re.compile(_PREFILTER_WORDS)
_PREFILTER_I = re.compile(_PREFILTER_WORDS, re.IGNORECASE)

# --- Multi-line PEM private keys (applied to the whole text) --------------------------
_PEM_RE = re.compile(
    r"(?P<head>-----BEGIN (?P<label>[A-Z0-9 ]*?)PRIVATE KEY( BLOCK)?-----)"
    r"(?P<body>.*?)"
    r"(?P<tail>-----END (?P=label)PRIVATE KEY( BLOCK)?-----)",
    re.DOTALL,
)
# A header whose END line is missing (truncated log): mask the base64 run that follows.
_PEM_OPEN_RE = re.compile(
    r"(?P<head>-----BEGIN [A-Z0-9 ]*?PRIVATE KEY( BLOCK)?-----)"
    r"(?P<body>(?:(?:\r?\n|\\r?\\n|[ \t]+)[A-Za-z0-9+/=]{16,})+)"
)


def _pem_sub(m: re.Match[str]) -> str:
    body = m.group("body")
    if body.startswith(_MARK_PREFIX) or not body.strip(" \t\r\n\\nr"):
        return m.group(0)
    # Keep the same number of newlines so later lines keep their numbers.
    newlines = body.count("\n")
    lead = "\n" if body.startswith(("\n", "\r\n")) else ""
    kept = max(newlines - len(lead), 0)
    tail = m.groupdict().get("tail") or ""
    return f"{m.group('head')}{lead}{_mark('private_key')}{chr(10) * kept}{tail}"


# --- Token-shaped secrets (recognisable on their own) ----------------------------------
_TOKEN_RULES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b"),
        "aws_access_key_id",
    ),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"), "google_api_key"),
    (
        re.compile(r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]+"),
        "slack_webhook",
    ),
    (re.compile(r"\bxox[abeposr]-[0-9A-Za-z\-]{8,}"), "slack_token"),
    (re.compile(r"\bxapp-\d-[0-9A-Za-z\-]{8,}"), "slack_token"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,255}\b"), "github_token"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,255}"), "github_token"),
    (re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{10,}"), "api_key"),
    (re.compile(r"(?<![\w\-])sk-[A-Za-z0-9_\-]{16,}"), "api_key"),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), "jwt"),
]

# --- Passwords in URLs: scheme://user:pass@host -> scheme://user:[REDACTED:password]@host
_URL_CRED_RE = re.compile(
    r"(?P<pre>\b[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s/:@'\"<>]*:)(?P<pw>[^\s/'\"<>]+)(?P<at>@)"
    r"(?=[A-Za-z0-9\[])"
)

# --- Authorization headers -------------------------------------------------------------
_AUTH_HEADER_RE = re.compile(
    r"(?P<key>\b(?:proxy-)?authorization)(?P<sep>\\?[\"']?\s*[:=]\s*\\?[\"']?)"
    r"(?:(?P<scheme>bearer|basic|token|digest|negotiate|apikey|sso-key)\s+)?"
    r"(?P<val>[^\s\"',;\\]+)",
    re.IGNORECASE,
)
_BEARER_RE = re.compile(
    r"(?P<key>\b(?:bearer|basic))(?P<sep>\s+)(?P<val>[A-Za-z0-9\-._~+/]{12,}=*)", re.IGNORECASE
)

# --- key = value / key: value / "key": "value" / KEY=value / --key value ----------------
# The key must END with one of these words (`DB_PASSWORD`, `slack_bot_token`,
# `SecretAccessKey`), so `token_bucket`, `max_tokens` or `password_policy` stay intact.
_SECRET_WORDS = (
    r"password|passwd|passphrase|pwd|pass|secret|token|api[_\-]?key|apikey|access[_\-]?key"
    r"|private[_\-]?key|secret[_\-]?key|auth[_\-]?key|credentials?|session[_\-]?key|cookie"
)
_KEY_END_RE = re.compile(rf"(?:{_SECRET_WORDS})$", re.IGNORECASE)
# Any `key<sep>value`; the callback keeps it unless the key names a secret. Matching a
# generic key and checking it afterwards is much faster than a lazy key-prefix pattern.
_KV_RE = re.compile(
    r"(?<![A-Za-z0-9_.\-])(?P<key>[A-Za-z0-9_.\-]+)"
    r"(?P<sep>\\?[\"']?[ \t]*(?:[:=]|=>)[ \t]*)"
    r"(?:(?P<dq>\\?\")(?P<dval>[^\"\\\n]*)|(?P<sq>')(?P<sval>[^'\n]*)|(?P<bval>[^\s,;&\"'<>)\]}]+))"
)
_FLAG_RE = re.compile(
    rf"(?P<key>(?<![\w\-])--?(?:[A-Za-z0-9\-]*-)?(?:{_SECRET_WORDS}))(?P<sep>[ =])"
    r"(?P<val>[^\s\-\"'][^\s\"']*)",
    re.IGNORECASE,
)
# Values that are clearly not secrets: placeholders, empties, booleans, already masked.
_PLACEHOLDER_RE = re.compile(
    r"^(?:\[REDACTED.*|\$\{.*|\$[A-Z_][A-Z0-9_]*|\{\{.*|<[^>]*>?|\*+|x+|null|none|nil|true|false"
    r"|undefined|redacted|hidden|masked|\.\.\.)$",
    re.IGNORECASE,
)


def _kind_for(key: str) -> str:
    k = key.lower()
    if "pass" in k or "pwd" in k:
        return "password"
    if "token" in k:
        return "token"
    if "api" in k and "key" in k:
        return "api_key"
    if "access" in k and "key" in k:
        return "access_key"
    if "private" in k:
        return "private_key"
    if "cookie" in k or "session" in k:
        return "cookie"
    if "credential" in k:
        return "credentials"
    return "secret"


def _kv_sub(m: re.Match[str]) -> str:
    key = m.group("key")
    if not is_secret_key(key):
        return m.group(0)
    for name in ("dval", "sval", "bval"):
        val = m.group(name)
        if val is not None:
            break
    else:  # pragma: no cover - one alternative always matches
        return m.group(0)
    if not val or _PLACEHOLDER_RE.match(val.strip()):
        return m.group(0)
    quote = m.group("dq") or m.group("sq") or ""
    return f"{key}{m.group('sep')}{quote}{_mark(_kind_for(key))}"


def _auth_sub(m: re.Match[str]) -> str:
    val = m.group("val")
    if val.startswith(_MARK_PREFIX) or _PLACEHOLDER_RE.match(val):
        return m.group(0)
    scheme = m.group("scheme")
    return (
        f"{m.group('key')}{m.group('sep')}{scheme + ' ' if scheme else ''}{_mark('authorization')}"
    )


def _bearer_sub(m: re.Match[str]) -> str:
    val = m.group("val")
    if val.startswith(_MARK_PREFIX):
        return m.group(0)
    return f"{m.group('key')}{m.group('sep')}{_mark('authorization')}"


def _flag_sub(m: re.Match[str]) -> str:
    val = m.group("val")
    if _PLACEHOLDER_RE.match(val):
        return m.group(0)
    return f"{m.group('key')}{m.group('sep')}{_mark(_kind_for(m.group('key')))}"


def _url_sub(m: re.Match[str]) -> str:
    pw = m.group("pw")
    if pw.startswith(_MARK_PREFIX) or _PLACEHOLDER_RE.match(pw):
        return m.group(0)
    return f"{m.group('pre')}{_mark('password')}{m.group('at')}"


_LINE_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    *[(pat, _mark(kind)) for pat, kind in _TOKEN_RULES],
    (_URL_CRED_RE, _url_sub),
    (_AUTH_HEADER_RE, _auth_sub),
    (_BEARER_RE, _bearer_sub),
    (_FLAG_RE, _flag_sub),
]


def _redact_kv(line: str) -> str:
    """Like `_KV_RE.sub(_kv_sub, line)`, but a non-secret `key=` only consumes the key and
    separator, so `conn = connect(password="x")` still reaches `password=`."""
    out: list[str] = []
    pos = last = 0
    while True:
        m = _KV_RE.search(line, pos)
        if m is None:
            break
        if is_secret_key(m.group("key")):
            out.append(line[last : m.start()])
            out.append(_kv_sub(m))
            last = pos = m.end()
        else:
            pos = m.end("sep")
    if not out:
        return line
    out.append(line[last:])
    return "".join(out)


def _redact_line(line: str) -> str:
    for pattern, repl in _LINE_RULES:
        line = pattern.sub(repl, line)
    return _redact_kv(line)


def _candidate_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line of `text` that contains a prefilter trigger, in order."""
    low = text.lower()
    # lower() keeps offsets unless a rare character changes length (e.g. "İ").
    search = _PREFILTER.search if len(low) == len(text) else _PREFILTER_I.search
    scan = low if len(low) == len(text) else text
    spans: list[tuple[int, int]] = []
    m = search(scan)
    while m is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end == -1 else end
        spans.append((start, end))
        m = search(scan, end)
    return spans


def redact(text: str) -> str:
    """Mask credentials in `text`; everything else (and every line break) is kept."""
    if not text:
        return text
    if "PRIVATE KEY" in text:
        text = _PEM_RE.sub(_pem_sub, text)
        if "PRIVATE KEY-----" in text:
            text = _PEM_OPEN_RE.sub(_pem_sub, text)
    spans = _candidate_spans(text)
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(_redact_line(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def is_secret_key(key: str) -> bool:
    """True when a key names a secret: `password`, `DB_PASSWORD`, `apiKey`, `csrftoken`.

    Short words (`pass`, `pwd`) need a separator or a camelCase boundary before them, so
    `bypass` or `compass` are not secrets; "PWD" is the shell's working directory.
    """
    if len(key) > 64 or key == "PWD":
        return False
    m = _KEY_END_RE.search(key)
    if m is None:
        return False
    start = m.start()
    if start == 0 or len(m.group(0)) >= 5 or key[start - 1] in "_.-":
        return True
    return key[start - 1].islower() and key[start].isupper()


def redact_data(obj: T) -> T:
    """Redact strings anywhere inside dicts, lists, tuples and pydantic models.

    The whole value of a key that names a secret is masked, whatever its shape. Pydantic
    models come back as the same model type (rebuilt from their redacted dump).
    """
    return _redact_any(obj, None)  # type: ignore[no-any-return]


def _redact_any(obj: Any, key: str | None) -> Any:
    if key is not None and is_secret_key(key) and _is_scalar_secret(obj):
        return _mark(_kind_for(key))
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, BaseModel):
        data = _redact_any(obj.model_dump(), None)
        try:
            return type(obj).model_validate(data)
        except ValidationError:
            return type(obj).model_construct(**data)
    if isinstance(obj, dict):
        return {
            (redact(k) if isinstance(k, str) else k): _redact_any(
                v, k if isinstance(k, str) else None
            )
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_redact_any(v, None) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_redact_any(v, None) for v in obj)
    return obj


def _is_scalar_secret(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip()) and not _PLACEHOLDER_RE.match(value.strip())
    return isinstance(value, int | float | bytes)
