"""A run reduced to what every report needs outside the run's own charts.

A sweep of thousands of runs must not hold every point in memory at once. A
worker reads and judges one run, then hands back a *sketch*: the same run with
each series cut to at most four points (its first and last point, and the
first occurrences of its lowest and highest finite value) plus the true point
count. Everything the reports compute for every run (the point count and step
range of each series, the headline series and its best point, the hparams and
warnings) is the same on the sketch as on the full run; only the charts and the
per-series statistics of the runs the HTML report shows in detail need every
point, and those runs are read again in full (see :mod:`logscope.analyze`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .model import Run, Series


@dataclass(frozen=True, eq=False)
class SketchSeries(Series):
    """A series cut to its telling points; ``points`` is the length of the full series."""

    points: int = 0

    def __len__(self) -> int:
        return self.points


def sketch_series(series: Series) -> Series:
    """``series`` cut to its first, last, lowest and highest points (in step order)."""
    n = len(series)
    if n <= 4 or isinstance(series, SketchSeries):
        return series
    values = series.values
    # argmin/argmax return the first occurrence, as the reports' best-point search does.
    if np.isfinite(values).all():
        low, high = int(np.argmin(values)), int(np.argmax(values))
    else:
        finite = np.isfinite(values)
        low = int(np.argmin(np.where(finite, values, np.inf)))
        high = int(np.argmax(np.where(finite, values, -np.inf)))
    keep = np.array(sorted({0, low, high, n - 1}), dtype=np.int64)
    walls = None if series.wall_times is None else series.wall_times[keep]
    return SketchSeries(name=series.name, steps=series.steps[keep].copy(), values=values[keep].copy(),
                        wall_times=walls, split=series.split, metric=series.metric,
                        direction=series.direction, points=n)


def sketch(run: Run) -> Run:
    """``run`` with every series replaced by its sketch."""
    return replace(run, series=tuple(sketch_series(s) for s in run.series))


def is_sketch(run: Run) -> bool:
    """True if some series of ``run`` is a sketch (its points are not all there)."""
    return any(isinstance(s, SketchSeries) for s in run.series)
