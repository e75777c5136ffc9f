"""One self-contained HTML file: the verdict, a sortable run table, then charts and findings per run.

Every string from a log goes through Jinja2's autoescaping (and :func:`markupsafe.escape`
inside the hand-written SVG). Nothing is fetched: no CDN, fonts or remote scripts, and
a Content-Security-Policy lets only the page's own inline script run, so a payload
that slipped through escaping would still be inert. See ``docs/report.md``.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup, escape

from ..model import Finding, Report, Run, Series
from . import plots, templating
from .summary import (
    STATUS_RANK,
    RunSummary,
    files_not_read,
    format_number,
    format_scalar,
    setting_warnings,
    split_hparams,
    status_counts,
    summarize,
)

#: Runs shown with charts and findings in full; a larger sweep shows the rest in the table only.
MAX_DETAILED_RUNS = 50
#: Charts per run; series beyond them are listed in the run's series table.
MAX_CHARTS = 8
#: Series drawn together in one chart of a metric family.
MAX_SERIES_PER_CHART = 4
#: Runs overlaid in the comparison chart of a sweep, and how many of them may be runs with errors.
MAX_COMPARED, MAX_COMPARED_ERRORS = 8, 3
#: Varying hyperparameters shown as columns of the run table.
MAX_HPARAM_COLUMNS = 8

_FAMILY_ORDER = ("loss", "accuracy", "f1", "map", "iou", "auc", "error_rate", "perplexity", "precision",
                 "recall", "bleu", "lr", "grad_norm", "other")
#: Axis label of a metric family whose name is not already readable; shared with ``compare_html``.
FAMILY_LABEL = {"lr": "learning rate", "grad_norm": "gradient norm", "error_rate": "error rate",
                "map": "mAP", "iou": "IoU", "auc": "AUC", "f1": "F1", "other": "value"}


@dataclass(frozen=True)
class ChartView:
    """A chart with its heading, legend and caption notes."""

    title: str
    chart: plots.Chart
    legend: tuple[tuple[str, str, str], ...]  # (css class, series name, split)
    svg: Markup


@dataclass(frozen=True)
class RunView:
    """Everything the template shows for one run."""

    index: int
    summary: RunSummary
    numbered: tuple[tuple[int, Finding], ...]
    charts: tuple[ChartView, ...]
    uncharted: int
    series_rows: tuple[dict[str, object], ...]


def render(report: Report, *, timestamp: str | None = None) -> str:
    """The report as one HTML document; ``timestamp`` (if given) is printed in the header."""
    summaries = summarize(report)
    detailed = _choose_detailed(summaries)
    views = [
        _run_view(i, s) if s.run.name in detailed else None
        for i, s in enumerate(summaries, start=1)
    ]
    varying, shared = split_hparams([s.run for s in summaries])
    # The table lists the worst runs first (stable: names stay sorted within a status).
    table = sorted(zip(summaries, views), key=lambda sv: -STATUS_RANK[sv[0].status])
    script = asset("report.js")
    return templating.template("report.html.j2").render(
        report=report,
        summaries=table,
        table_rows=table_rows(table, varying[:MAX_HPARAM_COLUMNS]),
        details=[v for v in views if v is not None],
        counts=status_counts(summaries),
        verdict=_verdict(summaries),
        top_findings=_top_findings(summaries),
        hparam_columns=varying[:MAX_HPARAM_COLUMNS],
        hparams_hidden=max(0, len(varying) - MAX_HPARAM_COLUMNS),
        shared_hparams=shared,
        detailed_note=_detailed_note(summaries, detailed),
        comparison=_comparison(summaries),
        files_not_read=files_not_read(report),
        settings=setting_warnings(report),
        style=Markup(asset("report.css")),  # noqa: S704 - our own file, no log text
        script=Markup(script),  # noqa: S704 - our own file, no log text
        script_hash=_csp_hash(script),
        timestamp=timestamp,
        status_rank=STATUS_RANK,
        min_smooth=plots.SMOOTH_MIN_POINTS,
    )


#: An empty cell of the run table.
_DASH = '<span class="muted">—</span>'


def table_rows(rows: Sequence[tuple[RunSummary, RunView | None]], hparam_columns: Sequence[str]) -> Markup:
    """The rows of the run table, every log string escaped.

    Written here rather than in the template: Jinja took 0.1 s for the 2,000 rows of a
    sweep, this a quarter of that. tests/test_renderers_table.py checks that the text is
    the template loop's, byte for byte.
    """
    out = []
    for s, view in rows:
        status = escape(s.status)
        name = escape(s.run.name)
        run = f'<a href="#run-{view.index}"><code>{name}</code></a>' if view is not None else f"<code>{name}</code>"
        kinds = "".join(f'<span class="kind">{escape(k)}</span>' for k in s.kinds) or _DASH
        worst = s.worst
        message = f'<span title="{escape(worst.message)}">{escape(worst.message)}</span>' if worst else _DASH
        out.append(f'<tr data-status="{status}">\n<td class="run">{run}</td>\n'
                   f'<td data-v="{STATUS_RANK[s.status]}"><span class="chip {status}">{status}</span></td>\n'
                   f'<td data-v="{escape(" ".join(s.kinds))}"><span class="kinds">{kinds}</span></td>\n'
                   f'<td class="msg">{message}</td>\n')
        best = s.best
        if best:
            out.append(f'<td class="n" data-v="{escape(best.value)}"><span class="num">{escape(format_number(best.value))}'
                       f'</span><br><code class="muted">{escape(best.series)}</code></td>\n'
                       f'<td class="n" data-v="{escape(best.step)}">{int(best.step):,}</td>\n'
                       f'<td class="n" data-v="{escape(best.steps_since)}">{int(best.steps_since):,}</td>\n')
        else:
            out.append('<td class="n muted" data-v="">—</td><td class="n muted" data-v="">—</td>'
                       '<td class="n muted" data-v="">—</td>\n')
        hparams = s.run.hparams
        out.extend(f"<td>{escape(format_scalar(hparams[h])) if h in hparams else _DASH}</td>" for h in hparam_columns)
        out.append("</tr>\n")
    return Markup("".join(out))  # noqa: S704 - every log string in it is escaped


def asset(name: str) -> str:
    """The text of ``templates/<name>`` (a stylesheet or script inlined into a page)."""
    return templating.source(name)


def _csp_hash(script: str) -> str:
    """The CSP source expression that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _verdict(summaries: Sequence[RunSummary]) -> tuple[str, str]:
    """(status, headline sentence) for the whole report."""
    total = len(summaries)
    counts = status_counts(summaries)
    if not total:
        return "ok", "No runs were read."
    if counts.get("error"):
        bad = counts["error"] + counts.get("warning", 0)
        return "error", f"{bad} of {total} run{'s' if total != 1 else ''} need{'s' if bad == 1 else ''} attention"
    if counts.get("warning"):
        bad = counts["warning"]
        return "warning", f"{bad} of {total} run{'s' if total != 1 else ''} {'has' if bad == 1 else 'have'} warnings"
    if counts.get("info"):
        return "info", f"No problems in {total} run{'s' if total != 1 else ''}, with notes worth reading"
    return "ok", f"{'All ' if total > 1 else ''}{total} run{'s' if total != 1 else ''} look{'s' if total == 1 else ''} healthy"


