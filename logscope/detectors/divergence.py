"""Divergence: the onset of a sustained rise of a loss (or collapse of a metric).

Method (docs/detectors.md has the long form): on the oriented block medians
(log of a positive loss, minus a higher-is-better metric) smoothed by a rolling
median, the run diverged if its level at the end stays far above its best:
at least ``min_ratio`` times the best loss (or, for metrics and non-positive
losses, ``min_lost_gain`` of the gain made so far) and ``z_threshold`` noise
scales. The onset is where the smoothed curve leaves the bottom for good (the
last point after its minimum within two standard errors of it), and a
Mann-Kendall test (autocorrelation corrected) must confirm the rise from the
onset on. A spike that recovers, a
warm-up bump or a learning-rate step cannot fire: the end level is not high.
Validation series with a training twin are left to the overfitting detector.
"""

from __future__ import annotations

import numpy as np

from ..model import Finding, Run
from ..smoothing import rolling_median
from . import _evidence
from ._series import FRACTIONS, Prepared, fmt, headline, merge, prepare, run_span, step_text
from ._stats import mann_kendall, median


def detect(
    run: Run,
    *,
    min_ratio: float = 1.5,
    min_lost_gain: float = 0.3,
    z_threshold: float = 5.0,
    alpha: float = 0.01,
    min_points: int = 5,
) -> list[Finding]:
    """One finding per diverging loss or metric (merged when several rise together).

    ``min_ratio``: the smoothed loss must end at least this many times its best;
    ``min_lost_gain``: for metrics and non-positive losses, the share of the
    gain since the start that must be lost; ``z_threshold``: the rise must also
    exceed this many noise scales; ``alpha``: significance of the trend test on
    the rise; ``min_points``: fewer finite points than this are not judged.
    """
    twins = {val for _, val in run.pairs}
    first, last = run_span(run)
    found: list[tuple[int, Finding]] = []
    for series in headline(run):
        if series.name in twins:
            continue
        p = prepare(series)
        if p.n < min_points:
            continue
        hit = _judge(p, min_ratio=min_ratio, min_lost_gain=min_lost_gain, z_threshold=z_threshold, alpha=alpha)
        if hit is None:
            continue
        rank = 0 if series.metric == "loss" and series.split == "train" else 1 if series.metric == "loss" else 2
        found.append((rank, _finding(run, p, hit)))
    found.sort(key=lambda rf: (rf[0], rf[1].step if rf[1].step is not None else 0, rf[1].series))
    # one run diverges once: every diverging series joins the first (training loss) finding
    return merge([f for _, f in found], tolerance=float(max(last - first, 1)))


class _Hit:
    """What the statistics found on one series."""

    def __init__(self, onset: int, best: int, end_level: float, best_level: float, p_value: float,
                 rise_sigmas: float) -> None:
        self.onset = onset  # block index of the bend
        self.best = best  # block index of the smoothed best
        self.end_level = end_level
        self.best_level = best_level
        self.p_value = p_value
        self.rise_sigmas = rise_sigmas


def _judge(p: Prepared, *, min_ratio: float, min_lost_gain: float, z_threshold: float, alpha: float) -> _Hit | None:
    nb = p.nb
    window = max(3, nb // 25)
    z = rolling_median(p.by, window)
    tail = max(2, nb // 20)
    end_level = float(median(z[-tail:]))
    best = int(np.argmin(z[: nb - tail + 1]))
    best_level = float(z[best])
    rise = end_level - best_level
    if p.log:
        needed = float(np.log(min_ratio))
    else:
        gain = float(median(z[: max(1, tail)])) - best_level
        if gain <= 0:
            return None  # never improved: nothing to collapse from
        needed = min_lost_gain * gain
        if p.series.metric in FRACTIONS:
            # and a tenth of the metric's scale (0.1, or 10 points of a percentage)
            needed = max(needed, 0.1 * (100.0 if float(median(np.abs(p.values))) > 1.0 else 1.0))
    sigma = p.sigma
    if rise < needed or rise < z_threshold * sigma:
        return None
    # The rise must be sustained: the whole tail stays above the halfway mark.
    if float(np.min(z[-tail:])) < best_level + 0.5 * rise:
        return None
    # Onset: the last block, from the minimum on, whose smoothed level is still within two
    # standard errors of the minimum; past it the curve leaves the bottom for good.
    se = 1.2533 * sigma / np.sqrt(window)
    at_bottom = np.flatnonzero(z[best:] <= best_level + 2 * se)
    onset = min(best + int(at_bottom[-1]), nb - 3)
    trend = mann_kendall(p.by[max(0, onset - 2):])
    if trend.p_up > alpha:
        return None
    return _Hit(onset, best, end_level, best_level, trend.p_up, rise / sigma if sigma > 0 else float("inf"))


def _finding(run: Run, p: Prepared, hit: _Hit) -> Finding:
    series = p.series
    onset_step = _nearest_step(p, float(p.bx[hit.onset]))
    best_step = _nearest_step(p, float(p.bx[hit.best]))
    bad = ~np.isfinite(series.values)
    after = bad & (series.steps >= onset_step)
    nan_step = int(series.steps[np.argmax(after)]) if after.any() else None
    best_value, end_value = p.raw(hit.best_level), p.raw(hit.end_level)
    evidence: dict[str, float | int | str | bool | None] = {
        "p_value": hit.p_value,
        "best_step": best_step,
        "best_value": best_value,
        "end_value": end_value,
        "rise_noise_scales": min(hit.rise_sigmas, 1e6),
        "nan_step": nan_step,
    }
    if p.log:
        evidence["rise_ratio"] = end_value / best_value
        change = f"{fmt(best_value)} at step {step_text(best_step)} to {fmt(end_value)} ({fmt(end_value / best_value, 3)}x)"
    else:
        change = f"{fmt(best_value)} at step {step_text(best_step)} to {fmt(end_value)}"
    context = _evidence.lr_and_grad(run, onset_step, best_step)
    evidence.update(context.evidence)
    what = "rise" if series.direction == "min" else "collapse"
    tail = f"; it became non-finite at step {step_text(nan_step)}" if nan_step is not None else ""
    message = (
        f"{series.name} began a sustained {what} at step {step_text(onset_step)}, from {change} "
        f"(trend p={hit.p_value:.2g}){context.clause}{tail}."
    )
    return Finding(
        kind="divergence",
        severity="error",
        run=run.name,
        series=(series.name,),
        step=onset_step,
        end_step=nan_step if nan_step is not None else int(p.steps[-1]),
        message=message,
        evidence=evidence,
        fixes=context.fixes(went_nonfinite=nan_step is not None),
    )


def _nearest_step(p: Prepared, x: float) -> int:
    i = int(np.searchsorted(p.steps, x))
    i = min(max(i, 0), p.n - 1)
    if i > 0 and abs(p.steps[i - 1] - x) <= abs(p.steps[i] - x):
        i -= 1
    return int(p.steps[i])
