"""Smoothing for display and for detectors: each detector chooses its own."""

from __future__ import annotations

import numpy as np


def ema(values: np.ndarray, weight: float = 0.6) -> np.ndarray:
    """TensorBoard's scalar smoothing, exactly: a debiased EMA over the point index.

    Non-finite points are passed through unchanged and do not advance the
    average; a constant series is returned unchanged; ``weight`` is clamped to
    [0, 1] (0 means no smoothing), as in TensorBoard's ``classicSmoothing``.
    """
    y = np.asarray(values, dtype=np.float64)
    w = float(weight) if np.isfinite(weight) else 0.0
    w = min(max(w, 0.0), 1.0)
    out = y.copy()
    if y.size == 0 or w == 0.0 or np.all(y == y[0]):
        return out
    # Hand-written loop on purpose: the recurrence must skip non-finite points
    # exactly as TensorBoard does; detectors needing speed use vectorised filters.
    last = 0.0
    count = 0
    for i, v in enumerate(y):
        if not np.isfinite(v):
            continue
        last = last * w + (1.0 - w) * v
        count += 1
        debias = 1.0 if w == 1.0 else 1.0 - w**count
        out[i] = last / debias
    return out
