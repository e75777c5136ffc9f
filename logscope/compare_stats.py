"""The numbers behind a comparison: per-run curve summaries, seed aggregates and the noise tests.

Tests (``docs/compare.md`` says when each is used):

* ``welch``: several seeds on both sides; Welch's two-sample t-test on the
  per-seed best values (``scipy.stats.ttest_ind(equal_var=False)``).
* ``prediction``: several seeds on one side, one on the other; is the single
  best value a plausible further draw of the other side's seeds? (a t
  prediction interval, ``t = (y - mean) / (sd * sqrt(1 + 1/n))`` with n-1 df).
* ``noise_band``: one seed on each side (or seeds that all agree exactly); the
  difference against the series' own point-to-point noise. Weaker evidence: it
  knows nothing of how much a different seed would move the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .model import Series
from .smoothing import ema_steps

Method = Literal["welch", "prediction", "noise_band"]

#: Fewer finite points than this and a series' noise is not estimated.
MIN_NOISE_POINTS = 5
#: The fewest points the noise near a best value is estimated from.
NOISE_WINDOW = 20


@dataclass(frozen=True)
class Curve:
    """One run's summary of one series (finite points only).

    ``best`` is the best raw value (lowest for a ``min`` metric, first such
    point) and ``best_step`` its step; ``final`` is the last finite value;
    ``noise`` the robust standard deviation of point-to-point noise next to the
    best (:func:`local_noise`; None below :data:`MIN_NOISE_POINTS` points);
    ``smoothed_best`` the best of the smoothed curve.
    """

    run: str
    series: str
    points: int
    last_step: int | None
    best: float | None
    best_step: int | None
    final: float | None
    final_step: int | None
    noise: float | None
    smoothed_best: float | None


@dataclass(frozen=True)
class SideMetric:
    """One side's view of a metric: a curve per run (seed) and their aggregates.

    ``best`` and ``final`` are means over the runs, ``best_sd`` the sample
    standard deviation of the best values (None with one run), steps are
    medians, ``noise`` the root-mean-square of the runs' noise, ``reach_steps``
    each run's first step at the comparison's target (None: never), and
    ``reach_step`` the median over the runs that got there (``reached`` of them).
    """

    series: str
    curves: tuple[Curve, ...]
    reach_steps: tuple[int | None, ...]
    best: float | None
    best_sd: float | None
    best_step: int | None
    final: float | None
    final_step: int | None
    noise: float | None
    reach_step: int | None
    reached: int

    @property
    def runs(self) -> int:
        """How many runs (seeds) have this series."""
        return len(self.curves)

    @property
    def bests(self) -> tuple[float, ...]:
        """Each run's best value (runs without a finite value left out)."""
        return tuple(c.best for c in self.curves if c.best is not None)


@dataclass(frozen=True)
class NoiseTest:
    """Whether a difference in best values is beyond run-to-run noise, and how that was decided.

    ``statistic`` is Welch's or the prediction t, or for ``noise_band`` the
    difference in units of the combined noise standard deviation; ``p_value`` is
    two-sided (None for ``noise_band``); ``beyond_noise`` is None when nothing
    could be decided (no finite values, or too few points for a noise estimate).
    """

    method: Method | None
    p_value: float | None
    statistic: float | None
    beyond_noise: bool | None
    baseline_runs: int
    candidate_runs: int


def curve_of(run: str, series: Series, direction: str, half_life: float) -> Curve:
    """Summarise one run's ``series``; ``half_life`` (steps) smooths it for ``smoothed_best``."""
    finite = np.isfinite(series.values)
    steps, values = series.steps[finite], series.values[finite]
    if values.size == 0:
        return Curve(run, series.name, 0, _last(series.steps), None, None, None, None, None, None)
    i = int(np.argmin(values) if direction == "min" else np.argmax(values))
    smoothed = smooth(steps, values, half_life)
    return Curve(
        run=run,
        series=series.name,
        points=int(values.size),
        last_step=_last(series.steps),
        best=float(values[i]),
        best_step=int(steps[i]),
        final=float(values[-1]),
        final_step=int(steps[-1]),
        noise=local_noise(values, i),
        smoothed_best=float(smoothed.min() if direction == "min" else smoothed.max()),
    )


def smooth(steps: np.ndarray, values: np.ndarray, half_life: float) -> np.ndarray:
    """The finite ``values`` smoothed over ``half_life`` steps (unchanged for half_life 0)."""
    if half_life <= 0 or values.size < 2:
        return np.asarray(values, dtype=np.float64)
    return ema_steps(steps, values, half_life)


def noise_sigma(values: np.ndarray) -> float | None:
    """Robust standard deviation of a series' point-to-point noise.

    The scaled median absolute deviation of second differences, over sqrt(6):
    second differences cancel a locally linear trend, and for white noise of
    standard deviation s they have variance 6 s^2; the median ignores spikes.
    When most second differences are exactly zero (coarse values) their root
    mean square is used instead.
    """
    y = np.asarray(values, dtype=np.float64)
    y = y[np.isfinite(y)]
    if y.size < MIN_NOISE_POINTS:
        return None
    d2 = np.diff(y, 2)
    from scipy import stats  # here, not at the top: it costs half a second, and `analyze` never needs it

    robust = float(stats.median_abs_deviation(d2, scale="normal"))
    if robust == 0.0:
        # Coarse values (an accuracy over a few hundred samples) leave most second
        # differences exactly zero; the root mean square still sees the steps.
        robust = float(np.sqrt(np.mean(d2**2)))
    return robust / float(np.sqrt(6.0))


