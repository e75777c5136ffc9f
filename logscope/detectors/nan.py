"""Non-finite values: the first NaN or infinite point of each series."""

from __future__ import annotations

import numpy as np

from ..model import Finding, Run
from ._series import step_text

FIXES = (
    "lower the learning rate (start with a factor of 10) or add warm-up",
    "clip gradients (e.g. clip_grad_norm_ at 1.0)",
    "check the inputs and labels for NaN/inf and the loss for log(0) or division by zero",
    "with mixed precision, use dynamic loss scaling or bf16",
)


def detect(run: Run, *, include_other: bool = True) -> list[Finding]:
    """One finding per series that holds a NaN or +/-inf value, at its first such step.

    ``include_other``: also check series whose role is not a loss or metric
    (learning rate, bookkeeping); a NaN there is just as real.
    """
    findings = []
    for series in run.series:
        if not include_other and series.metric == "other":
            continue
        bad = ~np.isfinite(series.values)
        if not bad.any():
            continue
        first = int(np.argmax(bad))
        value = float(series.values[first])
        # spelled as the JSON report spells every non-finite number ("NaN", "inf", "-inf")
        word = "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")
        count = int(bad.sum())
        evidence: dict[str, float | int | str | None] = {
            "confidence": 1.0,  # a fact read from the log, not an estimate
            "first_bad_step": int(series.steps[first]),
            "first_bad_value": word,
            "nonfinite_points": count,
            "points": len(series),
            "last_finite_step": None,
            "last_finite_value": None,
        }
        before = ""
        if first > 0:
            evidence["last_finite_step"] = int(series.steps[first - 1])
            evidence["last_finite_value"] = float(series.values[first - 1])
            before = f" (last finite value {series.values[first - 1]:.4g} at step {step_text(series.steps[first - 1])})"
        findings.append(
            Finding(
                kind="nan",
                severity="error",
                run=run.name,
                series=(series.name,),
                step=int(series.steps[first]),
                end_step=int(series.steps[-1]),
                message=(
                    f"{series.name} became {word} at step {step_text(series.steps[first])}{before}; "
                    f"{count} of {len(series)} points are non-finite."
                ),
                evidence=evidence,
                fixes=FIXES,
            )
        )
    return findings
