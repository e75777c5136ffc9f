"""Produce the sample training logs in ``sample_logs/`` by really training tiny models.

Every run trains a one-hidden-layer MLP (ReLU, softmax cross-entropy, minibatch
SGD or Adam, written in numpy, float64) on scikit-learn's bundled ``load_digits``
data, then writes its history in the on-disk format of a common framework:

* ``healthy/``            TensorBoard event file, PyTorch ``SummaryWriter`` style
* ``overfitting/``        TensorBoard event files, Keras ``TensorBoard`` callback style
* ``diverging/``          TensorBoard event file, PyTorch style, step = epoch
* ``plateau/``            Keras ``CSVLogger`` file ``training.log``
* ``lightning_overfit/``  PyTorch Lightning ``CSVLogger`` (``version_0/metrics.csv``)
* ``hf_healthy/``         Hugging Face Trainer ``trainer_state.json``

It also writes ``README.md`` from the numbers it trained, and fails if a run no
longer shows the behaviour it is meant to show.  Seeds, wall times and file names
are fixed, so the output is byte-identical from one run to the next.

Rerun from the repository root with ``python sample_logs/generate.py``.
Needs only numpy, scikit-learn and tensorboard.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from tensorboard.compat.proto import (
    event_pb2,
    summary_pb2,
    tensor_pb2,
    tensor_shape_pb2,
    types_pb2,
)
from tensorboard.summary.writer.record_writer import RecordWriter

OUT_DIR = Path(__file__).resolve().parent
START_TIME = 1_700_000_000  # fixed "wall clock" at the start of every run
HOST = "logscope-sample"
LN10 = math.log(10.0)

Params = dict[str, np.ndarray]


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Data:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


def load_data(n_train: int, seed: int, label_noise: float) -> Data:
    """Digits split 70/30 (fixed, 1257/540); the first ``n_train`` of a seeded shuffle
    of the training part are used, and a ``label_noise`` fraction of them get a wrong
    label.  Inputs are standardised with the statistics of the training part."""
    digits = load_digits()
    x_pool, x_val, y_pool, y_val = train_test_split(
        digits.data, digits.target, test_size=0.3, random_state=0, stratify=digits.target
    )
    rng = np.random.default_rng([seed, 0])
    order = rng.permutation(len(x_pool))[:n_train]
    y_train = y_pool[order].copy()
    flipped = rng.choice(n_train, round(label_noise * n_train), replace=False)
    y_train[flipped] = (y_train[flipped] + rng.integers(1, 10, len(flipped))) % 10
    scaler = StandardScaler().fit(x_pool)
    return Data(scaler.transform(x_pool[order]), y_train, scaler.transform(x_val), y_val)


# -------------------------------------------------------------------------- model


def init_mlp(rng: np.random.Generator, n_hidden: int, init_std: float | None) -> Params:
    """He-initialised 64 -> n_hidden -> 10 MLP, or N(0, init_std) weights if given."""
    std1 = math.sqrt(2.0 / 64) if init_std is None else init_std
    std2 = math.sqrt(2.0 / n_hidden) if init_std is None else init_std
    return {
        "w1": rng.normal(0.0, std1, (64, n_hidden)),
        "b1": np.zeros(n_hidden),
        "w2": rng.normal(0.0, std2, (n_hidden, 10)),
        "b2": np.zeros(10),
    }


def forward(params: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (pre-activation of the hidden layer, logits)."""
    z1 = x @ params["w1"] + params["b1"]
    return z1, np.maximum(z1, 0.0) @ params["w2"] + params["b2"]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    result: np.ndarray = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return result


def loss_and_grads(params: Params, x: np.ndarray, y: np.ndarray) -> tuple[float, float, Params]:
    """Mean cross-entropy, accuracy and gradients for one minibatch."""
    z1, logits = forward(params, x)
    logp = log_softmax(logits)
    rows = np.arange(len(y))
    d_logits = np.exp(logp)
    d_logits[rows, y] -= 1.0
    d_logits /= len(y)
    h = np.maximum(z1, 0.0)
    d_z1 = (d_logits @ params["w2"].T) * (z1 > 0.0)
    grads = {"w1": x.T @ d_z1, "b1": d_z1.sum(0), "w2": h.T @ d_logits, "b2": d_logits.sum(0)}
    return float(-logp[rows, y].mean()), float((logits.argmax(1) == y).mean()), grads


