"""Condense large failure text into what fits the model's prompt.

Small inputs pass through whole. Large ones become three sections, each verbatim from
the input (so the model can quote lines that really exist):

1. the first error with its context: the lines before it and the whole traceback block;
2. log templates with counts, mined by drain3 with named masks (`<:NUM:>`, `<:IP:>`...);
3. the tail of the input.

The result never exceeds `max_chars`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sentinel_brain.logs.masking import mask

if TYPE_CHECKING:  # drain3 is imported on first use: the failure hook only imports this module
    from drain3 import TemplateMiner

# Lines are masked with the one named-mask table (sentinel_brain.masking, through the log
# engine's `<:NAME:>` rendering) before drain3 sees them. Masks are *named*: a bare `<*>`
# would collide with drain's own wildcard and make drain create clusters without bound.
_MAX_CLUSTERS = 1000
_MAX_MINED_LINES = 200_000

_ERROR_START_RE = re.compile(
    r"^(?:Traceback \(most recent call last\):|\S.*\b(?:ERROR|CRITICAL|FATAL|Exception|Error)\b)"
)
_FRAME_RE = re.compile(r'^\s+File "[^"]+", line \d+')
_EXC_LINE_RE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Failure)\b.*")


def _miner() -> TemplateMiner:
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.profiling_enabled = False
    config.mask_prefix = "<:"
    config.mask_suffix = ":>"
    config.drain_max_clusters = _MAX_CLUSTERS
    config.masking_instructions = []  # already masked by `mask` (one table for everything)
    return TemplateMiner(persistence_handler=None, config=config)


def log_templates(lines: list[str], limit: int = 50) -> list[tuple[int, str]]:
    """(count, template) for the most frequent templates of `lines`, most frequent first."""
    miner = _miner()
    for line in lines[:_MAX_MINED_LINES]:
        stripped = line.strip()
        if stripped:
            miner.add_log_message(mask(stripped[:2000]))
    clusters = sorted(miner.drain.clusters, key=lambda c: -int(c.size))
    return [(int(c.size), str(c.get_template())) for c in clusters[:limit]]


def first_error_block(lines: list[str], before: int = 5, max_lines: int = 120) -> tuple[int, int]:
    """(start, end) line span of the first error: a few lines before, the traceback, the message."""
    for i, line in enumerate(lines):
        if _ERROR_START_RE.match(line):
            start = max(0, i - before)
            end = i + 1
            # Follow the traceback: indented lines, frames, chain markers, exception lines.
            while end < len(lines) and end - start < max_lines:
                nxt = lines[end]
                if (
                    nxt.startswith(
                        (" ", "\t", "The above exception", "During handling", "Traceback")
                    )
                    or _FRAME_RE.match(nxt)
                    or _EXC_LINE_RE.match(nxt)
                    or not nxt.strip()
                ):
                    end += 1
                    continue
                break
            # Include the exception message line(s) right after the block.
            while end < len(lines) and end - start < max_lines and _EXC_LINE_RE.match(lines[end]):
                end += 1
            return start, min(end, len(lines))
    return 0, 0


def _fit(lines: list[str], budget: int, from_end: bool = False) -> list[str]:
    out: list[str] = []
    used = 0
    seq = reversed(lines) if from_end else iter(lines)
    for line in seq:
        cost = len(line) + 1
        if used + cost > budget:
            if not out and budget > 20:
                out.append(line[: budget - 1])
            break
        out.append(line)
        used += cost
    return list(reversed(out)) if from_end else out


def condense(text: str, max_chars: int) -> str:
    """`text` itself when it fits in `max_chars`, else error + templates + tail (<= max_chars)."""
    if len(text) <= max_chars:
        return text
    lines = text.splitlines()
    header_cost = 200
    budget = max(max_chars - header_cost, 100)
    start, end = first_error_block(lines)
    error_part = _fit(lines[start:end], int(budget * 0.45)) if end > start else []
    used = sum(len(x) + 1 for x in error_part)

    templates = log_templates(lines)
    tmpl_lines = [f"{count:>7} x {tmpl}" for count, tmpl in templates if count > 0]
    tmpl_part = _fit(tmpl_lines, int(budget * 0.25))
    used += sum(len(x) + 1 for x in tmpl_part)

    tail_from = max(end, len(lines) - 400)
    tail_part = _fit(lines[tail_from:], max(budget - used, 0), from_end=True)

    sections: list[str] = [
        f"[condensed: {len(lines)} lines, {len(text)} chars; sections below are verbatim excerpts]"
    ]
    if error_part:
        sections.append(f"--- first error (lines {start + 1}-{start + len(error_part)}) ---")
        sections.extend(error_part)
    if tmpl_part:
        sections.append(f"--- log templates (count x template, {len(templates)} most frequent) ---")
        sections.extend(tmpl_part)
    if tail_part:
        sections.append(f"--- last {len(tail_part)} lines ---")
        sections.extend(tail_part)
    out = "\n".join(sections)
    return out[:max_chars]
