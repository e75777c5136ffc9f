"""Detection quality of logscope's detectors on runs with known answers, beside baselines.

Generates labelled runs with :mod:`logscope.synth` (seeded), writes them through
real log formats (TensorBoard event files, Keras CSVLogger files, Hugging Face
``trainer_state.json`` when a reader for it is registered), reads them back with
:func:`logscope.read_path`, runs every detector, and prints per kind precision,
recall, F1 and the median onset error, and the false-alarm rate on healthy runs
and hard negatives, for logscope and for these baselines run on the same runs:

* Keras ``EarlyStopping(patience=10)`` on the validation loss (the training loss
  when there is none): stopping counts as "overfitting" at the best step;
* Keras ``ReduceLROnPlateau(patience=10, min_delta=1e-4)``: each reduction after
  an improvement counts as a "plateau" at the step of the last improvement;
* Lightning ``EarlyStopping(check_finite=True, divergence_threshold=2 x first
  value)``: a non-finite value counts as "nan" and "divergence", crossing the
  threshold as "divergence";
* the three callbacks together (``callbacks``), each for the kind it guards against;
* ruptures PELT (l2 cost, penalty log(n) sigma^2, sigma from the MAD of
  differences) on the log loss aggregated to <= 500 block medians: an upward
  mean shift of the training loss is "divergence", an upward shift of the
  validation loss without one of training is "overfitting", a segment longer
  than 15% of the run is "plateau" (or "converged" when it ends the run).

A hit is the right kind with its onset within 10% of the run length (for
underfitting, noisy and suspicious, which are whole-run properties, the kind
alone). A false alarm is a negative run (healthy or hard negative) with any
warning or error (for baselines: any trigger). Macro F1 is printed over
overfitting, divergence and plateau, and over the kinds each method claims to
find ("own"). Also times all detectors on one 1,000,000-point run.

Run from the repository root: ``python benchmarks/bench_detection.py``
(``--per-scenario 40`` for more runs, ``--in-memory`` to skip the file
formats, ``--misses`` to list logscope's misses and false alarms).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from logscope import synth
from logscope.detectors import run_detectors
from logscope.model import Run, Series
from logscope.readers import READERS, read_path

#: Kinds scored by onset (the others by presence in the run).
ONSET_KINDS = ("overfitting", "divergence", "plateau", "converged", "nan", "spike")
PRESENCE_KINDS = ("underfitting", "noisy", "suspicious")
KINDS = ONSET_KINDS + PRESENCE_KINDS
HEADLINE = ("overfitting", "divergence", "plateau")
TOLERANCE = 0.10


@dataclass(frozen=True)
class Prediction:
    """One reported event: kind, onset step, severity."""

    kind: str
    step: int | None
    severity: str = "warning"


# --------------------------------------------------------------------------- writers


def write_tensorboard(directory: Path, run: Run) -> None:
    """One event file with simple_value scalars, as PyTorch's SummaryWriter writes them."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    events = []
    for series in run.series:
        for step, value in zip(series.steps.tolist(), series.values.tolist()):
            events.append((step, series.name, value))
    events.sort(key=lambda e: (e[0], e[1]))
    path = directory / "events.out.tfevents.1700000000.bench.1.0"
    with open(path, "wb") as fh:
        writer = RecordWriter(fh)
        head = event_pb2.Event(wall_time=1_700_000_000.0, file_version="brain.Event:2")
        writer.write(head.SerializeToString())
        for i, (step, tag, value) in enumerate(events):
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
            event = event_pb2.Event(wall_time=1_700_000_000.0 + i * 0.01, step=step, summary=summary)
            writer.write(event.SerializeToString())
        writer.flush()


def write_keras_csv(directory: Path, run: Run) -> None:
    """A CSVLogger file: ``epoch`` then the sorted metric names, one row per epoch."""
    names = sorted(s.name for s in run.series)
    steps = sorted({int(x) for s in run.series for x in s.steps.tolist()})
    table = {s.name: dict(zip(s.steps.tolist(), s.values.tolist())) for s in run.series}
    with open(directory / "training.log", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["epoch", *names])
        for step in steps:
            out.writerow([step, *(_csv_value(table[n].get(step)) for n in names)])


def _csv_value(value: float | None) -> str:
    if value is None:
        return "NA"
    return repr(float(value))


