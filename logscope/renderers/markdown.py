"""GitHub-flavoured Markdown for pull-request comments and CI job summaries.

Runs come worst first, so when a sweep is too large for GitHub's comment limit
it is the healthy runs that are cut, with a note saying how many. The output is
always under :data:`MAX_CHARS` characters. Every string from a log is escaped so
it cannot add HTML, links, images or @-mentions to the comment.
"""

from __future__ import annotations

import html
import re

from ..model import Finding, Report
from .summary import (STATUS_RANK, RunSummary, files_not_read, format_number, format_scalar, setting_warnings,
                      status_counts, summarize)

#: GitHub rejects comments over 65,536 characters; keep a margin under it.
MAX_CHARS = 65_000
#: Files-not-read lines listed before "and N more".
MAX_WARNINGS = 30
#: Longest message kept in a table cell.
CELL_MESSAGE = 140

ICON = {"error": "🔴", "warning": "🟠", "info": "🔵", "ok": "🟢"}
_HEADLINE_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️", "ok": "✅"}
# Markdown punctuation that could start emphasis, code, links, tables or HTML.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~!])")
# Things GitHub would turn into mentions, issue links or autolinks.
_MENTION = re.compile(r"([@#])(?=\w)")
_AUTOLINK = re.compile(r"(?i)(:)(?=//)|(www)(?=\.)")
_ZWSP = "\u200b"


def render(report: Report, *, timestamp: str | None = None) -> str:
    """The report as Markdown, at most :data:`MAX_CHARS` characters."""
    summaries = sorted(summarize(report), key=lambda s: -STATUS_RANK[s.status])  # stable: names stay sorted
    head = _head(report, summaries)
    foot = _footer(report, timestamp)
    files = _files_block(report)
    budget = MAX_CHARS - len(foot) - len(files) - 400  # room for the truncation notes
    out = head

    table = ["| run | status | findings | best | worst finding |", "|---|---|---|---|---|"]
    table_text = "\n".join(table) + "\n"
    listed = 0
    for s in summaries:
        row = _row(s) + "\n"
        if len(out) + len(table_text) + len(row) > budget // 2 and listed:
            break
        table_text += row
        listed += 1
    out += table_text
    if listed < len(summaries):
        left = summaries[listed:]
        out += f"\n_{len(left)} more run(s) not listed ({_count_words(left)}); see report.html or report.json._\n"
    out += "\n"

    shown = 0
    for s in summaries:
        block = _details(s)
        if len(out) + len(block) > budget:
            break
        out += block
        shown += 1
    if shown < len(summaries):
        out += f"_Details of {len(summaries) - shown} more run(s) left out to stay under GitHub's comment limit; see report.html._\n\n"
    out += files + foot
    return out


def _head(report: Report, summaries: list[RunSummary]) -> str:
    counts = status_counts(summaries)
    status, headline = _headline(summaries, counts)
    parts = [f"{ICON[k]} {n} {k}" for k, n in counts.items()]
    if files_not_read(report):
        parts.append(f"📄 {len(files_not_read(report))} file(s) not read")
    if setting_warnings(report):
        parts.append(f"⚙️ {len(setting_warnings(report))} unused role override(s)")
    return (f"## {_HEADLINE_ICON[status]} logscope: {headline}\n\n"
            f"{len(summaries)} run(s), {len(report.findings)} finding(s): {' · '.join(parts) or 'nothing read'}\n\n")


def _headline(summaries: list[RunSummary], counts: dict[str, int]) -> tuple[str, str]:
    total = len(summaries)
    if counts.get("error"):
        return "error", f"{counts['error'] + counts.get('warning', 0)} of {total} run(s) need attention"
    if counts.get("warning"):
        return "warning", f"{counts['warning']} of {total} run(s) with warnings"
    if counts.get("info"):
        return "info", f"no problems in {total} run(s), with notes"
    return "ok", f"all {total} run(s) look healthy"


def _row(s: RunSummary) -> str:
    kinds = ", ".join(s.kinds) or "—"
    best = "—"
    if s.best is not None:
        best = f"{format_number(s.best.value)} {code(s.best.series, table=True)} at step {s.best.step:,}"
    worst = text(_clip(s.worst.message, CELL_MESSAGE), table=True) if s.worst else "—"
    return f"| {code(s.run.name, table=True)} | {ICON[s.status]} {s.status} | {text(kinds, table=True)} | {best} | {worst} |"


