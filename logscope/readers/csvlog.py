"""Wide CSV logs: a step or epoch column plus one column per metric (Keras CSVLogger).

One file is one run, named after its folder. Cells that do not parse as numbers
(``NA``, empty) are missing; ``nan``/``inf`` strings stay non-finite values.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from ..model import ReadWarning, Run
from .base import Column, RunSource, build_run, relative_name, run_name

NAME = "csv"
SUFFIXES = (".csv", ".log", ".tsv", ".txt")
STEP_COLUMNS = ("step", "global_step", "epoch", "iteration", "iter")
MISSING = frozenset({"", "na", "n/a", "none", "null"})


def claims(path: Path, head: bytes) -> bool:
    """A text file whose first line is a delimited header naming a step or epoch column."""
    if path.suffix.lower() not in SUFFIXES or b"\0" in head:
        return False
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip().lower()
    cols = [c.strip() for c in first.replace("\t", ",").split(",")]
    return len(cols) >= 2 and any(c in STEP_COLUMNS for c in cols)


def group(files: list[Path], root: Path) -> list[RunSource]:
    """Each file is a run named after its folder (or the file, if the folder holds several)."""
    out = []
    for path in sorted(files):
        siblings = [f for f in files if f.parent == path.parent]
        run_dir = path.parent if len(siblings) == 1 else path.with_suffix("")
        out.append(RunSource(name=run_name(run_dir, root), reader=NAME, files=(path,), root=root))
    return out


def read(source: RunSource) -> Run:
    """Read a wide CSV; the first step-like column is the x axis."""
    path = source.files[0]
    base = source.root if source.root.is_dir() else source.root.parent
    rel = relative_name(path, base)
    warnings: list[ReadWarning] = []
    text = path.read_bytes().decode("utf-8", "replace")
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [h.strip() for h in rows[0]] if rows else []
    lowered = [h.lower() for h in header]
    step_col = next((lowered.index(c) for c in STEP_COLUMNS if c in lowered), None)
    data: dict[str, tuple[list[int], list[float]]] = {h: ([], []) for i, h in enumerate(header) if i != step_col}
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            warnings.append(ReadWarning(rel, "ragged", f"line {lineno} has {len(row)} fields, header has {len(header)}; skipped"))
            continue
        step = lineno - 2
        if step_col is not None:
            parsed = _number(row[step_col])
            if parsed is None or not math.isfinite(parsed):
                warnings.append(ReadWarning(rel, "bad-step", f"line {lineno}: step {row[step_col]!r} is not a number; skipped"))
                continue
            step = int(parsed)
        for i, cell in enumerate(row):
            if i == step_col:
                continue
            value = _number(cell)
            if value is not None:
                steps, values = data[header[i]]
                steps.append(step)
                values.append(value)
    columns = {k: Column(np.array(s, dtype=np.int64), np.array(v, dtype=np.float64)) for k, (s, v) in data.items() if s}
    return build_run(name=source.name, format=NAME, columns=columns, warnings=warnings, source=rel)


def _number(cell: str) -> float | None:
    text = cell.strip()
    if text.lower() in MISSING:
        return None
    try:
        return float(text)
    except ValueError:
        return None
