"""One self-contained HTML page for a comparison: the verdict, then per configuration a
table of matched metrics and the baseline and candidate curves overlaid on shared axes.

Built from the analysis report's parts: its Jinja environment and stylesheet
(:mod:`.htmlreport`), its SVG charts and markers (:mod:`.plots`) and the shared
wording (:mod:`.compare_text`). No script at all, so the Content-Security-Policy
forbids every script. See ``docs/compare.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from markupsafe import Markup

from ..compare import Comparison, FindingChange, GroupComparison, MetricComparison
from ..model import Run, Series
from . import compare_text as words
from . import plots, templating
from .htmlreport import FAMILY_LABEL, asset
from .summary import files_not_read

#: Configurations shown with tables and charts; the rest are counted in a note.
MAX_GROUPS = 20
#: Metric charts per configuration (gating metrics first).
MAX_CHARTS = 8


@dataclass(frozen=True)
class MarkerNote:
    """What a numbered marker on a chart stands for; ``regression`` is drawn in the error style."""

    number: int
    text: str
    status: str


@dataclass(frozen=True)
class OverlayView:
    """One metric's chart: baseline and candidate on shared axes, with its numbered notes."""

    metric: MetricComparison
    svg: Markup
    legend: tuple[tuple[str, str], ...]  # (css class, label)
    notes: tuple[MarkerNote, ...]
    averaged: bool


@dataclass(frozen=True)
class GroupView:
    """Everything the template shows for one matched configuration."""

    index: int
    group: GroupComparison
    title: str
    runs: str
    charts: tuple[OverlayView, ...]
    uncharted: int


def render(comparison: Comparison, *, timestamp: str | None = None) -> str:
    """The comparison as one HTML document; ``timestamp`` (if given) is printed in the header."""
    c = comparison
    views = [_group_view(i, g, c) for i, g in enumerate(c.groups[:MAX_GROUPS], start=1)]
    return templating.template("compare.html.j2").render(
        c=c,
        status=words.OUTCOME_STATUS[c.outcome],
        headline=words.headline(c),
        speed_notes=words.speed_notes(c),
        items=[_item(r, c) for r in c.regressions] + [_item(r, c) for r in c.improvements],
        groups=views,
        hidden_groups=max(0, len(c.groups) - MAX_GROUPS),
        b_problems=[*files_not_read(c.baseline), *(w for r in c.baseline.runs for w in r.warnings)],
        c_problems=[*files_not_read(c.candidate), *(w for r in c.candidate.runs for w in r.warnings)],
        settings=words.unused_overrides(c),
        style=Markup(asset("report.css")),  # noqa: S704 - our own file, no log text
        timestamp=timestamp,
        words=words,
        family_label=FAMILY_LABEL,
    )


def _item(item: MetricComparison | FindingChange, c: Comparison) -> dict[str, object]:
    """A regression or improvement as the verdict card lists it."""
    group = next(g for g in c.groups if any(item is x for x in (*g.metrics, *g.findings)))
    where = words.group_title(group) if len(c.groups) > 1 else ""
    if isinstance(item, MetricComparison):
        return {"status": "error" if item.regression else "ok", "subject": item.name, "code": True,
                "text": words.metric_sentence(item, c.baseline_label), "where": where, "message": ""}
    return {"status": "error" if item.regression else "ok", "subject": item.kind, "code": False,
            "text": words.change_sentence(item, c.baseline_label), "where": where,
            "message": item.finding.message if item.change != "gone" else ""}


def _group_view(index: int, g: GroupComparison, c: Comparison) -> GroupView:
    b_runs = _runs(c.baseline.runs, g.baseline_runs)
    c_runs = _runs(c.candidate.runs, g.candidate_runs)
    ordered = sorted(g.metrics, key=lambda m: (not m.gating, m.verdict == "within_noise", m.name))
    charts = tuple(_overlay(m, g, b_runs, c_runs, c) for m in ordered[:MAX_CHARTS])
    return GroupView(index=index, group=g, title=words.group_title(g), runs=words.group_runs(g, c),
                     charts=charts, uncharted=max(0, len(ordered) - MAX_CHARTS))