def reach_step(series: Series, target: float, direction: str, half_life: float) -> int | None:
    """The first step at which the smoothed ``series`` is at least as good as ``target``."""
    finite = np.isfinite(series.values)
    steps, values = series.steps[finite], series.values[finite]
    if values.size == 0:
        return None
    smoothed = smooth(steps, values, half_life)
    hit = smoothed <= target if direction == "min" else smoothed >= target
    return int(steps[int(np.argmax(hit))]) if hit.any() else None


def side_metric(series: str, curves: tuple[Curve, ...], reach_steps: tuple[int | None, ...]) -> SideMetric:
    """Aggregate a side's curves (see :class:`SideMetric`)."""
    usable = [c for c in curves if c.best is not None]
    bests = np.array([c.best for c in usable], dtype=np.float64)
    noises = np.array([c.noise for c in usable if c.noise is not None], dtype=np.float64)
    reached = [s for s in reach_steps if s is not None]
    return SideMetric(
        series=series,
        curves=curves,
        reach_steps=reach_steps,
        best=float(bests.mean()) if bests.size else None,
        best_sd=float(bests.std(ddof=1)) if bests.size >= 2 else None,
        best_step=_median_int([c.best_step for c in usable]),
        final=float(np.mean([c.final for c in usable])) if usable else None,
        final_step=_median_int([c.final_step for c in usable]),
        noise=float(np.sqrt(np.mean(noises**2))) if noises.size else None,
        reach_step=_median_int(reached),
        reached=len(reached),
    )


def difference_test(baseline: SideMetric, candidate: SideMetric, *, alpha: float, noise_z: float) -> NoiseTest:
    """Decide whether the candidate's best differs from the baseline's beyond noise."""
    b = np.array(baseline.bests, dtype=np.float64)
    c = np.array(candidate.bests, dtype=np.float64)
    counts = (int(b.size), int(c.size))
    if b.size == 0 or c.size == 0:
        return NoiseTest(None, None, None, None, *counts)
    from scipy import stats  # see noise_sigma

    if b.size >= 2 and c.size >= 2 and (b.std() > 0 or c.std() > 0):
        result = stats.ttest_ind(c, b, equal_var=False)
        p = float(result.pvalue)
        return NoiseTest("welch", p, float(result.statistic), p < alpha, *counts)
    if min(b.size, c.size) == 1 and max(b.size, c.size) >= 2:
        many, single = (b, float(c[0])) if b.size >= 2 else (c, float(b[0]))
        sd = float(many.std(ddof=1))
        if sd > 0:
            t = (single - float(many.mean())) / (sd * np.sqrt(1.0 + 1.0 / many.size))
            t = t if b.size >= 2 else -t  # always candidate minus baseline
            p = float(2.0 * stats.t.sf(abs(t), df=many.size - 1))
            return NoiseTest("prediction", p, float(t), p < alpha, *counts)
    noises = [n for n in (baseline.noise, candidate.noise) if n is not None]
    if not noises:
        return NoiseTest("noise_band", None, None, None, *counts)
    # A side without its own estimate borrows the other's, so the band is never narrowed.
    sb = baseline.noise if baseline.noise is not None else noises[0]
    sc = candidate.noise if candidate.noise is not None else noises[0]
    band = float(np.hypot(sb, sc))
    diff = abs(float(c.mean()) - float(b.mean()))
    if band == 0:
        return NoiseTest("noise_band", None, None, diff > 0, *counts)
    ratio = diff / band
    return NoiseTest("noise_band", None, ratio, ratio > noise_z, *counts)


def local_noise(values: np.ndarray, index: int) -> float | None:
    """The point-to-point noise next to ``values[index]``: the quieter of the two sides.

    The noise that blurs a best value is the noise near it, taken from the
    :data:`NOISE_WINDOW` (or an eighth of all, if more) points up to the best
    and those from it on; the quieter side is used because the other may hold a
    blow-up or a steep start that is signal, not noise. A side with no noise
    at all (exactly flat) is not evidence of a zero band; when both are, the
    whole series is used.
    """
    width = max(NOISE_WINDOW, values.size // 8)
    sides = [noise_sigma(values[max(0, index - width) : index + 1]), noise_sigma(values[index : index + width + 1])]
    known = [s for s in sides if s is not None and s > 0]
    if known:
        return min(known)
    # Flat on both sides (a converged accuracy): the whole series is the only evidence of noise.
    return noise_sigma(values)


def _median_int(values: Sequence[int | None]) -> int | None:
    kept = [v for v in values if v is not None]
    return int(np.median(kept)) if kept else None


def _last(steps: np.ndarray) -> int | None:
    return int(steps[-1]) if steps.size else None
