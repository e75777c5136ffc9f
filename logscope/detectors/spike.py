"""Spikes: transient excursions far beyond the local noise that recover, one finding per event.

Method (docs/detectors.md has the long form): the oriented series (log of a
positive loss, minus a higher-is-better metric) minus a robust local baseline
(rolling median of the points, or of block medians for long series) gives
residuals; the local noise scale is their MAD. Points above ``k`` scales, above
a practical height (``min_ratio`` for losses) and above twice the extreme
quantile of the residuals of long series (so heavy-tailed noise is not
flagged) form events; neighbouring points join one event; an event must come
back within ``recover_scales`` of the baseline within ``max_share`` of the run,
otherwise it is a level shift (the divergence detector's business).
"""

from __future__ import annotations

import weakref

import numpy as np

from ..model import Finding, Run
from ..smoothing import rolling_median, window_medians
from ._series import FRACTIONS, Prepared, blocks, fmt, headline, merge, prepare, run_span, step_text
from ._stats import MAD_TO_SIGMA, median, norm_sf

#: Series longer than this get a block-median baseline instead of a point rolling median.
LONG = 5000


def detect(
    run: Run,
    *,
    k: float = 8.0,
    min_ratio: float = 1.4,
    min_drop: float = 0.05,
    recover_scales: float = 3.0,
    max_share: float = 0.05,
    min_points: int = 8,
) -> list[Finding]:
    """One finding per spike event per series (the same event on several series is merged).

    ``k``: height in local noise scales; ``min_ratio``: a loss spike must also
    reach this multiple of its baseline; ``min_drop``: a metric dip must also
    be this share of the series' range; ``recover_scales``: back within this
    many scales (or a tenth of the spike's height) counts as recovered; ``max_share``: longest excursion (share of
    the run's points) still called a spike (spikes at least twice the local level, or
    a fifth of a metric's range, are warnings, except in the first 10% of the run); ``min_points``: shorter series are
    not judged.
    """
    first, last = run_span(run)
    found: list[Finding] = []
    spacing = []
    for series in headline(run):
        p = prepare(series)
        if p.n < min_points:
            continue
        spacing.append(float(median(np.diff(p.steps))) if p.n > 1 else 1.0)
        found.extend(_events(run, p, k=k, min_ratio=min_ratio, min_drop=min_drop,
                             recover_scales=recover_scales, max_share=max_share))
    tolerance = 2 * max(spacing) if spacing else 0.0

    def rank(f: Finding) -> tuple[int, int, tuple[str, ...]]:
        s = run.get(f.series[0])
        primary = s is not None and s.metric == "loss" and s.split == "train"
        return (0 if primary else 1, f.step or 0, f.series)

    # the same event on several series is one finding, named after the training loss first
    merged = merge(sorted(found, key=rank), tolerance=tolerance)
    return sorted(merged, key=lambda f: (f.step or 0, f.series))


_RESIDUALS: "weakref.WeakKeyDictionary[Prepared, tuple[np.ndarray, np.ndarray]]" = weakref.WeakKeyDictionary()


