"""A concise terminal summary: the verdict, then each run that needs a look.

Colour only when asked (:func:`use_colour` decides: a TTY, ``NO_COLOR`` unset or
empty, ``TERM`` not ``dumb``). Text from logs has its control characters
replaced, so a log cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

import os
from typing import TextIO

from ..model import Report
from .summary import (STATUS_RANK, RunSummary, files_not_read, format_number, setting_warnings, status_counts,
                      summarize)

#: Runs listed one per line before the rest are only counted.
MAX_RUNS = 25
#: Findings listed under a run before "and N more".
MAX_FINDINGS = 3
#: Longest message printed; the report files carry the full text.
MAX_MESSAGE = 160

#: ANSI colour per style (a severity, ``ok``, ``bold`` or ``dim``); shared with ``compare_console``.
COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "ok": "\033[32m", "bold": "\033[1m",
           "dim": "\033[2m"}
#: Ends a :data:`COLOURS` style.
RESET = "\033[0m"


def use_colour(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """Whether to colour output on ``stream`` (https://no-color.org: any non-empty NO_COLOR disables)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render(report: Report, *, colour: bool = False) -> str:
    """The summary as text, ending in a newline (``colour`` adds ANSI colours)."""

    def paint(style: str, word: str) -> str:
        return f"{COLOURS[style]}{word}{RESET}" if colour else word

    summaries = summarize(report)
    counts = status_counts(summaries)
    lines = [paint("bold", f"logscope: {_headline(summaries, counts)}")
             + f" ({', '.join(f'{n} {k}' for k, n in counts.items()) or 'no runs'})"]
    ordered = sorted(summaries, key=lambda s: -STATUS_RANK[s.status])  # stable: names stay sorted
    if len(ordered) > MAX_RUNS:
        listed = [s for s in ordered if s.status != "ok"][:MAX_RUNS]
    else:
        listed = ordered
    width = min(max((len(printable(s.run.name)) for s in listed), default=0), 40)
    for s in listed:
        lines.append(_run_line(s, width, paint))
        for f in s.findings[:MAX_FINDINGS]:
            at = f" at step {f.step:,}" if f.step is not None else ""
            lines.append(f"    {paint(f.severity, f.kind)}{at}: {clip(printable(f.message))}")
        if len(s.findings) > MAX_FINDINGS:
            lines.append(paint("dim", f"    … and {len(s.findings) - MAX_FINDINGS} more finding(s)"))
    left = len(ordered) - len(listed)
    if left:
        lines.append(paint("dim", f"  {left} more run(s) not listed ({_left_words(ordered, listed)}); see the report."))
    files = files_not_read(report)
    if files:
        first = files[0]
        more = f" and {len(files) - 1} more" if len(files) > 1 else ""
        lines.append(f"  {len(files)} file(s) not read: {printable(first.file)} "
                     f"({clip(printable(first.message), 80)}){more}")
    for w in setting_warnings(report):
        lines.append(f"  unused role override: {clip(printable(w.message))}")
    return "\n".join(lines) + "\n"


def _headline(summaries: list[RunSummary], counts: dict[str, int]) -> str:
    total = len(summaries)
    bad = counts.get("error", 0) + counts.get("warning", 0)
    if bad:
        return f"{bad} of {total} run(s) need attention"
    if counts.get("info"):
        return f"no problems in {total} run(s), with notes"
    return f"all {total} run(s) look healthy"


def _run_line(s: RunSummary, width: int, paint) -> str:  # type: ignore[no-untyped-def]
    name = printable(s.run.name)
    status = paint(s.status, f"{s.status:<7}")
    best = ""
    if s.best is not None:
        since = f", {s.best.steps_since:,} steps before the end" if s.best.steps_since else ""
        best = f"  best {printable(s.best.series)} {format_number(s.best.value)} at step {s.best.step:,}{since}"
    return f"  {status} {name:<{width}}{best}"


def _left_words(ordered: list[RunSummary], listed: list[RunSummary]) -> str:
    names = {s.run.name for s in listed}
    counts = status_counts([s for s in ordered if s.run.name not in names])
    return ", ".join(f"{n} {k}" for k, n in counts.items())


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def printable(text: str) -> str:
    """Replace control characters (ESC, CR, newlines ...) so a log cannot drive the terminal."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))
