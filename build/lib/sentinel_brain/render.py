"""Render a Report as Markdown (the RCA asset's body and the CLI's markdown output)."""

from __future__ import annotations

from sentinel_brain.models import LogTemplate, Report


def _fence(text: str) -> str:
    return "```\n" + text.replace("```", "ʼʼʼ") + "\n```"


def to_markdown(
    report: Report,
    *,
    title: str | None = None,
    run_url: str | None = None,
    log_templates: list[LogTemplate] | None = None,
) -> str:
    """A self-contained Markdown report: summary, causes, evidence, remediation, fix, link."""
    out: list[str] = [f"# {title or 'Root-cause analysis'}", ""]
    out.append(f"**Summary:** {report.summary}")
    out.append("")
    out.append(
        f"**Category:** `{report.category.value}` · **Severity:** `{report.severity.value}` · "
        f"**Brain:** `{report.brain}`"
    )
    if report.error_type:
        out.append("")
        out.append(f"**Error:** `{report.error_type}`: {report.error_message or ''}".rstrip())
    if report.failing_location:
        loc = report.failing_location
        where = f"{loc.file}:{loc.line}" if loc.line else loc.file
        out.append("")
        out.append(
            f"**Failing location:** `{where}`" + (f" in `{loc.function}`" if loc.function else "")
        )
    if run_url:
        out += ["", f"**Run:** [{run_url}]({run_url})"]
    out += ["", "## Ranked causes", ""]
    for i, cand in enumerate(report.candidates, start=1):
        out.append(
            f"{i}. **{cand.cause}** — `{cand.category.value}`, confidence {cand.confidence:.0%}"
        )
    top = report.top
    if top and top.evidence:
        out += ["", "## Evidence", "", _fence("\n".join(top.evidence))]
    if top and top.remediation:
        out += ["", "## Remediation", ""]
        out += [f"- {step}" for step in top.remediation]
    if report.fix_suggestion:
        out += ["", "## Fix suggestion", "", report.fix_suggestion]
    if log_templates:
        out += ["", "## Log templates around the failure", ""]
        for t in log_templates[:8]:
            flags = ", ".join(f for f in (t.level or "", "new" if t.is_new else "") if f)
            src = f" in `{t.source}`" if t.source else ""
            out.append(f"- {t.count}× `{t.template}`{src}" + (f" ({flags})" if flags else ""))
    if report.notes:
        out += ["", "## Notes", ""]
        out += [f"- {note}" for note in report.notes]
    out += ["", f"<sub>fingerprint `{report.fingerprint}`</sub>", ""]
    return "\n".join(out)
