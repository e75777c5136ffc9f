"""Spikes: one finding per event with its peak and recovery; noise, trends and level shifts are not spikes."""

from __future__ import annotations

import numpy as np
from detector_cases import decay, noisy, run_of

from logscope.detectors import spike


def test_one_finding_per_event_with_peak_and_recovery() -> None:
    values = noisy(decay(200), 0.02)
    values[100:104] *= [3.0, 6.0, 2.0, 1.2]  # one event over four points
    values[150] *= 4.0
    found = spike.detect(run_of(loss=values))
    assert [f.step for f in found] == [100, 150]
    first = found[0]
    assert first.evidence["peak_step"] == 101
    assert first.evidence["recovery_step"] > 101
    assert first.evidence["ratio"] > 4
    assert first.severity == "warning"
    assert first.evidence["p_value"] < 1e-6


def test_steep_start_trend_and_noise_are_not_spikes() -> None:
    rng = np.random.default_rng(4)
    values = decay(300, start=10.0, floor=0.1, tau=0.05) * np.exp(np.clip(rng.standard_t(5, 300), -5, 5) * 0.03)
    assert spike.detect(run_of(loss=values)) == []


def test_a_level_shift_that_never_recovers_is_not_a_spike() -> None:
    values = noisy(decay(200), 0.02)
    values[120:] *= 5.0
    assert spike.detect(run_of(loss=values)) == []


def test_heavy_tailed_step_level_noise_gives_no_spikes() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    shocks = np.clip(rng.standard_t(5, n) * np.sqrt(3 / 5), -5, 5)
    values = decay(n, tau=0.2) * np.exp(0.2 * shocks)
    assert spike.detect(run_of(loss=values)) == []


def test_early_spikes_are_info_and_metric_dips_need_two_points() -> None:
    values = noisy(decay(200), 0.02)
    values[8] *= 5.0
    (f,) = spike.detect(run_of(loss=values))
    assert f.severity == "info" and f.evidence["early"] is True
    acc = np.full(100, 0.995) + np.random.default_rng(6).normal(0, 0.0005, 100)
    acc[50] = 0.985  # a one-point dip of 0.01 in a saturated accuracy: below 2 points
    assert spike.detect(run_of(accuracy=acc)) == []
