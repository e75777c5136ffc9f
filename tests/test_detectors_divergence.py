"""Divergence: onset of a sustained rise, separate from the NaN step; hard negatives stay quiet."""

from __future__ import annotations

import numpy as np
import pytest
from detector_cases import decay, noisy, run_of

from logscope.detectors import divergence


def rising(n: int = 100, onset: int = 50, factor: float = 20.0) -> np.ndarray:
    """A decay that turns at ``onset`` into an exponential rise to ``factor`` x its minimum."""
    base = decay(n)
    ramp = np.clip((np.arange(n) - onset) / (n - 1 - onset), 0, None)
    return base * np.exp(np.log(factor) * ramp)


def test_onset_and_evidence_of_a_clear_divergence() -> None:
    run = run_of(loss=noisy(rising(), 0.02))
    (f,) = divergence.detect(run)
    assert f.kind == "divergence" and f.severity == "error"
    assert abs(f.step - 50) <= 5
    assert f.evidence["p_value"] < 0.01
    assert f.evidence["rise_ratio"] > 5
    assert f.evidence["nan_step"] is None
    assert f.end_step == 99
    assert "began a sustained rise at step" in f.message and str(f.step) in f.message


def test_nan_step_is_reported_apart_from_the_onset() -> None:
    values = noisy(rising(), 0.02)
    values[80:] = np.nan
    (f,) = divergence.detect(run_of(loss=values))
    assert abs(f.step - 50) <= 5
    assert f.evidence["nan_step"] == 80
    assert "non-finite at step 80" in f.message


def test_learning_rate_and_gradient_norm_become_evidence_and_fixes() -> None:
    n = 100
    lr = np.where(np.arange(n) < 50, np.linspace(1e-4, 2e-3, n), 2e-3)
    grad = np.where(np.arange(n) < 40, 1.0, np.exp((np.arange(n) - 40) / 8.0))
    run = run_of(loss=noisy(rising(), 0.02), learning_rate=lr, grad_norm=grad)
    (f,) = divergence.detect(run)
    assert f.evidence["lr_ratio"] == pytest.approx(f.evidence["lr_at_onset"] / 1e-4)
    assert f.evidence["lr_ratio"] > 5
    assert f.evidence["grad_norm_ratio"] > 2
    assert "lower the peak learning rate" in " ".join(f.fixes)
    assert any("clip gradients at about" in x for x in f.fixes)


def test_several_diverging_series_make_one_finding() -> None:
    loss = noisy(rising(), 0.02)
    acc = np.clip(1.0 - loss / loss.max(), 0, 1)
    run = run_of(loss=loss, accuracy=acc, val_loss=loss * 1.2)
    found = divergence.detect(run)
    assert len(found) == 1 and found[0].series[0] == "loss"


@pytest.mark.parametrize("case", ["spike", "warmup_bump", "lr_steps", "short", "constant", "healthy"])
def test_hard_negatives_do_not_diverge(case: str) -> None:
    n = 120
    base = decay(n)
    if case == "spike":
        values = base.copy()
        values[60:63] *= [8.0, 4.0, 1.5]
    elif case == "warmup_bump":
        values = base * np.exp(0.4 * np.sin(np.pi * np.clip(np.arange(n) / 16, 0, 1)))
    elif case == "lr_steps":
        values = base * np.where(np.arange(n) < 60, 1.0, np.where(np.arange(n) < 90, 0.5, 0.3))
    elif case == "short":
        values = np.array([2.0, 1.5, 1.6, 3.0, 4.0])
    elif case == "constant":
        values = np.full(n, 0.7)
    else:
        values = base
    assert divergence.detect(run_of(loss=noisy(values, 0.02))) == []


def test_validation_rise_with_improving_training_is_left_to_overfitting() -> None:
    n = 100
    val = decay(n) * np.exp(np.clip(np.arange(n) - 40, 0, None) / 40.0)
    assert divergence.detect(run_of(loss=decay(n, floor=0.05), val_loss=val)) == []


def test_metric_collapse_counts_when_no_loss_is_logged() -> None:
    n = 80
    acc = np.where(np.arange(n) < 40, 0.1 + 0.8 * (1 - np.exp(-np.arange(n) / 8)), 0.9 - 0.02 * (np.arange(n) - 40))
    (f,) = divergence.detect(run_of(accuracy=noisy(np.clip(acc, 0.05, 1), 0.005)))
    assert "collapse" in f.message
    assert abs(f.step - 40) <= 5