def write_hf_state(directory: Path, run: Run) -> None:
    """A Trainer ``trainer_state.json``: training and evaluation entries in ``log_history``."""
    rows: dict[int, dict[str, float]] = defaultdict(dict)
    evals: dict[int, dict[str, float]] = defaultdict(dict)
    for series in run.series:
        target = evals if series.split == "val" else rows
        for step, value in zip(series.steps.tolist(), series.values.tolist()):
            target[int(step)][series.name] = value
    history = []
    last = max([*rows, *evals, 1])
    for step in sorted(set(rows) | set(evals)):
        if step in rows:
            history.append({"epoch": step / last, **rows[step], "step": step})
        if step in evals:
            history.append({"epoch": step / last, **evals[step], "eval_runtime": 1.0, "step": step})
    state = {"global_step": last, "log_history": history, "max_steps": last, "logging_steps": 1}
    # json writes NaN/Infinity literals, exactly as the Trainer does
    (directory / "trainer_state.json").write_text(json.dumps(state, indent=2))


#: Formats: writer and the run levels it can hold.
FORMATS: dict[str, tuple[Callable[[Path, Run], None], tuple[str, ...]]] = {
    "tensorboard": (write_tensorboard, ("epoch", "step")),
    "keras_csv": (write_keras_csv, ("epoch",)),
    "hf_trainer_state": (write_hf_state, ("step",)),
}


def roundtrip(item: synth.SynthRun, fmt: str, root: Path) -> Run | None:
    """Write ``item`` in ``fmt`` under ``root`` and read it back; None if it did not come back whole."""
    directory = root / item.run.name
    directory.mkdir(parents=True)
    FORMATS[fmt][0](directory, item.run)
    runs, _ = read_path(directory)
    if len(runs) != 1:
        return None
    back = runs[0]
    wanted = {s.name for s in item.run.series}
    have = {s.name for s in back.series}
    return back if wanted <= have else None


def usable_formats(root: Path) -> list[str]:
    """The formats whose files the registered readers read back whole."""
    probe_epoch = synth.make("healthy", seed=1, level="epoch", n=12)
    probe_step = synth.make("healthy", seed=1, level="step", n=1000)
    usable = []
    for fmt, (_, levels) in FORMATS.items():
        probe = probe_epoch if "epoch" in levels else probe_step
        back = roundtrip(probe, fmt, root / f"probe-{fmt}")
        if back is not None:
            usable.append(fmt)
    return usable


# --------------------------------------------------------------------------- baselines


def _monitor(run: Run) -> Series | None:
    for _, val in run.pairs:
        s = run.get(val)
        if s is not None and s.metric == "loss":
            return s
    losses = [s for s in run.series if s.metric == "loss" and s.split == "train"]
    return losses[0] if losses else None


def keras_early_stopping(run: Run, patience: int = 10) -> list[Prediction]:
    """Keras 3 EarlyStopping(monitor=val_loss, patience, min_delta=0): stop -> overfitting at best."""
    s = _monitor(run)
    if s is None:
        return []
    best, best_step, wait = np.inf, None, 0
    for i, (step, value) in enumerate(zip(s.steps.tolist(), s.values.tolist())):
        wait += 1
        if value < best:  # NaN compares False, as np.less does in Keras
            best, best_step, wait = value, step, 0
        if wait >= patience and i > 0:
            return [Prediction("overfitting", best_step if best_step is not None else step)]
    return []


def reduce_lr_on_plateau(run: Run, patience: int = 10, min_delta: float = 1e-4) -> list[Prediction]:
    """Keras 3 ReduceLROnPlateau: every reduction after an improvement -> plateau at the last best."""
    s = _monitor(run)
    if s is None:
        return []
    out: list[Prediction] = []
    best, best_step, wait, reported = np.inf, int(s.steps[0]), 0, False
    for step, value in zip(s.steps.tolist(), s.values.tolist()):
        if value < best - min_delta:
            best, best_step, wait, reported = value, step, 0, False
        else:
            wait += 1
            if wait >= patience:
                if not reported:
                    out.append(Prediction("plateau", best_step))
                    reported = True
                wait = 0
    return out


def lightning_checks(run: Run) -> list[Prediction]:
    """Lightning EarlyStopping(check_finite=True, divergence_threshold=2 x first value)."""
    s = _monitor(run)
    if s is None:
        return []
    finite = np.isfinite(s.values)
    threshold = 2.0 * float(s.values[finite][0]) if finite.any() else np.inf
    for step, value in zip(s.steps.tolist(), s.values.tolist()):
        if not np.isfinite(value):
            return [Prediction("nan", step), Prediction("divergence", step)]
        if value > threshold:
            return [Prediction("divergence", step)]
    return []


