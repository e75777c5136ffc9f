"""Suspicious signals: exact zeros, validation far better than training, values out of range."""

from __future__ import annotations

import numpy as np
from detector_cases import decay, noisy, run_of

from logscope.detectors import suspicious


def subkinds(found: list) -> list[str]:
    return sorted(f.evidence["subkind"] for f in found)


def test_loss_reaching_exactly_zero_is_a_warning_and_an_unused_term_is_info() -> None:
    loss = decay(50)
    loss[30:] = 0.0
    (f,) = suspicious.detect(run_of(loss=loss))
    assert f.severity == "warning" and f.step == 30 and f.evidence["zero_points"] == 20
    (g,) = suspicious.detect(run_of(cls_loss=np.zeros(50)))
    assert g.severity == "info" and "unused" in g.message


def test_validation_far_better_than_training_from_the_start() -> None:
    train = noisy(decay(60), 0.01)
    (f,) = suspicious.detect(run_of(loss=train, val_loss=train * 0.1))
    assert f.evidence["subkind"] == "val_better" and f.severity == "warning"
    assert f.evidence["median_ratio"] < 0.2
    assert suspicious.detect(run_of(loss=train, val_loss=train * 0.8)) == []  # dropout and augmentation


def test_out_of_range_metrics_and_what_is_not_out_of_range() -> None:
    acc = np.linspace(0.5, 1.02, 40)
    (f,) = suspicious.detect(run_of(accuracy=acc))
    assert f.evidence["subkind"] == "out_of_range" and f.evidence["max_value"] == 1.02
    assert suspicious.detect(run_of(val_accuracy=np.linspace(40, 95, 40))) == []  # percentages
    assert suspicious.detect(run_of(wer=np.linspace(1.4, 0.3, 40))) == []  # error rates can exceed 1
    assert suspicious.detect(run_of(map_small=np.full(40, -1.0))) == []  # COCO's "undefined"


def test_negative_loss_is_info() -> None:
    (f,) = suspicious.detect(run_of(nll=np.linspace(1.0, -2.05, 40)))
    assert f.severity == "info" and subkinds([f]) == ["negative_loss"]
