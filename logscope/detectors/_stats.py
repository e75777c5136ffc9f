"""Robust statistics the detectors share: noise scale, autocorrelation, trend test, slope.

All functions take plain float arrays without NaN (callers drop non-finite
points first), never raise on short or constant input, and never return NaN.
They are meant for a few hundred points: long series are aggregated into blocks
first (see ``_series.prepare``), which keeps the O(n^2) trend test cheap and
tames the autocorrelation of logged training curves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..smoothing import rolling_median

#: Normal-consistency factor of the median absolute deviation.
MAD_TO_SIGMA = 1.4826

#: Largest lag-1 autocorrelation used by the effective-sample-size correction.
MAX_PHI = 0.9

#: Fewer points than this are too few to tell autocorrelated noise from a curved trend: no correction.
MIN_AR_POINTS = 30


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
    mad = float(np.median(np.abs(d - np.median(d))))
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
    iu = np.triu_indices(n, k=1)
    s = float(np.sign(y[iu[1]] - y[iu[0]]).sum())
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
        p=float(min(1.0, 2.0 * stats.norm.sf(abs(z)))),
        p_up=float(stats.norm.sf(z)),
        p_down=float(stats.norm.cdf(z)),
        phi=phi,
        n=n,
    )


def theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Theil-Sen slope of y on x with its 95% interval (slope, low, high); zeros if undefined."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size < 2 or np.all(x == x[0]):
        return 0.0, 0.0, 0.0
    res = stats.theilslopes(y, x, alpha=0.95)
    return float(res.slope), float(res.low_slope), float(res.high_slope)
