"""The Markdown verdict of a comparison, for a pull-request comment or a CI job summary.

Regressions come first, one line each in the words of :mod:`.compare_text`
("``val_loss`` best 0.412 vs 0.398 on main (+3.5%, beyond noise, p=0.01);
reaches main's best 1,800 steps later"), then improvements, then a table per
matched configuration. Log text is escaped with the analysis report's helpers;
the output stays under the analysis report's :data:`~.markdown.MAX_CHARS`.
"""

from __future__ import annotations

from ..compare import Comparison, FindingChange, GroupComparison, MetricComparison
from . import compare_text as words
from .markdown import ICON, MAX_CHARS, code, text
from .summary import files_not_read, format_number

#: Regression or improvement lines listed before "and N more".
MAX_ITEMS = 40
#: Read warnings listed per side.
MAX_WARNINGS = 10

_VERDICT_ICON = {"worse": ICON["error"], "better": ICON["ok"], "within_noise": "⚪", "unknown": "❔"}
_HEADLINE_ICON = {"regression": "❌", "improvement": "✅", "unchanged": "⚖️", "incomparable": "⚠️"}


def render(comparison: Comparison, *, timestamp: str | None = None) -> str:
    """The comparison as Markdown, at most :data:`MAX_CHARS` characters."""
    c = comparison
    b_label = c.baseline_label
    out = [f"# {_HEADLINE_ICON[c.outcome]} logscope compare: {text(words.headline(c))}", ""]
    out.append(f"**{text(c.candidate_label)}** against **{text(b_label)}**, "
               f"{words.plural(len(c.groups), 'matched configuration')}.")
    out.append("")
    for note in words.speed_notes(c):
        out.append(f"- ⏱️ {text(note)}")
    if words.speed_notes(c):
        out.append("")
    foot = _footer(c, timestamp)
    budget = MAX_CHARS - len(foot) - 400
    body = "\n".join(out) + "\n"
    for title, items in (("Regressions", c.regressions), ("Improvements", c.improvements)):
        if not items:
            continue
        block = [f"### {title}", ""]
        for item in items[:MAX_ITEMS]:
            block.append(f"- {_item(item, c)}")
        if len(items) > MAX_ITEMS:
            block.append(f"- … and {len(items) - MAX_ITEMS} more (see compare.json)")
        body = _append(body, "\n".join(block) + "\n\n", budget)
    for g in c.groups:
        body = _append(body, _group(g, c), budget)
    body = _append(body, _leftovers(c), budget)
    return body + foot


def _append(body: str, block: str, budget: int) -> str:
    """Add ``block`` if it fits; otherwise a note (once) that the rest is in the other files."""
    note = "_More left out to stay under GitHub's comment limit; see compare.html or compare.json._\n\n"
    if body.endswith(note):
        return body
    if len(body) + len(block) > budget:
        return body + note
    return body + block


def _item(item: MetricComparison | FindingChange, c: Comparison) -> str:
    where = _where(item, c)
    if isinstance(item, MetricComparison):
        icon = _VERDICT_ICON[item.verdict]
        return f"{icon} {code(item.name)} {text(words.metric_sentence(item, c.baseline_label))}{where}"
    icon = ICON["error"] if item.regression else ICON["ok"]
    line = f"{icon} **{text(item.kind)}** {text(words.change_sentence(item, c.baseline_label))}{where}"
    return f"{line}<br>{text(item.finding.message)}" if item.change != "gone" else line


def _where(item: MetricComparison | FindingChange, c: Comparison) -> str:
    """`` (in lr3e-4)`` when there are several configurations."""
    if len(c.groups) < 2:
        return ""
    for g in c.groups:
        if any(item is x for x in (*g.metrics, *g.findings)):
            return f" (in {code(words.group_title(g))})"
    return ""


def _group(g: GroupComparison, c: Comparison) -> str:
    b, k = c.baseline_label, c.candidate_label
    lines = [f"### {text(words.group_title(g))}" if len(c.groups) > 1 else "### Metrics", "",
             text(words.group_runs(g, c)), ""]
    note = words.scale_note(g, c)
    if note:
        lines += [f"> ⚠️ {text(note)}", ""]
    if g.metrics:
        lines += [
            f"| | metric | {text(b)} best (step) | {text(k)} best (step) | change | evidence | speed "
            f"| final ({text(b)} → {text(k)}) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for m in g.metrics:
            gate = "" if m.gating else " <sub>(not gating)</sub>"
            lines.append(
                f"| {_VERDICT_ICON[m.verdict]} | {code(m.name, table=True)}{gate} | {_best(m, 'baseline')} | "
                f"{_best(m, 'candidate')} | {words.difference(m)} | {text(words.evidence(m), table=True)} | "
                f"{text(words.reach(m, b) or '—', table=True)} | {_final(m)} |"
            )
    else:
        lines.append("_No metric is logged under a matching name or role on both sides; use `--match`._")
    lines.append("")
    for side, names in ((b, g.baseline_only_series), (k, g.candidate_only_series)):
        if names:
            lines.append(f"Only in {text(side)}: {', '.join(code(n) for n in names)}.")
    if not g.findings:
        lines.append("No finding appeared, disappeared, moved or changed severity.")
    return "\n".join(lines) + "\n\n"


def _best(m: MetricComparison, side: str) -> str:
    s = m.baseline if side == "baseline" else m.candidate
    if s.best is None:
        return "—"
    sd = f" ± {format_number(s.best_sd)}" if s.best_sd is not None else ""
    step = f" ({words.steps(s.best_step)})" if s.best_step is not None else ""
    return f"{format_number(s.best)}{sd}{step}"


def _final(m: MetricComparison) -> str:
    if m.baseline.final is None or m.candidate.final is None:
        return "—"
    return f"{format_number(m.baseline.final)} → {format_number(m.candidate.final)}"


def _leftovers(c: Comparison) -> str:
    # a role override that matched nothing is a setting, not a file: its own lines, before the files
    settings = "".join(f"⚙️ Unused role override: {text(msg)}\n\n" for msg in words.unused_overrides(c)[:MAX_WARNINGS])
    lines = []
    for side, runs in ((c.baseline_label, c.baseline_only_runs), (c.candidate_label, c.candidate_only_runs)):
        if runs:
            shown = ", ".join(code(r) for r in runs[:20]) + (f" and {len(runs) - 20} more" if len(runs) > 20 else "")
            lines.append(f"- Runs only in {text(side)}, not compared: {shown}")
    for side, report in ((c.baseline_label, c.baseline), (c.candidate_label, c.candidate)):
        problems = list(files_not_read(report)) + [w for r in report.runs for w in r.warnings]
        for w in problems[:MAX_WARNINGS]:
            lines.append(f"- ⚠️ {text(side)}: {code(w.file)}: {text(w.message)}")
        if len(problems) > MAX_WARNINGS:
            lines.append(f"- ⚠️ {text(side)}: … and {len(problems) - MAX_WARNINGS} more problems reading files")
    if not lines:
        return settings
    head = "<details>\n<summary>Not compared, and problems reading files</summary>\n\n"
    return settings + head + "\n".join(lines) + "\n\n</details>\n\n"


def _footer(c: Comparison, timestamp: str | None) -> str:
    when = f" on {text(timestamp)}" if timestamp else ""
    return (f"<sub>logscope {text(c.logscope_version)}{when} · charts in compare.html · "
            f"what the numbers mean: docs/compare.md</sub>\n")
