"""A short terminal summary: one line per run, then its findings."""

from __future__ import annotations

from ..model import SEVERITY_RANK, Report

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "ok": "\033[32m"}
_RESET = "\033[0m"


def render(report: Report, *, colour: bool = False) -> str:
    """Plain text (``colour`` adds ANSI colours)."""

    def paint(word: str) -> str:
        return f"{_COLOURS[word]}{word}{_RESET}" if colour else word

    lines = []
    for run in report.runs:
        findings = report.findings_for(run.name)
        worst = max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__) if findings else "ok"
        lines.append(f"{paint(worst):<8} {_printable(run.name)}  ({run.format}, {len(run.series)} series)")
        for f in findings:
            lines.append(f"  {paint(f.severity)}: {_printable(f.message)}")
        for w in run.warnings:
            lines.append(f"  note: {_printable(w.file)}: {_printable(w.message)}")
    if report.warnings:
        lines.append(f"{len(report.warnings)} file(s) not read (see the report's warnings).")
    return "\n".join(lines) + "\n"


def _printable(text: str) -> str:
    """Drop control characters so a log cannot move the cursor or recolour the terminal."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
