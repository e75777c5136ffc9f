"""A generated sweep for the scale tests: many small runs of several behaviours and formats."""

from __future__ import annotations

from pathlib import Path

import numpy as np

KINDS = ("healthy", "overfit", "diverge", "plateau", "noisy", "healthy", "nan")


def _curves(kind: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n) / max(n - 1, 1)
    base = 0.2 + 2.0 * np.exp(-5 * t)
    loss = base * (1 + (0.3 if kind == "noisy" else 0.02) * rng.standard_normal(n))
    val = base + 0.05 + 0.01 * rng.standard_normal(n)
    if kind == "overfit":
        val = val + np.where(t > 0.4, 2.0 * (t - 0.4), 0.0)
    elif kind == "plateau":
        loss = np.where(t > 0.15, loss[int(0.15 * n)], loss) + 1e-4 * rng.standard_normal(n)
    elif kind == "diverge":
        loss = loss * np.where(t > 0.6, np.exp(20 * (t - 0.6)), 1.0)
    elif kind == "nan":
        loss[int(0.7 * n):] = np.nan
    return loss, val


def write_sweep(root: Path, runs: int = 60, epochs: int = 120, *, seed: int = 0) -> Path:
    """``runs`` Keras CSVLogger runs (and every fifth a TensorBoard-CSV export) under ``root``."""
    rng = np.random.default_rng(seed)
    for r in range(runs):
        kind = KINDS[r % len(KINDS)]
        loss, val = _curves(kind, epochs, rng)
        folder = root / f"group{r % 3}" / f"run{r:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        acc = np.clip(1 - 0.3 * loss, 0, 1)
        val_acc = np.clip(1 - 0.3 * val, 0, 1)
        rows = "\n".join(f"{e},{a:.6g},{lo:.6g},{va:.6g},{vl:.6g}"
                         for e, (a, lo, va, vl) in enumerate(zip(acc, loss, val_acc, val)))
        (folder / "training.log").write_text("epoch,accuracy,loss,val_accuracy,val_loss\n" + rows + "\n")
        if r % 5 == 0:
            (folder / "hparams.yaml").write_text(f"lr: {10.0 ** -(2 + r % 3)}\nbatch_size: {32 * (1 + r % 2)}\n")
    (root / "notes.txt").write_bytes(b"\x00\x01 not a log")
    return root


def copy_tree(src: Path, fs: object, prefix: str) -> None:
    """Copy every file under ``src`` into the fsspec file system ``fs`` under ``prefix``."""
    for path in sorted(src.rglob("*")):
        if path.is_file():
            fs.pipe(f"{prefix}/{path.relative_to(src).as_posix()}", path.read_bytes())  # type: ignore[attr-defined]
