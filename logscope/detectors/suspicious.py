"""Suspicious signals: a loss of exactly 0, validation far better than training, values out of range.

These are checks of fact, not statistics: each finding says what was seen
and on how many points. Three families:

* ``zero_loss``: a loss that reaches exactly 0 (a warning), or is 0 at every
  point (info: an unused term, e.g. a classification loss with one class);
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
from ._series import BOUNDED, FRACTIONS, fmt, judged, pairs


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


def _zero_or_negative(run: Run, series: Series, finite: np.ndarray) -> list[Finding]:
    ok = np.isfinite(series.values)
    steps = series.steps[ok]
    if np.all(finite == 0):
        return [Finding(
            "suspicious", "info", run.name, (series.name,), int(steps[0]), int(steps[-1]),
            f"{series.name} is exactly 0 at all {finite.size} points: an unused loss term "
            "(e.g. a classification loss with a single class) or a logging bug.",
            {"subkind": "zero_loss", "confidence": 1.0, "zero_points": int(finite.size), "points": int(finite.size)},
            ("check that this loss term is meant to be unused (single-class data, disabled head)",),
        )]
    out = []
    zero = finite == 0
    if zero.any():
        first = int(steps[np.argmax(zero)])
        out.append(Finding(
            "suspicious", "warning", run.name, (series.name,), first, int(steps[-1]),
            f"{series.name} is exactly 0 from step {first} ({int(zero.sum())} of {finite.size} points): "
            "a perfect fit usually means leaked labels, a trivial task or a bug in the loss.",
            {"subkind": "zero_loss", "confidence": 1.0, "zero_points": int(zero.sum()), "points": int(finite.size),
             "first_zero_step": first},
            ("check for label leakage (the target among the inputs) and duplicated train/validation samples",
             "check the loss computation (masking everything out, wrong reduction, detached graph)",
             "check that the task is not trivial (a single class, constant labels)"),
        ))
    neg = finite < 0
    if neg.any():
        first = int(steps[np.argmax(neg)])
        out.append(Finding(
            "suspicious", "info", run.name, (series.name,), first, int(steps[-1]),
            f"{series.name} is negative from step {first} (minimum {fmt(float(finite.min()))}): fine for a "
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
    percent = float(np.median(finite)) > 1.0
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
        f"{series.name} leaves its range {scale} at step {first} ({int(bad.sum())} of {finite.size} points, "
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
        out[i] = np.median(values[lo[i]:hi[i]])
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
        stat, what = float(np.median(ratio)), f"{fmt(float(np.median(ratio)), 2)}x the training loss"
    elif val.metric in FRACTIONS and val.direction == "max":
        scale = 100.0 if float(np.median(vv)) > 1.0 else 1.0
        diff = (vv - at) / scale
        flags = diff > leak_margin
        stat, what = float(np.median(diff)), f"{fmt(100 * float(np.median(diff)), 3)} points above training"
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
