"""Overfitting: validation gets significantly worse after its optimum while training keeps improving.

Method (docs/detectors.md has the long form): for every (training, validation)
twin, the validation series is oriented (log of a loss, minus a
higher-is-better metric), aggregated into blocks and smoothed by a rolling
median. The optimum is the minimum of that smoothed curve, with a noise band of
``band`` noise scales around it (any checkpoint inside the band is as good).
It is overfitting when, after the optimum, (1) the validation level at the end
is worse than the band's median level by more than ``z_threshold`` standard errors (of the
difference of the two medians) and a practical margin
(``min_rise`` relative for losses, ``min_lost_gain`` of the gain for metrics),
(2) a Mann-Kendall test (autocorrelation corrected) finds a significant
worsening trend (p < ``alpha``), and (3) the training twin is not getting
worse over the same span. The generalisation gap at the optimum and at the end
is reported.
"""

from __future__ import annotations

import numpy as np

from ..model import Finding, Run, Series
from ..smoothing import rolling_median
from ._series import Prepared, fmt, merge, pairs, prepare, run_span, step_text
from ._stats import mann_kendall, median


def detect(
    run: Run,
    *,
    alpha: float = 0.01,
    z_threshold: float = 3.0,
    min_rise: float = 0.03,
    min_lost_gain: float = 0.05,
    band: float = 2.0,
    min_points: int = 6,
) -> list[Finding]:
    """One finding per overfitting twin (twins overfitting together are merged).

    ``alpha``: significance of the worsening trend after the optimum;
    ``z_threshold``: the worsening must exceed this many noise scales;
    ``min_rise``: and, for a loss, this relative rise (0.03 = 3%);
    ``min_lost_gain``: for a metric, this share of the gain made before the
    optimum; ``band``: noise scales around the optimum counted as equally good;
    ``min_points``: fewer validation points than this are not judged.
    """
    first, last = run_span(run)
    found = []
    for train, val in pairs(run):
        pv, pt = prepare(val), prepare(train)
        if pv.n < min_points or pt.n < 2:
            continue
        finding = _judge(run, pv, pt, alpha=alpha, z_threshold=z_threshold, min_rise=min_rise,
                         min_lost_gain=min_lost_gain, band=band)
        if finding is not None:
            found.append(finding)
    return merge(found, tolerance=0.1 * max(last - first, 1))