def centred_residuals(p: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Residuals of the oriented points around a centred robust level, and the local noise scale.

    Short series: a centred rolling median of up to 51 points and one global
    MAD scale. Long series: block medians (about 1,000 blocks) interpolated to
    the points, and a rolling median of the blocks' MAD as the local scale.
    Cached per prepared series (the noisy detector uses them too).
    """
    if p not in _RESIDUALS:
        _RESIDUALS[p] = _centred_residuals(p)
    return _RESIDUALS[p]


def _centred_residuals(p: Prepared) -> tuple[np.ndarray, np.ndarray]:
    y = p.y
    n = y.size
    if n <= LONG:
        resid = y - rolling_median(y, max(5, min(51, n // 10)))
        scale = MAD_TO_SIGMA * float(median(np.abs(resid)))
        if scale == 0:  # quantised or saturated values: fall back to the mean absolute residual
            scale = 1.2533 * float(np.mean(np.abs(resid)))
        return resid, np.full(n, scale)
    idx = np.arange(n, dtype=np.float64)
    bx, by, _ = blocks(idx, y, 1000)
    resid = y - np.interp(idx, bx, rolling_median(by, 3))
    _, bs, _ = blocks(idx, np.abs(resid), 1000)
    return resid, np.interp(idx, bx, MAD_TO_SIGMA * rolling_median(bs, 9))


def local_baseline(p: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Medians just before and just after each point, and the local noise scale.

    A spike must stand out from the higher of the two levels, so a steep trend
    in either direction never looks like one, and a point without neighbours
    on both sides (the first and last) cannot be one (NaN level).
    """
    y = p.y
    n = y.size
    _, scale = centred_residuals(p)
    if n <= LONG:
        h = max(3, min(25, n // 10))
        # The h points before each point and the h after it (fewer near the ends; none: NaN).
        # Both are windows y[max(0, k - h): min(k, n)], k = 1 .. n + h - 1 (growing, sliding,
        # then shrinking), so one pass over the series gives both.
        k = np.arange(1, n + h)
        med = window_medians(y, np.maximum(k - h, 0), np.minimum(k, n))
        left, right = np.full(n, np.nan), np.full(n, np.nan)
        left[1:] = med[: n - 1]  # left[i] = median(y[i - h: i]), window k = i
        right[: n - 1] = med[h: h + n - 1]  # right[i] = median(y[i + 1: i + 1 + h]), window k = i + 1 + h
        return left, right, scale
    m = -(-n // 1000)
    nb = -(-n // m)
    pad = np.concatenate([y, np.full(nb * m - n, np.nan)]).reshape(nb, m)
    med = np.nanmedian(pad, axis=1)
    block = np.arange(n) // m
    left = np.concatenate([[np.nan], med[:-1]])[block]
    right = np.concatenate([med[1:], [np.nan]])[block]
    return left, right, scale


def _events(run: Run, p: Prepared, *, k: float, min_ratio: float, min_drop: float, recover_scales: float,
            max_share: float) -> list[Finding]:
    _, scale = centred_residuals(p)
    if p.log:
        floor = float(np.log(min_ratio))
    else:
        floor = min_drop * max(float(np.ptp(p.y)), 1e-12)
        if p.series.metric in FRACTIONS:  # and two points of a fraction (or of a percentage)
            floor = max(floor, 0.02 * (100.0 if float(median(np.abs(p.values))) > 1.0 else 1.0))
    threshold = np.maximum(k * scale, floor)
    if _cannot_spike(p, threshold):
        return []
    left, right, scale = local_baseline(p)
    resid = np.nan_to_num(p.y - np.maximum(left, right), nan=-np.inf)
    over = resid > threshold
    if not over.any():
        return []  # (the quantile below only raises the threshold: no need to take it)
    if p.n >= 1000:
        # Heavy-tailed noise: ignore anything the series' own extreme quantile already reaches.
        finite = resid[np.isfinite(resid)]
        if finite.size:
            threshold = np.maximum(threshold, 2.0 * float(np.quantile(finite, 1 - 20 / p.n)))
            over = resid > threshold
            if not over.any():
                return []
    out: list[Finding] = []
    max_len = max(5, int(max_share * p.n))
    idx = np.flatnonzero(over)
    # group exceedances separated by at most one point into events
    cuts = np.flatnonzero(np.diff(idx) > 2) + 1
    for group in np.split(idx, cuts):
        a, b = int(group[0]), int(group[-1])
        peak = a + int(np.argmax(resid[a: b + 1]))
        # recovered: back within recover_scales noise scales (or a tenth of the height) of the level before it
        near = max(recover_scales * float(scale[a]), 0.1 * float(p.y[peak] - left[a]))
        back = p.y[peak + 1:] - left[a] < near
        if not back.any():
            continue  # never came back: not a transient
        rec = peak + 1 + int(np.argmax(back))
        if rec - a > max_len:
            continue
        out.append(_finding(run, p, a, peak, rec, resid, scale, left[a]))
    return out


def _cannot_spike(p: Prepared, threshold: np.ndarray) -> bool:
    """True if no point can rise above ``threshold`` over its local level; False if one might.

    Most series have no spike, and this answers without the medians just before and after
    every point (half of this detector's time). Between the ends of a series of 510 to 5,000
    points, the centred window of 51 points around a point is the 25 before it, the point and
    the 25 after it; at least 13 of each 25 are at most their median, so at least 26 of the 51,
    and the centred median, are at most the higher of the two medians: the residual around the
    centred median (computed anyway, for the noise scale) is at least the residual that
    _events compares with ``threshold``. The 25 points at either end are checked exactly.
    """
    n, h = p.n, 25
    if not (51 * 10 <= n <= LONG):  # the centred window is 51 points and the side windows 25
        return False
    centred, _ = centred_residuals(p)
    if np.any(centred[h: n - h] > threshold[h: n - h]):
        return False
    ends = np.concatenate([np.arange(h), np.arange(n - h, n)])
    y = p.y
    left = window_medians(y, np.maximum(ends - h, 0), ends)
    right = window_medians(y, ends + 1, np.minimum(ends + 1 + h, n))
    resid = np.nan_to_num(y[ends] - np.maximum(left, right), nan=-np.inf)
    return not np.any(resid > threshold[ends])


def _finding(run: Run, p: Prepared, a: int, peak: int, rec: int, resid: np.ndarray, scale: np.ndarray,
             before: float) -> Finding:
    series = p.series
    height = float(resid[peak] / max(scale[peak], 1e-12))
    # Bonferroni over all points of a Gaussian tail: conservative for light tails, honest about multiplicity
    p_value = float(min(1.0, p.n * norm_sf(height)))
    peak_value = float(p.values[peak])
    baseline = p.raw(float(before))
    evidence: dict[str, float | int | str | bool | None] = {
        "p_value": p_value,
        "peak_step": int(p.steps[peak]),
        "peak_value": peak_value,
        "baseline_value": baseline,
        "recovery_step": int(p.steps[rec]),
        "noise_scales": min(height, 1e6),
    }
    if p.log:
        ratio = peak_value / baseline if baseline > 0 else float("inf")
        evidence["ratio"] = ratio
        size = f"{fmt(ratio, 3)}x its local level of {fmt(baseline)}"
        strong = ratio >= 2.0
    else:
        size = f"{fmt(abs(peak_value - baseline), 3)} away from its local level of {fmt(baseline)}"
        strong = abs(peak_value - baseline) >= 0.2 * max(float(np.ptp(p.values)), 1e-12)
    early = (int(p.steps[a]) - int(p.steps[0])) < 0.1 * max(int(p.steps[-1]) - int(p.steps[0]), 1)
    strong = strong and not early  # early instability (warm-up, normalisation statistics) is common and harmless
    evidence["early"] = early
    message = (f"{series.name} spiked at step {step_text(p.steps[a])} to {fmt(peak_value)} at step {step_text(p.steps[peak])}, "
               f"{size} ({fmt(height, 3)} noise scales), and recovered by step {step_text(p.steps[rec])}.")
    fixes = ("if spikes recur, clip gradients (e.g. max norm 1.0) and lower the learning rate a little",
             "look for bad or mislabelled samples in the batches around the spike",
             "with Adam, raise epsilon (e.g. 1e-6) or lower beta2 (e.g. 0.95) to damp rare large updates")
    return Finding("spike", "warning" if strong else "info", run.name, (series.name,), int(p.steps[a]),
                   int(p.steps[rec]), message, evidence, fixes)
