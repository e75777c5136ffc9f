"""GitHub-flavoured Markdown for pull-request comments and CI job summaries.

Always under :data:`MAX_CHARS` characters; when a sweep is too large the per-run
details are cut with a note saying how many were left out.
"""

from __future__ import annotations

from ..model import SEVERITY_RANK, Finding, Report, Run

MAX_CHARS = 65_000
MAX_WARNINGS = 50
_ICON = {"error": "🔴 error", "warning": "🟠 warning", "info": "🔵 info", None: "🟢 ok"}


def render(report: Report) -> str:
    """The report as Markdown."""
    head = [
        "# logscope report",
        "",
        f"{len(report.runs)} run(s), {len(report.findings)} finding(s). "
        f"Worst: **{report.worst or 'none'}**.",
        "",
        "| run | status | findings | worst finding |",
        "|---|---|---|---|",
    ]
    for run in report.runs:
        findings = report.findings_for(run.name)
        head.append(
            f"| {cell(run.name)} | {_ICON[_worst(findings)]} | {len(findings)} | "
            f"{cell(findings[0].message) if findings else '—'} |"
        )
    head.append("")
    blocks = [_run_block(run, report.findings_for(run.name)) for run in report.runs]
    tail = _warnings_block(report)
    out = "\n".join(head)
    for i, block in enumerate(blocks):
        note = f"\n_{len(blocks) - i} more run(s) left out to stay under GitHub's comment limit._\n"
        if len(out) + len(block) + len(tail) + len(note) > MAX_CHARS:
            out += note
            break
        out += block
    if len(out) + len(tail) <= MAX_CHARS:
        out += tail
    return out.rstrip("\n") + "\n"


def _worst(findings: tuple[Finding, ...]) -> str | None:
    if not findings:
        return None
    return max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__)


def _run_block(run: Run, findings: tuple[Finding, ...]) -> str:
    lines = [
        "<details>",
        f"<summary><b>{inline(run.name)}</b> ({cell(run.format)}): {len(findings)} finding(s)</summary>",
        "",
    ]
    for f in findings:
        where = f"step {f.step}" if f.step is not None else "whole run"
        lines.append(f"- **{f.severity}** `{f.kind}` on {', '.join(code(s) for s in f.series)} at {where}: {inline(f.message)}")
        for fix in f.fixes:
            lines.append(f"  - {inline(fix)}")
    if not findings:
        lines.append("No problems found.")
    lines.append("")
    lines.append(f"Series: {', '.join(code(s.name) for s in run.series) or 'none'}")
    for w in run.warnings:
        lines.append(f"- ⚠️ {code(w.file)}: {inline(w.message)}")
    lines += ["", "</details>", "", ""]
    return "\n".join(lines)


def _warnings_block(report: Report) -> str:
    if not report.warnings:
        return ""
    lines = ["<details>", f"<summary>{len(report.warnings)} file(s) not read</summary>", ""]
    lines += [f"- {code(w.file)}: {inline(w.message)}" for w in report.warnings[:MAX_WARNINGS]]
    if len(report.warnings) > MAX_WARNINGS:
        lines.append(f"- … and {len(report.warnings) - MAX_WARNINGS} more (see report.json)")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def inline(text: str) -> str:
    """Escape text from a log so Markdown and GitHub's HTML subset show it literally."""
    out = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "`*_[]|#~":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def cell(text: str) -> str:
    """Escape text for a table cell (pipes and newlines too)."""
    return inline(text)


def code(text: str) -> str:
    """Text from a log as inline code, safe against backticks and HTML."""
    clean = " ".join(text.split()).replace("`", "'")
    return f"<code>{clean.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('|', '&#124;')}</code>"
