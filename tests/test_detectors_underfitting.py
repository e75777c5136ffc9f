"""Underfitting: still clearly improving when the run ended; converged runs and late LR drops are not."""

from __future__ import annotations

import numpy as np
from detector_cases import decay, noisy, run_of

from logscope.detectors import underfitting


def test_still_improving_at_the_end() -> None:
    val = noisy(decay(100, start=2.3, floor=0.2, tau=1.0), 0.005)
    (f,) = underfitting.detect(run_of(loss=val * 0.9, val_loss=val))
    assert f.kind == "underfitting" and f.series == ("val_loss",)
    assert f.evidence["p_value"] < 0.01
    assert f.evidence["tail_gain"] > 0.05
    assert f.step == 75 and f.end_step == 99
    assert f.fixes[0].startswith("train longer")


def test_a_converged_run_or_a_late_drop_then_flat_is_not_underfitting() -> None:
    assert underfitting.detect(run_of(loss=noisy(decay(100, tau=0.08), 0.005))) == []
    t = np.linspace(0, 1, 100)
    dropped = np.where(t < 0.76, 1.0, 0.5 + 0.2 * np.exp(-(t - 0.76) / 0.02))
    assert underfitting.detect(run_of(loss=noisy(dropped, 0.005))) == []


def test_overfitting_validation_is_not_underfitting() -> None:
    t = np.arange(100)
    val = decay(100)[40] * (1 + 0.5 * np.clip(t - 40, 0, None) / 59)
    assert underfitting.detect(run_of(loss=decay(100, floor=0.01, tau=1.0), val_loss=np.where(t < 40, decay(100), val))) == []


def test_a_short_run_still_improving_is_underfitting() -> None:
    # 16 epochs: 4 points in the last quarter, 2 in the last eighth, where ranks alone cannot reach
    # significance; the fall is judged against the series' own noise scale instead (issue 5)
    val = noisy(decay(16, start=2.3, floor=0.2, tau=1.0), 0.005)
    (f,) = underfitting.detect(run_of(loss=val * 0.9, val_loss=val))
    assert f.series == ("val_loss",) and f.evidence["p_value"] < 0.01
    assert f.evidence["tail_gain"] > 0.05


def test_a_short_run_that_flattened_or_stays_in_its_noise_is_not_underfitting() -> None:
    assert underfitting.detect(run_of(loss=noisy(decay(16, tau=0.08), 0.005))) == []
    flat = noisy(np.full(16, 1.0), 0.05)
    assert underfitting.detect(run_of(loss=flat, val_loss=flat * 1.1)) == []
