"""Keras ``CSVLogger`` files and ``History`` dumps (``pd.DataFrame(history.history).to_csv``).

CSVLogger writes ``epoch`` first, then the sorted metric names (``loss``,
``val_loss``, old Keras ``acc``/``val_acc``), ``NA`` for a missing value, and
with ``append=True`` appends later trainings to the same file, each starting
again at epoch 0: those become separate runs ``NAME#1``, ``NAME#2`` ... A
History dump has no epoch column (only ``loss,val_loss``, perhaps after an
unnamed index column); its x is the row number from 0. The x axis is Keras'
0-based epoch as written.
"""

from __future__ import annotations

from pathlib import Path

from ..model import Run
from .base import RunSource, file_runs
from .tabular import INDEX_NAMES, WideSpec, header_of, read_wide
from .text import first_line, logical_name, looks_text

NAME = "keras"
#: File names Keras users give CSVLogger (an empty one is still claimed by name).
KNOWN_NAMES = frozenset({"training.log", "training_log.csv", "history.csv", "log.csv"})
SPEC = WideSpec(x_columns=("epoch",))


def claims(path: Path, head: bytes) -> bool:
    """``epoch`` first and plain metric names, or only ``X``/``val_X`` columns (a History dump)."""
    if not looks_text(path, head):
        return False
    if not head:
        return logical_name(path) in KNOWN_NAMES
    cols = header_of(first_line(head))
    if len(cols) < 2 or any("/" in c or c in ("step", "wall time") for c in cols):
        return False
    if cols[0] == "epoch":
        return True
    names = [c for c in cols if c not in INDEX_NAMES]
    return bool(names) and any(c.startswith("val_") for c in names) and all(
        c.startswith("val_") and c[4:] in names or "val_" + c in names or c in ("lr", "learning_rate")
        for c in names
    )


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format keras``: any text file."""
    return looks_text(path, head)


def group(files: list[Path], root: Path) -> list[RunSource]:
    """Each file is a run named after its folder (or the file, if the folder holds several)."""
    return file_runs(files, root, NAME)


def read(source: RunSource) -> Run:
    """The last training in the file (see :func:`read_runs` for all of them)."""
    return read_runs(source)[-1]


def read_runs(source: RunSource) -> list[Run]:
    """Every training in the file, one run each."""
    return read_wide(source, SPEC, NAME)