def _judge(run: Run, pv: Prepared, pt: Prepared, *, alpha: float, z_threshold: float, min_rise: float,
           min_lost_gain: float, band: float) -> Finding | None:
    nb = pv.nb
    z = rolling_median(pv.by, max(3, nb // 15))
    tail = max(2, nb // 10)
    best = int(np.argmin(z[: nb - tail]))
    after = nb - 1 - best
    if after < 3:
        return None
    best_level = float(z[best])
    sigma = pv.sigma
    # The optimum band: the stretch around the minimum within `band` noise scales of it. The
    # worsening is measured from the band's median level, so the lowest noise dip of a long flat
    # stretch does not pass for an optimum that the end is worse than.
    lo = hi = best
    while lo > 0 and z[lo - 1] <= best_level + band * sigma:
        lo -= 1
    while hi < nb - 1 and z[hi + 1] <= best_level + band * sigma:
        hi += 1
    end_level = float(median(pv.by[-tail:]))
    rise = end_level - float(median(z[lo: hi + 1]))
    if pv.log:
        practical = float(np.log1p(min_rise))
    else:
        gain = float(median(pv.by[: max(2, tail)])) - best_level
        practical = min_lost_gain * gain if gain > 0 else np.inf
    # standard error of the difference of the two medians (end and optimum band)
    se = 1.2533 * sigma * float(np.sqrt(1.0 / tail + 1.0 / (hi - lo + 1)))
    if rise < practical or rise < z_threshold * se:
        return None
    trend = mann_kendall(pv.by[best:])
    if trend.p_up > alpha:
        return None
    best_step = int(pv.steps[min(int(pv.bstart[best]) + _mid(pv, best), pv.n - 1)])
    # the training twin over the same span must not be getting worse
    t_after = pt.y[pt.steps >= best_step]
    if t_after.size >= 3:
        t_trend = mann_kendall(_thin(t_after))
        t_rise = float(median(t_after[-max(2, t_after.size // 10):])) - float(median(t_after[: max(2, t_after.size // 10)]))
        if t_trend.p_up < alpha and t_rise > z_threshold * max(pt.sigma, 1e-12):
            return None
    else:
        t_trend = None
    band_lo, band_hi = pv.block_step(lo), pv.block_end_step(hi)
    # The checkpoint to restore is the best logged evaluation up to the end of the optimum band
    # (what a save-best checkpoint callback kept), not the smoothed optimum's step, which is the
    # statistical onset and need not be an evaluation that was best.
    upto = int(np.searchsorted(pv.steps, band_hi, side="right"))
    ck = int(np.argmin(pv.y[:upto]))
    ck_step, ck_value = int(pv.steps[ck]), float(pv.values[ck])
    # early stopping must not have stopped before that checkpoint
    patience, min_delta, stop_step = _early_stopping(pv, max(ck_step, best_step), z_threshold * sigma)
    gap_best, gap_end = _gap(pv, pt, best_step), _gap(pv, pt, int(pv.steps[-1]))
    last_step = int(pv.steps[-1])
    best_value = pv.raw(best_level)
    end_value = pv.raw(end_level)
    val = pv.series
    evidence: dict[str, float | int | str | bool | None] = {
        "p_value": trend.p_up,
        "best_step": best_step,
        "best_value": best_value,
        "end_value": end_value,
        "steps_since_best": last_step - best_step,
        "checkpoint_step": ck_step,
        "checkpoint_value": ck_value,
        "band_start_step": band_lo,
        "band_end_step": band_hi,
        "train_trend_p_value": t_trend.p_down if t_trend is not None else None,
        "gap_at_best": gap_best,
        "gap_at_end": gap_end,
        "patience": patience,
        "min_delta": min_delta,
        "early_stop_step": stop_step,
    }
    if pv.log:
        evidence["rise_ratio"] = end_value / best_value
        worse = f"{fmt(100 * (end_value / best_value - 1), 3)}% worse"
    else:
        worse = f"{fmt(abs(end_value - best_value), 3)} worse"
    gap_text = ""
    if gap_best is not None and gap_end is not None:
        gap_text = f"; the generalisation gap grew from {fmt(gap_best, 3)} to {fmt(gap_end, 3)}"
    message = (
        f"{val.name} (smoothed) was best at step {step_text(best_step)} ({fmt(best_value)}) and ended {worse} ({fmt(end_value)}) "
        f"{step_text(last_step - best_step)} steps later while {pt.series.name} kept improving "
        f"(trend p={trend.p_up:.2g}){gap_text}; its best logged value was {fmt(ck_value)} at step {step_text(ck_step)}."
    )
    return Finding(
        kind="overfitting",
        severity="warning",
        run=run.name,
        series=(val.name, pt.series.name),
        step=best_step,
        end_step=last_step,
        message=message,
        evidence=evidence,
        fixes=_fixes(val, ck_step, ck_value, patience, min_delta, stop_step, last_step, pv, gap_best, gap_end),
    )


def _mid(pv: Prepared, block: int) -> int:
    """Offset of the middle point inside block ``block``."""
    start = int(pv.bstart[block])
    end = int(pv.bstart[block + 1]) if block + 1 < pv.nb else pv.n
    return (end - start - 1) // 2


def _thin(y: np.ndarray, most: int = 400) -> np.ndarray:
    """Block medians of ``y`` when it is long, so the O(n^2) trend test stays cheap."""
    if y.size <= most:
        return y
    m = -(-y.size // most)
    nb = y.size // m
    return np.median(y[: nb * m].reshape(nb, m), axis=1)


def _gap(pv: Prepared, pt: Prepared, step: int) -> float | None:
    """Validation minus training (in the series' own units, worse-is-positive) around ``step``."""
    if pt.n < 2:
        return None
    window = max(1, pt.n // 20)
    i = int(np.searchsorted(pt.steps, step, side="right")) - 1
    if i < 0:
        return None
    train_value = float(median(pt.values[max(0, i - window + 1): i + 1]))
    j = int(np.searchsorted(pv.steps, step, side="right")) - 1
    wv = max(1, pv.n // 20)
    val_value = float(median(pv.values[max(0, j - wv + 1): j + 1]))
    return (val_value - train_value) * pv.sign


def _early_stopping(pv: Prepared, best_step: int, min_delta_oriented: float) -> tuple[int, float, int | None]:
    """A patience and min_delta that would have kept the optimum and stopped soon after it.

    The patience is one more than the longest stretch of evaluations without a
    new best (by more than ``min_delta``) before the optimum, so stopping would
    not have cut the run short; the stop step is where that rule fires.
    """
    # one value per evaluation; block medians for very long validation series
    steps, y = (pv.steps, pv.y) if pv.n <= 5000 else (pv.steps[pv.bstart], pv.by)
    min_delta = abs(pv.raw(float(median(y))) - pv.raw(float(median(y)) + min_delta_oriented))
    best, wait, longest = np.inf, 0, 0
    stop = None
    patience = None
    for i in range(y.size):
        step = int(steps[i])
        if y[i] < best - min_delta_oriented:
            best, wait = y[i], 0
        else:
            wait += 1
        if step <= best_step:
            longest = max(longest, wait)
        else:
            if patience is None:
                patience = longest + 1
            if wait >= patience:
                stop = step
                break
    return (patience if patience is not None else longest + 1), min_delta, stop


def _fixes(val: Series, ck_step: int, ck_value: float, patience: int, min_delta: float, stop_step: int | None,
           last_step: int, pv: Prepared, gap_best: float | None, gap_end: float | None) -> tuple[str, ...]:
    out = [f"restore the checkpoint from step {step_text(ck_step)} ({val.name} {fmt(ck_value)}, its best logged value), "
           "or the nearest saved one"]
    first_step = int(pv.steps[0])
    if stop_step is not None:
        saved = 100 * (last_step - stop_step) / max(last_step - first_step, 1)
        out.append(f"stop early on {val.name} with patience={patience} evaluations and min_delta={fmt(min_delta, 2)}: "
                   f"it would have stopped at step {step_text(stop_step)}, saving {fmt(saved, 2)}% of the steps")
    else:
        out.append(f"stop early on {val.name} with patience={patience} evaluations and min_delta={fmt(min_delta, 2)}")
    early = (ck_step - first_step) / max(last_step - first_step, 1) < 0.3
    regularise = ["add weight decay / L2 (e.g. 1e-4 to 5e-4)", "add or raise dropout (e.g. 0.1 to 0.3)",
                  "use data augmentation"]
    capacity = ["get more training data", "use a smaller model"]
    if early:
        # the optimum came within the first 30% of training: capacity is far beyond what the data supports
        out.extend(capacity + regularise)
    else:
        out.extend(regularise + capacity)
    if gap_best is not None and gap_end is not None and gap_end > gap_best:
        out[2] = out[2] + f" (the generalisation gap grew from {fmt(gap_best, 3)} to {fmt(gap_end, 3)})"
    return tuple(out)
