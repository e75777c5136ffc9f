"""Pieces every reader shares: the run-source record, sessions and restarts, building a Run."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .. import roles
from ..fs import is_remote
from ..model import ReadWarning, Run, Scalar, Series, Split
from .text import LineWarning, line_list, plain, plural


@dataclass(frozen=True)
class RunSource:
    """Files that together make one run, and the reader that will read them.

    ``companions`` are files beside the log that describe the run (``hparams.yaml``,
    ``args.yaml``, ``config.json`` ...): their values become ``Run.hparams``.
    ``key`` selects a part of the files when one file holds several runs (a W&B
    export's run name); empty otherwise.
    """

    name: str
    reader: str
    files: tuple[Path, ...]
    root: Path
    companions: tuple[Path, ...] = ()
    key: str = ""

    @property
    def base(self) -> Path:
        """The folder names are relative to (the root, or a single file's folder)."""
        return self.root if self.root.is_dir() else self.root.parent


@dataclass
class Column:
    """A series as a reader collects it, before roles are inferred."""

    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray | None = None
    split_hint: Split | None = None


def relative_name(path: Path, root: Path) -> str:
    """Posix path of ``path`` relative to ``root``; the root's own name if they are equal.

    Symbolic links are not followed: a linked file is named where it is found.
    """
    if is_remote(path):  # an fsspec URL path (logscope.fs): already absolute, no links
        try:
            text = path.relative_to(root).as_posix()
        except ValueError:
            return str(path)
        return text if text not in ("", ".") else (root.name or ".")
    absolute, base = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    try:
        rel = absolute.relative_to(base)
    except ValueError:
        return Path(path).as_posix()
    text = rel.as_posix()
    if text in ("", "."):
        return base.name or "."
    return text


#: Lone surrogates (what ``os.fsdecode`` makes of file-name bytes that are not UTF-8, and what
#: a JSON ``"\\udcff"`` escape decodes to: no UTF-8 output can hold them) and control characters
#: other than tab and line breaks (an ESC in a tag would drive the terminal of whoever prints a report).
_UNPRINTABLE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"


def printable(text: str) -> str:
    """``text`` safe to write and show: lone surrogates and C1 controls become U+FFFD, C0 controls
    and DEL their Unicode control pictures (ESC is ␛); tab and line breaks stay."""
    return _UNPRINTABLE.sub(_stand_in, text)


def printable_warning(warning: ReadWarning) -> ReadWarning:
    """A warning whose file name and message can be written as UTF-8."""
    file, message = printable(warning.file), printable(warning.message)
    if file == warning.file and message == warning.message:
        return warning
    return ReadWarning(file, warning.kind, message)


def printable_run(run: Run) -> Run:
    """A run whose names, hyperparameters and warnings can be written as UTF-8.

    Names are for display: a file or folder name that is not UTF-8, a JSON key with
    an escaped lone surrogate, shows U+FFFD for the bad part instead of failing the report.
    """
    series = tuple(s if printable(s.name) == s.name else replace(s, name=printable(s.name)) for s in run.series)
    hparams = {printable(k): printable(v) if isinstance(v, str) else v for k, v in run.hparams.items()}
    return replace(
        run, name=printable(run.name), series=series, hparams=hparams, source=printable(run.source),
        warnings=tuple(printable_warning(w) for w in run.warnings),
        pairs=tuple((printable(a), printable(b)) for a, b in run.pairs),
    )


def run_name(run_dir: Path, root: Path) -> str:
    """The name of the run held by ``run_dir`` when analysing ``root``."""
    base = root if root.is_dir() else root.parent
    return relative_name(run_dir, base)


def file_runs(files: list[Path], root: Path, reader: str) -> list[RunSource]:
    """One run per file, named after its folder, or after the file if the folder holds several."""
    out = []
    for path in sorted(files):
        siblings = [f for f in files if f.parent == path.parent]
        plain = path.with_name(path.name[:-3]) if path.name.lower().endswith(".gz") else path  # a.csv.gz is a.csv
        run_dir = path.parent if len(siblings) == 1 else plain.with_suffix("")
        out.append(RunSource(name=run_name(run_dir, root), reader=reader, files=(path,), root=root))
    return out


@dataclass
class Sheet:
    """One log file's rows in file order: each row's x, line number and values.

    ``cells[key]`` is (row indices, values) so rows may be sparse; ``breaks`` are
    row indices where the file says a new session starts (a repeated header).
    """

    file: str
    x_name: str
    steps: np.ndarray
    lines: np.ndarray
    cells: dict[str, tuple[np.ndarray, np.ndarray]]
    walls: np.ndarray | None = None
    breaks: Sequence[int] = ()
    hints: Mapping[str, Split] = field(default_factory=dict)
    row_word: str = "line"


@dataclass
class Session:
    """One training found in a sheet: its columns, line range and what was dropped."""

    columns: dict[str, Column]
    first_line: int
    last_line: int
    warnings: list[ReadWarning]


def split_sessions(sheet: Sheet) -> list[Session]:
    """Cut a sheet into trainings and resolve resumes; keep the last write of each step.

    A row whose x goes back to (or below) the first x of the current session
    starts a new session: a fresh training appended to the same file (Keras
    ``CSVLogger(append=True)``). A row whose x goes back to a later point is a
    resume from a checkpoint: the earlier rows at that x or after are superseded
    (as TensorBoard does). Within a session a key logged twice at one x keeps
    the last value. A sheet without rows is one empty session.
    """
    n = len(sheet.steps)
    if n == 0:
        return [Session({}, 0, 0, [])]  # always one session, so callers can take the last
    starts = sorted({0, *[b for b in sheet.breaks if 0 < b < n]})
    bounds: list[tuple[int, int]] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else n
        first = start
        for j in range(start + 1, end):
            if sheet.steps[j] < sheet.steps[j - 1] and sheet.steps[j] <= sheet.steps[first]:
                bounds.append((first, j))
                first = j
        bounds.append((first, end))
    sessions = []
    for start, end in bounds:
        sessions.append(_session(sheet, start, end))
    return sessions


def _session(sheet: Sheet, start: int, end: int) -> Session:
    steps = sheet.steps[start:end]
    warnings: list[ReadWarning] = []
    # A row is superseded when a later regression (x going back) lands at or before its x.
    regress = np.full(len(steps), np.inf)
    back = np.flatnonzero(steps[1:] < steps[:-1]) + 1
    regress[back] = steps[back]
    later_min = np.minimum.accumulate(regress[::-1])[::-1]
    later_min = np.append(later_min[1:], np.inf)
    keep_rows = steps < later_min
    if back.size:
        lines = [int(sheet.lines[start + b]) for b in back]
        warnings.append(ReadWarning(
            sheet.file, "restart",
            f"{sheet.x_name} goes back at {line_list(lines, sheet.row_word)} (a resumed training); "
            f"{int((~keep_rows).sum())} earlier row(s) at the same or later {sheet.x_name} superseded by the later ones"))
    columns: dict[str, Column] = {}
    duplicates: dict[str, int] = {}
    for key, (rows, values) in sheet.cells.items():
        sel = (rows >= start) & (rows < end)
        rows_s, vals_s = rows[sel] - start, values[sel]
        kept = keep_rows[rows_s]
        rows_s, vals_s = rows_s[kept], vals_s[kept]
        if rows_s.size == 0:
            continue
        x = steps[rows_s].astype(np.int64)
        # Stable sort by x, then keep the last write of each x.
        order = np.argsort(x, kind="stable")
        x, vals_s, rows_s = x[order], vals_s[order], rows_s[order]
        last = np.append(x[1:] != x[:-1], True)
        if not last.all():
            # Only a different value at the same x is worth a warning (HF logs ``epoch`` in both entries).
            group = np.cumsum(np.r_[0, x[1:] != x[:-1]])
            kept = vals_s[last][group]
            differs = ~last & ~((vals_s == kept) | (np.isnan(vals_s) & np.isnan(kept)))
            if differs.any():
                duplicates[key] = int(differs.sum())
        walls = None if sheet.walls is None else sheet.walls[start + rows_s[last]]
        columns[key] = Column(x[last], vals_s[last], walls, sheet.hints.get(key))
    if duplicates:
        total = sum(duplicates.values())
        names = ", ".join(sorted(duplicates)[:5]) + (" ..." if len(duplicates) > 5 else "")
        warnings.append(ReadWarning(
            sheet.file, "duplicate-step",
            f"{total} value(s) logged again at the same {sheet.x_name} with a different value ({names}); "
            f"the last one is kept"))
    lines = sheet.lines[start:end]
    return Session(columns, int(lines[0]) if len(lines) else 0, int(lines[-1]) if len(lines) else 0, warnings)


def session_runs(
    sessions: list[Session],
    *,
    name: str,
    format: str,
    file: str,
    x_name: str,
    row_word: str = "line",
    warnings: Sequence[ReadWarning | LineWarning] = (),
    hparams: Mapping[str, Scalar] | None = None,
    source: str = "",
) -> list[Run]:
    """Runs from a file's sessions: one run, or ``name#1``, ``name#2``... with a warning each.

    With several sessions each run gets the line warnings about its own span of
    the file only (see :func:`session_warnings`).
    """
    if len(sessions) <= 1:
        columns = sessions[0].columns if sessions else {}
        extra = sessions[0].warnings if sessions else []
        return [build_run(name=name, format=format, columns=columns, warnings=[*plain(warnings), *extra],
                          hparams=hparams, source=source)]
    runs = []
    spans = ", ".join(f"#{i} {plural(row_word)} {s.first_line}-{s.last_line}" for i, s in enumerate(sessions, 1))
    for i, session in enumerate(sessions, 1):
        note = ReadWarning(
            file, "sessions",
            f"{x_name} starts over {len(sessions) - 1} time(s): the file holds {len(sessions)} trainings, "
            f"read as separate runs ({spans}); this is #{i}")
        own = session_warnings(warnings, sessions, i - 1)
        runs.append(build_run(name=f"{name}#{i}", format=format, columns=session.columns,
                              warnings=[*own, note, *session.warnings], hparams=hparams, source=source))
    return runs


def session_warnings(warnings: Sequence[ReadWarning | LineWarning], sessions: Sequence[Session],
                     index: int) -> list[ReadWarning]:
    """The warnings of session ``index``: line warnings cut to its span, and the file-wide ones.

    A session's span runs from the line after the previous session's last row to
    its own last row (the last session's to the end of the file), so a line
    skipped between two trainings (a repeated header, a bad line) goes with the
    training it precedes, and one before the first row with the first. A plain
    :class:`ReadWarning` is about the whole file (its decoding, a superseded
    copy, a count over every line): every training in it is concerned, so every
    session gets it.
    """
    lo = sessions[index - 1].last_line if index > 0 else -1
    hi = sessions[index].last_line if index < len(sessions) - 1 else None
    out = []
    for w in warnings:
        if not isinstance(w, LineWarning):
            out.append(w)
            continue
        mine = [n for n in w.lines if n > lo and (hi is None or n <= hi)]
        if mine:
            out.append(w.about(mine))
    return out


def build_run(
    *,
    name: str,
    format: str,
    columns: Mapping[str, Column],
    warnings: list[ReadWarning] | tuple[ReadWarning, ...] = (),
    hparams: Mapping[str, Scalar] | None = None,
    source: str = "",
) -> Run:
    """Make a Run: infer each series' role, pair train/val twins, sort by name."""
    inferred = roles.infer_all(columns, {k: c.split_hint for k, c in columns.items() if c.split_hint})
    series = tuple(
        Series(
            name=key,
            steps=np.asarray(col.steps, dtype=np.int64),
            values=np.asarray(col.values, dtype=np.float64),
            wall_times=None if col.wall_times is None else np.asarray(col.wall_times, dtype=np.float64),
            split=inferred[key].split,
            metric=inferred[key].metric,
            direction=inferred[key].direction,
        )
        for key, col in sorted(columns.items())
    )
    return Run(
        name=name,
        format=format,
        series=series,
        warnings=tuple(warnings),
        hparams=dict(hparams or {}),
        pairs=roles.pair(inferred, {k: len(c.steps) for k, c in columns.items()}),
        source=source,
    )
