"""Paths the way the reader needs them: relative to the code location's working directory,
and library files from their package, not the deployment's absolute paths.

`/opt/dagster/app/pipelines/etl.py` becomes `pipelines/etl.py` when the code location runs in
`/opt/dagster/app`; `/opt/venv/lib/python3.11/site-packages/pandas/core/frame.py` becomes
`site-packages/pandas/core/frame.py`. Applied to evidence before the brain, Gemini, Slack and
the stored report see it (the source lines are read from disk before that).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel

# An absolute path prefix up to a site-packages/dist-packages folder. Bounded, and a single
# character class before a literal, so the match is linear in the input.
_LIB_PREFIX = re.compile(r"(?<![\w.-])/[^\s\"'<>|]{0,400}?/(?=(?:site|dist)-packages/)")

M = TypeVar("M", bound=BaseModel)


def shorten_paths(text: str, roots: Sequence[str]) -> str:
    """Make paths under any of `roots` relative, and library paths start at site-packages."""
    for root in sorted({r.rstrip("/") for r in roots if r and r.strip("/")}, key=len, reverse=True):
        text = text.replace(root + "/", "")
    return _LIB_PREFIX.sub("", text) if "-packages/" in text else text


def shorten_model_paths(model: M, roots: Sequence[str]) -> M:
    """A copy of a pydantic model with every string in it passed through `shorten_paths`."""
    data = _walk(model.model_dump(mode="python"), roots)
    return type(model).model_validate(data)


def _walk(value: object, roots: Sequence[str]) -> object:
    if isinstance(value, str):
        return shorten_paths(value, roots)
    if isinstance(value, dict):
        return {k: _walk(v, roots) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, roots) for v in value]
    return value
