"""Overfitting: validation optimum with a noise band, significant worsening while training improves."""

from __future__ import annotations

import numpy as np
import pytest
from detector_cases import decay, noisy, run_of

from logscope.detectors import overfitting


def u_shape(n: int = 100, best: int = 40) -> np.ndarray:
    """A validation loss falling to its minimum at ``best``, then rising 50%."""
    t = np.arange(n)
    rise = decay(n)[best] * (1 + 0.5 * (np.clip(t - best, 0, None) / (n - 1 - best)) ** 1.2)
    return np.where(t < best, decay(n), rise)


def test_optimum_deterioration_and_evidence() -> None:
    run = run_of(loss=decay(100, floor=0.05), val_loss=noisy(u_shape(), 0.01))
    (f,) = overfitting.detect(run)
    assert f.kind == "overfitting" and f.severity == "warning"
    assert abs(f.evidence["best_step"] - 40) <= 6 and f.step == f.evidence["best_step"]
    assert f.evidence["steps_since_best"] == 99 - f.step
    assert f.evidence["p_value"] < 0.01
    assert f.evidence["band_start_step"] <= f.step <= f.evidence["band_end_step"]
    assert f.evidence["gap_at_end"] > f.evidence["gap_at_best"]
    assert f.evidence["patience"] >= 1 and f.evidence["early_stop_step"] > f.step
    assert f.series == ("val_loss", "loss")
    ck = f.evidence["checkpoint_step"]
    assert f.fixes[0].startswith(f"restore the checkpoint from step {ck} ")
    assert "patience=" in f.fixes[1]


def test_the_checkpoint_is_the_best_logged_evaluation_and_early_stopping_keeps_it() -> None:
    """The smoothed optimum is the onset; the checkpoint to restore is the lowest logged value up to
    the end of the optimum band (a noise dip before the smoothed minimum included), and the derived
    early-stopping rule would not have stopped before it."""
    val = noisy(u_shape(), 0.01)
    val[33] = val[25:45].min() - 0.02  # a lucky evaluation, before the smoothed minimum
    (f,) = overfitting.detect(run_of(loss=decay(100, floor=0.05), val_loss=val))
    upto = f.evidence["band_end_step"] + 1
    assert f.evidence["checkpoint_step"] == 33 == int(np.argmin(val[:upto]))
    assert f.evidence["checkpoint_value"] == val[33]
    assert f.fixes[0].startswith("restore the checkpoint from step 33 ")
    assert f.evidence["early_stop_step"] > 33
    assert f"its best logged value was {val[33]:.4g} at step 33" in f.message


def test_higher_is_better_metrics_overfit_too() -> None:
    acc = 1.0 - u_shape() / 4.0
    (f,) = overfitting.detect(run_of(accuracy=1.0 - decay(100, floor=0.05) / 4, val_accuracy=noisy(acc, 0.002)))
    assert abs(f.step - 40) <= 6
    assert f.evidence["best_value"] == pytest.approx(acc.max(), abs=0.01)


@pytest.mark.parametrize("case", ["training_rises_too", "flat_noisy", "short", "val_below_train", "no_twin"])
def test_no_overfitting_on_hard_negatives(case: str) -> None:
    n = 100
    val = noisy(u_shape(), 0.01)
    if case == "training_rises_too":  # that is divergence
        run = run_of(loss=u_shape() * 0.8, val_loss=val)
    elif case == "flat_noisy":
        run = run_of(loss=decay(n, floor=0.05), val_loss=noisy(np.full(n, 0.5), 0.05))
    elif case == "short":
        run = run_of(loss=np.array([2.0, 1.0, 0.8, 0.6, 0.5]), val_loss=np.array([2.1, 1.2, 1.1, 1.3, 1.6]))
    elif case == "val_below_train":
        run = run_of(loss=decay(n), val_loss=noisy(decay(n) * 0.8, 0.01))
    else:
        run = run_of(val_loss=val)
    assert overfitting.detect(run) == []
