"""Generated sweeps and big files for the scale benchmark (``bench_scale.py``).

The event files are encoded here directly (TFRecord framing around hand-encoded
``Event`` protos) instead of through TensorBoard's ``EventFileWriter``: writing
20 million events through protobuf objects takes many minutes, and the bytes are
the same (``tests/test_scale_data.py`` checks them against TensorBoard's reader).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from crc32c import crc32c

#: The five tags of every generated run.
TAGS = ("train/loss", "val/loss", "train/accuracy", "val/accuracy", "lr")
#: Run behaviours, cycled over the runs so a sweep has findings of several kinds.
KINDS = ("healthy", "healthy", "healthy", "overfit", "diverge", "plateau", "healthy", "noisy")


def _masked_crc(data: bytes) -> bytes:
    """TFRecord's masked CRC32C of ``data``, little-endian."""
    crc = crc32c(data)
    return struct.pack("<I", (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return length + _masked_crc(length) + data + _masked_crc(data)


def event_bytes(steps: np.ndarray, values: dict[str, np.ndarray], *, wall0: float = 1.7e9) -> bytes:
    """An event file: a version record, then one scalar event per (step, tag), step-major."""
    out = [_record(b"\x09" + struct.pack("<d", wall0) + b"\x1a\x0dbrain.Event:2")]
    tags = [(name.encode(), vals.astype(np.float32)) for name, vals in values.items()]
    heads = [b"\x0a" + _varint(len(t)) + t + b"\x15" for t, _ in tags]
    for i, step in enumerate(steps.tolist()):
        wall = struct.pack("<d", wall0 + 0.05 * i)
        for (_, vals), head in zip(tags, heads):
            value = head + vals[i].tobytes()
            summary = b"\x0a" + _varint(len(value)) + value
            out.append(_record(b"\x09" + wall + b"\x10" + _varint(step) + b"\x2a" + _varint(len(summary)) + summary))
    return b"".join(out)


def curves(kind: str, steps: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The five series of one run with the given behaviour."""
    t = np.arange(steps, dtype=np.float64) / max(steps - 1, 1)
    noise = 0.03 if kind != "noisy" else 0.4
    base = 0.3 + 2.0 * np.exp(-6 * t)
    train = base * (1 + noise * rng.standard_normal(steps))
    val = base + 0.05 + 0.02 * rng.standard_normal(steps)
    if kind == "overfit":
        val = val + np.where(t > 0.4, 1.5 * (t - 0.4), 0.0)
    elif kind == "plateau":
        train = np.where(t > 0.2, train[int(0.2 * steps)] + 0.001 * rng.standard_normal(steps), train)
        val = np.where(t > 0.2, val[int(0.2 * steps)] + 0.001 * rng.standard_normal(steps), val)
    elif kind == "diverge":
        grow = np.where(t > 0.6, np.exp(25 * (t - 0.6)), 1.0)
        train, val = train * grow, val * grow
        train[int(0.9 * steps):] = np.nan
    accuracy = np.clip(1.0 - 0.35 * train, 0, 1)
    val_accuracy = np.clip(1.0 - 0.35 * val, 0, 1)
    lr = 1e-3 * np.where(t < 0.05, t / 0.05, np.cos(np.pi * t / 2) ** 2)
    return dict(zip(TAGS, (train, val, accuracy, val_accuracy, lr)))


def write_sweep(root: Path, runs: int, steps: int, *, seed: int = 0) -> int:
    """``runs`` run folders of one event file each, under ``root``; returns the bytes written."""
    rng = np.random.default_rng(seed)
    total = 0
    step_axis = np.arange(steps, dtype=np.int64) * 10
    for r in range(runs):
        folder = root / f"lr{r % 10}" / f"run{r:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = event_bytes(step_axis, curves(KINDS[r % len(KINDS)], steps, rng))
        (folder / f"events.out.tfevents.1700000000.host.{r}.0").write_bytes(data)
        total += len(data)
    return total


def write_big_events(path: Path, target_bytes: int, *, tags: Sequence[str] = TAGS, chunk_steps: int = 20_000) -> int:
    """One event file of about ``target_bytes`` (written in chunks, so memory stays small)."""
    rng = np.random.default_rng(1)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    step0 = 0
    with open(path, "wb") as fh:
        while written < target_bytes:
            steps = np.arange(step0, step0 + chunk_steps, dtype=np.int64)
            values = {tag: (2.0 * np.exp(-steps / 1e6) + 0.05 * rng.standard_normal(chunk_steps)) for tag in tags}
            data = event_bytes(steps, values)
            if step0:  # only the first chunk carries the version record
                data = data[len(_record(b"\x09" + struct.pack("<d", 1.7e9) + b"\x1a\x0dbrain.Event:2")):]
            fh.write(data)
            written += len(data)
            step0 += chunk_steps
    return written


def write_big_csv(path: Path, target_bytes: int, *, columns: int = 6, chunk_rows: int = 200_000) -> int:
    """A Lightning-style ``metrics.csv`` (``step`` plus float columns) of about ``target_bytes``."""
    rng = np.random.default_rng(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = ["train_loss", "val_loss", "train_acc", "val_acc", "lr", "grad_norm"][:columns]
    written = 0
    row0 = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        header = "step," + ",".join(names) + "\n"
        fh.write(header)
        written += len(header)
        while written < target_bytes:
            steps = np.arange(row0, row0 + chunk_rows)
            block = np.column_stack([steps] + [np.exp(-steps / 1e6) + 0.05 * rng.standard_normal(chunk_rows)
                                               for _ in names])
            text = "\n".join(f"{int(r[0])}," + ",".join(f"{v:.6f}" for v in r[1:]) for r in block.tolist()) + "\n"
            fh.write(text)
            written += len(text)
            row0 += chunk_rows
    return written
