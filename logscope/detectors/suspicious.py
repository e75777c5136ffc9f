"""Suspicious signals: a loss of exactly 0, validation far better than training, values out of range.

These are checks of fact, not statistics: each finding says what was seen
and on how many points. Three families:

* ``zero_loss``: a loss that reaches exactly 0 (a warning), or is 0 at every
  point (info: an unused term, e.g. a classification loss with one class);
  where the source is known to round the logged loss (Hugging Face's Trainer,
  4 decimals, in ``trainer_state.json`` and its TensorBoard files) a 0 is
  said to mean "below 5e-5", not exactly 0;
  ``negative_loss``: a loss below 0 (info: fine for log-likelihoods);
* ``val_better``: validation loss under ``leak_ratio`` times training loss (or
  validation accuracy ``leak_margin`` above training) over the first evaluations
  and most of the run: possible leakage or evaluation on training data;
* ``out_of_range``: a bounded metric (accuracy, precision, recall, F1, AUC,
  IoU, mAP; not error rates, which can exceed 1) outside [0, 1] (or [0, 100]
  for percentages); -1, which COCO-style evaluators write for "undefined", is
  ignored.
"""

from __future__ import annotations

import numpy as np

from ..model import Finding, Run, Series
from ._series import BOUNDED, FRACTIONS, fmt, judged, pairs, step_text
from ._stats import median


def detect(
    run: Run,
    *,
    leak_ratio: float = 0.35,
    leak_margin: float = 0.2,
    min_evals: int = 5,
) -> list[Finding]:
    """Findings for exact zeros, validation far better than training, and out-of-range metrics.

    ``leak_ratio``: validation loss below this multiple of the training loss
    is suspicious; ``leak_margin``: validation accuracy (as a fraction) this
    far above training is suspicious; ``min_evals``: fewer validation points
    than this are not compared.
    """
    out: list[Finding] = []
    for series in judged(run):
        finite = series.values[np.isfinite(series.values)]
        if finite.size == 0:
            continue
        if series.metric == "loss":
            out.extend(_zero_or_negative(run, series, finite))
        if series.metric in BOUNDED:
            out.extend(_range(run, series, finite))
    for train, val in pairs(run):
        f = _val_better(run, train, val, leak_ratio=leak_ratio, leak_margin=leak_margin, min_evals=min_evals)
        if f is not None:
            out.append(f)
    return out


#: Decimals Hugging Face's Trainer rounds the logged training loss to (``round(loss, 4)`` in
#: ``Trainer._maybe_log_save_evaluate``); its TensorBoard and W&B callbacks log the same rounded number.
HF_LOSS_DECIMALS = 4


def rounded_decimals(run: Run, series: Series, finite: np.ndarray) -> int | None:
    """Decimals ``series`` is known to be rounded to when logged, or None.

    Known: the training loss of Hugging Face's Trainer, ``loss`` in
    ``trainer_state.json`` or ``train/loss`` beside ``train/epoch`` (the names its
    logging callbacks write). Only if every value is a multiple of 1e-4 (to
    float32 precision, as TensorBoard stores it): a subclass that logs unrounded
    losses is not taken for one that rounds.
    """
    hf = (run.format == "hf-trainer" and series.name == "loss") or (
        series.name == "train/loss" and run.get("train/epoch") is not None)
    if not hf:
        return None
    scaled = finite * 10.0 ** HF_LOSS_DECIMALS
    off = np.abs(scaled - np.round(scaled))
    return HF_LOSS_DECIMALS if bool(np.all(off <= 1e-6 * np.abs(scaled) + 1e-6)) else None


def _zero_or_negative(run: Run, series: Series, finite: np.ndarray) -> list[Finding]:
    ok = np.isfinite(series.values)
    steps = series.steps[ok]
    decimals = rounded_decimals(run, series, finite)
    # a rounding source's 0 is "below half its last decimal", not an exact 0: say so, and by how much
    bound = 0.5 * 10.0 ** -decimals if decimals is not None else 0.0
    zero_is = "exactly 0" if decimals is None else "logged as 0"
    why = "" if decimals is None else (
        f"; Hugging Face rounds logged losses to {decimals} decimals: below 5e-{decimals + 1}")
    rounding: dict[str, int | float] = {} if decimals is None else {"logged_decimals": decimals,
                                                                     "zero_below": bound}
    if np.all(finite == 0):
        return [Finding(
            "suspicious", "info", run.name, (series.name,), int(steps[0]), int(steps[-1]),
            f"{series.name} is {zero_is} at all {finite.size} points{why}: an unused loss term "
            "(e.g. a classification loss with a single class) or a logging bug.",
            {"subkind": "zero_loss", "confidence": 1.0, "zero_points": int(finite.size), "points": int(finite.size),
             **rounding},
            ("check that this loss term is meant to be unused (single-class data, disabled head)",),
        )]
    out = []
    zero = finite == 0
    if zero.any():
        first = int(steps[np.argmax(zero)])
        fit = "a perfect fit" if decimals is None else "a training loss that small"
        out.append(Finding(
            "suspicious", "warning", run.name, (series.name,), first, int(steps[-1]),
            f"{series.name} is {zero_is} from step {step_text(first)} ({int(zero.sum())} of {finite.size} points{why}): "
            f"{fit} usually means leaked labels, a trivial task or a bug in the loss.",
            {"subkind": "zero_loss", "confidence": 1.0, "zero_points": int(zero.sum()), "points": int(finite.size),
             "first_zero_step": first, **rounding},
            ("check for label leakage (the target among the inputs) and duplicated train/validation samples",
             "check the loss computation (masking everything out, wrong reduction, detached graph)",
             "check that the task is not trivial (a single class, constant labels)"),
        ))
    neg = finite < 0
    if neg.any():
        first = int(steps[np.argmax(neg)])
        out.append(Finding(
            "suspicious", "info", run.name, (series.name,), first, int(steps[-1]),
            f"{series.name} is negative from step {step_text(first)} (minimum {fmt(float(finite.min()))}): fine for a "
            "log-likelihood objective, a bug for cross-entropy or squared error.",
            {"subkind": "negative_loss", "confidence": 1.0, "negative_points": int(neg.sum()),
             "min_value": float(finite.min()), "first_negative_step": first},
            ("check the sign and the terms of the loss if it is a cross-entropy or squared error",),
        ))
    return out