def evaluate(params: Params, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    logp = log_softmax(forward(params, x)[1])
    return float(-logp[np.arange(len(y)), y].mean()), float((logp.argmax(1) == y).mean())


# ---------------------------------------------------------------------- optimizers


class Sgd:
    """torch.optim.SGD: coupled L2 weight decay on every parameter, optional momentum."""

    def __init__(self, weight_decay: float, momentum: float) -> None:
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.velocity: Params = {}

    def step(self, params: Params, grads: Params, lr: float) -> None:
        for name, grad in grads.items():
            grad = grad + self.weight_decay * params[name]
            if self.momentum:
                grad = self.velocity[name] = self.momentum * self.velocity.get(name, 0.0) + grad
            params[name] -= lr * grad


class Adam:
    """torch.optim.Adam; a weight decay makes it AdamW (decoupled, on the weight
    matrices only, as HF Trainer sets it up)."""

    def __init__(self, weight_decay: float, betas: tuple[float, float] = (0.9, 0.999)) -> None:
        self.weight_decay = weight_decay
        self.betas = betas
        self.moments: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.t = 0

    def step(self, params: Params, grads: Params, lr: float) -> None:
        b1, b2 = self.betas
        self.t += 1
        for name, grad in grads.items():
            m, v = self.moments.get(name, (np.zeros_like(grad), np.zeros_like(grad)))
            m, v = b1 * m + (1 - b1) * grad, b2 * v + (1 - b2) * grad**2
            self.moments[name] = (m, v)
            if name.startswith("w"):
                params[name] *= 1.0 - lr * self.weight_decay
            m_hat, v_hat = m / (1 - b1**self.t), v / (1 - b2**self.t)
            params[name] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)


# ------------------------------------------------------------------------ training


@dataclass(frozen=True)
class Schedule:
    text: str  # for the README
    lr: Callable[[int, int], float]  # (epoch, global step) -> learning rate


@dataclass(frozen=True)
class RunConfig:
    seed: int
    n_train: int
    hidden: int
    epochs: int
    batch_size: int
    schedule: Schedule
    optimizer: str = "sgd"  # "sgd" or "adam"
    weight_decay: float = 0.0
    momentum: float = 0.0
    label_noise: float = 0.0
    init_std: float | None = None
    max_grad_norm: float | None = None
    eval_every_steps: int | None = None


@dataclass(frozen=True)
class BatchLog:
    step: int  # 0-based global step of this optimizer update
    epoch: int
    loss: float
    acc: float
    size: int
    grad_norm: float  # before clipping


@dataclass(frozen=True)
class EpochLog:
    epoch: int
    lr: float
    train_loss: float  # sample-weighted mean of the minibatch losses during the epoch
    train_acc: float
    val_loss: float
    val_acc: float
    first_step: int
    last_step: int


@dataclass(frozen=True)
class StepEval:
    step: int  # number of updates done before this evaluation
    val_loss: float
    val_acc: float


@dataclass
class History:
    config: RunConfig
    data: Data
    batches: list[BatchLog] = field(default_factory=list)
    epochs: list[EpochLog] = field(default_factory=list)
    step_evals: list[StepEval] = field(default_factory=list)

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.config.n_train / self.config.batch_size)


def train(config: RunConfig) -> History:
    data = load_data(config.n_train, config.seed, config.label_noise)
    rng = np.random.default_rng([config.seed, 1])
    params = init_mlp(rng, config.hidden, config.init_std)
    optimizer: Sgd | Adam = (
        Adam(config.weight_decay) if config.optimizer == "adam" else Sgd(config.weight_decay, config.momentum)
    )
    history = History(config, data)
    step = 0
    with np.errstate(all="ignore"):  # the diverging run overflows on purpose
        for epoch in range(config.epochs):
            first_step, batch_logs = step, []
            for idx in np.array_split(rng.permutation(config.n_train), history.steps_per_epoch):
                loss, acc, grads = loss_and_grads(params, data.x_train[idx], data.y_train[idx])
                grad_norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
                if config.max_grad_norm is not None and grad_norm > config.max_grad_norm:
                    grads = {k: g * (config.max_grad_norm / (grad_norm + 1e-6)) for k, g in grads.items()}
                optimizer.step(params, grads, config.schedule.lr(epoch, step))
                batch_logs.append(BatchLog(step, epoch, loss, acc, len(idx), grad_norm))
                step += 1
                if config.eval_every_steps and step % config.eval_every_steps == 0:
                    history.step_evals.append(StepEval(step, *evaluate(params, data.x_val, data.y_val)))
            history.batches.extend(batch_logs)
            sizes = np.array([b.size for b in batch_logs])
            val_loss, val_acc = evaluate(params, data.x_val, data.y_val)
            history.epochs.append(
                EpochLog(
                    epoch=epoch,
                    lr=config.schedule.lr(epoch, first_step),
                    train_loss=float(np.dot(sizes, [b.loss for b in batch_logs]) / sizes.sum()),
                    train_acc=float(np.dot(sizes, [b.acc for b in batch_logs]) / sizes.sum()),
                    val_loss=val_loss,
                    val_acc=val_acc,
                    first_step=first_step,
                    last_step=step - 1,
                )
            )
    return history


