"""Ultralytics YOLO ``results.csv`` (``runs/detect/train/``, ``runs/train/exp/``).

YOLOv5 and early YOLOv8 pad every header and value with spaces
(``'%20s,'``) and count epochs from 0; current Ultralytics writes unpadded
cells, a ``time`` column (seconds since the start) and counts epochs from 1.
The x axis is the epoch exactly as written (so 0- or 1-based, as the file
says). Columns: ``train/*_loss``, ``val/*_loss``, validation metrics under
``metrics/`` (``metrics/mAP50(B)``, v5 ``metrics/mAP_0.5``), learning rates
``lr/pg0`` (v8) or ``x/lr0`` (v5). ``args.yaml`` (v8) or ``opt.yaml`` and
``hyp.yaml`` (v5) beside it become the run's hyperparameters.
"""

from __future__ import annotations

from pathlib import Path

from ..model import Run
from .base import RunSource, file_runs
from .tabular import WideSpec, header_of, read_wide
from .text import first_line, logical_name, looks_text

NAME = "yolo"
SPEC = WideSpec(x_columns=("epoch",), index_column=False)


def claims(path: Path, head: bytes) -> bool:
    """``epoch`` first and Ultralytics column names (``metrics/...`` or ``train/``+``val/``)."""
    if not looks_text(path, head):
        return False
    if not head:
        return logical_name(path) == "results.csv"
    cols = header_of(first_line(head))
    if not cols or cols[0] != "epoch":
        return False
    has_metrics = any(c.startswith("metrics/") for c in cols)
    has_losses = any(c.startswith("train/") for c in cols) and any(c.startswith("val/") for c in cols)
    return has_metrics or has_losses


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format yolo``: any text file."""
    return looks_text(path, head)


def group(files: list[Path], root: Path) -> list[RunSource]:
    """Each ``results.csv`` is a run named after its folder (``runs/detect/train``)."""
    return file_runs(files, root, NAME)


def read(source: RunSource) -> Run:
    """The run of a one-session file (see :func:`read_runs`)."""
    return read_runs(source)[-1]


def read_runs(source: RunSource) -> list[Run]:
    """Every session of the file (a resumed YOLOv5 run appends rows, not a header)."""
    return read_wide(source, SPEC, NAME)