def _top_findings(summaries: Sequence[RunSummary], limit: int = 5) -> list[tuple[RunSummary, Finding]]:
    """The most serious findings across runs, one per run, worst first."""
    ranked = [s for s in summaries if s.worst is not None and s.status in ("error", "warning")]
    ranked.sort(key=lambda s: -STATUS_RANK[s.status])  # stable: runs keep name order within a status
    return [(s, s.worst) for s in ranked[:limit] if s.worst is not None]


def _choose_detailed(summaries: Sequence[RunSummary]) -> set[str]:
    """Runs shown in full: all of them, or in a large sweep the flagged runs and then the best."""
    if len(summaries) <= MAX_DETAILED_RUNS:
        return {s.run.name for s in summaries}
    flagged = sorted((s for s in summaries if s.status != "ok"), key=lambda s: -STATUS_RANK[s.status])
    chosen = [s.run.name for s in flagged[:MAX_DETAILED_RUNS]]
    if len(chosen) < MAX_DETAILED_RUNS:
        healthy = [s for s in summaries if s.status == "ok" and s.best is not None]
        healthy.sort(key=lambda s: (s.best.value if s.best.direction == "min" else -s.best.value)  # type: ignore[union-attr]
                     if s.best is not None else 0.0)
        chosen += [s.run.name for s in healthy[: MAX_DETAILED_RUNS - len(chosen)]]
    return set(chosen)


@dataclass(frozen=True)
class ComparisonView:
    """The runs of a sweep overlaid on their shared headline series."""

    series: str
    chart: ChartView
    shown: int
    sharing: int
    errors: int


def drawn_runs(summaries: Sequence[RunSummary]) -> set[str]:
    """Names of the runs whose every point this report draws: detailed runs and compared runs.

    The parallel pipeline reads only these runs in full; the others reach the
    renderers as sketches (:mod:`logscope.sketch`).
    """
    compared = _compared(summaries)
    return _choose_detailed(summaries) | ({s.run.name for s in compared[2]} if compared else set())


