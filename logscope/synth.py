"""Synthetic training runs with known answers, for tests, the benchmark and the docs.

Each scenario draws a realistic run (exponential-decay loss curves with
multiplicative AR(1) noise, heavy-tailed at step level, a learning-rate
schedule, a validation twin, sometimes accuracy and gradient norm) and records
what a correct audit must report: :class:`Truth` items with the kind, the onset
step and, for plateaus, the phase. Negative scenarios (healthy runs and hard
negatives) must give no warning or error; they may carry an info-level truth
(a converged tail). Everything is seeded: the same seed gives the same run.

Onset conventions (the benchmark scores onsets against these):

* overfitting: the step of the noiseless validation minimum;
* divergence: the step of the noiseless training-loss minimum, where its
  sustained rise (to at least 2x that minimum) begins;
  nan: the first non-finite step;
* plateau stuck: the first step; mid_run: the first step where the noiseless
  curve is within 1% of its plateau level; converged: the first step after
  which the noiseless curve gains less than 5% of its total log-improvement
  and less than 5% relative;
* spike: the step the excursion starts;
* underfitting, noisy, suspicious: the kind alone is scored (whole-run properties).
  Any run whose noiseless main curve (validation if it has 16 points or more,
  else training) improved by
  at least 5% over the last 25% of steps, 10% of its whole log-improvement,
  and 2% over the last 12.5% alone carries an underfitting truth; negative
  scenarios are redrawn until they gained less than 2% in their last 12.5%.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from .model import Run
from .readers.base import Column, build_run

#: Epoch-level runs log one point per epoch; step-level runs thousands of noisy points.
LEVELS = ("epoch", "step")

#: Relative band around a plateau level that counts as "on the plateau" (1%).
PLATEAU_BAND = float(np.log(1.01))

#: Fraction of the total log-improvement below which the rest of a run is "converged".
CONVERGED_FRACTION = 0.05

#: ... and below which the remaining relative improvement stays.
CONVERGED_GAIN = 0.05

#: Smallest share of the run a converged tail must cover to be reported.
CONVERGED_MIN_SHARE = 0.15


@dataclass(frozen=True)
class Truth:
    """One thing a correct audit reports: kind, onset step and (plateaus) phase."""

    kind: str
    step: int | None
    phase: str = ""


@dataclass(frozen=True)
class SynthRun:
    """A generated run, its scenario and level, and the known answers."""

    scenario: str
    level: str
    seed: int
    run: Run
    truths: tuple[Truth, ...]
    negative: bool


@dataclass
class _Draft:
    """A run under construction: steps, noiseless curves and the truths so far."""

    rng: np.random.Generator
    level: str
    steps: np.ndarray
    t: np.ndarray
    train: np.ndarray  # noiseless train loss
    val: np.ndarray | None  # noiseless val loss at ``val_idx``
    val_idx: np.ndarray
    lr: np.ndarray
    l0: float
    chance: float
    truths: list[Truth]
    noise: float
    val_noise: float
    with_accuracy: bool
    with_grad: bool
    grad_boost: np.ndarray | None = None
    nan_from: int | None = None  # index into steps
    zero_from: int | None = None  # index into steps: the training loss is exactly 0 from here
    spikes: list[tuple[int, float, float]] | None = None  # (index, log height, decay points)


# --------------------------------------------------------------------------- building blocks


def _steps(rng: np.random.Generator, level: str, n: int | None) -> np.ndarray:
    if level == "epoch":
        n = n or int(np.exp(rng.uniform(np.log(10), np.log(300))))
        start = int(rng.integers(0, 2))  # Keras counts epochs from 0, others from 1
        return np.arange(start, start + n, dtype=np.int64)
    n = n or int(np.exp(rng.uniform(np.log(1000), np.log(20000))))
    every = int(rng.choice([1, 5, 10, 50]))
    steps = np.arange(1, n + 1, dtype=np.int64) * every
    if rng.random() < 0.25:  # uneven logging: a denser stretch in the middle
        a, b = sorted(rng.integers(n // 5, 4 * n // 5, size=2))
        extra = steps[a:b] - every // 2 if every > 1 else np.array([], dtype=np.int64)
        steps = np.unique(np.concatenate([steps, extra]))
    return steps


def _decay(t: np.ndarray, start: float, floor: float, tau: float) -> np.ndarray:
    return floor + (start - floor) * np.exp(-np.maximum(t, 0.0) / tau)


def _schedule(rng: np.random.Generator, t: np.ndarray, kind: str | None = None) -> np.ndarray:
    lr0 = float(np.exp(rng.uniform(np.log(1e-4), np.log(1e-1))))
    kind = kind or str(rng.choice(["constant", "cosine", "linear", "warmup_cosine"]))
    if kind == "constant":
        return np.full(t.size, lr0)
    if kind == "cosine":
        return lr0 * 0.5 * (1 + np.cos(np.pi * t))
    if kind == "linear":
        return lr0 * (1 - 0.99 * t)
    warm = float(rng.uniform(0.02, 0.08))
    return np.where(t < warm, lr0 * t / warm, lr0 * 0.5 * (1 + np.cos(np.pi * (t - warm) / (1 - warm))))


def _noise(rng: np.random.Generator, n: int, sigma: float, heavy: bool) -> np.ndarray:
    phi = float(rng.uniform(0.0, 0.6))
    shocks = rng.standard_t(5, n) * np.sqrt(3 / 5) if heavy else rng.normal(size=n)
    shocks = np.clip(shocks, -5.0, 5.0)  # heavy tails, but a 5-sigma shock is the most noise does
    return sigma * lfilter([1.0], [1.0, -phi], shocks) * np.sqrt(1 - phi**2)  # AR(1), unit variance


def _base(rng: np.random.Generator, level: str, n: int | None, *, tau: tuple[float, float] = (0.05, 0.25),
          val: bool | None = None, schedule: str | None = None) -> _Draft:
    steps = _steps(rng, level, n)
    t = (steps - steps[0]) / max(float(steps[-1] - steps[0]), 1.0)
    classes = int(rng.choice([2, 10, 100, 1000]))
    l0 = float(np.log(classes)) * float(rng.uniform(0.9, 1.3))
    floor = l0 * float(rng.uniform(0.02, 0.3))
    train = _decay(t, l0, floor, float(rng.uniform(*tau)))
    has_val = (rng.random() < (1.0 if level == "epoch" else 0.7)) if val is None else val
    if level == "epoch":
        val_idx = np.arange(steps.size)
    else:
        every = max(1, steps.size // int(rng.integers(12, 80)))
        val_idx = np.arange(every - 1, steps.size, every)
    valc = None
    if has_val:
        gap = float(rng.uniform(1.0, 1.5))
        valc = train[val_idx] * gap + floor * float(rng.uniform(0.0, 0.3))
    sigma = float(rng.uniform(0.005, 0.04)) if level == "epoch" else float(rng.uniform(0.03, 0.2))
    return _Draft(
        rng=rng, level=level, steps=steps, t=t, train=train, val=valc, val_idx=val_idx,
        lr=_schedule(rng, t, schedule), l0=l0, chance=1.0 / classes, truths=[], noise=sigma,
        val_noise=float(rng.uniform(0.004, 0.02)), with_accuracy=level == "epoch" and rng.random() < 0.5,
        with_grad=level == "step" and rng.random() < 0.6,
    )


def _accuracy(loss: np.ndarray, l0: float, floor: float, chance: float) -> np.ndarray:
    frac = np.clip((l0 - loss) / max(l0 - floor, 1e-9), 0.0, 1.0)
    return chance + (0.97 - chance) * frac


def _converged_truth(d: _Draft) -> None:
    """Add the converged-tail truth: the index after which the noiseless curve gains < 5% of its total."""
    curve = d.val if d.val is not None else d.train
    idx = d.val_idx if d.val is not None else np.arange(d.steps.size)
    z = np.log(curve)
    total = float(z[0] - z[-1])
    if not total > 0:
        return
    still = np.flatnonzero(z - z[-1] >= min(CONVERGED_FRACTION * total, np.log1p(CONVERGED_GAIN)))
    first = int(still[-1]) + 1 if still.size else 0
    if first >= idx.size:
        return
    step = int(d.steps[idx[first]])
    if d.steps[-1] - step >= CONVERGED_MIN_SHARE * (d.steps[-1] - d.steps[0]):
        d.truths.append(Truth("plateau", step, "converged"))


def _finish(d: _Draft, scenario: str, seed: int, negative: bool, *, converged: bool = True) -> SynthRun:
    rng = d.rng
    heavy = d.level == "step"
    n = d.steps.size
    log_train = np.log(d.train) + _noise(rng, n, d.noise, heavy)
    if d.spikes:
        k = np.arange(n)
        for i0, h, decay in d.spikes:
            log_train = log_train + np.where(k >= i0, h * np.exp(-np.maximum(k - i0, 0) / decay), 0.0)
    train = np.exp(log_train)
    cols: dict[str, Column] = {}
    floor = float(d.train.min())
    if d.zero_from is not None:
        train[d.zero_from:] = 0.0
    if d.nan_from is not None:
        train[d.nan_from:] = np.where(rng.random(n - d.nan_from) < 0.5, np.nan, np.inf)
    epoch = d.level == "epoch"
    cols["loss"] = Column(d.steps, train)
    if d.val is not None:
        vi = d.val_idx
        log_val = np.log(d.val) + _noise(rng, vi.size, d.val_noise, False)
        val = np.exp(log_val)
        if d.nan_from is not None:
            val[d.steps[vi] >= d.steps[d.nan_from]] = np.nan
        cols["val_loss" if epoch else "eval_loss"] = Column(d.steps[vi], val)
        if d.with_accuracy:
            va = _accuracy(val, d.l0, floor, d.chance) + rng.normal(0, 0.004, vi.size)
            cols["val_accuracy"] = Column(d.steps[vi], np.clip(va, 0.0, 1.0))
    if d.with_accuracy:
        ta = _accuracy(train, d.l0, floor, d.chance) + rng.normal(0, 0.004, n)
        cols["accuracy"] = Column(d.steps, np.clip(ta, 0.0, 1.0))
    cols["learning_rate"] = Column(d.steps, d.lr)
    if d.with_grad:
        g = 0.5 + 2.0 * np.sqrt(np.nan_to_num(d.train / d.l0, nan=1.0, posinf=1.0))
        if d.grad_boost is not None:
            g = g * d.grad_boost
        g = g * np.exp(_noise(rng, n, 0.15, True))
        if d.nan_from is not None:
            g[d.nan_from:] = np.nan
        cols["grad_norm"] = Column(d.steps, g)
    if converged and not any(t.kind in ("divergence", "overfitting") for t in d.truths):
        _converged_truth(d)
    run = build_run(name=f"{scenario}-{d.level}-{seed}", format="synthetic", columns=cols)
    truths = tuple(sorted(d.truths, key=lambda x: (x.kind, x.step if x.step is not None else -1)))
    return SynthRun(scenario, d.level, seed, run, truths, negative)


# --------------------------------------------------------------------------- scenarios


def healthy(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """A run that learns and converges; validation follows training."""
    return _base(rng, level, n)


def overfitting(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """Validation loss reaches a minimum, then rises 15-100% while training keeps improving."""
    d = _base(rng, level, n, tau=(0.04, 0.15), val=True)
    tv = d.t[d.val_idx]
    onset = float(rng.uniform(0.15, 0.65))
    rise = float(np.log1p(rng.uniform(0.15, 1.0)))
    p = float(rng.uniform(1.0, 1.8))
    assert d.val is not None
    shape = (np.maximum(tv - onset, 0) / (1 - onset)) ** p
    healthy_val = d.val
    d.val = healthy_val * np.exp(rise * shape)
    while d.val[-1] / d.val.min() < 1.1:  # a material rise: at least 10% above the optimum at the end
        rise *= 1.25
        d.val = healthy_val * np.exp(rise * shape)
    d.train = d.train * (1 - 0.3 * d.t)  # training keeps improving to the end
    d.truths.append(Truth("overfitting", int(d.steps[d.val_idx[int(np.argmin(d.val))]])))
    return d


def _diverge(d: _Draft, rng: np.random.Generator) -> int:
    """Add a sustained rise; return the index of the noiseless minimum (the onset truth)."""
    onset = float(rng.uniform(0.2, 0.75))
    if rng.random() < 0.4:  # the classic: warm-up to a too-high peak, blow-up right after it
        warm = onset
        peak = float(d.lr.max()) * float(rng.uniform(5, 30))
        d.lr = np.where(d.t < warm, peak * d.t / warm, peak)
    height = float(np.log(rng.uniform(2.0, 50.0)))
    p = float(rng.uniform(1.0, 1.5))
    ramp = (np.maximum(d.t - onset, 0) / (1 - onset)) ** p
    healthy = d.train
    d.train = healthy * np.exp(height * ramp)
    while d.train[-1] / d.train.min() < 2.0:  # the rise the scenario promises: at least 2x above the best
        height *= 1.25
        d.train = healthy * np.exp(height * ramp)
    if d.val is not None:
        d.val = d.val * np.exp(height * ramp[d.val_idx])
    d.grad_boost = np.exp(np.log(rng.uniform(3, 30)) * np.maximum(d.t - onset + 0.03, 0) / (1 - onset))
    i_min = int(np.argmin(d.train))
    d.truths.append(Truth("divergence", int(d.steps[i_min])))
    return i_min


def divergence(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """Training loss (and validation) start a sustained rise to 2-50x their best; values stay finite."""
    d = _base(rng, level, n)
    _diverge(d, rng)
    return d


def divergence_nan(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """As ``divergence``, then the loss becomes NaN/inf once it has grown 2-10x above its best."""
    d = _base(rng, level, n)
    i_min = _diverge(d, rng)
    grown = np.log(d.train) - np.log(d.train[i_min])
    over = np.flatnonzero((grown >= np.log(rng.uniform(2.0, 10.0))) & (np.arange(d.steps.size) >= i_min + 3))
    if over.size:
        d.nan_from = int(over[0])
        d.truths.append(Truth("nan", int(d.steps[d.nan_from])))
    return d


def plateau_stuck(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """Loss stuck near its initial value from the start, for 30% of the run or all of it."""
    d = _base(rng, level, n)
    escape = 1.0 if rng.random() < 0.4 else float(rng.uniform(0.3, 0.8))
    level0 = d.l0 * float(rng.uniform(0.97, 1.0))
    floor = float(d.train.min())
    tau = float(rng.uniform(0.05, 0.2))
    d.train = np.where(d.t < escape, level0, _decay(d.t - escape, level0, floor, tau))
    if d.val is not None:
        tv = d.t[d.val_idx]
        d.val = np.where(tv < escape, level0 * 1.01, _decay(tv - escape, level0 * 1.01, floor * 1.2, tau))
    d.truths.append(Truth("plateau", int(d.steps[0]), "stuck"))
    return d


def plateau_mid(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """Quick early progress, a flat stretch (within 1% of its level) of 20-35% of the run, then progress again."""
    d = _base(rng, level, n)
    l1 = d.l0 * float(rng.uniform(0.35, 0.7))
    floor = l1 * float(rng.uniform(0.1, 0.5))
    tau1 = float(rng.uniform(0.02, 0.06))
    flat_from = tau1 * float(np.log((d.l0 - l1) / (np.expm1(PLATEAU_BAND) * l1)))  # within 1% of l1 from here
    t_end = min(flat_from + float(rng.uniform(0.2, 0.35)), 0.8)
    tau2 = float(rng.uniform(0.04, 0.15))
    first = _decay(d.t, d.l0, l1, tau1)
    d.train = np.where(d.t < t_end, first, _decay(d.t - t_end, first[np.searchsorted(d.t, t_end) - 1], floor, tau2))
    if rng.random() < 0.5:  # an LR drop ends the plateau
        d.lr = np.where(d.t < t_end, d.lr.max(), d.lr.max() * 0.1)
    if d.val is not None:
        d.val = np.interp(d.t[d.val_idx], d.t, d.train) * float(rng.uniform(1.0, 1.3))
    onset = int(np.argmax(np.log(d.train) - np.log(l1) < PLATEAU_BAND))
    d.truths.append(Truth("plateau", int(d.steps[onset]), "mid_run"))
    return d


def spikes(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """A healthy run with 1-4 loss spikes of 1.6-10x that recover within a few points."""
    d = _base(rng, level, n)
    n_pts = d.steps.size
    count = int(rng.integers(1, 5))
    low, high = int(0.05 * n_pts) + 1, int(0.9 * n_pts)
    chosen: list[int] = []
    for i in rng.permutation(np.arange(low, high)):
        if all(abs(int(i) - c) > max(5, n_pts // 20) for c in chosen):
            chosen.append(int(i))
        if len(chosen) == count:
            break
    d.spikes = []
    sigma = d.noise
    for i in sorted(chosen):
        h = float(rng.uniform(max(10 * sigma, np.log(1.6)), np.log(10.0)))
        decay = float(rng.uniform(0.3, 1.0)) if d.level == "epoch" else float(rng.uniform(0.5, 3.0))
        d.spikes.append((i, h, decay))
        d.truths.append(Truth("spike", int(d.steps[i])))
    return d


def underfitting(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """Stopped too early: the loss (and validation) is still falling steeply at the end."""
    d = _base(rng, level, n, tau=(0.5, 1.5), schedule="constant")
    d.truths.append(Truth("underfitting", None))
    return d


def noisy(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """Noise of 30-70% per point on a weak trend: the LR is too high or the batch too small."""
    d = _base(rng, "step", n, val=False)
    d.noise = float(rng.uniform(0.35, 0.7))
    floor = d.l0 * float(rng.uniform(0.45, 0.65))
    d.train = _decay(d.t, d.l0, floor, float(rng.uniform(0.1, 0.3)))
    d.truths.append(Truth("noisy", None))
    return d


def suspicious(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """One of: validation far below training from the start (leakage), loss hitting exactly 0."""
    d = _base(rng, level, n, val=True)
    assert d.val is not None
    if rng.random() < 0.5:
        d.val = d.train[d.val_idx] * float(rng.uniform(0.02, 0.2))
    else:
        d.zero_from = int(np.searchsorted(d.t, float(rng.uniform(0.3, 0.7))))
    d.truths.append(Truth("suspicious", None))
    return d


# hard negatives ------------------------------------------------------------------


def noisy_healthy(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """A healthy run with 2-3x the usual noise, heavy-tailed."""
    d = _base(rng, level, n)
    d.noise *= float(rng.uniform(2.0, 3.0))
    d.val_noise *= float(rng.uniform(1.5, 2.5))
    return d


def warmup_bump(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """LR warm-up over the first 2-10%, the loss rising 10-60% meanwhile, then healthy."""
    d = _base(rng, level, n)
    warm = float(rng.uniform(0.02, 0.1))
    lr0 = float(d.lr.max())
    d.lr = np.where(d.t < warm, lr0 * d.t / warm, lr0 * 0.5 * (1 + np.cos(np.pi * (d.t - warm) / (1 - warm))))
    bump = float(np.log1p(rng.uniform(0.1, 0.6)))
    shape = np.where(d.t < 2 * warm, np.sin(np.pi * np.clip(d.t / (2 * warm), 0, 1)), 0.0)
    d.train = d.train * np.exp(bump * shape)
    if d.val is not None:
        d.val = d.val * np.exp(bump * shape[d.val_idx])
    return d


def lr_steps(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """A step schedule (x0.1 at 50% and 75%): the loss drops sharply at each LR step."""
    d = _base(rng, level, n)
    lr0 = float(d.lr.max())
    d.lr = lr0 * np.where(d.t < 0.5, 1.0, np.where(d.t < 0.75, 0.1, 0.01))
    start, out = d.l0, np.empty_like(d.t)
    for a, b in ((0.0, 0.5), (0.5, 0.75), (0.75, 1.01)):
        m = (d.t >= a) & (d.t < b)
        floor = start * float(rng.uniform(0.3, 0.5))
        speed = float(rng.uniform(0.3, 0.6)) if a < 0.75 else float(rng.uniform(0.1, 0.2))  # the last stage settles
        out[m] = _decay(d.t[m] - a, start, floor, (b - a) * speed)
        start = float(out[m][-1]) * float(rng.uniform(0.5, 0.8)) if m.any() else start
    d.train = out
    if d.val is not None:
        d.val = np.interp(d.t[d.val_idx], d.t, d.train) * float(rng.uniform(1.05, 1.3))
    return d


def val_below_train(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """Validation loss 65-95% of training loss throughout (dropout, augmentation)."""
    d = _base(rng, level, n, val=True)
    d.val = d.train[d.val_idx] * float(rng.uniform(0.65, 0.95))
    return d


def short(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """A healthy 3-7 epoch run."""
    return _base(rng, "epoch", n or int(rng.integers(3, 8)))


def long_tail(rng: np.random.Generator, level: str, n: int | None = None) -> _Draft:
    """Converged within the first 10-25%, then a long flat tail."""
    return _base(rng, level, n, tau=(0.02, 0.05))


Scenario = Callable[..., _Draft]

#: Scenarios with something to find, and whether they are generated at epoch level, step level or both.
POSITIVE: dict[str, tuple[Scenario, tuple[str, ...]]] = {
    "overfitting": (overfitting, LEVELS),
    "divergence": (divergence, LEVELS),
    "divergence_nan": (divergence_nan, LEVELS),
    "plateau_stuck": (plateau_stuck, LEVELS),
    "plateau_mid": (plateau_mid, LEVELS),
    "spikes": (spikes, LEVELS),
    "underfitting": (underfitting, LEVELS),
    "noisy": (noisy, ("step",)),
    "suspicious": (suspicious, ("epoch",)),
}

#: Healthy runs and hard negatives: no warning or error is the right answer.
NEGATIVE: dict[str, tuple[Scenario, tuple[str, ...]]] = {
    "healthy": (healthy, LEVELS),
    "noisy_healthy": (noisy_healthy, LEVELS),
    "warmup_bump": (warmup_bump, LEVELS),
    "lr_steps": (lr_steps, LEVELS),
    "val_below_train": (val_below_train, LEVELS),
    "short": (short, ("epoch",)),
    "long_tail": (long_tail, LEVELS),
}

SCENARIOS: dict[str, tuple[Scenario, tuple[str, ...]]] = {**POSITIVE, **NEGATIVE}


#: Still improving at the end: the last quarter gained this much (relative) ...
UNDERFIT_GAIN = 0.05
#: ... and this share of the whole run's log-improvement.
UNDERFIT_SHARE = 0.1
#: ... and the last 12.5% alone still gained this much.
UNDERFIT_LATE_GAIN = 0.02
#: Negative runs gain less than this (relative) in their last 12.5%.
SETTLED_GAIN = 0.02


def tail_gain(d: _Draft) -> tuple[float, float, float]:
    """Improvement of the noiseless main curve at the end of the run.

    Returns the relative improvement over the last 25% of steps, its share of
    the whole run's log-improvement, and the relative improvement over the
    last 12.5% alone (a run that improved early in the last quarter and then
    flattened is not still improving).
    """
    curve, t = d.train, d.t
    if d.val is not None and d.val.size >= 16:  # fewer evaluations: the training curve speaks, as in the detector
        curve, t = d.val, d.t[d.val_idx]
    finite = np.isfinite(curve) & (curve > 0)
    if finite.sum() < 4:
        return 0.0, 0.0, 0.0
    z, t = np.log(curve[finite]), t[finite]
    i = int(np.searchsorted(t, t[-1] - 0.25 * (t[-1] - t[0])))
    h = int(np.searchsorted(t, t[-1] - 0.125 * (t[-1] - t[0])))
    gain = float(z[i] - z[-1])
    total = float(z[0] - z.min())
    return float(np.expm1(gain)), (gain / total if total > 0 else 0.0), float(np.expm1(z[h] - z[-1]))


def make(scenario: str, *, seed: int = 0, level: str = "epoch", n: int | None = None) -> SynthRun:
    """Generate one run of ``scenario`` at ``level`` ("epoch" or "step") from ``seed``.

    ``n`` fixes the number of logged points (otherwise 10-300 epochs, or
    1,000-20,000 steps). Raises KeyError for an unknown scenario.
    """
    build, levels = SCENARIOS[scenario]
    if level not in levels:
        level = levels[0]
    rng = np.random.default_rng([seed, list(SCENARIOS).index(scenario), LEVELS.index(level)])
    negative = scenario in NEGATIVE
    for _ in range(100):  # redraw until the run has the property its scenario promises
        draft = build(rng, level, n)
        gain, share, late = tail_gain(draft)
        still = gain >= UNDERFIT_GAIN and share >= UNDERFIT_SHARE and late >= UNDERFIT_LATE_GAIN
        if negative and (still or late >= SETTLED_GAIN) and draft.steps.size > 8:
            continue
        if scenario == "underfitting" and not still:
            continue
        break
    if still and scenario != "underfitting" and not any(t.kind == "divergence" for t in draft.truths):
        draft.truths.append(Truth("underfitting", None))
    return _finish(draft, scenario, seed, negative)


def suite(*, seed: int = 0, per_scenario: int = 20) -> list[SynthRun]:
    """``per_scenario`` runs of every scenario, alternating levels where both apply."""
    out = []
    for name, (_, levels) in SCENARIOS.items():
        for i in range(per_scenario):
            out.append(make(name, seed=seed * 100_000 + i, level=levels[i % len(levels)]))
    return out
