"""Charts and display downsampling: never raise, keep extremes, valid SVG for any values."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from report_factory import series

from logscope.model import Finding
from logscope.renderers import downsample, plots

_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=150, deadline=None)
@given(
    values=arrays(np.float64, st.integers(0, 400), elements=_floats),
    start=st.integers(-(2**60), 2**60),
    gaps=st.integers(0, 3),
)
def test_chart_is_valid_svg_for_any_values(values: np.ndarray, start: int, gaps: int) -> None:
    steps = start + np.cumsum(np.full(values.size, gaps, dtype=np.int64))
    s = series("loss", steps, values)
    finding = Finding("spike", "info", "r", ("loss",), int(steps[0]) if values.size else None, None, "x",
                      {"peak_step": int(steps[-1]) if values.size else None, "peak_value": 1.0})
    chart = plots.chart([s], plots.markers_for([(1, finding)], {"loss"}), ylabel="loss")
    root = ET.fromstring(chart.svg)
    assert root.tag.endswith("svg")
    assert "nan" not in chart.svg.lower() and "inf" not in chart.svg.lower()


@settings(max_examples=100, deadline=None)
@given(values=arrays(np.float64, st.integers(1, 3000), elements=st.floats(-1e6, 1e6)),
       columns=st.integers(1, 200))
def test_minmax_keeps_extremes_order_and_ends(values: np.ndarray, columns: int) -> None:
    steps = np.arange(values.size) * 3
    x, y = downsample.minmax(steps, values, columns)
    assert x.size <= max(values.size, 2 * columns + 2)
    assert np.all(np.diff(x) > 0)
    assert y.max() == values.max() and y.min() == values.min()
    assert x[0] == steps[0] and x[-1] == steps[-1]
    # every kept point is a real point of the series
    assert np.array_equal(values[(x / 3).astype(int)], y)


def test_minmax_keeps_each_columns_spike() -> None:
    steps = np.arange(1_000_000)
    values = np.zeros(steps.size)
    spikes = np.arange(1_234, 1_000_000, 50_000)
    values[spikes] = 1.0
    x, y = downsample.minmax(steps, values, 300)
    assert x.size <= 602
    assert set(spikes) <= set(x[y == 1.0].astype(int))


def test_column_means_is_short_and_keeps_the_ends() -> None:
    steps = np.arange(10_000)
    values = np.linspace(1.0, 0.0, steps.size)
    x, y = downsample.column_means(steps, values, 100)
    assert x.size == 102
    assert (x[0], y[0], x[-1], y[-1]) == (0, 1.0, 9_999, 0.0)


def test_log_scale_only_when_a_positive_series_spans_decades() -> None:
    steps = np.arange(100)
    assert plots.chart([series("l", steps, np.geomspace(10, 0.01, 100))], [], ylabel="loss").log_y
    assert not plots.chart([series("l", steps, np.linspace(1, 0.5, 100))], [], ylabel="loss").log_y
    assert not plots.chart([series("l", steps, np.linspace(100, -0.01, 100))], [], ylabel="loss").log_y


def test_short_series_are_drawn_as_logged_and_lr_is_not_smoothed() -> None:
    steps = np.arange(10)
    short = plots.chart([series("l", steps, 1 / (steps + 1))], [], ylabel="loss")
    assert short.few_points and 'class="dots c0"' in short.svg and 'class="smooth' not in short.svg
    lr = series("lr", np.arange(500), np.repeat([0.1, 0.01], 250), "other", "lr")
    chart = plots.chart([lr], [], ylabel="learning rate")
    assert 'class="solid c0"' in chart.svg and 'class="smooth' not in chart.svg


def test_markers_follow_the_documented_evidence_keys() -> None:
    f = Finding("overfitting", "warning", "r", ("val",), 50, 99, "m", {"best_step": 40, "best_value": 0.3})
    g = Finding("divergence", "error", "r", ("train",), 10, 30, "m", {"nan_step": 31})
    h = Finding("nan", "error", "r", ("val",), 70, 99, "m", {"first_bad_step": 70})
    markers = plots.markers_for([(1, f), (2, g), (3, h)], {"val"})
    assert [(m.shape, m.number, m.step) for m in markers] == [("line", 1, 50), ("best", 1, 40), ("edge", 3, 70)]
    assert [(m.shape, m.step) for m in plots.markers_for([(2, g)], {"train"})] == [("line", 10), ("edge", 31)]