def constant(lr: float) -> Schedule:
    return Schedule(f"constant LR {lr:g}", lambda epoch, step: lr)


def step_decay(lr: float, every: int, factor: float) -> Schedule:
    return Schedule(
        f"LR {lr:g} multiplied by {factor:g} every {every} epochs", lambda epoch, step: lr * factor ** (epoch // every)
    )


def exponential_growth(lr: float, factor: float) -> Schedule:
    """A broken warm-up: multiplies the LR every epoch and never caps it."""
    return Schedule(
        f"LR {lr:g} multiplied by {factor:g} every epoch with no cap (a broken warm-up)",
        lambda epoch, step: lr * factor**epoch,
    )


def linear_decay(lr: float, total_steps: int) -> Schedule:
    """transformers' get_linear_schedule_with_warmup with no warm-up."""
    return Schedule(
        f"LR {lr:g} decaying linearly to 0 over {total_steps} steps",
        lambda epoch, step: lr * max(0.0, (total_steps - step) / total_steps),
    )


# ---------------------------------------------------------------- value rounding


def f32(value: float) -> float:
    """What ``tensor.item()`` / Keras / a ``simple_value`` give for a float32 metric
    (values beyond the float32 range become inf, as in a float32 training)."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


# ------------------------------------------------------------- TensorBoard files


def event_file_name(suffix: str = "") -> str:
    return f"events.out.tfevents.{START_TIME}.{HOST}.1.0{suffix}"


def write_events(path: Path, events: Iterable[event_pb2.Event]) -> None:
    """Write a TFRecord event file whose first record is the file-version event."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = RecordWriter(path.open("wb"))
    header = event_pb2.Event(wall_time=float(START_TIME), file_version="brain.Event:2")
    for event in [header, *events]:
        writer.write(event.SerializeToString())
    writer.close()


def simple_value_event(tag: str, value: float, step: int, wall_time: float) -> event_pb2.Event:
    """One ``SummaryWriter.add_scalar`` call (PyTorch, TF1 style)."""
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=f32(value))])
    return event_pb2.Event(wall_time=wall_time, step=step, summary=summary)


def tensor_scalar_event(tag: str, value: float, step: int, wall_time: float) -> event_pb2.Event:
    """One ``tf.summary.scalar`` call (TF2 / Keras style): rank-0 DT_FLOAT tensor."""
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_FLOAT,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(),
        tensor_content=struct.pack("<f", f32(value)),
    )
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"),
        data_class=summary_pb2.DATA_CLASS_SCALAR,
    )
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
    return event_pb2.Event(wall_time=wall_time, step=step, summary=summary)


# Fixed, made-up durations so that wall times are deterministic.
SECONDS_PER_STEP = 0.025
SECONDS_PER_EVAL = 0.4


def step_wall_time(history: History, step: int) -> float:
    """Wall time right after optimizer update ``step`` (0-based), evals included."""
    epochs_done = step // history.steps_per_epoch
    return START_TIME + 1.0 + (step + 1) * SECONDS_PER_STEP + epochs_done * SECONDS_PER_EVAL


def epoch_end_wall_time(history: History, epoch: int) -> float:
    return step_wall_time(history, history.epochs[epoch].last_step) + SECONDS_PER_EVAL


def write_healthy_tensorboard(history: History, run_dir: Path, log_every: int) -> None:
    """PyTorch loop: train loss every ``log_every`` batches at the global step, epoch
    metrics at the global step of the epoch end (global step = updates done)."""
    events = []
    for batch in history.batches:
        if (batch.step + 1) % log_every == 0:
            wall = step_wall_time(history, batch.step)
            events.append(simple_value_event("train/loss", batch.loss, batch.step + 1, wall))
    for ep in history.epochs:
        step, wall = ep.last_step + 1, epoch_end_wall_time(history, ep.epoch)
        for tag, value in (
            ("train/loss_epoch", ep.train_loss),
            ("train/acc", ep.train_acc),
            ("val/loss", ep.val_loss),
            ("val/acc", ep.val_acc),
            ("lr", ep.lr),
        ):
            events.append(simple_value_event(tag, value, step, wall))
    events.sort(key=lambda e: e.wall_time)
    write_events(run_dir / event_file_name(), events)