def _compared(summaries: Sequence[RunSummary]) -> tuple[str, int, list[RunSummary], int] | None:
    """(series, runs sharing it, runs drawn, of which with errors) for the comparison chart, or None.

    None unless at least two runs, and more than half of those with a headline
    series, share its name (a sweep rather than unrelated trainings).
    """
    names = Counter(s.best.series for s in summaries if s.best is not None)
    if not names:
        return None
    name, sharing = min(names.items(), key=lambda kv: (-kv[1], kv[0]))
    if sharing < 2 or 2 * sharing <= sum(names.values()):
        return None  # not a sweep: too few runs measure the same thing
    group = [s for s in summaries if s.best is not None and s.best.series == name]
    errors = [s for s in group if s.status == "error"][:MAX_COMPARED_ERRORS]

    def goodness(s: RunSummary) -> float:
        assert s.best is not None
        return s.best.value if s.best.direction == "min" else -s.best.value

    best = sorted((s for s in group if s not in errors), key=goodness)[: MAX_COMPARED - len(errors)]
    return name, sharing, sorted(best + errors, key=lambda s: s.run.name), len(errors)


def _comparison(summaries: Sequence[RunSummary]) -> ComparisonView | None:
    """One chart of the headline series most runs share: the best runs and a few with errors."""
    compared = _compared(summaries)
    if compared is None:
        return None
    name, sharing, chosen, errors = compared
    members = []
    for s in chosen:
        original = s.run.get(name)
        if original is not None:
            members.append(Series(s.run.name, original.steps, original.values, split="other",
                                  metric=original.metric, direction=original.direction))
    chart = plots.chart(members, [], ylabel=name)
    legend = tuple((f"c{i % 8}", m.name, "other") for i, m in enumerate(members))
    view = ChartView(title=f"{name} across runs", chart=chart, legend=legend,
                     svg=Markup(chart.svg))  # noqa: S704 - every log string in it is escaped
    return ComparisonView(series=name, chart=view, shown=len(members), sharing=sharing, errors=errors)


def _detailed_note(summaries: Sequence[RunSummary], detailed: set[str]) -> str:
    hidden = len(summaries) - len(detailed)
    if hidden <= 0:
        return ""
    return (f"This sweep has {len(summaries)} runs; charts and findings are shown for {len(detailed)} of them "
            f"(runs with findings first, then the healthy runs with the best headline value). "
            f"The other {hidden} are in the table above, and every finding is in report.json.")


def _run_view(index: int, summary: RunSummary) -> RunView:
    numbered = tuple(enumerate(summary.findings, start=1))
    groups = _chart_groups(summary.run, summary.findings)
    charts = []
    for title, family, members in groups[:MAX_CHARTS]:
        names = {s.name for s in members}
        chart = plots.chart(members, plots.markers_for(numbered, names), ylabel=FAMILY_LABEL.get(family, family))
        legend = tuple((f"c{i % 8}", s.name, s.split) for i, s in enumerate(members))
        charts.append(ChartView(title=title, chart=chart, legend=legend,
                                svg=Markup(chart.svg)))  # noqa: S704 - every log string in it is escaped
    uncharted = sum(len(m) for _, _, m in groups[MAX_CHARTS:])
    return RunView(index=index, summary=summary, numbered=numbered, charts=tuple(charts),
                   uncharted=uncharted, series_rows=tuple(_series_row(s) for s in summary.run.series))


def _chart_groups(run: Run, findings: Sequence[Finding]) -> list[tuple[str, str, list[Series]]]:
    """(title, metric family, series) per chart: train/validation pairs first, then families.

    Series a finding is about always get a chart before series no finding mentions.
    """
    by_name = {s.name: s for s in run.series if len(s)}
    flagged = {name for f in findings for name in f.series}
    groups: list[tuple[str, str, list[Series]]] = []
    used: set[str] = set()
    for train, val in run.pairs:
        members = [by_name[n] for n in (train, val) if n in by_name]
        if members:
            groups.append((" vs ".join(s.name for s in members), members[0].metric, members))
            used.update(s.name for s in members)
    families: dict[str, list[Series]] = {}
    for s in run.series:
        if s.name in used or s.name not in by_name:
            continue
        if s.metric != "other" or s.name in flagged:
            families.setdefault(s.metric, []).append(s)
    for family in sorted(families, key=lambda f: (_FAMILY_ORDER.index(f) if f in _FAMILY_ORDER else 99, f)):
        members = families[family]
        for i in range(0, len(members), MAX_SERIES_PER_CHART):
            chunk = members[i : i + MAX_SERIES_PER_CHART]
            groups.append((", ".join(s.name for s in chunk), family, chunk))

    def priority(group: tuple[str, str, list[Series]]) -> int:
        return 0 if any(s.name in flagged for s in group[2]) else 1

    return sorted(groups, key=priority)  # stable: pairs and family order kept within each class


def _series_row(s: Series) -> dict[str, object]:
    finite = s.values[np.isfinite(s.values)]
    return {
        "name": s.name,
        "split": s.split,
        "metric": s.metric,
        "direction": s.direction,
        "points": len(s),
        "first_step": int(s.steps[0]) if len(s) else None,
        "last_step": int(s.steps[-1]) if len(s) else None,
        "last": float(s.values[-1]) if len(s) else None,
        "min": float(finite.min()) if finite.size else None,
        "max": float(finite.max()) if finite.size else None,
        "nonfinite": int(len(s) - finite.size),
    }
