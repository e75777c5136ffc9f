"""Small hand-made runs for the detector tests: known curves with known answers."""

from __future__ import annotations

import numpy as np

from logscope.model import Run
from logscope.readers.base import Column, build_run


def run_of(name: str = "r", steps: np.ndarray | None = None, **series: np.ndarray) -> Run:
    """A run whose series are given by name (roles inferred as a reader would); one shared step axis."""
    n = len(next(iter(series.values())))
    steps = np.arange(n) if steps is None else steps
    return build_run(name=name, format="test", columns={k: Column(steps[: len(v)], np.asarray(v, float))
                                                         for k, v in series.items()})


def decay(n: int, start: float = 2.3, floor: float = 0.2, tau: float = 0.15) -> np.ndarray:
    """An exponential decay over n points (tau as a share of the run)."""
    t = np.linspace(0, 1, n)
    return floor + (start - floor) * np.exp(-t / tau)


def noisy(values: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """Multiplicative log-normal noise of ``sigma`` (in log units)."""
    rng = np.random.default_rng(seed)
    return values * np.exp(rng.normal(0, sigma, values.size))
