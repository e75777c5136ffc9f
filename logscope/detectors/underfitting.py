"""Underfitting: the run stopped while still clearly improving (train longer).

Method (docs/detectors.md has the long form): on the main series (the
validation loss if there is one, else the training loss), oriented and
aggregated into blocks, the last ``tail_share`` of the run must show a
significant improving trend (Mann-Kendall, autocorrelation corrected,
p < ``alpha``) whose Theil-Sen size over the tail is at least ``min_gain``
(relative, for losses) and ``min_share_of_gain`` of the whole run's gain,
and the second half of the tail alone must still improve by ``late_gain``
(Theil-Sen) with a significant trend (Mann-Kendall p < 0.05). A stretch of
fewer than ``FEW_POINTS`` points is tested instead by its least-squares slope
against the whole series' noise scale (ranks of 2-7 points cannot be significant).
With fewer than 16 evaluations the training twin is judged instead, provided
the last evaluations were improving too.
"""

from __future__ import annotations

import numpy as np

from ..model import Finding, Run, Series, SeverityName
from ._series import fmt, judged, pairs, prepare, step_text
from ._stats import mann_kendall, median, norm_sf, theil_sen

#: Below this many points a stretch's trend is tested against the series' own noise scale, not by
#: ranks: Mann-Kendall on n points cannot reach p < 0.01 below 6 points, nor p < 0.05 below 4,
#: however steady the fall, and short runs have only 2-5 points in their last eighth.
FEW_POINTS = 8


def detect(
    run: Run,
    *,
    tail_share: float = 0.25,
    alpha: float = 0.01,
    min_gain: float = 0.05,
    min_share_of_gain: float = 0.1,
    late_gain: float = 0.02,
    strong_gain: float = 0.15,
    min_points: int = 8,
) -> list[Finding]:
    """At most one finding: the main series was still improving at the end.

    ``tail_share``: the share of the run (by steps) examined at the end;
    ``alpha``: significance of the improving trend; ``min_gain``: the least
    relative improvement over the tail (loss; for metrics, a share of the
    range); ``min_share_of_gain``: the tail's share of the whole run's gain;
    ``late_gain``: the improvement the second half of the tail alone must
    still show (a run that flattened out is not underfitting);
    ``strong_gain``: from this tail improvement on the finding is a warning,
    below it info; ``min_points``: fewer blocks than this are not judged.
    """
    main = _main(run)
    if main is None:
        return []
    p = prepare(main)
    train = _train_of(run, main)
    if p.nb < 16 and train is not None and prepare(train).nb >= 16:
        # Too few evaluations for a trend test on the last quarter: judge the training twin,
        # as long as the last evaluations were still improving too.
        slope, _, _ = theil_sen(p.bx[-4:], p.by[-4:])
        if slope >= 0:
            return []
        main, p = train, prepare(train)
    if p.nb < min_points:
        return []
    start = p.steps[-1] - tail_share * (p.steps[-1] - p.steps[0])
    in_tail = p.bx >= start
    if in_tail.sum() < 4:
        return []
    x, y = p.bx[in_tail], p.by[in_tail]
    p_down = _p_down(x, y, p.sigma)
    slope, _, _ = theil_sen(x, y)
    tail_gain = -slope * float(x[-1] - x[0])
    total = float(median(p.by[:3]) - median(p.by[-3:]))
    if p_down >= alpha or tail_gain <= 0 or total <= 0:
        return []
    if p.log:
        rel = float(np.expm1(tail_gain))
        needed = min_gain
    else:
        rel = tail_gain / max(float(np.ptp(p.by)), 1e-12)
        needed = min_gain
    if rel < needed or tail_gain < min_share_of_gain * total:
        return []
    # and not flattened: the second half of the tail alone must still improve by late_gain
    half = x >= x[0] + 0.5 * (x[-1] - x[0])
    if half.sum() < 2:
        return []  # too few points to show the end is still improving
    late_slope, _, _ = theil_sen(x[half], y[half])
    late = -late_slope * float(x[half][-1] - x[half][0])
    late_rel = float(np.expm1(late)) if p.log else late / max(float(np.ptp(p.by)), 1e-12)
    if late_rel < late_gain or _p_down(x[half], y[half], p.sigma) >= 0.05:
        return []
    tail_start = int(p.steps[np.searchsorted(p.steps, start)])
    rate = rel / tail_share / 10  # per 10% of the run
    size = f"{fmt(100 * rel, 3)}%" if p.log else fmt(tail_gain, 3)
    train = _train_of(run, main)
    gap = None
    if train is not None and main.split == "val":
        pt = prepare(train)
        if pt.n:
            gap = float(median(p.values[-3:]) - median(pt.values[-max(3, pt.n // 20):])) * p.sign
    evidence: dict[str, float | int | str | bool | None] = {
        "p_value": p_down,
        "tail_start_step": tail_start,
        "tail_gain": rel,
        "share_of_total_gain": tail_gain / total,
        "end_value": float(median(p.values[-3:])),
        "gap_at_end": gap,
    }
    message = (f"{main.name} was still improving when the run ended: {size} better over the last "
               f"{fmt(100 * tail_share, 2)}% of the run (from step {step_text(tail_start)}; trend p={p_down:.2g}), "
               f"{fmt(100 * tail_gain / total, 3)}% of the whole run's gain.")
    fixes = [f"train longer: at the recent rate ({fmt(100 * rate, 2)}% per 10% of this run) more steps will still pay off"]
    small_gap = gap is not None and abs(gap) < 0.1 * abs(float(median(p.values[-3:])) or 1.0)
    if small_gap:
        fixes.append("use less regularisation (validation tracks training closely: weight decay or dropout may be too strong)")
        fixes.append("use a larger model")
    else:
        fixes.append("use a larger model")
        fixes.append("use less regularisation")
    fixes.append("raise the learning rate if the schedule decayed it early")
    severity: SeverityName = "warning" if rel >= strong_gain else "info"
    return [Finding("underfitting", severity, run.name, (main.name,), tail_start, int(p.steps[-1]), message,
                    evidence, tuple(fixes))]


def _p_down(x: np.ndarray, y: np.ndarray, sigma: float) -> float:
    """One-sided p-value of a falling trend of y over x.

    Mann-Kendall (autocorrelation corrected) from ``FEW_POINTS`` points on;
    below, a z-test of the least-squares slope whose standard error comes from
    ``sigma``, the noise scale of the whole series (second differences of all
    its points; no autocorrelation correction, as Mann-Kendall makes none
    below 30 points either).
    """
    if x.size >= FEW_POINTS:
        return mann_kendall(y).p_down
    dx = x - x.mean()
    sxx = float(np.dot(dx, dx))
    if sxx <= 0:
        return 1.0
    slope = float(np.dot(dx, y - y.mean())) / sxx
    se = sigma / np.sqrt(sxx)
    if se <= 0:
        return 0.0 if slope < 0 else 1.0
    return norm_sf(-slope / se)


def _main(run: Run) -> Series | None:
    for _, val in pairs(run):
        if np.isfinite(val.values).sum() >= 2:
            return val
    losses = [s for s in judged(run) if s.metric == "loss" and s.split == "train"]
    if losses:
        return sorted(losses, key=lambda s: (-len(s), s.name))[0]
    rest = judged(run)
    return rest[0] if rest else None


def _train_of(run: Run, val: Series) -> Series | None:
    for train, v in pairs(run):
        if v is val:
            return train
    return None
