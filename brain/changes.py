"""What changed since the last successful run of the same job: its run config, leaf by leaf.

A failure right after a configuration change is, first of all, a question about that change
(a new port, host, bucket or table name). The diff is computed here on plain data, so the
Dagster side only hands over two run configs, and the analyzers (stage 3d) decide what the
change means for the diagnosis. Values are redacted as they are recorded: a changed secret is
reported by its path only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sentinel_brain.models import ConfigChange
from sentinel_brain.redact import is_secret_key, redact

# A path with more changed leaves than this is summarised by its first ones.
MAX_CHANGES = 40
_MAX_VALUE = 200
_MASK = "[changed secret]"
# Values too short or too generic to be looked for in failure text ("1", "true", "db").
_MIN_NEEDLE = 3
_NOT_NEEDLES = frozenset({"true", "false", "null", "none", "http", "https"})
_TOKEN = re.compile(r"[\w.-]+")
# A leaf present on one side only.
_ABSENT = object()


def _leaves(value: Any, path: str) -> Iterable[tuple[str, Any]]:
    if isinstance(value, Mapping):  # an empty mapping has no leaves: `ops: {}` is no setting
        for key in sorted(value, key=str):
            yield from _leaves(value[key], f"{path}.{key}" if path else str(key))
    else:
        yield path, value


def _shown(path: str, value: Any) -> str | None:
    """The value as the report shows it: short, redacted; None when it was absent."""
    if value is _ABSENT:
        return None
    if any(is_secret_key(part) for part in path.split(".")):
        return _MASK
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    text = redact(text)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def config_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[ConfigChange]:
    """The leaves of `after` that differ from `before` (added, removed or changed), by path.

    Nested mappings are walked (`resources.warehouse.config.port`); any other value, lists
    included, is compared whole. At most `MAX_CHANGES`, in path order.
    """
    old = dict(_leaves(before, ""))
    new = dict(_leaves(after, ""))
    out: list[ConfigChange] = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path, _ABSENT), new.get(path, _ABSENT)
        if a == b:
            continue
        out.append(ConfigChange(path=path, before=_shown(path, a), after=_shown(path, b)))
        if len(out) >= MAX_CHANGES:
            break
    return out


def _new_tokens(change: ConfigChange) -> list[str]:
    """The parts of the new value the old one lacked: the port of a changed URL, a new host."""
    if change.after is None or change.after == _MASK:
        return []
    old = set(_TOKEN.findall(change.before or ""))
    out: list[str] = []
    for token in _TOKEN.findall(change.after):
        token = token.strip(".-")
        if len(token) < _MIN_NEEDLE or token in old or token.lower() in _NOT_NEEDLES:
            continue
        out.append(token)
    return list(dict.fromkeys(out))


def named_in(change: ConfigChange, lines: Iterable[str]) -> str | None:
    """The first line that names what is new in the change's value (a whole token), if any.

    The new value's tokens that the old value lacked are looked for, so a URL whose port
    changed is found by its port in "port=5433" or "127.0.0.1:5433"."""
    needles = _new_tokens(change)
    if not needles:
        return None
    rx = re.compile("|".join(rf"(?<![\w.-]){re.escape(n)}(?![\w-])" for n in needles))
    return next((line for line in lines if rx.search(line)), None)
