"""Generic CSV/TSV logs, the fallback for tables no framework reader claims.

Wide: an x column (``step``, ``global_step``, ``iteration``, ``iter``,
``epoch``, ``batch`` ...) plus one column per metric; without one, x is the
row number. Long: ``tag``/``name``/``metric``/``key`` + ``step`` + ``value``
columns, one series per tag (an optional ``wall_time`` column is kept).
The delimiter (``,``, tab, ``;`` or ``|``) is sniffed from the header.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..model import ReadWarning, Run
from .base import RunSource, Sheet, build_run, file_runs, relative_name, split_sessions
from .tabular import WideSpec, read_wide
from .text import (Table, agree, head_text, line_list, load_text, looks_text, parse_table, plain, sniff_delimiter, to_float,
                   usable_steps)

NAME = "csv"
STEP_COLUMNS = ("step", "global_step", "iteration", "iter", "it", "epoch", "batch", "update", "num_updates", "x")
TAG_COLUMNS = ("tag", "name", "metric", "key", "series", "variable")
VALUE_COLUMNS = ("value", "val", "y")
WALL_COLUMNS = ("wall_time", "wall time", "walltime", "timestamp")
SPEC = WideSpec(x_columns=STEP_COLUMNS)


def claims(path: Path, head: bytes) -> bool:
    """A delimited text file: a header of several names, then a row with a number in it."""
    if not looks_text(path, head) or not head:
        return False
    lines = [line for line in head_text(head).splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    delimiter = sniff_delimiter(lines[0])
    if delimiter is None:
        return False
    cols = next(csv.reader([lines[0]], delimiter=delimiter))
    if len(cols) < 2 or sum(to_float(c) is not None for c in cols) > len(cols) // 2:
        return False
    second = next(csv.reader([lines[1]], delimiter=delimiter))
    return len(second) == len(cols) and any(to_float(c) is not None for c in second)


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format csv``: any text file."""
    return looks_text(path, head)


def group(files: list[Path], root: Path) -> list[RunSource]:
    """Each file is a run named after its folder (or the file, if the folder holds several)."""
    return file_runs(files, root, NAME)


def read(source: RunSource) -> Run:
    """The last session of the file (see :func:`read_runs`)."""
    return read_runs(source)[-1]


def read_runs(source: RunSource) -> list[Run]:
    """A long table (tag, step, value) or a wide one; several sessions give several runs."""
    path = source.files[0]
    rel = relative_name(path, source.base)
    table = parse_table(load_text(path, rel), rel)
    lowered = [h.lower() for h in table.header]
    tag = next((lowered.index(c) for c in TAG_COLUMNS if c in lowered), None)
    step = next((lowered.index(c) for c in STEP_COLUMNS if c in lowered), None)
    value = next((lowered.index(c) for c in VALUE_COLUMNS if c in lowered), None)
    if tag is None or step is None or value is None:
        return read_wide(source, SPEC, NAME)
    wall = next((lowered.index(c) for c in WALL_COLUMNS if c in lowered), None)
    return _read_long(source, rel, table, tag, step, value, wall)


def _read_long(source: RunSource, rel: str, table: Table, tag: int, step: int, value: int, wall: int | None) -> list[Run]:
    """One series per tag; each tag's points keep file order for restart handling."""
    steps, step_ok = table.column(step, rel=rel)
    values, value_ok = table.column(value, rel=rel)
    walls = table.column(wall, rel=rel)[0] if wall is not None else None
    step_ok &= usable_steps(steps)
    bad = [table.lines[i] for i in np.flatnonzero(~step_ok)]
    if bad:
        table.warnings.append(ReadWarning(
            rel, "no-step", f"{line_list(bad)} {agree(bad, 'has', 'have')} no usable step; skipped"))
    rows_by_tag: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(table.rows):
        if step_ok[i] and value_ok[i]:
            rows_by_tag[row[tag]].append(i)
    columns = {}
    warnings = plain(table.warnings)
    for name, rows in sorted(rows_by_tag.items()):
        idx = np.asarray(rows)
        sheet = Sheet(file=rel, x_name=table.header[step], steps=steps[idx], lines=np.asarray(table.lines)[idx],
                      cells={name: (np.arange(idx.size), values[idx])},
                      walls=None if walls is None else walls[idx])
        sessions = split_sessions(sheet)
        if len(sessions) > 1:
            warnings.append(ReadWarning(
                rel, "restart", f"{name!r}: step starts over {len(sessions) - 1} time(s); only the last session is kept"))
        warnings.extend(sessions[-1].warnings)
        columns.update(sessions[-1].columns)
    return [build_run(name=source.name, format=NAME, columns=columns, warnings=warnings, source=rel)]

