"""PyTorch Lightning ``CSVLogger`` files: ``lightning_logs/version_N/metrics.csv``.

Each ``log_metrics`` call is one row carrying ``step`` (the global step) and
``epoch``; rows are sparse (training-step rows, validation rows and epoch
aggregates fill different columns). ``self.log(..., on_step=True,
on_epoch=True)`` writes ``NAME_step`` and ``NAME_epoch``. NaN is written as
``nan``. The x axis is ``step``; ``epoch`` is kept as a series. Each
``version_N`` folder is its own run and its ``hparams.yaml`` becomes the run's
hyperparameters.
"""

from __future__ import annotations

from pathlib import Path

from ..model import Run
from .base import RunSource, file_runs
from .tabular import WideSpec, header_of, read_wide
from .text import first_line, logical_name, looks_text

NAME = "lightning"
SPEC = WideSpec(x_columns=("step", "epoch"), index_column=False)


def claims(path: Path, head: bytes) -> bool:
    """A CSV whose header has a ``step`` column and ``epoch`` or ``*_step``/``*_epoch`` columns."""
    if not looks_text(path, head):
        return False
    if not head:
        return logical_name(path) == "metrics.csv"
    cols = header_of(first_line(head))
    if "step" not in cols or len(cols) < 2 or any(c.startswith(("metrics/", "train/")) for c in cols):
        return False
    return logical_name(path) == "metrics.csv" or "epoch" in cols or any(
        c.endswith(("_step", "_epoch")) for c in cols)


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format lightning``: any text file."""
    return looks_text(path, head)


def group(files: list[Path], root: Path) -> list[RunSource]:
    """Each ``metrics.csv`` is a run named after its ``version_N`` folder."""
    return file_runs(files, root, NAME)


def read(source: RunSource) -> Run:
    """The run of a one-session file (see :func:`read_runs`)."""
    return read_runs(source)[-1]


def read_runs(source: RunSource) -> list[Run]:
    """Every session of the file (Lightning starts a new version folder instead, so usually one)."""
    return read_wide(source, SPEC, NAME)
