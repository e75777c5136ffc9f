"""Smoothing for display and for detectors: each detector chooses its own.

* :func:`ema` is TensorBoard's scalar smoothing (index-based debiased EMA), what
  users see in TensorBoard, used for the report's smoothed line;
* :func:`ema_steps` is a debiased EMA whose decay follows the step distance, for
  unevenly spaced points (a run logged every 10 steps, then every 100);
* :func:`rolling_median` is a centred, spike-robust trend for detectors.

All three keep the input length; non-finite points never enter an average.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.signal import lfilter


def ema(values: np.ndarray, weight: float = 0.6) -> np.ndarray:
    """TensorBoard's scalar smoothing: a debiased EMA over the point index.

    Same recurrence as TensorBoard's ``classicSmoothing``: non-finite points are
    passed through unchanged and do not advance the average; a constant series
    is returned unchanged; ``weight`` is clamped to [0, 1] (0 means no
    smoothing, non-finite means 0; 1 gives TensorBoard's all-zero line).
    """
    y = np.asarray(values, dtype=np.float64)
    w = float(weight) if np.isfinite(weight) else 0.0
    w = min(max(w, 0.0), 1.0)
    out = y.copy()
    if y.size == 0 or w == 0.0 or np.all(y == y[0]):
        return out
    finite = np.isfinite(y)
    # lfilter runs TensorBoard's recurrence last = last*w + (1-w)*v in C with the
    # same floating-point operations, so the numbers match a Python loop bit for
    # bit (tests/test_smoothing.py) at 100x the speed on a million points.
    last = lfilter([1.0 - w], [1.0, -w], y[finite])
    if w == 1.0:
        out[finite] = last
    else:
        out[finite] = last / _debias(w, last.size)
    return out


def _debias(w: float, n: int) -> np.ndarray:
    """``1 - w**k`` for k = 1..n with the C library's pow, as TensorBoard's Math.pow.

    numpy's vectorised power may differ from pow() in the last bit depending on
    the CPU, which would make the output machine-dependent; once w**k is below
    2**-60, 1 - w**k is exactly 1, so only those first terms need pow().
    """
    out = np.ones(n, dtype=np.float64)
    cut = n if w == 0.0 else min(n, int(np.ceil(-60.0 / np.log2(w))) + 1)
    out[:cut] = [1.0 - math.pow(w, k) for k in range(1, cut + 1)]
    return out


def ema_steps(steps: np.ndarray, values: np.ndarray, half_life: float) -> np.ndarray:
    """A debiased EMA whose weights halve every ``half_life`` steps of distance.

    The smoothed value at step ``s`` is the weighted mean of the finite points
    at or before ``s`` with weights ``0.5 ** ((s - s_j) / half_life)``, so an
    unevenly logged run is smoothed over the same span of training everywhere.
    Non-finite points are passed through unchanged and carry no weight.
    ``half_life <= 0`` returns the values unchanged.
    """
    x = np.asarray(steps, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"{x.shape[0]} steps but {y.shape[0]} values")
    out = y.copy()
    finite = np.isfinite(y)
    if not (half_life > 0) or finite.sum() < 2:
        return out
    # pandas' time-aware EWM (adjust=True) computes exactly this weighted mean in
    # Cython. It wants datetimes, so steps become nanoseconds from the first step,
    # stretched so that sub-step distances and half-lives survive the rounding.
    offset = x[finite] - x[finite][0]
    scale = min(1e6, 4e18 / max(float(offset[-1]), 1.0))
    times = pd.to_datetime(np.round(offset * scale).astype(np.int64), unit="ns")
    span = min(half_life * scale, 9e18)  # a half-life beyond int64 nanoseconds is "never decays"
    smoothed = pd.Series(y[finite]).ewm(halflife=pd.Timedelta(span, "ns"), times=times).mean()
    out[finite] = smoothed.to_numpy()
    return out


def rolling_median(values: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling median over ``window`` points (odd; even is made odd).

    NaN and inf are ignored inside each window; near the ends the window shrinks;
    a position whose window holds no finite value stays NaN.
    """
    y = np.asarray(values, dtype=np.float64)
    window = max(1, int(window))
    if window % 2 == 0:
        window += 1
    if window == 1 or y.size == 0:
        return y.copy()
    clean = np.where(np.isfinite(y), y, np.nan)
    return pd.Series(clean).rolling(window, center=True, min_periods=1).median().to_numpy()