def _range(run: Run, series: Series, finite: np.ndarray) -> list[Finding]:
    finite = finite[finite != -1]  # COCO-style evaluators write -1 for "undefined" (no objects of that size)
    if finite.size == 0:
        return []
    percent = float(median(finite)) > 1.0
    hi = 100.0 if percent else 1.0
    bad = (finite < 0) | (finite > hi + 1e-9)
    if not bad.any():
        return []
    ok = np.isfinite(series.values) & (series.values != -1)
    steps = series.steps[ok]
    first = int(steps[np.argmax(bad)])
    scale = "[0, 100] (percent)" if percent else "[0, 1]"
    return [Finding(
        "suspicious", "warning", run.name, (series.name,), first, int(steps[-1]),
        f"{series.name} leaves its range {scale} at step {step_text(first)} ({int(bad.sum())} of {finite.size} points, "
        f"from {fmt(float(finite.min()))} to {fmt(float(finite.max()))}).",
        {"subkind": "out_of_range", "confidence": 1.0, "bad_points": int(bad.sum()), "points": int(finite.size),
         "min_value": float(finite.min()), "max_value": float(finite.max())},
        ("check how the metric is computed and averaged (summing instead of averaging over batches, "
         "counting padded tokens, percentages mixed with fractions)",),
    )]


def _segment_medians(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``median(values[lo[i]:hi[i]])`` for each i (NaN for an empty slice).

    A one-point slice is its point, taken without a call per slice: when training
    and validation are logged at the same steps every slice has one point, and
    thousands of ``np.median`` calls were most of a sweep's analysis time.
    """
    size = hi - lo
    out = np.full(size.shape, np.nan)
    one = size == 1
    out[one] = values[lo[one]]
    for i in np.flatnonzero(size > 1):
        out[i] = median(values[lo[i]:hi[i]])
    return out


def _val_better(run: Run, train: Series, val: Series, *, leak_ratio: float, leak_margin: float,
                min_evals: int) -> Finding | None:
    ok_v = np.isfinite(val.values)
    ok_t = np.isfinite(train.values)
    if ok_v.sum() < min_evals or ok_t.sum() < 2:
        return None
    vs, vv = val.steps[ok_v], val.values[ok_v]
    ts, tv = train.steps[ok_t], train.values[ok_t]
    # the training level at each evaluation: median of the training points logged up to it since the previous one
    idx = np.searchsorted(ts, vs, side="right")
    lo = np.concatenate([[0], idx[:-1]])
    at = _segment_medians(tv, lo, idx)
    use = np.isfinite(at)
    if use.sum() < min_evals:
        return None
    vs, vv, at = vs[use], vv[use], at[use]
    early = max(min_evals, vv.size // 5)
    if val.metric == "loss":
        if np.any(at <= 0):
            return None
        ratio = vv / at
        flags = ratio < leak_ratio
        stat, what = float(median(ratio)), f"{fmt(float(median(ratio)), 2)}x the training loss"
    elif val.metric in FRACTIONS and val.direction == "max":
        scale = 100.0 if float(median(vv)) > 1.0 else 1.0
        diff = (vv - at) / scale
        flags = diff > leak_margin
        stat, what = float(median(diff)), f"{fmt(100 * float(median(diff)), 3)} points above training"
    else:
        return None
    if not (flags[:early].all() and flags.mean() >= 0.8):
        return None
    message = (f"{val.name} was far better than {train.name} from the first evaluation on "
               f"(median {what}, in {int(flags.sum())} of {flags.size} evaluations): "
               "possible leakage between training and validation data.")
    return Finding(
        "suspicious", "warning", run.name, (val.name, train.name), int(vs[0]), int(vs[-1]), message,
        {"subkind": "val_better", "confidence": float(flags.mean()), "median_ratio" if val.metric == "loss"
         else "median_margin": stat, "evaluations": int(flags.size)},
        ("check for duplicates or near-duplicates between the training and validation sets",
         "check that validation does not run on training data or with labels among the inputs",
         "if training uses heavy augmentation or dropout, compare with both switched off"),
    )
