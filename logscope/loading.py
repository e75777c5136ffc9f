"""Library entry points for reading logs without analysing them: runs, or one tidy frame.

``load_frame`` is shaped like tbparse's ``SummaryReader(...).scalars`` (long format,
one row per point) so a tbparse user can switch in one line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from . import fs
from .errors import NoRunsFound
from .model import Run
from .readers import discover, read_source, tfevents

if TYPE_CHECKING:
    import pandas as pd

PathLike = str | os.PathLike[str]
FRAME_COLUMNS = ("run", "tag", "step", "value", "wall_time")


def load(path: PathLike, *, format: str | None = None) -> list[Run]:
    """Every run under ``path`` (a folder, a file or an fsspec URL), read and resolved as ``analyze`` sees them.

    Warnings about a run's files are on ``run.warnings``. Raises NoRunsFound if
    ``path`` does not exist.
    """
    return [run for source in _sources(path, format) for run in read_source(source)]


def load_frame(path: PathLike, *, format: str | None = None, raw: bool = False) -> pd.DataFrame:
    """Every point under ``path`` as a tidy frame: run, tag, step, value, wall_time.

    By default the rows are the series logscope analyses (one value per step:
    restarts resolved, the last write of a step kept). ``raw=True`` keeps every
    point of a TensorBoard file as written, duplicates and superseded points
    included, like tbparse. Rows are sorted by run, tag and step (ties in write
    order); ``run`` and ``tag`` are categoricals; a missing wall time is NaN.
    """
    import pandas as pd

    parts: list[tuple[str, str, np.ndarray, np.ndarray, np.ndarray | None]] = []
    for source in _sources(path, format):
        if raw and source.reader == tfevents.NAME:
            points, _ = tfevents.read_raw(source)
            for tag in sorted(points):
                steps, values, walls = points[tag]
                order = np.argsort(steps, kind="stable")
                parts.append((source.name, tag, steps[order], values[order], walls[order]))
        else:
            for run in read_source(source):
                parts.extend((run.name, s.name, s.steps, s.values, s.wall_times) for s in run.series)
    parts.sort(key=lambda p: (p[0], p[1]))
    sizes = [len(p[2]) for p in parts]
    runs = pd.Categorical.from_codes(np.repeat(_codes([p[0] for p in parts]), sizes),
                                     categories=sorted({p[0] for p in parts}))
    tags = pd.Categorical.from_codes(np.repeat(_codes([p[1] for p in parts]), sizes),
                                     categories=sorted({p[1] for p in parts}))
    return pd.DataFrame({
        "run": runs,
        "tag": tags,
        "step": _concat([p[2] for p in parts], np.int64),
        "value": _concat([p[3] for p in parts], np.float64),
        "wall_time": _concat([np.full(len(p[2]), np.nan) if p[4] is None else p[4] for p in parts], np.float64),
    }, columns=list(FRAME_COLUMNS))


def _sources(path: PathLike, format: str | None):
    root = fs.as_path(path)  # a local Path, or a UPath for an fsspec URL (s3://...)
    if not fs.exists(root):
        raise NoRunsFound(f"no such file or directory: {fs.display(root)}")
    return discover(root, format=format)[0]


def _codes(names: list[str]) -> np.ndarray:
    index = {name: i for i, name in enumerate(sorted(set(names)))}
    return np.array([index[n] for n in names], dtype=np.int64)


def _concat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.empty(0, dtype=dtype)
