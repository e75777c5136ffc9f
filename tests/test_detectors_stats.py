"""The shared statistics: noise scale, autocorrelation, Mann-Kendall, Theil-Sen, blocks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from logscope.detectors._series import blocks
from logscope.detectors._stats import ar1, mann_kendall, robust_sigma, theil_sen


def test_robust_sigma_recovers_the_noise_under_a_trend_and_spikes() -> None:
    rng = np.random.default_rng(0)
    y = np.exp(-np.linspace(0, 5, 2000)) + rng.normal(0, 0.05, 2000)
    y[::100] += 5.0  # spikes
    assert robust_sigma(y) == pytest.approx(0.05, rel=0.1)
    assert robust_sigma(np.array([1.0, 2.0, 3.0])) == 0.0
    assert robust_sigma(np.full(10, 4.0)) == 0.0


def test_ar1_estimates_autocorrelated_noise_and_not_a_curved_trend() -> None:
    rng = np.random.default_rng(1)
    noise = signal.lfilter([1.0], [1.0, -0.6], rng.normal(size=400))
    assert 0.3 < ar1(noise + np.linspace(0, 3, 400)) < 0.75  # biased low by design (see ar1)
    assert ar1(rng.normal(size=400)) < 0.15
    # a smooth convex curve with little noise is not "autocorrelated noise"
    assert ar1(np.linspace(0, 1, 40) ** 2 + rng.normal(0, 0.01, 40)) < 0.3
    assert ar1(np.arange(10.0)) == 0.0  # too short to tell


def test_mann_kendall_on_monotone_flat_and_constant_series() -> None:
    up = mann_kendall(np.arange(10.0))
    assert up.s == 45 and up.tau == 1.0
    assert up.p_up < 1e-3 and up.p_down > 0.99
    flat = mann_kendall(np.random.default_rng(2).normal(size=200))
    assert flat.p > 0.05
    const = mann_kendall(np.full(20, 3.0))
    assert const.p == 1.0 and const.s == 0.0
    assert mann_kendall(np.array([1.0, 2.0])).p == 1.0


def test_mann_kendall_correction_widens_p_values_for_autocorrelated_noise() -> None:
    rng = np.random.default_rng(3)
    y = signal.lfilter([1.0], [1.0, -0.8], rng.normal(size=300)) + np.linspace(0, 1.5, 300)
    assert mann_kendall(y).p_up > mann_kendall(y, correct=False).p_up


def test_theil_sen_ignores_outliers() -> None:
    x = np.arange(50.0)
    y = 2.0 * x + 1.0
    y[[5, 17, 33]] = 500.0
    slope, low, high = theil_sen(x, y)
    assert slope == pytest.approx(2.0)
    assert low <= 2.0 <= high
    assert theil_sen(np.ones(3), np.arange(3.0)) == (0.0, 0.0, 0.0)


def test_blocks_median_and_pass_through() -> None:
    x = np.arange(10.0)
    bx, by, start = blocks(x, x * 2, 20)
    assert np.array_equal(by, x * 2) and np.array_equal(start, np.arange(10))
    bx, by, start = blocks(np.arange(1001.0), np.arange(1001.0), 100)
    assert bx.size == 91 and start[1] == 11  # blocks of 11 points, the last one shorter
    assert by[0] == 5.0 and by[-1] == 995.0
