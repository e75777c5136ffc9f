"""What every format shows first: each run's status, worst finding and best checkpoint.

Shared by the HTML, Markdown, JSON and terminal renderers so they always agree.
"""

from __future__ import annotations

import math
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import SEVERITY_RANK, Finding, ReadWarning, Report, Run, Scalar, Series

#: Run statuses from best to worst; ``ok`` means no finding at all.
STATUSES: tuple[str, ...] = ("ok", "info", "warning", "error")
STATUS_RANK: Mapping[str, int] = {"ok": -1, **SEVERITY_RANK}

#: Metric families tried for a run's headline series, most preferred first.
_FAMILY_PREFERENCE = ("loss", "accuracy", "f1", "map", "iou", "auc", "error_rate", "perplexity",
                      "precision", "recall", "bleu")


#: Top-level warning kinds about the configuration, not about a file (a role override that matched
#: nothing): every format shows them, apart from the files not read and not counted among them.
SETTING_KINDS = frozenset({"override-unused"})


def files_not_read(report: Report) -> tuple[ReadWarning, ...]:
    """The top-level warnings about files under PATH that belong to no run, in report order."""
    return tuple(w for w in report.warnings if w.kind not in SETTING_KINDS)


def setting_warnings(report: Report) -> tuple[ReadWarning, ...]:
    """The top-level warnings about the configuration (``override-unused``), in report order."""
    return tuple(w for w in report.warnings if w.kind in SETTING_KINDS)


@dataclass(frozen=True)
class Best:
    """The best value of a run's headline series and where it happened."""

    series: str
    split: str
    direction: str
    value: float
    step: int
    last_step: int

    @property
    def steps_since(self) -> int:
        """Steps from the best point to the end of the series."""
        return self.last_step - self.step


@dataclass(frozen=True)
class RunSummary:
    """One run as the top of every report shows it."""

    run: Run
    findings: tuple[Finding, ...]
    status: str
    best: Best | None

    @property
    def worst(self) -> Finding | None:
        """The most serious finding (findings arrive most serious first)."""
        return self.findings[0] if self.findings else None

    @property
    def kinds(self) -> tuple[str, ...]:
        """Finding kinds in report order, each once."""
        return tuple(dict.fromkeys(f.kind for f in self.findings))


#: The last report summarized and its summaries: the HTML, Markdown, JSON and terminal renderers
#: each summarize the same report (0.12 s apiece for 2,000 runs). A weak reference proves the
#: report is still the one summarized.
_LAST: tuple[weakref.ref[Report], list[RunSummary]] | None = None


def summarize(report: Report) -> list[RunSummary]:
    """A summary per run, in report order."""
    global _LAST
    if _LAST is not None and _LAST[0]() is report:
        return list(_LAST[1])
    summaries = _summarize(report)
    _LAST = (weakref.ref(report), summaries)
    return list(summaries)


def summarize_replaced(report: Report, before: Sequence[RunSummary]) -> list[RunSummary]:
    """``summarize(report)`` for a report that is ``before``'s with some runs replaced by others of
    the same names (the whole runs ``analyze`` reads again to draw): only those are summarized
    again (the whole 2,000-run summary costs 0.06 s), and the result is remembered as summarize's.
    """
    global _LAST
    if len(before) != len(report.runs) or any(s.run.name != run.name for s, run in zip(before, report.runs)):
        return summarize(report)
    summaries = [s if s.run is run else RunSummary(run=run, findings=s.findings, status=s.status, best=best_of(run))
                 for s, run in zip(before, report.runs)]
    _LAST = (weakref.ref(report), summaries)
    return list(summaries)


def _summarize(report: Report) -> list[RunSummary]:
    by_run: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_run.setdefault(f.run, []).append(f)
    out = []
    for run in report.runs:
        findings = tuple(sorted(by_run.get(run.name, ()), key=lambda f: -SEVERITY_RANK[f.severity]))
        out.append(RunSummary(run=run, findings=findings, status=status_of(findings), best=best_of(run)))
    return out


def status_of(findings: Iterable[Finding]) -> str:
    """``ok`` for no findings, else the most serious severity."""
    worst = "ok"
    for f in findings:
        if STATUS_RANK[f.severity] > STATUS_RANK[worst]:
            worst = f.severity
    return worst


def headline_series(run: Run) -> Series | None:
    """The series a run is judged by: validation first, a loss before other metrics.

    Ties go to a series that is part of a train/validation pair, then the shorter
    name, then the name, so the choice is deterministic.
    """
    paired = {v for _, v in run.pairs} | {t for t, _ in run.pairs}

    def rank(s: Series) -> tuple[int, int, int, int, str]:
        split = {"val": 0, "test": 2, "train": 1}.get(s.split, 3)
        family = _FAMILY_PREFERENCE.index(s.metric) if s.metric in _FAMILY_PREFERENCE else len(_FAMILY_PREFERENCE)
        return (split, family, 0 if s.name in paired else 1, len(s.name), s.name)

    candidates = [s for s in run.series if s.metric in _FAMILY_PREFERENCE and s.split != "other"
                  and np.isfinite(s.values).any()]
    return min(candidates, key=rank) if candidates else None


def best_of(run: Run) -> Best | None:
    """The best finite point of the run's headline series, or None."""
    series = headline_series(run)
    if series is None:
        return None
    finite = np.isfinite(series.values)
    values = np.where(finite, series.values, np.inf if series.direction == "min" else -np.inf)
    i = int(np.argmin(values) if series.direction == "min" else np.argmax(values))
    return Best(series=series.name, split=series.split, direction=series.direction,
                value=float(series.values[i]), step=int(series.steps[i]), last_step=int(series.steps[-1]))


def status_counts(summaries: Sequence[RunSummary]) -> dict[str, int]:
    """How many runs have each status, worst first, zero counts left out."""
    counts = Counter(s.status for s in summaries)
    return {status: counts[status] for status in reversed(STATUSES) if counts[status]}


def split_hparams(runs: Sequence[Run]) -> tuple[list[str], dict[str, Scalar]]:
    """Hyperparameters worth comparing across runs, and those every run shares.

    A name is *varying* when at least two runs log it and its value differs
    between the runs (a run without it counts as one more value); those logged
    by more runs come first, then by name. *Shared* names have one value in every
    run (only reported for two runs or more).
    """
    names = sorted({k for run in runs for k in run.hparams})
    varying: list[tuple[int, str]] = []
    shared: dict[str, Scalar] = {}
    for name in names:
        have = [run for run in runs if name in run.hparams]
        values = {_hashable(run.hparams[name]) for run in have}
        if len(have) == len(runs) and len(values) == 1:
            if len(runs) > 1:
                shared[name] = have[0].hparams[name]
        elif len(have) >= 2 and (len(values) > 1 or len(have) < len(runs)):
            varying.append((-len(have), name))
    return [name for _, name in sorted(varying)], shared


def _hashable(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def format_number(value: float | int) -> str:
    """A number as people read it: 4 significant digits, NaN and inf spelled out."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e6:
        text = f"{v:.4g}"
    else:
        text = f"{v:.3e}"
        mantissa, exp = text.split("e")
        text = f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"
    return text


def format_scalar(value: Scalar | object) -> str:
    """Any evidence or hyperparameter value as short text (None shows as a dash)."""
    if value is None:
        return "—"
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        return format_number(value)  # type: ignore[arg-type]
    return str(value)
