"""Wide delimited logs (one row per logging event, one column per quantity) into runs.

Shared by the Keras, Lightning, YOLO, W&B and generic CSV readers: each says
which column is its x axis and which columns are not series; the rest (sessions,
resumes, bad cells, missing x) is handled here the same way for all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import ReadWarning, Run, Split
from .base import RunSource, Sheet, build_run, relative_name, session_runs, split_sessions
from .text import (MAX_STEP, LineWarning, Table, agree, integral, line_list, load_text, parse_table, plain, split_header,
                   stream_table)

#: Header cells that mean "this column is the row index" (pandas writes an unnamed first column).
INDEX_NAMES = frozenset({"", "unnamed: 0", "index"})


@dataclass(frozen=True)
class WideSpec:
    """How one format's wide table maps to series.

    ``x_columns``: lower-case names of the x column, first present wins;
    ``skip``: lower-case names (or a predicate) of columns that are not series;
    ``wall_column``: lower-case name of a wall-clock column (seconds), if any;
    ``rename``: turns a header cell into a series name (e.g. strips a run prefix).
    """

    x_columns: tuple[str, ...]
    skip: frozenset[str] = frozenset()
    skip_if: Callable[[str], bool] | None = None
    wall_column: str | None = None
    wall_scale: float = 1.0
    rename: Callable[[str], str] | None = None
    hints: Callable[[str], Split | None] | None = None
    index_column: bool = True


def read_wide(source: RunSource, spec: WideSpec, format: str) -> list[Run]:
    """Read a one-file source as a wide table; several sessions give several runs."""
    path = source.files[0]
    rel = relative_name(path, source.base)
    # A big plain-text log is parsed a block at a time (bounded memory); anything else is read whole.
    table = stream_table(path, rel) or parse_table(load_text(path, rel), rel)
    if not table.header:
        warning = ReadWarning(rel, "empty", "empty file: no header and no rows")
        return [build_run(name=source.name, format=format, columns={}, warnings=[*plain(table.warnings), warning], source=rel)]
    sheet, x_name = table_sheet(table, rel, spec)
    return session_runs(split_sessions(sheet), name=source.name, format=format, file=rel, x_name=x_name,
                        warnings=table.warnings, source=rel)


def table_sheet(table: Table, rel: str, spec: WideSpec) -> tuple[Sheet, str]:
    """A parsed table as a sheet: x per row (warned if missing or fractional) and sparse columns."""
    lowered = [h.lower() for h in table.header]
    n = len(table.lines)
    x_index = next((lowered.index(c) for c in spec.x_columns if c in lowered), None)
    if x_index is None and spec.index_column and lowered and lowered[0] in INDEX_NAMES:
        x_index = 0
    wall_index = lowered.index(spec.wall_column) if spec.wall_column and spec.wall_column in lowered else None
    keep = np.ones(n, dtype=bool)
    x_series = False
    if x_index is not None:
        x_name = table.header[x_index] or "index"
        steps, present = table.column(x_index, rel=rel)
        missing = ~present | ~np.isfinite(steps) | (np.abs(np.nan_to_num(steps)) > MAX_STEP)
        if not integral(steps[~missing]):
            # Every row is kept then (x is the row number), so no row is said to be skipped.
            table.warnings.append(ReadWarning(
                rel, "no-step", f"{x_name!r} has fractional values; x is the row number (from 0) and "
                                f"{x_name!r} is kept as a series"))
            steps = np.arange(n, dtype=np.float64)
            x_series = True
        elif missing.any():
            lines = tuple(int(table.lines[i]) for i in np.flatnonzero(missing))
            table.warnings.append(LineWarning(
                rel, "no-step", lines,
                lambda some: f"{line_list(some)} {agree(some, 'has', 'have')} no usable {x_name!r}; skipped"))
            keep &= ~missing
    else:
        x_name = "row"
        steps = np.arange(n, dtype=np.float64)
        wanted = "/".join(spec.x_columns[:3]) or "step"
        table.warnings.append(ReadWarning(
            rel, "no-step", f"no {wanted} column; x is the row number, starting at 0"))
    rows = np.flatnonzero(keep)
    walls = None
    if wall_index is not None:
        wall_values, wall_present = table.column(wall_index, rel=rel)
        walls = np.where(wall_present, wall_values * spec.wall_scale, np.nan)[rows]
    cells: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    hints: dict[str, Split] = {}
    dupes: list[str] = []
    for i, header in enumerate(table.header):
        low = lowered[i]
        if (i == x_index and not x_series) or i == wall_index or low in spec.skip:
            continue
        if i == 0 and low in INDEX_NAMES:
            continue  # pandas' row index is not a series
        if spec.skip_if is not None and spec.skip_if(header):
            continue
        name = spec.rename(header) if spec.rename else header
        if not name:
            name = f"column{i + 1}"
        if name in cells:
            dupes.append(name)
            name = f"{name}#{i + 1}"
        values, present = table.column(i, rel=rel, name=header)
        sel = present[rows]
        cells[name] = (np.flatnonzero(sel), values[rows][sel])
        if spec.hints is not None and (hint := spec.hints(header)):
            hints[name] = hint
    if dupes:
        table.warnings.append(ReadWarning(
            rel, "duplicate-column", f"column(s) {', '.join(sorted(set(dupes)))} appear twice; later ones renamed name#N"))
    breaks = _remap_breaks(table.breaks, rows)
    sheet = Sheet(file=rel, x_name=x_name, steps=steps[rows], lines=np.asarray(table.lines, dtype=np.int64)[rows],
                  cells=cells, walls=walls, breaks=breaks, hints=hints)
    return sheet, x_name


def _remap_breaks(breaks: Sequence[int], rows: np.ndarray) -> list[int]:
    """Row-index session breaks after some rows were dropped."""
    return sorted({int(np.searchsorted(rows, b)) for b in breaks})


def header_of(head_line: str) -> list[str]:
    """Lower-case header cells of a sniffed first line (helper for ``claims``)."""
    return [h.lower() for h in split_header(head_line)]
