"""Learning-rate and gradient-norm series as evidence for other detectors' findings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import Run, Scalar
from ._series import by_metric, fmt, step_text, value_at
from ._stats import median


@dataclass
class DivergenceContext:
    """What the run's LR and gradient norm say about a divergence onset."""

    evidence: dict[str, Scalar] = field(default_factory=dict)
    clause: str = ""
    lr_onset: float | None = None
    lr_ratio: float | None = None
    grad_ref: float | None = None
    grad_ratio: float | None = None
    onset_step: int = 0

    def fixes(self, *, went_nonfinite: bool) -> tuple[str, ...]:
        """Ranked fixes with this run's numbers."""
        out: list[tuple[float, str]] = []
        if self.lr_onset is not None and self.lr_ratio is not None and self.lr_ratio >= 2:
            factor = max(2, int(round(np.sqrt(self.lr_ratio))))
            out.append((1.0, f"lower the peak learning rate about {factor}x (the loss began rising at "
                             f"lr={fmt(self.lr_onset, 3)}, {fmt(self.lr_ratio, 3)}x its starting value)"))
            out.append((3.0, f"lengthen the warm-up (the learning rate had reached {fmt(self.lr_onset, 3)} "
                             f"by step {step_text(self.onset_step)})"))
        elif self.lr_onset is not None:
            out.append((1.0, f"lower the learning rate about 10x (it was {fmt(self.lr_onset, 3)} when the loss "
                             "began rising)"))
            out.append((3.0, "add a learning-rate warm-up"))
        else:
            out.append((1.0, "lower the learning rate (start with 10x) or add a warm-up"))
        if self.grad_ref is not None and self.grad_ratio is not None:
            rank = 0.5 if self.grad_ratio >= 3 else 2.0
            out.append((rank, f"clip gradients at about {fmt(self.grad_ref, 3)} (the typical norm before the "
                              f"rise; it grew {fmt(self.grad_ratio, 3)}x)"))
        else:
            out.append((2.0, "clip gradients (e.g. max norm 1.0)"))
        out.append((4.0, "check input normalisation and the loss function (log of 0, wrong reduction, "
                         "labels out of range)"))
        out.append((2.5 if went_nonfinite else 5.0, "with mixed precision, use dynamic loss scaling or bf16"))
        return tuple(text for _, text in sorted(out, key=lambda rt: rt[0]))


def lr_and_grad(run: Run, onset_step: int, best_step: int) -> DivergenceContext:
    """Learning rate at the onset against its start, and gradient-norm growth before it."""
    ctx = DivergenceContext(onset_step=onset_step)
    lr = by_metric(run, "lr")
    clauses = []
    if lr is not None:
        ok = np.isfinite(lr.values)
        start = float(lr.values[ok][0])
        at = value_at(lr, onset_step)
        if at is not None:
            ctx.lr_onset = at
            ctx.evidence["lr_at_onset"] = at
            ctx.evidence["lr_start"] = start
            if start > 0:
                ctx.lr_ratio = at / start
                ctx.evidence["lr_ratio"] = ctx.lr_ratio
            before = ok & (lr.steps <= onset_step)
            if before.any():
                peak_i = int(np.argmax(np.where(before, lr.values, -np.inf)))
                ctx.evidence["lr_peak_step"] = int(lr.steps[peak_i])
            if ctx.lr_ratio is not None and ctx.lr_ratio >= 2:
                clauses.append(f"right after the learning rate rose to {fmt(at, 3)} ({fmt(ctx.lr_ratio, 3)}x its start)")
            else:
                clauses.append(f"at a learning rate of {fmt(at, 3)}")
    grad = by_metric(run, "grad_norm")
    if grad is not None:
        ok = np.isfinite(grad.values)
        steps, values = grad.steps[ok], grad.values[ok]
        span = max(onset_step - int(steps[0]), 1) if steps.size else 1
        early = values[steps <= onset_step - 0.2 * span]
        near = values[(steps >= onset_step - 0.1 * span) & (steps <= onset_step + 0.1 * span)]
        if early.size >= 3 and near.size >= 1:
            ref = float(median(early))
            if ref > 0:
                ctx.grad_ref = ref
                ctx.grad_ratio = float(median(near)) / ref
                ctx.evidence["grad_norm_before"] = ref
                ctx.evidence["grad_norm_ratio"] = ctx.grad_ratio
                if ctx.grad_ratio >= 2:
                    clauses.append(f"as the gradient norm grew {fmt(ctx.grad_ratio, 3)}x")
    if clauses:
        ctx.clause = ", " + " and ".join(clauses)
    return ctx


def lr_drop(run: Run, start: int, end: int, *, factor: float = 0.7) -> dict[str, Scalar]:
    """Whether the learning rate fell below ``factor`` times its level between ``start`` and ``end``.

    Returns evidence keys ``ended_by_lr_drop`` (bool, or None without an LR
    series), ``lr_before`` and ``lr_after``.
    """
    lr = by_metric(run, "lr")
    if lr is None:
        return {"ended_by_lr_drop": None}
    before = value_at(lr, start)
    after = value_at(lr, end)
    if before is None or after is None:
        return {"ended_by_lr_drop": None}
    return {"ended_by_lr_drop": bool(before > 0 and after < factor * before), "lr_before": before, "lr_after": after}
