"""Robust statistics the detectors share: noise scale, autocorrelation, trend test, slope.

All functions take plain float arrays without NaN (callers drop non-finite
points first), never raise on short or constant input, and never return NaN.
They are meant for a few hundred points: long series are aggregated into blocks
first (see ``_series.prepare``), which keeps the O(n^2) trend test cheap and
tames the autocorrelation of logged training curves.

The normal tail and the Theil-Sen interval are computed here (the tail with
``_ndtr.ndtr``, scipy.special.ndtr's own arithmetic) rather than through
scipy.stats, with the same floating-point operations (so the same numbers, which
tests/test_detectors_stats.py checks against scipy.stats): a scipy.stats call costs
about 0.1 ms of argument checking, the detectors make thousands of them in a sweep,
and importing scipy.stats costs a second (scipy.special alone 0.3 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..smoothing import _compiled, rolling_median
from ._ndtr import NDTRI_0025, ndtr

#: Normal-consistency factor of the median absolute deviation.
MAD_TO_SIGMA = 1.4826

#: Largest lag-1 autocorrelation used by the effective-sample-size correction.
MAX_PHI = 0.9

#: Fewer points than this are too few to tell autocorrelated noise from a curved trend: no correction.
MIN_AR_POINTS = 30


def median(values: np.ndarray) -> float:
    """``float(np.median(values))`` of a 1-D array, bit for bit, without np.median's overhead.

    np.median spends about 8 microseconds per call on argument handling; the detectors
    take about thirty medians per run. Like np.median, a NaN anywhere gives NaN.
    """
    a = np.asarray(values)
    n = a.size
    if n < 2 or a.ndim != 1:
        return float(np.median(a))  # empty: NaN and numpy's warning, as before
    k = n // 2
    # the same partition as np.median's (kth -1 puts the largest value, or a NaN, at the end)
    part = np.partition(a, [k, -1] if n % 2 else [k - 1, k, -1])
    last = float(part[-1])
    if last != last:
        return last
    # np.median is np.mean of the middle value(s): numpy's sum starts from +0.0 (so a -0.0
    # median is +0.0), then is divided by the count
    if n % 2:
        return 0.0 + float(part[k])
    return (0.0 + float(part[k - 1]) + float(part[k])) / 2


def norm_sf(z: float) -> float:
    """Upper tail of the standard normal, ``scipy.stats.norm.sf(z)`` (which is ``ndtr(-z)``)."""
    return float(ndtr(-z))


def norm_cdf(z: float) -> float:
    """Lower tail of the standard normal, ``scipy.stats.norm.cdf(z)``."""
    return float(ndtr(z))


def robust_sigma(values: np.ndarray) -> float:
    """Robust standard deviation of the point-to-point noise of a series.

    MAD of second differences divided by sqrt(6) (for white noise the second
    difference y[i+1] - 2 y[i] + y[i-1] has variance 6 sigma^2): insensitive to
    a trend, to most curvature and to isolated spikes. Falls back to the plain
    standard deviation when more than half of the differences are equal
    (quantised logs), and to 0 for fewer than 4 points or a straight line.
    """
    y = np.asarray(values, dtype=np.float64)
    if y.size < 4:
        return 0.0
    d = np.diff(y, 2)
    mad = float(median(np.abs(d - median(d))))
    if mad > 0:
        return MAD_TO_SIGMA * mad / np.sqrt(6.0)
    return float(np.std(d)) / np.sqrt(6.0)


def ar1(values: np.ndarray) -> float:
    """Lag-1 autocorrelation of the noise around the trend, in [0, MAX_PHI].

    Separating a curved trend from autocorrelated noise is ill-posed on short
    series, so this takes the smaller of two estimates with opposite biases:
    from first differences (phi = 1 + 2 corr(d_t, d_t+1) for AR(1) noise; a
    curved trend inflates it) and from residuals around a centred rolling
    median of n/10 points (the smoother absorbs part of the noise, which
    deflates it; close on a few hundred points, about 0 on a few dozen).
    Below ``MIN_AR_POINTS`` points it returns 0 (no correction).
    """
    y = np.asarray(values, dtype=np.float64)
    if y.size < MIN_AR_POINTS:
        return 0.0
    d = np.diff(y)
    d = d - rolling_median(d, max(5, d.size // 8))
    w = max(5, y.size // 10) | 1
    e = (y - rolling_median(y, w))[w // 2: y.size - w // 2]  # the ends, where the window shrinks, are biased
    estimates = []
    for series, from_diff in ((d, True), (e, False)):
        series = series - series.mean()
        denom = float(np.dot(series, series))
        if series.size < 3 or denom <= 1e-24 * max(float(np.dot(y, y)), 1e-300):
            continue  # no noise left to measure
        rho = float(np.dot(series[:-1], series[1:])) / denom
        estimates.append(1.0 + 2.0 * rho if from_diff else rho)
    if not estimates:
        return 0.0
    return float(min(max(min(estimates), 0.0), MAX_PHI))


@dataclass(frozen=True)
class Trend:
    """Mann-Kendall trend test result with the AR(1) variance correction.

    ``p_up`` / ``p_down`` are one-sided p-values for an increasing / decreasing
    trend, ``p`` the two-sided one; ``tau`` is Kendall's tau in [-1, 1];
    ``phi`` the lag-1 autocorrelation used to inflate the variance.
    """

    s: float
    tau: float
    z: float
    p: float
    p_up: float
    p_down: float
    phi: float
    n: int


def mann_kendall(values: np.ndarray, *, correct: bool = True) -> Trend:
    """Mann-Kendall test for a monotonic trend, corrected for autocorrelation.

    The variance of S is multiplied by (1 + phi) / (1 - phi), phi being the
    lag-1 autocorrelation of the noise (:func:`ar1`): the effective sample size
    of AR(1) noise is n (1 - phi) / (1 + phi) (Yue and Wang's correction with
    the AR(1) autocorrelation function). Hand-written instead of pymannkendall
    to keep the dependency list short and the pairwise sign matrix vectorised.
    """
    y = np.asarray(values, dtype=np.float64)
    n = int(y.size)
    if n < 3 or np.all(y == y[0]):
        return Trend(0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, n)
    s = float(_sign_sum(y))
    _, counts = np.unique(y, return_counts=True)
    ties = counts[counts > 1].astype(np.float64)
    var = (n * (n - 1) * (2 * n + 5) - float(np.sum(ties * (ties - 1) * (2 * ties + 5)))) / 18.0
    phi = ar1(y) if correct else 0.0
    var *= (1.0 + phi) / (1.0 - phi)
    if var <= 0:
        return Trend(s, 0.0, 0.0, 1.0, 1.0, 1.0, phi, n)
    z = (s - np.sign(s)) / np.sqrt(var)
    tau = s / (n * (n - 1) / 2.0)
    return Trend(
        s=s,
        tau=float(tau),
        z=float(z),
        p=float(min(1.0, 2.0 * norm_sf(abs(z)))),
        p_up=norm_sf(z),
        p_down=norm_cdf(z),
        phi=phi,
        n=n,
    )


#: Largest n whose pair indices and upper-triangle mask are kept between calls (about 1 MB at 512 points).
_KEEP_PAIRS = 512

#: ``_UPPER[i, j]`` is i < j; its top-left n x n corner serves every series of n <= _KEEP_PAIRS points.
_UPPER = np.triu(np.ones((_KEEP_PAIRS, _KEEP_PAIRS), dtype=bool), 1)


def _upper(n: int) -> np.ndarray:
    """The n x n mask of i < j."""
    return _UPPER[:n, :n] if n <= _KEEP_PAIRS else np.triu(np.ones((n, n), dtype=bool), 1)


def _sign_sum(y: np.ndarray) -> int:
    """Mann-Kendall's S, the sum of sign(y[j] - y[i]) over i < j, as two counts of the n x n comparisons.

    Comparing whole rows (no index arrays to gather through) is about 3x faster than the
    pairwise differences on a few hundred points; the count is the same integer.
    """
    if _compiled is not None:
        return int(_compiled.sign_sum(np.ascontiguousarray(y)))
    n = y.size
    upper = _upper(n)
    return int(np.count_nonzero(np.less.outer(y, y) & upper)) - int(np.count_nonzero(np.greater.outer(y, y) & upper))


#: The pair indices of :func:`pair_indices`, for the largest n asked for so far.
_PAIRS: tuple[np.ndarray, np.ndarray] = (np.empty(0, np.int32), np.empty(0, np.int32))


def pair_indices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i, j) with i < j < n, as two index arrays ordered by j then i.

    Ordered by j, the pairs of the first m points are the first m (m - 1) / 2 pairs
    of any longer list, so one list, kept for the largest n, serves every shorter
    series (numpy's triu_indices allocates its n^2 / 2 pairs anew at every call).
    """
    global _PAIRS
    count = n * (n - 1) // 2
    if _PAIRS[0].size >= count:
        return _PAIRS[0][:count], _PAIRS[1][:count]
    per = np.arange(n)
    second = np.repeat(per, per).astype(np.int32)
    first = (np.arange(count) - np.repeat(per * (per - 1) // 2, per)).astype(np.int32)
    if n <= _KEEP_PAIRS:
        _PAIRS = (first, second)
    return first, second


#: z of the two-sided 95% interval, as scipy.stats.theilslopes computes it (alpha = 1 - 0.95).
_Z95 = NDTRI_0025


def theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Theil-Sen slope of y on x with its 95% interval (slope, low, high); zeros if undefined.

    The numbers of ``scipy.stats.theilslopes(y, x, alpha=0.95)``: the median of the
    pairwise slopes and the slopes at the ranks of Sen's (1968) interval, found by
    selection (np.partition) instead of a full sort of the n^2 / 2 slopes.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size < 2 or np.all(x == x[0]):
        return 0.0, 0.0, 0.0
    first, second = pair_indices(x.size)
    dx = x[second] - x[first]
    dy = y[second] - y[first]
    back = dx < 0
    if back.any():
        # scipy takes every pair in the order of increasing x: the same slope, but a zero
        # difference of y keeps its sign only if it is taken the same way round
        dx[back] = x[first[back]] - x[second[back]]
        dy[back] = y[first[back]] - y[second[back]]
    moved = dx != 0
    slopes = dy[moved] / dx[moved]
    nt = slopes.size
    sigsq = 1 / 18. * (x.size * (x.size - 1) * (2 * x.size + 5) - _ties(x) - _ties(y))
    mid = nt // 2
    slopes.partition(mid)
    # np.median's mean of the two middle slopes; its sum starts from +0.0, so + 0.0 here too
    slope = float(slopes[mid]) if nt % 2 else float((np.max(slopes[:mid]) + slopes[mid]) / 2.0 + 0.0)
    try:
        sigma = np.sqrt(sigsq)
        high_rank = min(int(np.round((nt - _Z95 * sigma) / 2.)), nt - 1)
        low_rank = max(int(np.round((nt + _Z95 * sigma) / 2.)) - 1, 0)
    except ValueError:  # a NaN interval (scipy gives NaN there too)
        return slope, float("nan"), float("nan")
    return slope, _rank(slopes, mid, low_rank), _rank(slopes, mid, high_rank)


def _ties(values: np.ndarray) -> int:
    """Sum of k (k - 1) (2k + 5) over the groups of k > 1 equal values."""
    _, counts = np.unique(values, return_counts=True)
    k = counts[counts > 1].astype(np.int64)
    return int(np.sum(k * (k - 1) * (2 * k + 5)))


def _rank(partitioned: np.ndarray, mid: int, rank: int) -> float:
    """The ``rank``-th smallest value of an array already partitioned at ``mid``."""
    if rank == mid:
        return float(partitioned[mid])
    if rank < mid:
        return float(np.partition(partitioned[:mid], rank)[rank])
    return float(np.partition(partitioned[mid + 1:], rank - mid - 1)[rank - mid - 1])