def _runs(runs: Sequence[Run], names: Sequence[str]) -> list[Run]:
    wanted = set(names)
    return [r for r in runs if r.name in wanted]


def _overlay(m: MetricComparison, g: GroupComparison, b_runs: list[Run], c_runs: list[Run],
             c: Comparison) -> OverlayView:
    b_label, k_label = c.baseline_label, c.candidate_label
    b_series = [s for r in b_runs if (s := r.get(m.baseline.series)) is not None]
    c_series = [s for r in c_runs if (s := r.get(m.candidate.series)) is not None]
    lines = [mean_series(b_series, b_label), mean_series(c_series, k_label)]
    markers: list[plots.Marker] = []
    notes: list[MarkerNote] = []

    def add(marker: plots.Marker, text: str, status: str = "info") -> None:
        markers.append(marker)
        notes.append(MarkerNote(marker.number, text, status))

    for side, label in ((m.baseline, b_label), (m.candidate, k_label)):
        if side.best is not None and side.best_step is not None:
            add(plots.Marker("best", len(notes) + 1, side.best_step, value=side.best, label=f"{label} best"),
                f"{label} best" + (" (mean of the seeds' bests, at their median step)" if side.runs > 1 else ""))
    if m.reach in ("later", "sooner", "same") and m.baseline.reach_step is not None:
        add(plots.Marker("line", len(notes) + 1, m.baseline.reach_step, label=f"{b_label} reaches its best"),
            f"{b_label} gets within noise of its best")
        if m.candidate.reach_step is not None:
            reached = f"{k_label} reaches {b_label}'s best"
            add(plots.Marker("line", len(notes) + 1, m.candidate.reach_step, label=reached),
                f"{k_label} {words.reach(m, b_label)}", "error" if m.reach == "later" and m.gating else "info")
    for f in g.findings:
        if m.baseline.series not in f.series:
            continue
        step = f.baseline_step if f.change == "gone" else f.candidate_step
        if step is None:
            continue
        shape = "edge" if f.kind == "nan" else "line"
        add(plots.Marker(shape, len(notes) + 1, step, label=f"{f.kind}: {f.change}"),
            f"{f.kind} {words.change_sentence(f, b_label)}", "error" if f.regression else "ok")
    chart = plots.chart(lines, markers, ylabel=FAMILY_LABEL.get(m.metric, m.metric))
    legend = tuple(
        (f"c{i}", label + (f" (mean of {n} runs)" if n > 1 else ""))
        for i, (label, n) in enumerate(((b_label, len(b_series)), (k_label, len(c_series))))
    )
    return OverlayView(metric=m, svg=Markup(chart.svg),  # noqa: S704 - plots escapes every string
                       legend=legend, notes=tuple(notes), averaged=len(b_series) > 1 or len(c_series) > 1)


def mean_series(series: Sequence[Series], name: str) -> Series:
    """One line for a side: its only run, or the mean of its runs at the union of their steps.

    A run counts at the steps between its first and last logged step, linearly
    interpolated between its finite points; where a run logged NaN or inf (up to
    its next finite point) the mean is NaN too, so a seed that blew up shows.
    """
    if not series:
        return Series(name=name, steps=np.array([], np.int64), values=np.array([], np.float64))
    if len(series) == 1:
        s = series[0]
        return replace(s, name=name, wall_times=None)
    grid = np.unique(np.concatenate([s.steps for s in series]))
    total = np.zeros(grid.size)
    count = np.zeros(grid.size)
    for s in series:
        if not len(s):
            continue
        inside = (grid >= s.steps[0]) & (grid <= s.steps[-1])
        at = grid[inside]
        finite = np.isfinite(s.values)
        values = np.full(at.size, np.nan)
        if finite.any():
            values = np.interp(at, s.steps[finite], s.values[finite])
        last_logged = np.searchsorted(s.steps, at, side="right") - 1
        values = np.where(finite[last_logged], values, np.nan)
        total[inside] += values
        count[inside] += 1
    with np.errstate(invalid="ignore"):
        mean = total / np.maximum(count, 1)
    first = series[0]
    return Series(name=name, steps=grid.astype(np.int64), values=mean, split=first.split, metric=first.metric,
                  direction=first.direction)
