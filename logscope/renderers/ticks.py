"""Round tick positions for the charts: matplotlib 3.11's MaxNLocator and LogLocator, without matplotlib.

Importing ``matplotlib.ticker`` pulled in matplotlib itself, PIL, pyparsing and more:
0.15 to 0.2 CPU s of every start, more than drawing a report's 150 charts. These are
the two ``tick_values`` computations the charts used, ported line for line for the one
configuration logscope uses (no axis; ``axes.autolimit_mode`` "data", not classic mode;
no pruning, ``min_n_ticks`` 2), with the same numpy and Python operations in the same
order, so the same ticks to the last bit (tests/test_renderers_ticks.py compares them
with matplotlib on thousands of ranges). A side effect: the charts no longer depend on
the user's matplotlibrc or matplotlib version.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: ``np.finfo(float).tiny``, the smallest normal double.
_FLOAT_TINY = 2.2250738585072014e-308


def _nonsingular(vmin: float, vmax: float, expander: float, tiny: float) -> tuple[float, float]:
    """``matplotlib.transforms._nonsingular(vmin, vmax, expander, tiny)`` (increasing)."""
    if (not np.isfinite(vmin)) or (not np.isfinite(vmax)):
        return -expander, expander
    if vmax < vmin:
        vmin, vmax = vmax, vmin
    vmin, vmax = float(vmin), float(vmax)
    maxabsvalue = max(abs(vmin), abs(vmax))
    if maxabsvalue < (1e6 / tiny) * _FLOAT_TINY:
        vmin = -expander
        vmax = expander
    elif vmax - vmin <= maxabsvalue * tiny:
        if vmax == 0 and vmin == 0:
            vmin = -expander
            vmax = expander
        else:
            vmin -= expander * abs(vmin)
            vmax += expander * abs(vmax)
    return vmin, vmax


def _scale_range(vmin: float, vmax: float, n: int = 1, threshold: int = 100) -> tuple[float, float]:
    """``matplotlib.ticker.scale_range``."""
    dv = abs(vmax - vmin)
    meanv = (vmax + vmin) / 2
    offset: float
    if abs(meanv) / dv < threshold:
        offset = 0
    else:
        offset = math.copysign(10 ** (math.log10(abs(meanv)) // 1), meanv)
    scale = 10 ** (math.log10(dv / n) // 1)
    return scale, offset


class _EdgeInteger:
    """``matplotlib.ticker._Edge_integer``: multiples of a step, with slack for rounding."""

    def __init__(self, step: float, offset: float) -> None:
        self.step = step
        self._offset = abs(offset)

    def closeto(self, ms: float, edge: float) -> bool:
        if self._offset > 0:
            digits = np.log10(self._offset / self.step)
            tol = max(1e-10, 10 ** (digits - 12))
            tol = min(0.4999, tol)
        else:
            tol = 1e-10
        return bool(abs(ms - edge) < tol)

    def le(self, x: float) -> float:
        d, m = divmod(x, self.step)
        if self.closeto(m / self.step, 1):
            return d + 1
        return d

    def ge(self, x: float) -> float:
        d, m = divmod(x, self.step)
        if self.closeto(m / self.step, 0):
            return d
        return d + 1


def _extended_steps(steps: Sequence[float]) -> np.ndarray:
    """MaxNLocator's ``_validate_steps`` then ``_staircase``."""
    s = np.asarray(steps)
    if s[0] != 1:
        s = np.concatenate([[1], s])
    if s[-1] != 10:
        s = np.concatenate([s, [10]])
    return np.concatenate([0.1 * s[:-1], s, [10 * s[1]]])


def max_n_ticks(vmin: float, vmax: float, *, nbins: int, steps: Sequence[float],
                integer: bool = False, min_n_ticks: int = 2) -> np.ndarray:
    """``MaxNLocator(nbins=nbins, steps=steps, integer=integer).tick_values(vmin, vmax)``."""
    vmin, vmax = _nonsingular(vmin, vmax, expander=1e-13, tiny=1e-14)
    scale, offset = _scale_range(vmin, vmax, nbins)
    _vmin = vmin - offset
    _vmax = vmax - offset
    all_steps = _extended_steps(steps) * scale
    if integer:
        igood = (all_steps < 1) | (np.abs(all_steps - np.round(all_steps)) < 0.001)
        all_steps = all_steps[igood]
    raw_step = (_vmax - _vmin) / nbins
    large_steps = all_steps >= raw_step
    if any(large_steps):
        istep = np.nonzero(large_steps)[0][0]
    else:
        istep = len(all_steps) - 1
    ticks = np.empty(0)
    for step in all_steps[: istep + 1][::-1]:
        if integer and np.floor(_vmax) - np.ceil(_vmin) >= min_n_ticks - 1:
            step = max(1, step)
        best_vmin = (_vmin // step) * step
        edge = _EdgeInteger(step, offset)
        low = edge.le(_vmin - best_vmin)
        high = edge.ge(_vmax - best_vmin)
        ticks = np.arange(low, high + 1) * step + best_vmin
        nticks = ((ticks <= _vmax) & (ticks >= _vmin)).sum()
        if nticks >= min_n_ticks:
            break
    return ticks + offset


def log_ticks(vmin: float, vmax: float, *, subs: Sequence[float], numticks: int) -> np.ndarray:
    """``LogLocator(base=10, subs=subs, numticks=numticks).tick_values(vmin, vmax)``; ``vmin`` > 0."""
    b = 10.0
    n_request = numticks
    if vmin <= 0.0 or not np.isfinite(vmin):
        raise ValueError("Data cannot be log-scaled because all values are <= 0.")
    if vmax < vmin:
        vmin, vmax = vmax, vmin
    efmin, efmax = np.log10([vmin, vmax])
    emin = math.ceil(efmin)
    emax = math.floor(efmax)
    n_avail = emax - emin + 1
    sub = np.asarray(subs, dtype=float)
    decades: Sequence[int]
    stride = n_avail // (n_request + 1) + 1
    nr = math.ceil(n_avail / stride)
    n_request = min(nr, n_request)
    if n_request == 0:
        decades = [emin - 1, emax + 1]
        stride = decades[1] - decades[0]
    elif n_request == 1:
        mid = round((efmin + efmax) / 2)
        stride = max(mid - (emin - 1), (emax + 1) - mid)
        decades = [mid - stride, mid, mid + stride]
    else:
        stride = (n_avail - 1) // (n_request - 1)
        if stride < n_avail / n_request:
            stride = n_avail // n_request
        olo = max(n_avail - stride * n_request, 0)
        ohi = min(n_avail - stride * (n_request - 1), stride)
        offset = (-emin) % stride
        if not olo <= offset < ohi:
            offset = olo
        decades = range(emin + offset - stride, emax + stride + 1, stride)
    is_minor = len(sub) > 1 or (len(sub) == 1 and sub[0] != 1.0)
    if is_minor:
        if stride == 1 or n_avail <= 1:
            ticklocs = np.concatenate([sub * b**decade for decade in range(emin - 1, emax + 1)])
        else:
            ticklocs = np.array([])
    else:
        ticklocs = b ** np.array(decades)
    if (len(sub) > 1 and stride == 1
            and (len(decades) - 2 + ((vmin <= ticklocs) & (ticklocs <= vmax)).sum()) <= 1):
        # matplotlib then hands over to its AutoLocator: MaxNLocator with 9 bins
        return max_n_ticks(vmin, vmax, nbins=9, steps=[1, 2, 2.5, 5, 10])
    return ticklocs