def _pelt_segments(series: Series) -> tuple[np.ndarray, list[int], np.ndarray] | None:
    import ruptures

    ok = np.isfinite(series.values) & (series.values > 0)
    steps, values = series.steps[ok].astype(float), np.log(series.values[ok])
    if values.size < 6:
        return None
    m = max(1, -(-values.size // 500))
    nb = values.size // m
    x = np.median(steps[: nb * m].reshape(nb, m), axis=1)
    y = np.median(values[: nb * m].reshape(nb, m), axis=1)
    d = np.diff(y)
    sigma = max(1.4826 * float(np.median(np.abs(d - np.median(d)))) / np.sqrt(2), 1e-6)
    bkps = ruptures.Pelt(model="l2", min_size=3, jump=1).fit(y).predict(pen=np.log(y.size) * sigma**2)
    means = np.array([y[a:b].mean() for a, b in zip([0, *bkps[:-1]], bkps)])
    return x, [0, *bkps], means


def ruptures_pelt(run: Run) -> list[Prediction]:
    """PELT change points on the log loss, mapped to kinds as the module docstring says."""
    train = next((s for s in run.series if s.metric == "loss" and s.split == "train"), None)
    if train is None:
        return []
    out: list[Prediction] = []
    first, last = min(int(s.steps[0]) for s in run.series), max(int(s.steps[-1]) for s in run.series)
    seg = _pelt_segments(train)
    train_rises: list[float] = []
    if seg is not None:
        x, edges, means = seg
        for j in range(1, means.size):
            if means[j] > means[j - 1]:
                train_rises.append(float(x[edges[j]]))
        if train_rises:
            out.append(Prediction("divergence", int(train_rises[0])))
        for j in range(means.size):
            a, b = edges[j], edges[j + 1] - 1
            if x[b] - x[a] >= 0.15 * (last - first):
                kind = "converged" if b == x.size - 1 else "plateau"
                out.append(Prediction(kind, int(x[a]), "info" if kind == "converged" else "warning"))
    val = _monitor(run)
    if val is not None and val.split == "val":
        vseg = _pelt_segments(val)
        if vseg is not None:
            x, edges, means = vseg
            for j in range(1, means.size):
                at = float(x[edges[j]])
                if means[j] > means[j - 1] and not any(abs(at - r) <= TOLERANCE * (last - first) for r in train_rises):
                    out.append(Prediction("overfitting", int(at)))
                    break
    return out


def logscope_predictions(run: Run) -> list[Prediction]:
    """logscope's findings as predictions (a converged plateau is its own kind).

    The nan detector reports every series that went non-finite, by design; the
    series of one run that blow up together (within 10% of the run) count as
    one nan event here.
    """
    out: list[Prediction] = []
    first = min(int(s.steps[0]) for s in run.series if len(s))
    last = max(int(s.steps[-1]) for s in run.series if len(s))
    nan_steps: list[int] = []
    for f in run_detectors(run):
        kind = f.kind
        if kind == "plateau" and f.evidence.get("phase") == "converged":
            kind = "converged"
        if kind == "nan" and f.step is not None:
            if any(abs(f.step - s) <= TOLERANCE * (last - first) for s in nan_steps):
                continue
            nan_steps.append(f.step)
        out.append(Prediction(kind, f.step, f.severity))
    return out


def callbacks(run: Run) -> list[Prediction]:
    """The three framework callbacks together, each for the kind it guards against."""
    return keras_early_stopping(run) + reduce_lr_on_plateau(run) + lightning_checks(run)


#: The kinds each method claims to find: its "own kinds" macro F1 is over these only.
OWN_KINDS: dict[str, tuple[str, ...]] = {
    "logscope": KINDS,
    "keras_es": ("overfitting",),
    "keras_rlrop": ("plateau",),
    "lightning": ("nan", "divergence"),
    "callbacks": ("overfitting", "plateau", "nan", "divergence"),
    "pelt": ("overfitting", "divergence", "plateau", "converged"),
}

METHODS: dict[str, Callable[[Run], list[Prediction]]] = {
    "logscope": logscope_predictions,
    "keras_es": keras_early_stopping,
    "keras_rlrop": reduce_lr_on_plateau,
    "lightning": lightning_checks,
    "callbacks": callbacks,
    "pelt": ruptures_pelt,
}


# --------------------------------------------------------------------------- scoring


@dataclass
class Tally:
    """Counts for one (method, kind)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[float] = field(default_factory=list)

    def f1(self) -> float:
        """F1 score (0 with no true or predicted events)."""
        return 2 * self.tp / max(2 * self.tp + self.fp + self.fn, 1)


def truth_kind(t: synth.Truth) -> str:
    """Scoring kind of a truth item (a converged plateau is its own kind)."""
    return "converged" if t.kind == "plateau" and t.phase == "converged" else t.kind


def match(item: synth.SynthRun, preds: list[Prediction], length: float, tallies: dict[str, Tally]) -> list[str]:
    """Add one run's matches to ``tallies``; return notes on misses and extra predictions."""
    notes = []
    for kind in KINDS:
        truths = [t.step for t in item.truths if truth_kind(t) == kind]
        got = [p.step for p in preds if p.kind == kind]
        tally = tallies[kind]
        if kind in PRESENCE_KINDS:
            tally.tp += int(bool(truths) and bool(got))
            tally.fn += int(bool(truths) and not got)
            tally.fp += int(bool(got) and not truths)
            if truths and not got:
                notes.append(f"missed {kind}")
            if got and not truths:
                notes.append(f"extra {kind}")
            continue
        pairs = sorted(
            ((abs(p - t) / length, i, j) for i, t in enumerate(truths) for j, p in enumerate(got)
             if t is not None and p is not None),
        )
        used_t, used_p = set(), set()
        for err, i, j in pairs:
            if err <= TOLERANCE and i not in used_t and j not in used_p:
                used_t.add(i)
                used_p.add(j)
                tally.tp += 1
                tally.errors.append(err)
        tally.fn += len(truths) - len(used_t)
        tally.fp += len(got) - len(used_p)
        for i, t in enumerate(truths):
            if i not in used_t:
                notes.append(f"missed {kind}@{t} (got {got})")
        for j, p in enumerate(got):
            if j not in used_p:
                notes.append(f"extra {kind}@{p} (truth {truths})")
    return notes


def alarm(method: str, preds: list[Prediction]) -> bool:
    """Whether a method raised an alarm on a run (logscope: a warning or error; baselines: anything)."""
    if method == "logscope":
        return any(p.severity in ("warning", "error") for p in preds)
    return any(p.kind != "converged" for p in preds)


def run_benchmark(per_scenario: int, seed: int, in_memory: bool, misses: bool) -> int:
    items = synth.suite(seed=seed, per_scenario=per_scenario)
    tallies = {m: {k: Tally() for k in KINDS} for m in METHODS}
    alarms = {m: [0, 0] for m in METHODS}  # [alarms, negative runs]
    by_scenario: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failed_roundtrip = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        formats = [] if in_memory else usable_formats(root / "probe")
        written: dict[str, int] = defaultdict(int)
        turn: dict[str, int] = defaultdict(int)
        for idx, item in enumerate(items):
            run = item.run
            fits = [f for f in formats if item.level in FORMATS[f][1]]
            if fits:
                fmt = fits[turn[item.level] % len(fits)]  # round robin per level
                turn[item.level] += 1
                back = roundtrip(item, fmt, root / "runs" / str(idx))
                if back is None:
                    failed_roundtrip += 1
                else:
                    run = back
                    written[fmt] += 1
            first = min(int(s.steps[0]) for s in run.series)
            last = max(int(s.steps[-1]) for s in run.series)
            length = max(last - first, 1)
            for method, predict in METHODS.items():
                preds = predict(run)
                notes = match(item, preds, length, tallies[method])
                if item.negative:
                    alarms[method][1] += 1
                    alarms[method][0] += int(alarm(method, preds))
                if method == "logscope":
                    by_scenario[item.scenario][1] += 1
                    bad = bool(notes) if not item.negative else alarm(method, preds)
                    by_scenario[item.scenario][0] += int(bad)
                    if misses and (notes or (item.negative and alarm(method, preds))):
                        shown = [f"{p.kind}@{p.step}/{p.severity}" for p in preds]
                        print(f"  {run.name} [{item.level}, {len(run.series[0])} pts]: {'; '.join(notes)}  preds={shown}")
    total_written = sum(written.values())
    print(f"\n{len(items)} runs ({per_scenario} per scenario, seed {seed}); "
          + (f"written and read back: {dict(written)} ({len(items) - total_written} in memory"
             + (f", {failed_roundtrip} failed the round trip" if failed_roundtrip else "") + ")"
             if not in_memory else "in memory (no file formats)"))
    print(f"hit = right kind, onset within {TOLERANCE:.0%} of the run length; onset error as % of run length\n")
    header = f"{'kind':<13}" + "".join(f"{m:>24}" for m in METHODS)
    print(header)
    print(f"{'':<13}" + "".join(f"{'P    R    F1  onset%':>24}" for _ in METHODS))
    for kind in KINDS:
        cells = []
        for m in METHODS:
            t = tallies[m][kind]
            if t.tp + t.fp + t.fn == 0:
                cells.append(f"{'-':>24}")
                continue
            p = t.tp / max(t.tp + t.fp, 1)
            r = t.tp / max(t.tp + t.fn, 1)
            err = f"{100 * statistics.median(t.errors):5.1f}" if t.errors and kind in ONSET_KINDS else "    -"
            cells.append(f"{p:5.2f}{r:5.2f}{t.f1():5.2f}{err:>7}".rjust(24))
        print(f"{kind:<13}" + "".join(cells))
    macro = {m: float(np.mean([tallies[m][k].f1() for k in HEADLINE])) for m in METHODS}
    print(f"{'macro F1 (3)':<13}" + "".join(f"{macro[m]:>24.2f}" for m in METHODS))
    own = {m: float(np.mean([tallies[m][k].f1() for k in OWN_KINDS[m]])) for m in METHODS}
    print(f"{'macro F1 own':<13}" + "".join(f"{own[m]:>24.2f}" for m in METHODS))
    print(f"{'false alarms':<13}" + "".join(
        f"{alarms[m][0] / max(alarms[m][1], 1):>18.1%} ({alarms[m][0]:>2})" for m in METHODS))
    print("\nlogscope per scenario (runs with any miss/extra, or an alarm on a negative):")
    for name, (bad, n) in by_scenario.items():
        print(f"  {name:<16} {bad:>3}/{n}")
    return 0


def time_million() -> None:
    """Time every detector on one run of 1,000,000 training-loss points plus LR and validation."""
    rng = np.random.default_rng(0)
    n = 1_000_000
    steps = np.arange(n, dtype=np.int64)
    t = steps / n
    loss = (0.3 + 2.0 * np.exp(-t / 0.1)) * np.exp(rng.normal(0, 0.1, n))
    val_steps = steps[::1000]
    from logscope.readers.base import Column, build_run

    run = build_run(name="million", format="synthetic", columns={
        "loss": Column(steps, loss),
        "learning_rate": Column(steps, 1e-3 * (1 - t)),
        "eval_loss": Column(val_steps, 0.35 + 2.0 * np.exp(-t[::1000] / 0.1)),
    })
    run_detectors(run)  # warm imports
    times = []
    for _ in range(3):  # fresh series each time: nothing cached between repeats
        run = build_run(name="million", format="synthetic", columns={
            "loss": Column(steps, loss.copy()),
            "learning_rate": Column(steps, 1e-3 * (1 - t)),
            "eval_loss": Column(val_steps, 0.35 + 2.0 * np.exp(-t[::1000] / 0.1)),
        })
        start = time.perf_counter()
        findings = run_detectors(run)
        times.append(time.perf_counter() - start)
    print(f"\nspeed: all detectors on a 1,000,000-point loss (+1M LR points, 1,000 validation points): "
          f"best {min(times):.2f} s, median {statistics.median(times):.2f} s of 3; {len(findings)} findings")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-scenario", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--in-memory", action="store_true", help="do not write and read log files")
    parser.add_argument("--misses", action="store_true", help="list logscope's misses and false alarms")
    parser.add_argument("--no-speed", action="store_true", help="skip the 1M-point timing")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods to run")
    args = parser.parse_args(argv)
    print(f"readers registered: {', '.join(READERS)}")
    for name in [m for m in METHODS if m not in args.methods.split(",")]:
        del METHODS[name]
    code = run_benchmark(args.per_scenario, args.seed, args.in_memory, args.misses)
    if not args.no_speed:
        time_million()
    return code


if __name__ == "__main__":
    sys.exit(main())
