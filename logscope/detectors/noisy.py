"""Noisy training: point-to-point noise large against the whole run's trend.

Method (docs/detectors.md has the long form): for each training loss, the
residuals of log(loss) around a robust local baseline (the spike detector's)
give the point noise (MAD scale, in log units, so 0.3 means about +-35% per
point). The trend is the range of the smoothed block medians. The run is noisy
when the noise is at least ``min_noise`` and at least ``ratio`` times the trend.
"""

from __future__ import annotations

import numpy as np

from ..model import Finding, Run, SeverityName
from ..smoothing import rolling_median
from ._series import by_metric, fmt, headline, prepare, value_at
from ._stats import MAD_TO_SIGMA, mann_kendall, median
from .spike import centred_residuals


def detect(
    run: Run,
    *,
    min_noise: float = 0.25,
    ratio: float = 0.4,
    strong_ratio: float = 1.0,
    min_points: int = 50,
) -> list[Finding]:
    """One finding per noisy training loss.

    ``min_noise``: least point noise in log units (0.25 = about +-28%);
    ``ratio``: least noise-to-trend ratio; ``strong_ratio``: from this ratio
    on the finding is a warning, below it info; ``min_points``: shorter series
    are not judged (epoch averages are rarely noisy).
    """
    out = []
    for series in headline(run):
        if series.metric != "loss" or series.split != "train":
            continue
        p = prepare(series)
        if p.n < min_points or not p.log:
            continue
        resid, _ = centred_residuals(p)
        noise = MAD_TO_SIGMA * float(median(np.abs(resid - median(resid))))
        z = rolling_median(p.by, max(3, p.nb // 20))
        trend = float(z.max() - z.min())
        if noise < min_noise:
            continue
        r = noise / max(trend, 1e-12)
        if r < ratio:
            continue
        test = mann_kendall(p.by)
        lr = by_metric(run, "lr")
        lr_value = value_at(lr, int(p.steps[-1])) if lr is not None else None
        evidence: dict[str, float | int | str | bool | None] = {
            "p_value": test.p_down,
            "noise": noise,
            "noise_pct": float(np.expm1(noise)),
            "trend": trend,
            "noise_to_trend": min(r, 1e6),
            "lr": lr_value,
        }
        message = (f"{series.name} is noisy: points scatter about +-{fmt(100 * np.expm1(noise), 2)}% around the local "
                   f"level, {fmt(r, 2)}x the whole run's change of {fmt(100 * np.expm1(trend), 2)}% "
                   f"(trend p={test.p_down:.2g}).")
        lower = (f"lower the learning rate about 3x (it was {fmt(lr_value, 3)} at the end)" if lr_value is not None
                 else "lower the learning rate about 3x")
        fixes = (lower, "increase the batch size or accumulate gradients over several batches",
                 "clip gradients (e.g. max norm 1.0)")
        severity: SeverityName = "warning" if r >= strong_ratio else "info"
        out.append(Finding("noisy", severity, run.name, (series.name,), int(p.steps[0]), int(p.steps[-1]), message,
                           evidence, fixes))
    return out