def write_keras_tensorboard(history: History, run_dir: Path) -> None:
    """Keras TensorBoard callback: ``train/`` and ``validation/`` writers, step = epoch."""
    train_events, val_events = [], []
    for ep in history.epochs:
        wall = epoch_end_wall_time(history, ep.epoch)
        train_events += [
            tensor_scalar_event("epoch_loss", ep.train_loss, ep.epoch, wall),
            tensor_scalar_event("epoch_accuracy", ep.train_acc, ep.epoch, wall),
            tensor_scalar_event("epoch_learning_rate", ep.lr, ep.epoch, wall),
        ]
        val_events += [
            tensor_scalar_event("epoch_loss", ep.val_loss, ep.epoch, wall),
            tensor_scalar_event("epoch_accuracy", ep.val_acc, ep.epoch, wall),
        ]
    write_events(run_dir / "train" / event_file_name(".v2"), train_events)
    write_events(run_dir / "validation" / event_file_name(".v2"), val_events)


def write_epoch_tensorboard(history: History, run_dir: Path) -> None:
    """PyTorch loop that logs once per epoch with ``global_step=epoch``."""
    events = []
    for ep in history.epochs:
        wall = epoch_end_wall_time(history, ep.epoch)
        for tag, value in (
            ("Loss/train", ep.train_loss),
            ("Loss/val", ep.val_loss),
            ("Accuracy/train", ep.train_acc),
            ("Accuracy/val", ep.val_acc),
            ("learning_rate", ep.lr),
        ):
            events.append(simple_value_event(tag, value, ep.epoch, wall))
    write_events(run_dir / event_file_name(), events)


# ------------------------------------------------------------------- CSV / JSON


def csv_text(fieldnames: list[str], rows: list[dict[str, object]]) -> str:
    """csv.DictWriter output with the default excel dialect (``\\r\\n`` line ends)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=fieldnames)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_keras_csv(history: History, path: Path) -> None:
    """keras.callbacks.CSVLogger: ``epoch`` then the sorted log keys, one row per epoch.
    Keras pythonifies its float32 metrics and the float32 LR variable."""
    rows: list[dict[str, object]] = [
        {
            "epoch": ep.epoch,
            "accuracy": f32(ep.train_acc),
            "learning_rate": f32(ep.lr),
            "loss": f32(ep.train_loss),
            "val_accuracy": f32(ep.val_acc),
            "val_loss": f32(ep.val_loss),
        }
        for ep in history.epochs
    ]
    keys = ["epoch", *sorted(k for k in rows[0] if k != "epoch")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_text(keys, rows).encode())


def lightning_rows(history: History, log_every_n_steps: int) -> list[dict[str, object]]:
    """Rows in the order Lightning's CSVLogger receives them: LearningRateMonitor at
    epoch start (no ``epoch`` key), ``train_loss_step`` when ``(step + 1) %
    log_every_n_steps == 0``, then the validation row and the epoch-aggregate row,
    both at the epoch's last step."""
    rows: list[dict[str, object]] = []
    by_epoch: dict[int, list[BatchLog]] = {}
    for batch in history.batches:
        by_epoch.setdefault(batch.epoch, []).append(batch)
    for ep in history.epochs:
        rows.append({LIGHTNING_LR_KEY: ep.lr, "step": ep.first_step})
        for batch in by_epoch[ep.epoch]:
            if (batch.step + 1) % log_every_n_steps == 0:
                rows.append({"train_loss_step": f32(batch.loss), "epoch": ep.epoch, "step": batch.step})
        end = {"epoch": ep.epoch, "step": ep.last_step}
        rows.append({"val_loss": f32(ep.val_loss), "val_acc": f32(ep.val_acc), **end})
        rows.append({"train_loss_epoch": f32(ep.train_loss), "train_acc": f32(ep.train_acc), **end})
    return rows


def write_lightning_csv(
    history: History, version_dir: Path, log_every_n_steps: int, hparams: dict[str, object]
) -> None:
    rows = lightning_rows(history, log_every_n_steps)
    keys = sorted(set().union(*rows))
    version_dir.mkdir(parents=True, exist_ok=True)
    (version_dir / "metrics.csv").write_bytes(csv_text(keys, rows).encode())
    yaml = "".join(f"{key}: {value}\n" for key, value in sorted(hparams.items()))
    (version_dir / "hparams.yaml").write_text(yaml)


@dataclass(frozen=True)
class HfArgs:
    output_dir: str
    logging_steps: int
    eval_steps: int
    save_steps: int
    train_batch_size: int
    eval_batch_size: int


