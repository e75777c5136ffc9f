"""The charts' tick positions (logscope/renderers/ticks.py) are matplotlib's, bit for bit.

ticks.py ports MaxNLocator and LogLocator so that a report does not import matplotlib
(0.15 to 0.2 s of every start, issue 7); every chart and the gold reports depend on them.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest
from matplotlib.ticker import LogLocator, MaxNLocator

from logscope.renderers import ticks

STEPS = [1, 2, 2.5, 5, 10]


def _same(expect: np.ndarray, got: np.ndarray) -> bool:
    a = np.asarray(expect, dtype=np.float64)
    b = np.asarray(got, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def _linear_ranges(rng: np.random.Generator, count: int) -> Iterator[tuple[float, float]]:
    """Ranges of every kind a chart meets: steps, losses, tiny spans far from zero, points, huge values."""
    for i in range(count):
        kind = i % 7
        if kind == 0:
            lo = rng.uniform(-1e3, 1e3)
            hi = lo + rng.uniform(0, 1e3)
        elif kind == 1:
            scale = 10 ** rng.uniform(-12, 12)
            lo = rng.normal() * scale
            hi = lo + abs(rng.normal()) * scale * 10 ** -rng.uniform(0, 8)
        elif kind == 2:
            lo = float(rng.integers(0, 10 ** int(rng.integers(1, 9))))
            hi = lo + float(rng.integers(0, 10 ** int(rng.integers(0, 9))))
        elif kind == 3:
            lo = hi = rng.uniform(-1, 1)
        elif kind == 4:
            lo = 1e6 + rng.uniform(0, 1e-3)
            hi = lo + rng.uniform(0, 1e-6)
        elif kind == 5:
            lo, hi = -rng.uniform(0, 1e100), rng.uniform(0, 1e100)
        else:
            lo, hi = rng.uniform(-1e-300, 1e-300), rng.uniform(-1e-300, 1e-300)
        yield float(lo), float(hi)


@pytest.mark.parametrize(("nbins", "integer"), [(6, True), (5, False)])
def test_max_n_ticks_equal_matplotlib(nbins: int, integer: bool) -> None:
    rng = np.random.default_rng(nbins)
    for lo, hi in _linear_ranges(rng, 3_000):
        expect = MaxNLocator(nbins=nbins, steps=STEPS, integer=integer).tick_values(lo, hi)
        got = ticks.max_n_ticks(lo, hi, nbins=nbins, steps=STEPS, integer=integer)
        assert _same(expect, got), (lo, hi, expect, got)


def test_log_ticks_equal_matplotlib() -> None:
    rng = np.random.default_rng(5)
    for i in range(3_000):
        lo = 10 ** rng.uniform(-100, 100)
        hi = lo * 10 ** [rng.uniform(0, 0.5), rng.uniform(0, 3), rng.uniform(0, 30), rng.uniform(0, 90)][i % 4]
        subs = (1.0, 2.0, 5.0) if math.log10(hi) - math.log10(lo) <= 3 else (1.0,)
        expect = LogLocator(base=10, subs=subs, numticks=8).tick_values(lo, hi)
        got = ticks.log_ticks(lo, hi, subs=subs, numticks=8)
        assert _same(expect, got), (lo, hi, expect, got)


def test_log_ticks_fall_back_like_matplotlib() -> None:
    # within one decade, too few ticks of 1, 2, 5: matplotlib's AutoLocator takes over
    for lo, hi in [(3.1, 4.2), (0.0061, 0.0079), (1.01, 1.02), (6e7, 9e7)]:
        expect = LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=8).tick_values(lo, hi)
        assert _same(expect, ticks.log_ticks(lo, hi, subs=(1.0, 2.0, 5.0), numticks=8))


def test_charts_do_not_import_matplotlib() -> None:
    code = ("import sys, numpy as np; from logscope.model import Series; from logscope.renderers import plots; "
            "plots.chart([Series('loss', np.arange(100), np.linspace(2, 1, 100))], [], ylabel='loss'); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
