"""The words of a comparison, shared by its HTML, Markdown and terminal renderers so they agree.

Everything returned is plain text that may contain names from logs and the
user's side labels: each renderer escapes it for its own format.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..compare import Comparison, FindingChange, GroupComparison, MetricComparison, group_key
from .summary import format_number, setting_warnings

#: Last steps further apart than this factor get a note: one side may log epochs, the other steps.
STEP_RATIO_NOTE = 5.0

#: The status class (as the analysis report's chips use) of each comparison outcome.
OUTCOME_STATUS = {"regression": "error", "improvement": "ok", "unchanged": "info", "incomparable": "warning"}

_CHANGE_WORDS = {
    "new": "new",
    "gone": "gone",
    "earlier": "earlier",
    "later": "later",
    "more_severe": "more severe",
    "less_severe": "less severe",
}


def steps(n: int | float) -> str:
    """A step count with thousands separators: 1,800."""
    return f"{int(n):,}"


def unused_overrides(c: Comparison) -> list[str]:
    """Each side's unused role overrides, once each, naming the side when only one has it.

    A setting, not a problem reading a file: the reports show it apart, as the analysis reports do.
    """
    sides: dict[str, list[str]] = {}
    for label, report in ((c.baseline_label, c.baseline), (c.candidate_label, c.candidate)):
        for w in setting_warnings(report):
            sides.setdefault(w.message, []).append(label)
    return [msg if len(labels) == 2 else f"{msg} (in {labels[0]} only)" for msg, labels in sides.items()]


def plural(n: int, word: str) -> str:
    """``1 regression``, ``2 regressions``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline(c: Comparison) -> str:
    """One sentence for the whole comparison."""
    b, k = c.baseline_label, c.candidate_label
    reg, imp = len(c.regressions), len(c.improvements)
    if c.outcome == "regression":
        tail = f", {plural(imp, 'improvement')}" if imp else ""
        return f"{k} is worse than {b}: {plural(reg, 'regression')}{tail}"
    if c.outcome == "improvement":
        return f"{k} is better than {b}: {plural(imp, 'improvement')}, no regression"
    if c.outcome == "unchanged":
        return f"No difference beyond noise between {k} and {b}"
    return f"Nothing could be compared between {k} and {b}"


def group_title(g: GroupComparison) -> str:
    """How a matched configuration is named in headings (``main-run ↔ pr-run`` when paired as the only ones)."""
    if g.matched_by == "pool":
        return "all runs"
    if g.matched_by == "only" and g.candidate_runs:
        other = group_key(g.candidate_runs[0])
        if other != g.name:
            return f"{g.name or 'all runs'} ↔ {other or 'all runs'}"
    return g.name or "all runs"


def group_runs(g: GroupComparison, c: Comparison) -> str:
    """Which runs a group compares, e.g. ``main: 3 runs (seed1, seed2, seed3); PR: pr``."""
    return f"{c.baseline_label}: {_runs(g.baseline_runs)}; {c.candidate_label}: {_runs(g.candidate_runs)}"