def hf_log_history(history: History, args: HfArgs) -> list[dict[str, object]]:
    """Trainer.log entries: windowed mean loss (rounded to 4), grad norm of the last
    step, LR after the scheduler step, fractional epoch; eval entries; final summary."""
    steps_per_epoch, total_steps = history.steps_per_epoch, len(history.batches)
    schedule = history.config.schedule.lr
    n_val = len(history.data.y_val)
    evals = {e.step: e for e in history.step_evals}
    eval_runtimes = {step: 0.0391 + 0.0013 * (i % 5) for i, step in enumerate(evals)}  # made up, fixed
    log: list[dict[str, object]] = []
    for batch in history.batches:
        done = batch.step + 1
        epoch = done / steps_per_epoch
        if done % args.logging_steps == 0:
            window = history.batches[done - args.logging_steps : done]
            log.append(
                {
                    "epoch": epoch,
                    "grad_norm": f32(batch.grad_norm),
                    "learning_rate": schedule(batch.epoch, done),
                    "loss": round(sum(f32(b.loss) for b in window) / len(window), 4),
                    "step": done,
                }
            )
        if done in evals:
            log.append(
                {
                    "epoch": epoch,
                    "eval_accuracy": evals[done].val_acc,
                    "eval_loss": f32(evals[done].val_loss),
                    "eval_runtime": round(eval_runtimes[done], 4),
                    "eval_samples_per_second": round(n_val / eval_runtimes[done], 3),
                    "eval_steps_per_second": round(math.ceil(n_val / args.eval_batch_size) / eval_runtimes[done], 3),
                    "step": done,
                }
            )
    runtime = total_steps * SECONDS_PER_STEP + sum(eval_runtimes.values())
    log.append(
        {
            "epoch": float(history.config.epochs),
            "step": total_steps,
            "total_flos": 0.0,
            "train_loss": sum(f32(b.loss) for b in history.batches) / total_steps,
            "train_runtime": round(runtime, 4),
            "train_samples_per_second": round(history.config.n_train * history.config.epochs / runtime, 3),
            "train_steps_per_second": round(total_steps / runtime, 3),
        }
    )
    return log


