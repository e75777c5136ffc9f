"""Noisy training: point noise large against the whole run's trend."""

from __future__ import annotations

import numpy as np
from detector_cases import decay, noisy, run_of

from logscope.detectors import noisy as noisy_detector


def test_noise_larger_than_the_trend_is_reported() -> None:
    values = noisy(decay(3000, start=2.3, floor=1.6, tau=0.2), 0.6, seed=1)
    (f,) = noisy_detector.detect(run_of(loss=values, learning_rate=np.full(3000, 0.1)))
    assert f.evidence["noise"] > 0.5
    assert f.evidence["noise_to_trend"] > 1 and f.severity == "warning"
    assert f.fixes[0] == "lower the learning rate about 3x (it was 0.1 at the end)"


def test_ordinary_noise_and_epoch_logs_are_not_noisy() -> None:
    assert noisy_detector.detect(run_of(loss=noisy(decay(3000), 0.2))) == []
    assert noisy_detector.detect(run_of(loss=noisy(decay(30, floor=1.9), 0.6))) == []  # 30 points: not judged