def _runs(names: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
    return shown if len(names) == 1 else f"{len(names)} runs ({shown})"


def difference(m: MetricComparison) -> str:
    """The change of the best value: relative when the baseline is not zero (``+3.5%``)."""
    if m.difference is None:
        return "—"
    if m.relative is not None:
        text = f"{m.relative * 100:+.1f}%"
        return "0.0%" if text in ("+0.0%", "-0.0%") else text
    return f"{m.difference:+.4g}"


def evidence(m: MetricComparison) -> str:
    """Whether the difference is beyond noise, and how strong that evidence is."""
    t = m.test
    if t.method is None or t.beyond_noise is None:
        if m.baseline.best is None or m.candidate.best is None:
            return "no finite value to compare"
        return "no noise estimate (too few points)"
    where = "beyond noise" if t.beyond_noise else "within noise"
    if t.method == "welch":
        return f"{where}, p={_p(t.p_value)}, Welch t-test, {t.baseline_runs} vs {t.candidate_runs} seeds"
    if t.method == "prediction":
        return f"{where}, p={_p(t.p_value)}, one run against {max(t.baseline_runs, t.candidate_runs)} seeds"
    band = "beyond the noise band" if t.beyond_noise else "within the noise band"
    size = f" ({t.statistic:.1f}σ)" if t.statistic is not None else ""
    return f"{band}{size}, one run each side: weaker evidence than several seeds"


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    if p < 0.001:
        return "<0.001"
    return f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


def reach(m: MetricComparison, baseline_label: str) -> str:
    """When the candidate gets as good as the baseline's best (empty when unknown)."""
    if m.reach == "never":
        return f"never reaches {baseline_label}'s best"
    if m.reach_delta is None or m.reach == "unknown":
        return ""
    if m.reach == "same":
        return f"reaches {baseline_label}'s best at about the same step ({steps(m.candidate.reach_step or 0)})"
    word = "later" if m.reach_delta > 0 else "sooner"
    return f"reaches {baseline_label}'s best {steps(abs(m.reach_delta))} steps {word}"


def metric_sentence(m: MetricComparison, baseline_label: str) -> str:
    """``best 0.412 vs 0.398 on main (+3.5%, beyond noise, p=0.01); reaches main's best 1,800 steps later``.

    The metric's name is left out: the renderer puts it in front in its own style.
    """
    if m.baseline.best is None or m.candidate.best is None:
        both = m.baseline.best is None and m.candidate.best is None
        return f"no finite value on {'either side' if both else 'one side'}"
    text = (f"best {format_number(m.candidate.best)} vs {format_number(m.baseline.best)} on {baseline_label} "
            f"({difference(m)}, {evidence(m)})")
    speed = reach(m, baseline_label)
    return f"{text}; {speed}" if speed else text


def change_sentence(f: FindingChange, baseline_label: str) -> str:
    """``on val_loss: new from step 2,110 in 3 runs (main: none)``.

    The finding's kind is left out: the renderer puts it in front in its own style.
    """
    # The names as logged by the side that has the finding (the baseline's when it is gone).
    names = f.finding.series or f.series
    on = f"on {', '.join(names)}: " if names else ""
    word = _CHANGE_WORDS[f.change]
    c_at = f" from step {steps(f.candidate_step)}" if f.candidate_step is not None else ""
    b_at = f"step {steps(f.baseline_step)}" if f.baseline_step is not None else "present"
    if f.change == "new":
        return f"{on}{word}{c_at} in {plural(f.candidate_runs, 'run')} ({baseline_label}: none)"
    if f.change == "gone":
        return f"{on}{word} ({baseline_label}: {b_at} in {plural(f.baseline_runs, 'run')})"
    if f.change in ("earlier", "later"):
        return f"{on}{word},{c_at} ({baseline_label}: {b_at})"
    return f"{on}{word}, now {f.severity}{c_at}"


def scale_note(g: GroupComparison, c: Comparison) -> str:
    """A warning when the sides' step ranges differ so much that step counts may not be comparable."""
    ratio = g.step_ratio
    if ratio is None or ratio < STEP_RATIO_NOTE:
        return ""
    return (f"The runs end at step {steps(g.baseline_last_step or 0)} ({c.baseline_label}) and "
            f"{steps(g.candidate_last_step or 0)} ({c.candidate_label}): if one side logs epochs and the other "
            f"steps, the step numbers and speeds here are not comparable.")


def speed_notes(c: Comparison) -> list[str]:
    """Gating metrics whose speed changed but whose best did not.

    ``val_loss: PR reaches main's best 1,800 steps later``.
    """
    out = []
    for g in c.groups:
        where = f" ({group_title(g)})" if len(c.groups) > 1 else ""
        for m in g.metrics:
            if m.gating and m.verdict == "within_noise" and m.reach in ("later", "sooner", "never"):
                out.append(f"{m.name}{where}: {c.candidate_label} {reach(m, c.baseline_label)}")
    return out