def write_hf_trainer_state(history: History, path: Path, args: HfArgs) -> None:
    """TrainerState.save_to_json: ``json.dumps(asdict(state), indent=2, sort_keys=True)``
    with ``metric_for_best_model="eval_loss"``; checkpoints every ``save_steps``."""
    saved = [e for e in history.step_evals if e.step % args.save_steps == 0]
    best = min(saved, key=lambda e: e.val_loss)
    total_steps = len(history.batches)
    state = {
        "best_global_step": best.step,
        "best_metric": f32(best.val_loss),
        "best_model_checkpoint": f"{args.output_dir}/checkpoint-{best.step}",
        "epoch": float(history.config.epochs),
        "eval_steps": args.eval_steps,
        "global_step": total_steps,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": hf_log_history(history, args),
        "logging_steps": args.logging_steps,
        "max_steps": total_steps,
        "num_input_tokens_seen": 0,
        "num_train_epochs": history.config.epochs,
        "save_steps": args.save_steps,
        "stateful_callbacks": {
            "TrainerControl": {
                "args": {
                    "should_epoch_stop": False,
                    "should_evaluate": False,
                    "should_log": False,
                    "should_save": True,
                    "should_training_stop": True,
                },
                "attributes": {},
            }
        },
        "total_flos": 0.0,
        "train_batch_size": args.train_batch_size,
        "trial_name": None,
        "trial_params": None,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")


# ------------------------------------------------------------------------ the runs

HEALTHY = RunConfig(
    seed=1,
    n_train=1257,
    hidden=64,
    epochs=60,
    batch_size=32,
    schedule=step_decay(0.02, every=20, factor=0.3),
    weight_decay=1e-3,
)
HEALTHY_LOG_EVERY = 2  # batches between two ``train/loss`` points
OVERFITTING = RunConfig(
    seed=2,
    n_train=150,
    hidden=512,
    epochs=200,
    batch_size=8,
    schedule=constant(1e-3),
    optimizer="adam",
    label_noise=0.2,
)
DIVERGING = RunConfig(
    seed=3,
    n_train=1257,
    hidden=64,
    epochs=34,
    batch_size=32,
    schedule=exponential_growth(0.02, 1.25),
    momentum=0.9,
    weight_decay=5e-4,
)
PLATEAU = RunConfig(
    seed=4,
    n_train=1257,
    hidden=64,
    epochs=80,
    batch_size=32,
    schedule=constant(1e-4),
    init_std=0.01,
)
LIGHTNING = RunConfig(
    seed=5,
    n_train=200,
    hidden=256,
    epochs=150,
    batch_size=16,
    schedule=constant(2e-3),
    optimizer="adam",
    label_noise=0.2,
)
LIGHTNING_LOG_EVERY_N_STEPS = 50  # Lightning's default
LIGHTNING_LR_KEY = "lr-Adam"  # LearningRateMonitor's name for the optimizer's LR
HF_ARGS = HfArgs(
    output_dir="outputs/digits-mlp",
    logging_steps=10,
    eval_steps=50,
    save_steps=50,
    train_batch_size=32,
    eval_batch_size=64,
)
HF_HEALTHY = RunConfig(
    seed=6,
    n_train=1257,
    hidden=128,
    epochs=20,
    batch_size=32,
    schedule=linear_decay(1e-3, total_steps=20 * math.ceil(1257 / 32)),
    optimizer="adam",
    weight_decay=0.01,
    max_grad_norm=1.0,
    eval_every_steps=HF_ARGS.eval_steps,
)


# ------------------------------------------------------- findings for the README


def check(condition: bool, message: str) -> None:
    """Fail loudly if a run no longer shows the behaviour it is meant to show."""
    if not condition:
        raise RuntimeError(f"sample run lost its behaviour: {message}")


def logged(values: Iterable[float]) -> np.ndarray:
    """The values as the float32 files hold them."""
    return np.array([f32(v) for v in values])


@dataclass(frozen=True)
class Minimum:
    index: int
    value: float
    last: float
    worst_rise_pct: float  # highest later value, in % above the minimum


def minimum(values: np.ndarray) -> Minimum:
    i = int(np.argmin(values))
    return Minimum(i, float(values[i]), float(values[-1]), 100 * (float(values[i:].max()) / values[i] - 1))


def max_rise_over_running_min_pct(values: np.ndarray) -> float:
    return 100 * float((values / np.minimum.accumulate(values) - 1).max())


def describe_training(h: History, extra: str = "") -> str:
    c = h.config
    noise = f", {c.label_noise:.0%} of them with a wrong label" if c.label_noise else ""
    reg = f", weight decay {c.weight_decay:g}" if c.weight_decay else ", no regularisation"
    mom = f", momentum {c.momentum:g}" if c.momentum else ""
    opt = {"sgd": "SGD", "adam": "AdamW" if c.weight_decay else "Adam"}[c.optimizer]
    init = f", weights initialised N(0, {c.init_std:g})" if c.init_std else ", He initialisation"
    steps = math.ceil(c.n_train / c.batch_size) * c.epochs
    return (
        f"Trained: {c.n_train} training digits{noise}, {len(h.data.y_val)} validation digits; "
        f"64-{c.hidden}-10 ReLU MLP{init}; {opt}{mom}{reg}, {c.schedule.text}{extra}; "
        f"batch {c.batch_size}, {c.epochs} epochs ({steps} steps); seed {c.seed}."
    )


def healthy_section(h: History) -> str:
    val = logged(e.val_loss for e in h.epochs)
    rise = max_rise_over_running_min_pct(val)
    n_points = sum((b.step + 1) % HEALTHY_LOG_EVERY == 0 for b in h.batches)
    check(all(np.isfinite(logged(b.loss for b in h.batches))) and rise < 2.0, "healthy val/loss rises")
    return f"""## `healthy/` — TensorBoard, PyTorch `SummaryWriter` style

{describe_training(h)}

Format: one event file of `simple_value` scalars. `train/loss` is the minibatch loss every
{HEALTHY_LOG_EVERY} batches at the global step ({n_points} points, steps {HEALTHY_LOG_EVERY}..{len(h.batches)});
`train/loss_epoch`, `train/acc`, `val/loss`, `val/acc` and `lr` are written once per epoch at the
global step of the epoch end ({h.steps_per_epoch}, {2 * h.steps_per_epoch}, ..., {len(h.batches)}).

Expected finding: nothing wrong. `val/loss` falls from {val[0]:.4f} (epoch 0) to {val[-1]:.4f}
(epoch {len(val) - 1}); it is never more than {rise:.2f}% above its running minimum. Final `val/acc`
{h.epochs[-1].val_acc:.4f}. All values are finite.
"""


def overfitting_section(h: History) -> str:
    train, val = logged(e.train_loss for e in h.epochs), logged(e.val_loss for e in h.epochs)
    m = minimum(val)
    check(m.worst_rise_pct >= 20 and train[-1] < 0.01, "overfitting val loss does not rise 20%")
    best_acc = max(range(len(h.epochs)), key=lambda i: h.epochs[i].val_acc)
    return f"""## `overfitting/` — TensorBoard, Keras `TensorBoard` callback style (TF2)

{describe_training(h)}

Format: `train/` and `validation/` each hold one event file; tags `epoch_loss`, `epoch_accuracy`
(and `epoch_learning_rate` in `train/`) with step = epoch (0-based). Values are TF2 tensor
summaries: rank-0 `DT_FLOAT` `tensor_content`, plugin `scalars`, `DATA_CLASS_SCALAR`.

Expected finding: overfitting. Training `epoch_loss` falls from {train[0]:.4f} to {train[-1]:.6f}
(training accuracy {h.epochs[-1].train_acc:.2f}, noisy labels memorised). Validation `epoch_loss`
bottoms at epoch {m.index} ({m.value:.4f}) and rises to {m.last:.4f} at epoch {len(val) - 1}
(+{100 * (m.last / m.value - 1):.1f}%; highest +{m.worst_rise_pct:.1f}%). Validation accuracy peaks at
{h.epochs[best_acc].val_acc:.4f} (epoch {best_acc}) and ends at {h.epochs[-1].val_acc:.4f}.
"""


def first_index(mask: np.ndarray) -> int:
    return int(np.argmax(mask)) if mask.any() else -1


def diverging_section(h: History) -> str:
    train, val = logged(e.train_loss for e in h.epochs), logged(e.val_loss for e in h.epochs)
    bad_train, bad_val = first_index(~np.isfinite(train)), first_index(~np.isfinite(val))
    first_nan = first_index(np.isnan(train))
    low, low_val = minimum(train[:bad_train]), minimum(val[:bad_val])
    check(0 <= low.index + 5 <= bad_train and 0 <= first_nan <= len(train) - 3, "diverging run shape")
    rises = [i for i in range(low.index + 1, bad_train) if train[i] > 2 * low.value]
    lrs = [e.lr for e in h.epochs]
    lr_text = (
        f": {lrs[low.index]:.3g} at epoch {low.index}, {lrs[bad_train]:.3g} at epoch {bad_train}, "
        f"{lrs[-1]:.3g} at epoch {len(lrs) - 1}"
    )
    return f"""## `diverging/` — TensorBoard, PyTorch `SummaryWriter` style, step = epoch

{describe_training(h, lr_text)}

Format: one event file of `simple_value` scalars, tags `Loss/train`, `Loss/val`,
`Accuracy/train`, `Accuracy/val`, `learning_rate`, step = epoch (0-based). Values are
float32, so losses beyond 3.4e38 are stored as inf; NaN is stored as NaN.

Expected finding: divergence. `Loss/train` falls normally to {low.value:.5f} at epoch {low.index}, is
more than twice that from epoch {rises[0]} ({train[rises[0]]:.4f}) and grows by orders of magnitude after
({train[bad_train - 1]:.3g} at epoch {bad_train - 1}). `Loss/val` is lowest at epoch {low_val.index}
({low_val.value:.4f}). First non-finite value: epoch {bad_train} in `Loss/train` and epoch {bad_val} in
`Loss/val` (inf); NaN from epoch {first_nan}. Logging goes on to epoch {len(train) - 1};
`Accuracy/val` ends at {h.epochs[-1].val_acc:.4f} (chance).
"""


def plateau_section(h: History) -> str:
    train, val = logged(e.train_loss for e in h.epochs), logged(e.val_loss for e in h.epochs)
    both = np.concatenate([train, val])
    spread = float(np.abs(both - LN10).max())
    check(spread < 0.01, "plateau loss leaves ln(10)")
    return f"""## `plateau/` — Keras `CSVLogger` (`training.log`)

{describe_training(h, " (far too low)")}

Format: `epoch,accuracy,learning_rate,loss,val_accuracy,val_loss`, comma separated, `\\r\\n` line
ends (csv `excel` dialect), 0-based epoch, float32 values written with Python `repr`.

Expected finding: a plateau. `loss` goes from {train[0]:.5f} to {train[-1]:.5f} and `val_loss` from
{val[0]:.5f} to {val[-1]:.5f} over {len(train)} epochs; every loss is within ±{spread:.4f} of
ln(10) = {LN10:.5f}. Validation accuracy only creeps from {h.epochs[0].val_acc:.3f} to {h.epochs[-1].val_acc:.3f}
(chance is 0.1).
"""


def lightning_section(h: History) -> str:
    val = logged(e.val_loss for e in h.epochs)
    m = minimum(val)
    check(m.worst_rise_pct >= 20, "lightning val_loss does not rise 20%")
    n_rows = len(lightning_rows(h, LIGHTNING_LOG_EVERY_N_STEPS))
    every = LIGHTNING_LOG_EVERY_N_STEPS
    return f"""## `lightning_overfit/` — PyTorch Lightning `CSVLogger` (`version_0/metrics.csv`, `hparams.yaml`)

{describe_training(h)}

Format: header = sorted union of the keys; {n_rows} sparse rows, empty cells for missing values,
`\\r\\n` line ends. Per epoch: a `{LIGHTNING_LR_KEY}` row from `LearningRateMonitor` at the epoch's
first step (no `epoch` value); `train_loss_step` rows every {every} steps (`log_every_n_steps`,
at steps {every - 1}, {2 * every - 1}, ...); then a validation row (`val_loss`, `val_acc`)
and an epoch row (`train_loss_epoch`, `train_acc`), both at the epoch's last step.

Expected finding: overfitting. `train_loss_epoch` falls from {h.epochs[0].train_loss:.4f} to
{h.epochs[-1].train_loss:.6f}. `val_loss` bottoms at epoch {m.index} (step {h.epochs[m.index].last_step},
{m.value:.4f}) and ends at {m.last:.4f} (+{100 * (m.last / m.value - 1):.1f}%; highest +{m.worst_rise_pct:.1f}%).
"""


def hf_section(h: History) -> str:
    evals = logged(e.val_loss for e in h.step_evals)
    m = minimum(evals)
    check(m.worst_rise_pct < 2.0, "hf eval_loss rises")
    steps = [e.step for e in h.step_evals]
    return f"""## `hf_healthy/` — Hugging Face Trainer `trainer_state.json`

{describe_training(h, f", gradient clipping at norm {h.config.max_grad_norm:g}")}

Format: `json.dumps(state, indent=2, sort_keys=True)`. `log_history` holds a train entry every
{HF_ARGS.logging_steps} steps (`loss` = mean over the window rounded to 4 digits, `grad_norm`
before clipping, `learning_rate`, fractional `epoch`, `step`), an eval entry every
{HF_ARGS.eval_steps} steps (`eval_loss`, `eval_accuracy`, `eval_runtime`, ...) and the final
summary (`train_loss`, `train_runtime`, ...). Best checkpoint by `eval_loss`.

Expected finding: nothing wrong. `eval_loss` goes from {evals[0]:.4f} (step {steps[0]}) to
{evals[-1]:.4f} (step {steps[-1]}), lowest at step {steps[m.index]} ({m.value:.4f}), never more than
{m.worst_rise_pct:.2f}% above it afterwards. Final `eval_accuracy` {h.step_evals[-1].val_acc:.4f}.
"""


README_HEAD = """# Sample training logs

Real (tiny) trainings, written in the formats of common frameworks, for trying and testing
logscope. Every run trains a one-hidden-layer ReLU MLP with softmax cross-entropy, written
by hand in numpy (float64), on scikit-learn's bundled 8x8 `load_digits` images (standardised;
a fixed stratified 70/30 split: 1257 training, 540 validation digits). The logged metrics are
the ones these trainings produced; only wall times and runtimes are made up (a fixed start
time plus fixed durations). Epochs are 0-based below unless a format says otherwise.

Generated by `python sample_logs/generate.py` (this file included). The script is
deterministic and checks that each run still shows its behaviour.
"""


# ---------------------------------------------------------------------------- main


def main() -> None:
    runs = {
        name: train(config)
        for name, config in (
            ("healthy", HEALTHY),
            ("overfitting", OVERFITTING),
            ("diverging", DIVERGING),
            ("plateau", PLATEAU),
            ("lightning_overfit", LIGHTNING),
            ("hf_healthy", HF_HEALTHY),
        )
    }
    for name in runs:
        shutil.rmtree(OUT_DIR / name, ignore_errors=True)
    write_healthy_tensorboard(runs["healthy"], OUT_DIR / "healthy", HEALTHY_LOG_EVERY)
    write_keras_tensorboard(runs["overfitting"], OUT_DIR / "overfitting")
    write_epoch_tensorboard(runs["diverging"], OUT_DIR / "diverging")
    write_keras_csv(runs["plateau"], OUT_DIR / "plateau" / "training.log")
    lightning = runs["lightning_overfit"].config
    write_lightning_csv(
        runs["lightning_overfit"],
        OUT_DIR / "lightning_overfit" / "version_0",
        LIGHTNING_LOG_EVERY_N_STEPS,
        {
            "batch_size": lightning.batch_size,
            "hidden_units": lightning.hidden,
            "label_noise": lightning.label_noise,
            "lr": lightning.schedule.lr(0, 0),
            "max_epochs": lightning.epochs,
            "n_train": lightning.n_train,
            "seed": lightning.seed,
        },
    )
    write_hf_trainer_state(runs["hf_healthy"], OUT_DIR / "hf_healthy" / "trainer_state.json", HF_ARGS)
    sections = [
        healthy_section(runs["healthy"]),
        overfitting_section(runs["overfitting"]),
        diverging_section(runs["diverging"]),
        plateau_section(runs["plateau"]),
        lightning_section(runs["lightning_overfit"]),
        hf_section(runs["hf_healthy"]),
    ]
    (OUT_DIR / "README.md").write_text("\n".join([README_HEAD, *sections]))
    print("\n".join(sections))


if __name__ == "__main__":
    main()
