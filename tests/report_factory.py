"""Hand-made reports for renderer tests: every finding kind the charts mark, and hostile names."""

from __future__ import annotations

import numpy as np

from logscope.model import Finding, ReadWarning, Report, Run, Series

#: Names that would run script or add attributes if any renderer forgot to escape them.
PAYLOADS = (
    "<script>document.body.setAttribute('data-pwned','script')</script>",
    '"><img src=x onerror="document.body.setAttribute(\'data-pwned\',\'img\')">',
    "' onmouseover='document.body.setAttribute(\"data-pwned\",\"attr\")' x='",
    "<svg onload=\"document.body.setAttribute('data-pwned','svg')\">",
    "[click](javascript:alert(1)) @octocat #1 http://evil.example `code` | pipe",
)


def series(name: str, steps: np.ndarray, values: np.ndarray, split: str = "train", metric: str = "loss",
           direction: str = "min") -> Series:
    """A Series with the given role."""
    return Series(name, np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float64),
                  split=split, metric=metric, direction=direction)  # type: ignore[arg-type]


def every_marker_report() -> Report:
    """Four runs whose findings cover every marker kind (nan, divergence, plateau, overfitting, spike)."""
    rng = np.random.default_rng(7)
    steps = np.arange(200)
    train = 2.0 * np.exp(-steps / 30) + 0.05 + rng.normal(0, 0.02, steps.size)
    val = 1.0 * np.exp(-steps / 25) + 0.4 + 0.004 * np.maximum(steps - 60, 0) + rng.normal(0, 0.02, steps.size)
    best = int(np.argmin(val))
    overfit = Run("overfit", "tensorboard", (series("loss/train", steps, train),
                                             series("loss/val", steps, val, "val")),
                  hparams={"lr": 0.05, "batch": 32}, pairs=(("loss/train", "loss/val"),))

    div_steps = np.arange(0, 3000, 5)
    div = 1.5 * np.exp(-div_steps / 400) + 0.3
    div[div_steps > 1800] *= np.exp((div_steps[div_steps > 1800] - 1800) / 150)
    div[div_steps > 2600] = np.nan
    diverging = Run("diverging", "tensorboard", (series("loss", div_steps, div),), hparams={"lr": 0.5, "batch": 32})

    plat_steps = np.arange(0, 5000)
    plat = 0.8 * np.exp(-plat_steps / 300) + 0.5 + rng.normal(0, 0.01, plat_steps.size)
    plateau = Run("plateau", "csv", (series("train_loss", plat_steps, plat),), hparams={"lr": 1e-5, "batch": 64})

    healthy = Run("healthy", "csv", (series("loss", np.arange(1, 11), 1 / np.arange(1, 11)),
                                     series("val_loss", np.arange(1, 11), 1.1 / np.arange(1, 11), "val")),
                  pairs=(("loss", "val_loss"),))
    findings = (
        Finding("divergence", "error", "diverging", ("loss",), 1800, 2600, "loss diverged from step 1800.",
                {"nan_step": 2605, "growth": 5.2}, ("lower the learning rate",)),
        Finding("nan", "error", "diverging", ("loss",), 2605, 2995, "loss became NaN at step 2605.",
                {"first_bad_step": 2605, "first_bad_value": "NaN", "nonfinite_points": 79}, ("clip gradients",)),
        Finding("overfitting", "warning", "overfit", ("loss/train", "loss/val"), 75, 199,
                f"loss/val is rising again after its best at step {best}.",
                {"best_step": best, "best_value": float(val[best]), "gap": 0.45}, ("stop early", "add weight decay")),
        Finding("spike", "info", "overfit", ("loss/train",), 120, 120, "loss/train spiked at step 120.",
                {"peak_step": 120, "peak_value": float(train[120]) + 0.5}, ()),
        Finding("plateau", "warning", "plateau", ("train_loss",), 2000, 4999, "train_loss stopped improving.",
                {"slope": -1e-9, "window": 2000}, ("raise the learning rate",)),
    )
    return Report(runs=(diverging, healthy, overfit, plateau), findings=findings,
                  warnings=(ReadWarning("notes.txt", "skipped", "not a training log logscope can read"),),
                  logscope_version="0.0.test")


def hostile_report() -> Report:
    """Runs, series, findings, evidence, hyperparameters and warnings named with every payload."""
    runs = []
    findings = []
    steps = np.arange(100)
    for i, payload in enumerate(PAYLOADS):
        name = f"run{i} {payload}"
        s_train = series(f"{payload}/train loss", steps, np.exp(-steps / 20) + 0.1)
        s_val = series(f"{payload}/val loss", steps, np.exp(-steps / 20) + 0.2, "val")
        runs.append(Run(name, "tensorboard", (s_train, s_val), warnings=(ReadWarning(payload, payload, payload),),
                        hparams={payload: payload}, pairs=((s_train.name, s_val.name),), source=payload))
        findings.append(Finding(payload if i == 0 else "spike", "error", name, (s_val.name,), 10, 20, payload,
                                {payload: payload, "peak_step": 15, "peak_value": 1.0}, (payload,)))
    return Report(runs=tuple(runs), findings=tuple(findings),
                  warnings=(ReadWarning(PAYLOADS[0], "skipped", PAYLOADS[1]),), logscope_version="0.0.test")


def sweep_report(n: int, points: int = 50) -> Report:
    """``n`` similar runs with hyperparameters, every tenth one with a finding."""
    steps = np.arange(points)
    runs = []
    findings = []
    for i in range(n):
        name = f"sweep/run{i:05d}"
        loss = np.exp(-steps / (10 + i % 17)) + 0.01 * (i % 13)
        runs.append(Run(name, "csv", (series("loss", steps, loss), series("val_loss", steps, loss + 0.1, "val")),
                        hparams={"lr": 10.0 ** -(i % 5), "seed": i, "opt": "adam"}, pairs=(("loss", "val_loss"),)))
        if i % 10 == 0:
            findings.append(Finding("plateau", "warning", name, ("val_loss",), 5, points - 1,
                                    f"val_loss of {name} stopped improving at step 5.", {"slope": 0.0}, ("wait",)))
    return Report(runs=tuple(runs), findings=tuple(findings), logscope_version="0.0.test")
