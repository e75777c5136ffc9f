"""Generated baseline/candidate trainings with a known difference, written as CSV logs.

Each run is an exponential loss decay towards a floor plus Gaussian noise, the
shape of a real training curve; a seed moves both the noise and (slightly) the
floor, as a real seed does. The candidates differ from the baseline in exactly
one way: a lower learning rate (slower decay), overfitting from an earlier
step, divergence to NaN, or nothing but the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Config:
    """What a generated training does; ``rate`` scales the decay speed (a learning-rate stand-in)."""

    steps: int = 3000
    every: int = 10
    rate: float = 1.0
    tau: float = 400.0
    floor: float = 0.30
    start: float = 2.3
    noise: float = 0.02
    seed_spread: float = 0.004
    overfit_at: int | None = None
    overfit_slope: float = 1e-4
    diverge_at: int | None = None


BASELINE = Config()
#: Half the learning rate: same floor, reached about twice as late.
SLOW = Config(rate=0.5, steps=6000)
#: Validation loss turns up from step 900; the baseline never does.
OVERFIT_EARLY = Config(overfit_at=900)
#: Overfits late (step 2400) as a baseline for "overfits earlier".
OVERFIT_LATE = Config(overfit_at=2400)
#: Blows up from step 1500 and logs NaN after.
DIVERGING = Config(diverge_at=1500)


def curves(config: Config, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Steps and the ``loss`` / ``val_loss`` columns of one seeded run."""
    rng = np.random.default_rng(seed)
    steps = np.arange(0, config.steps + 1, config.every)
    t = steps.astype(np.float64)
    floor = config.floor + rng.normal(0.0, config.seed_spread)
    decay = (config.start - floor) * np.exp(-config.rate * t / config.tau)
    train = 0.6 * floor + decay + rng.normal(0.0, config.noise, t.size)
    val = floor + decay + rng.normal(0.0, config.noise, t.size)
    if config.overfit_at is not None:
        val = val + np.where(t > config.overfit_at, config.overfit_slope * (t - config.overfit_at), 0.0)
    if config.diverge_at is not None:
        grow = np.where(t > config.diverge_at, np.exp((t - config.diverge_at) / 60.0) - 1.0, 0.0)
        train, val = train + grow, val + grow
        blown = t > config.diverge_at + 600
        train[blown], val[blown] = np.nan, np.nan
    return steps, {"loss": train, "val_loss": val}


def write_run(directory: Path, config: Config, seed: int, *, names: tuple[str, str] = ("loss", "val_loss")) -> Path:
    """Write one run as ``directory/training.log`` (Keras CSVLogger layout, step column)."""
    steps, cols = curves(config, seed)
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"step,{names[0]},{names[1]}"]
    for i, step in enumerate(steps):
        lines.append(f"{step},{_cell(cols['loss'][i])},{_cell(cols['val_loss'][i])}")
    path = directory / "training.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_side(root: Path, config: Config, seeds: list[int], **kwargs: object) -> Path:
    """One side of a comparison: a run per seed under ``root/seed<N>`` (or ``root`` itself for one seed)."""
    if len(seeds) == 1:
        write_run(root, config, seeds[0], **kwargs)  # type: ignore[arg-type]
    else:
        for seed in seeds:
            write_run(root / f"seed{seed}", config, seed, **kwargs)  # type: ignore[arg-type]
    return root


def _cell(value: float) -> str:
    return "nan" if not np.isfinite(value) else f"{value:.6f}"
