"""Smoothing: TensorBoard's EMA number for number, the step-aware EMA, the rolling median."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logscope.smoothing import ema, ema_steps, rolling_median


def tensorboard_classic_smoothing(ys: list[float], weight: float) -> list[float]:
    """A line-by-line transcription of TensorBoard's ``classicSmoothing``.

    From tensorboard/webapp/widgets/line_chart_v2/data_transformer.ts: clamp the
    weight, return a constant series as is, skip non-finite points without
    counting them, divide by 1 - w**count.
    """
    if not math.isfinite(weight):
        weight = 0.0
    weight = max(0.0, min(weight, 1.0))
    if all(y == ys[0] for y in ys):
        return list(ys)
    last = 0.0
    num_accum = 0
    out = []
    for y in ys:
        if not math.isfinite(y):
            out.append(y)
            continue
        last = last * weight + (1 - weight) * y
        num_accum += 1
        debias = 1 if weight == 1 else 1 - math.pow(weight, num_accum)
        out.append(last / debias)
    return out


def same(a: np.ndarray, b: list[float]) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b, dtype=np.float64), equal_nan=True))


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.6, 0.9, 0.99, 0.999, 1.0])
def test_ema_equals_tensorboard_on_a_noisy_curve(weight: float) -> None:
    rng = np.random.default_rng(1)
    ys = (2.0 * np.exp(-np.arange(500) / 80) + rng.normal(0, 0.05, 500)).tolist()
    assert same(ema(np.array(ys), weight), tensorboard_classic_smoothing(ys, weight))


def test_ema_skips_non_finite_points_like_tensorboard() -> None:
    ys = [1.0, float("nan"), 2.0, float("inf"), 3.0, float("-inf"), float("nan"), 4.0]
    out = ema(np.array(ys), 0.6)
    assert same(out, tensorboard_classic_smoothing(ys, 0.6))
    assert np.isnan(out[1]) and out[3] == np.inf and out[5] == -np.inf
    # the second finite point is debiased with count 2, not 3
    assert out[2] == pytest.approx((0.4 * 0.6 * 1.0 + 0.4 * 2.0) / (1 - 0.36))


def test_ema_leaves_constant_series_and_bad_weights_alone() -> None:
    assert same(ema(np.full(4, 7.0), 0.9), [7.0] * 4)
    ys = [3.0, 1.0, 2.0]
    assert same(ema(np.array(ys), float("nan")), ys)
    assert same(ema(np.array(ys), -1.0), ys)
    assert same(ema(np.array(ys), 5.0), tensorboard_classic_smoothing(ys, 1.0))
    assert ema(np.array([]), 0.6).size == 0


def test_first_point_is_unbiased() -> None:
    assert ema(np.array([5.0, 1.0]), 0.9)[0] == pytest.approx(5.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.just(float("inf"))), min_size=1, max_size=60),
    st.floats(0.0, 1.0),
)
def test_ema_matches_tensorboard_on_any_input(ys: list[float], weight: float) -> None:
    assert same(ema(np.array(ys, dtype=np.float64), weight), tensorboard_classic_smoothing(ys, weight))


def direct_step_ema(steps: np.ndarray, values: np.ndarray, half_life: float) -> np.ndarray:
    """The definition, in O(n^2): weights 0.5**(distance/half_life) over earlier finite points."""
    out = values.astype(np.float64).copy()
    ok = np.isfinite(values)
    for i in np.flatnonzero(ok):
        j = ok & (np.arange(values.size) <= i)
        w = 0.5 ** ((steps[i] - steps[j]) / half_life)
        out[i] = np.sum(w * values[j]) / np.sum(w)
    return out


def test_step_ema_follows_its_definition_on_uneven_steps() -> None:
    rng = np.random.default_rng(3)
    steps = np.cumsum(rng.integers(1, 50, 200))
    values = rng.normal(size=200)
    values[[5, 77]] = np.nan
    got = ema_steps(steps, values, half_life=120.0)
    np.testing.assert_allclose(got, direct_step_ema(steps, values, 120.0), rtol=1e-9, equal_nan=True)


def test_step_ema_weights_by_distance_not_by_index() -> None:
    # one point far in the past weighs almost nothing; the same point one step back weighs half
    far = ema_steps(np.array([0, 1000]), np.array([10.0, 0.0]), half_life=10.0)
    near = ema_steps(np.array([0, 10]), np.array([10.0, 0.0]), half_life=10.0)
    assert far[1] == pytest.approx(10.0 * 2**-100 / (1 + 2**-100))
    assert near[1] == pytest.approx(10.0 * 0.5 / 1.5)


def test_step_ema_sub_step_half_life_and_degenerate_input() -> None:
    got = ema_steps(np.array([0, 1, 2]), np.array([1.0, 2.0, 3.0]), half_life=0.25)
    np.testing.assert_allclose(got, direct_step_ema(np.array([0, 1, 2]), np.array([1.0, 2.0, 3.0]), 0.25))
    assert same(ema_steps(np.array([0, 1]), np.array([1.0, 2.0]), 0.0), [1.0, 2.0])
    assert same(ema_steps(np.array([4]), np.array([1.0]), 3.0), [1.0])
    with pytest.raises(ValueError):
        ema_steps(np.array([0, 1]), np.array([1.0]), 3.0)


def test_rolling_median_ignores_a_spike_and_nan() -> None:
    values = np.array([1.0, 1.0, 1.0, 50.0, 1.0, np.nan, 1.0, 1.0])
    out = rolling_median(values, 5)
    assert np.all(out == 1.0)


def test_rolling_median_window_is_centred_and_odd() -> None:
    out = rolling_median(np.arange(10.0), 4)  # becomes 5
    assert out[5] == 5.0
    assert out[0] == 1.0  # shrunk window [0, 1, 2]
    assert same(rolling_median(np.array([np.nan, np.nan]), 3), [np.nan, np.nan])
    assert same(rolling_median(np.array([2.0, 1.0]), 1), [2.0, 1.0])
