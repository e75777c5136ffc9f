"""Display-only downsampling: keep each pixel column's extremes so spikes survive.

The data the detectors see is never downsampled; only what a chart draws is.
"""

from __future__ import annotations

import numpy as np


def minmax(steps: np.ndarray, values: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``2 * columns + 2`` points: each column's minimum and maximum, in step order.

    Points are bucketed by step into ``columns`` equal-width columns (as a chart
    maps them to pixels), so a single spike in a million points is still drawn.
    The first and last points are kept too. Every point must be finite; the
    result keeps the original order, and a short series is returned unchanged.
    """
    x = np.asarray(steps, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    n = x.shape[0]
    if columns < 1 or n <= 2 * columns + 2:
        return x, y
    # Sort-free bucketing: steps are sorted, so each column is a contiguous slice.
    lo, hi = float(x[0]), float(x[-1])
    span = hi - lo if hi > lo else 1.0
    col = np.minimum(((x - lo) / span * columns).astype(np.int64), columns - 1)
    starts = _run_starts(col)
    # The first index of each column's min and max: the hits are sorted and so are
    # their columns, so the first hit of each column starts a new run of columns.
    mins = np.minimum.reduceat(y, starts)
    maxs = np.maximum.reduceat(y, starts)
    bucket = np.repeat(np.arange(starts.shape[0]), np.diff(starts, append=n))
    keep = np.zeros(n, dtype=bool)  # a mask, not np.unique: the same sorted indices without a sort
    keep[[0, n - 1]] = True
    keep[_first_per_bucket(np.flatnonzero(y == mins[bucket]), bucket)] = True
    keep[_first_per_bucket(np.flatnonzero(y == maxs[bucket]), bucket)] = True
    return x[keep], y[keep]


def column_means(steps: np.ndarray, values: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """One point per column (mean step, mean value): enough for an already smooth line.

    Every point must be finite; a series with at most ``columns`` points is
    returned unchanged.
    """
    x = np.asarray(steps, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    n = x.shape[0]
    if columns < 1 or n <= columns:
        return x, y
    lo, hi = float(x[0]), float(x[-1])
    span = hi - lo if hi > lo else 1.0
    col = np.minimum(((x - lo) / span * columns).astype(np.int64), columns - 1)
    starts = _run_starts(col)
    counts = np.diff(starts, append=n)
    xs = np.add.reduceat(x, starts) / counts
    ys = np.add.reduceat(y, starts) / counts
    # Add the true end points so the line starts and stops where the data does.
    return np.concatenate([x[:1], xs, x[-1:]]), np.concatenate([y[:1], ys, y[-1:]])


def _run_starts(labels: np.ndarray) -> np.ndarray:
    """Indices where a run of equal labels starts (0 first); np.r_ cost more than the comparison."""
    change = np.empty(labels.shape[0], dtype=bool)
    change[:1] = True
    np.not_equal(labels[1:], labels[:-1], out=change[1:])
    return np.flatnonzero(change)


def _first_per_bucket(hits: np.ndarray, bucket: np.ndarray) -> np.ndarray:
    """The first of ``hits`` (sorted indices) in each bucket."""
    return hits[_run_starts(bucket[hits])]
