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

# pandas and scipy.signal are imported where they are used: importing them costs most of a
# second and a worker process that only judges runs needs neither.

try:  # the compiled rolling medians (logscope/_medians.c); the numpy code below gives the same numbers
    from . import _medians as _compiled  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - built without a C compiler
    _compiled = None


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
    points = y[finite]
    if points.size <= LOOP_UP_TO:
        last = _recurrence(points, w)
    else:
        from scipy.signal import lfilter

        # lfilter runs TensorBoard's recurrence last = last*w + (1-w)*v in C with the
        # same floating-point operations, so the numbers match a Python loop bit for
        # bit (tests/test_smoothing.py) at 100x the speed on a million points.
        last = lfilter([1.0 - w], [1.0, -w], points)
    if w == 1.0:
        out[finite] = last
    else:
        out[finite] = last / _debias(w, last.size)
    return out


#: Up to this many points :func:`ema` runs the recurrence as a Python loop (a few ms):
#: importing scipy.signal for lfilter costs 0.7 s, more than a whole report's charts take.
LOOP_UP_TO = 50_000


def _recurrence(values: np.ndarray, w: float) -> np.ndarray:
    """TensorBoard's ``last = last * w + (1 - w) * v`` from ``last = 0``, every step kept."""
    out = []
    last = 0.0
    keep = 1.0 - w
    for v in values.tolist():
        last = last * w + keep * v
        out.append(last)
    return np.array(out, dtype=np.float64)


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
    import pandas as pd

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
    a position whose window holds no finite value stays NaN. A window of an even
    number of points gives the mean of its two middle values.
    """
    y = np.asarray(values, dtype=np.float64)
    window = max(1, int(window))
    if window % 2 == 0:
        window += 1
    if window == 1 or y.size == 0:
        return y.copy()
    if not np.isfinite(y).all():
        import pandas as pd

        clean = np.where(np.isfinite(y), y, np.nan)
        return pd.Series(clean).rolling(window, center=True, min_periods=1).median().to_numpy()
    n, h = y.size, window // 2
    if _compiled is not None:
        out = np.empty(n)
        _compiled.centred(np.ascontiguousarray(y), h, out)
        return out
    # The detectors call this about twenty times per run on a few hundred points, where
    # pandas' per-call overhead was most of the cost: full windows come from scipy's
    # rank filter, the few shrunk windows at the ends from one sort (same values, bit for bit).
    at = np.arange(n)
    out = np.empty(n)
    if n > 2 * h:
        out[h: n - h] = sliding_medians(y, window)
        at = np.concatenate([at[:h], at[n - h:]])
    out[at] = window_medians(y, np.maximum(at - h, 0), np.minimum(at + h + 1, n))
    return out


def sliding_medians(values: np.ndarray, window: int) -> np.ndarray:
    """Median of every full window ``values[j: j + window]``, j = 0 .. n - window (finite values).

    An even window gives the mean of its two middle values (as numpy and pandas do).
    """
    from scipy.ndimage import rank_filter

    y = np.asarray(values, dtype=np.float64)
    n, w = y.size, int(window)
    if w > n:
        return np.empty(0)
    # rank_filter's output at j + w // 2 is the rank statistic of values[j: j + w]
    keep = slice(w // 2, w // 2 + n - w + 1)
    high = rank_filter(y, w // 2, size=w, mode="nearest")[keep]
    if w % 2:
        return high
    low = rank_filter(y, w // 2 - 1, size=w, mode="nearest")[keep]
    with np.errstate(over="ignore"):
        return (low + high) / 2


def window_medians(values: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """``median(values[start[k]: stop[k]])`` for each k, for finite values (NaN for an empty window).

    An even count gives the mean of the two middle values, (a + b) / 2 as pandas computes it.
    Rolling windows (start and stop never decreasing) go through the compiled kernel; any
    others, or all without it, through one sort of a padded matrix.
    """
    y = np.ascontiguousarray(values, dtype=np.float64)
    start = np.ascontiguousarray(start, dtype=np.int64)
    stop = np.ascontiguousarray(stop, dtype=np.int64)
    size = np.maximum(stop - start, 0)
    if size.size == 0:
        return np.empty(0)
    rolling = size.size == 1 or bool(np.all(start[1:] >= start[:-1]) and np.all(stop[1:] >= stop[:-1]))
    if _compiled is not None and rolling:
        out = np.empty(size.size)
        _compiled.medians(y, start, stop, out)
        return out
    idx = start[:, None] + np.arange(max(int(size.max()), 1))
    m = np.where(idx < (start + size)[:, None], y[np.clip(idx, 0, max(y.size - 1, 0))] if y.size else np.inf,
                 np.inf)  # inf sorts last
    m.sort(axis=1)
    rows = np.arange(size.size)
    out = m[rows, np.maximum(size - 1, 0) // 2]
    even = (size % 2 == 0) & (size > 0)
    if even.any():
        with np.errstate(over="ignore"):
            out[even] = (out[even] + m[rows[even], size[even] // 2]) / 2
    out[size == 0] = np.nan
    return out
