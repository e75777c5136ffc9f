"""Chart paths (plots._path) give the text of formatting every coordinate, whichever way they are written.

Coordinates inside the chart are looked up in a table of texts (issue 7: formatting the
~360,000 coordinates of a 2,000-run report cost 0.08 s); the rest are formatted.
"""

from __future__ import annotations

import numpy as np

from logscope.renderers import plots


def _formatted(scale: plots._Scale, xs: list[np.ndarray], ys: list[np.ndarray]) -> str:
    """What every coordinate formatted on its own gives (the code before the table)."""
    out = []
    for x, y in zip(xs, ys):
        if not x.size:
            continue
        px = np.round(np.asarray(scale.sx(x), dtype=np.float64), 1)
        py = np.round(np.asarray(scale.sy(y), dtype=np.float64), 1)
        coords = " ".join(f"{plots._fmt(a)} {plots._fmt(b)}" for a, b in zip(px.tolist(), py.tolist()))
        out.append("M" + coords if x.size > 1 else f"M{coords}h0.1")
    return "".join(out)


def test_path_text_equals_formatting_each_coordinate() -> None:
    rng = np.random.default_rng(17)
    for trial in range(300):
        n = int(rng.integers(1, 400))
        x = np.sort(rng.uniform(0, 10 ** rng.uniform(0, 7), n))
        y = rng.normal(0, 10 ** rng.uniform(-3, 3), n)
        if trial % 5 == 0:
            y[: n // 2] = np.round(y[: n // 2], 2)  # ties at the rounding point
        lo, hi = float(y.min()), float(y.max())
        if trial % 7 == 0:  # part of the line far outside the axes: formatted, not looked up
            lo = lo / 1e6 + hi / 2
        scale = plots._Scale(float(x[0]), float(x[-1]) if x[-1] > x[0] else float(x[0]) + 1, lo, hi, False)
        xs = np.split(x, [n // 3]) if n > 3 else [x]
        ys = np.split(y, [n // 3]) if n > 3 else [y]
        assert plots._path(scale, xs, ys) == _formatted(scale, xs, ys)


def test_path_of_negative_zero_and_edges() -> None:
    scale = plots._Scale(0.0, 1.0, 0.0, 1.0, False)
    x = np.array([0.0, -0.0004 / 568, 1.0, 1e-12])
    y = np.array([0.0, 1.0, -1e-9, 0.5])
    assert plots._path(scale, [x], [y]) == _formatted(scale, [x], [y])
    assert plots._path(scale, [x[:1]], [y[:1]]) == _formatted(scale, [x[:1]], [y[:1]])


def test_path_far_outside_the_chart_is_formatted() -> None:
    scale = plots._Scale(0.0, 1.0, 0.0, 1.0, False)
    x = np.array([0.0, 0.5, 1.0])
    for far in (1e3, -1e3, 1e6, 1e14, 1e18):
        y = np.array([0.5, far, 0.25])
        assert plots._path(scale, [x], [y]) == _formatted(scale, [x], [y])