def _details(s: RunSummary) -> str:
    n = len(s.findings)
    summary = (f"{ICON[s.status]} <code>{html.escape(_one_line(s.run.name))}</code> "
               f"({html.escape(s.run.format)}): {n} finding{'s' if n != 1 else ''}")
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    for i, f in enumerate(s.findings, start=1):
        lines.extend(_finding(i, f))
    if not s.findings:
        lines.append("No problems found.")
    lines.append("")
    if s.best is not None:
        when = f"{s.best.steps_since:,} steps before the end" if s.best.steps_since else "the last point logged"
        lines.append(f"Best {code(s.best.series)}: {format_number(s.best.value)} at step {s.best.step:,} ({when}).")
        lines.append("")
    names = [code(x.name) for x in s.run.series]
    shown = ", ".join(names[:40]) + (f" and {len(names) - 40} more" if len(names) > 40 else "")
    lines.append(f"Series read ({len(names)}): {shown or 'none'}")
    for w in s.run.warnings[:MAX_WARNINGS]:
        lines.append(f"- ⚠️ {code(w.file)}: {text(w.message)}")
    if len(s.run.warnings) > MAX_WARNINGS:
        lines.append(f"- … and {len(s.run.warnings) - MAX_WARNINGS} more (see report.json)")
    lines += ["", "</details>", "", ""]
    return "\n".join(lines)


def _finding(number: int, f: Finding) -> list[str]:
    where = ""
    if f.step is not None:
        where = f" at step {f.step:,}"
        if f.end_step is not None and f.end_step != f.step:
            where = f" at steps {f.step:,}–{f.end_step:,}"
    on = f" on {', '.join(code(x) for x in f.series)}" if f.series else ""
    lines = [f"{number}. {ICON[f.severity]} **{f.severity}** · **{text(f.kind)}**{on}{where}: {text(f.message)}"]
    if f.evidence:
        ev = ", ".join(f"{text(k)} = {text(format_scalar(v))}" for k, v in sorted(f.evidence.items()))
        lines.append(f"   - evidence: {ev}")
    if f.fixes:
        lines.append("   - what to try: " + "; ".join(f"({i}) {text(fix)}" for i, fix in enumerate(f.fixes, start=1)))
    return lines


def _files_block(report: Report) -> str:
    lines = []
    # a role override that matched nothing is a setting, not a file: its own lines, before the files
    for w in setting_warnings(report)[:MAX_WARNINGS]:
        lines.append(f"⚙️ Unused role override: {text(w.message)}")
        lines.append("")
    files = files_not_read(report)
    if files:
        lines += ["<details>", f"<summary>📄 {len(files)} file(s) not read</summary>", ""]
        lines += [f"- {code(w.file)}: {text(w.message)}" for w in files[:MAX_WARNINGS]]
        if len(files) > MAX_WARNINGS:
            lines.append(f"- … and {len(files) - MAX_WARNINGS} more (see report.json)")
        lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n" if lines else ""


def _footer(report: Report, timestamp: str | None) -> str:
    when = f" on {text(timestamp)}" if timestamp else ""
    return f"<sub>logscope {text(report.logscope_version)}{when} · charts and evidence in report.html</sub>\n"


def _count_words(summaries: list[RunSummary]) -> str:
    counts = status_counts(summaries)
    return ", ".join(f"{n} {k}" for k, n in counts.items())


def _clip(value: str, limit: int) -> str:
    value = _one_line(value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def text(value: str, *, table: bool = False) -> str:
    """Text from a log, shown literally: no Markdown, HTML, links or @-mentions.

    Markdown punctuation is backslash-escaped, ``<``, ``>`` and ``&`` become
    entities, and a zero-width space after ``@``/``#`` and inside ``://`` and
    ``www.`` stops GitHub's mention, issue and autolink rules. ``table`` is
    accepted for symmetry with :func:`code`; ``|`` is always escaped.
    """
    out = html.escape(_one_line(value), quote=False)
    out = _MD_SPECIAL.sub(r"\\\1", out)
    out = _MENTION.sub(lambda m: m.group(1) + _ZWSP, out)
    out = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2)) + _ZWSP, out)
    return out


def code(value: str, *, table: bool = False) -> str:
    """Text from a log as an inline code span (nothing inside is interpreted).

    The fence is longer than any run of backticks in the text; in a table cell
    ``|`` is escaped, which GitHub applies before reading the code span.
    """
    body = _one_line(value) or " "
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    if body.startswith("`") or body.endswith("`"):
        body = f" {body} "
    if table:
        body = body.replace("|", "\\|")
    return f"{fence}{body}{fence}"
