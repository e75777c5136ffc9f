"""A short terminal summary of a comparison: the verdict, then each regression and improvement.

Colour only when asked (see :func:`.console.use_colour`); control characters in
text from logs are replaced as in the analysis summary.
"""

from __future__ import annotations

from ..compare import Comparison, MetricComparison
from . import compare_text as words
from .console import COLOURS, RESET, clip, printable

#: Regressions or improvements printed before "and N more".
MAX_ITEMS = 10


def render(comparison: Comparison, *, colour: bool = False) -> str:
    """The summary as text, ending in a newline (``colour`` adds ANSI colours)."""
    c = comparison

    def paint(style: str, word: str) -> str:
        return f"{COLOURS[style]}{word}{RESET}" if colour else word

    status = words.OUTCOME_STATUS[c.outcome]
    lines = [paint("bold", f"logscope compare: {printable(words.headline(c))}")]
    for title, style, items in (("regression", "error", c.regressions), ("improvement", "ok", c.improvements)):
        for item in items[:MAX_ITEMS]:
            if isinstance(item, MetricComparison):
                what = f"{item.name} {words.metric_sentence(item, c.baseline_label)}"
            else:
                what = f"{item.kind} {words.change_sentence(item, c.baseline_label)}"
            lines.append(f"  {paint(style, title)}: {clip(printable(what), 240)}")
        if len(items) > MAX_ITEMS:
            lines.append(f"  … and {len(items) - MAX_ITEMS} more {title}s")
    for note in words.speed_notes(c):
        lines.append(f"  {paint('info', 'speed')}: {clip(printable(note), 240)}")
    if status == "warning":
        lines.append("  No metric or finding could be compared; see compare.md for what was read.")
    for side, runs in ((c.baseline_label, c.baseline_only_runs), (c.candidate_label, c.candidate_only_runs)):
        if runs:
            lines.append(f"  note: {len(runs)} run(s) only in {printable(side)}, not compared")
    for msg in words.unused_overrides(c):
        lines.append(f"  unused role override: {clip(printable(msg), 240)}")
    return "\n".join(lines) + "\n"
