"""Suspicious signals: exact zeros, validation far better than training, values out of range."""

from __future__ import annotations

import numpy as np
from detector_cases import decay, noisy, run_of

from logscope.detectors import suspicious
from logscope.model import Run
from logscope.readers.base import Column, build_run


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


def _hf_loss(n: int = 60, zero_from: int = 40) -> np.ndarray:
    """A training loss as Hugging Face's Trainer logs it: rounded to 4 decimals, 0 once under 5e-5."""
    loss = np.round(decay(n, start=0.9, floor=0.002, tau=0.05), 4)
    loss[zero_from:] = 0.0
    return loss


def _hf_run(fmt: str, **series: np.ndarray) -> Run:
    n = len(next(iter(series.values())))
    return build_run(name="r", format=fmt, columns={k: Column(np.arange(n) * 10, np.asarray(v, float))
                                                     for k, v in series.items()})


def test_a_hugging_face_zero_loss_is_said_to_be_rounded_not_exact() -> None:
    loss = _hf_loss()
    (f,) = suspicious.detect(_hf_run("hf-trainer", loss=loss))
    assert f.severity == "warning" and f.step == 400 and f.evidence["zero_points"] == 20
    assert "exactly" not in f.message and "logged as 0 from step 400" in f.message
    assert "rounds logged losses to 4 decimals: below 5e-5" in f.message
    assert f.evidence["logged_decimals"] == 4 and f.evidence["zero_below"] == 5e-5
    # its TensorBoard twin: the same rounded number, stored as float32, beside train/epoch
    epoch = np.linspace(0, 3, loss.size)
    (g,) = suspicious.detect(_hf_run("tensorboard", **{"train/loss": loss.astype(np.float32),
                                                       "train/epoch": epoch}))
    assert g.evidence["logged_decimals"] == 4 and "logged as 0" in g.message


def test_an_unrounded_or_unknown_zero_loss_stays_exactly_zero() -> None:
    loss = decay(60)
    loss[40:] = 0.0
    (f,) = suspicious.detect(_hf_run("hf-trainer", loss=loss))  # a Trainer subclass logging unrounded losses
    assert "exactly 0" in f.message and "logged_decimals" not in f.evidence
    (g,) = suspicious.detect(_hf_run("tensorboard", **{"train/loss": _hf_loss()}))  # no train/epoch: not HF's
    assert "exactly 0" in g.message and "logged_decimals" not in g.evidence
    (h,) = suspicious.detect(_hf_run("hf-trainer", eval_loss=_hf_loss()))  # evaluation losses are not rounded
    assert "exactly 0" in h.message
