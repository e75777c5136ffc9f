"""Weights & Biases exports: panel CSV downloads and ``run.history()`` tables.

A panel download has an x column (``Step`` by default) and, per W&B run,
``<run> - <metric>`` with ``<run> - <metric>__MIN``/``__MAX`` (the range of
the bucket W&B drew; logscope reads the value column only). Each W&B run
becomes a run named ``<folder>/<W&B run name>``; all panel downloads in one
folder merge by W&B run. A ``run.history()`` table saved as CSV has
``_step`` (the x), ``_timestamp`` (wall time) and ``_runtime``; other columns
starting with ``_`` are W&B bookkeeping and are not series.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..model import ReadWarning, Run
from .base import Column, RunSource, build_run, file_runs, relative_name, run_name, split_sessions
from .tabular import WideSpec, header_of, read_wide, table_sheet
from .text import first_line, load_text, looks_text, parse_table, plain, split_header

NAME = "wandb"
RANGE_SUFFIXES = ("__min", "__max")
RUN_SEPARATOR = " - "
HISTORY_SPEC = WideSpec(x_columns=("_step",), wall_column="_timestamp", skip_if=lambda h: h.startswith("_"),
                        index_column=False)


def _is_panel(cols: list[str]) -> bool:
    return any(c.endswith(RANGE_SUFFIXES) for c in cols) or (
        len(cols) >= 2 and all(RUN_SEPARATOR in c for c in cols[1:]))


def claims(path: Path, head: bytes) -> bool:
    """A panel download (``__MIN``/``__MAX`` or ``<run> - <metric>`` columns) or a history table (``_step``)."""
    if not looks_text(path, head) or not head:
        return False
    cols = header_of(first_line(head))
    return len(cols) >= 2 and (_is_panel(cols) or "_step" in cols)


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format wandb``: any text file."""
    return looks_text(path, head)


def group(files: list[Path], root: Path) -> list[RunSource]:
    """History tables: one run per file. Panel downloads: one run per W&B run per folder."""
    history: list[Path] = []
    panels: dict[tuple[Path, str], list[Path]] = defaultdict(list)
    for path in sorted(files):
        header = _header(path)
        if header is None or not _is_panel([h.lower() for h in header]):
            history.append(path)
            continue
        for run in sorted({_split(h)[0] for h in header[1:] if _split(h)[0]}) or [""]:
            panels[(path.parent, run)].append(path)
    sources = file_runs(history, root, NAME)
    for (folder, run), paths in sorted(panels.items()):
        name = run_name(folder, root) + (f"/{run}" if run else "")
        sources.append(RunSource(name=name, reader=NAME, files=tuple(paths), root=root, key=run))
    return sources


def _header(path: Path) -> list[str] | None:
    """The file's header cells (original case), or None if it has no header."""
    line = next((ln for ln in load_text(path, path.name).text.splitlines() if ln.strip()), "")
    return split_header(line) if line else None


def _split(header: str) -> tuple[str, str]:
    """``fresh-sun-3 - train/loss__MIN`` -> (``fresh-sun-3``, ``train/loss__MIN``); no run -> ("", header)."""
    if RUN_SEPARATOR in header:
        run, metric = header.split(RUN_SEPARATOR, 1)
        return run.strip(), metric.strip()
    return "", header.strip()


def read(source: RunSource) -> Run:
    """The run of the source (see :func:`read_runs`)."""
    return read_runs(source)[-1]


def read_runs(source: RunSource) -> list[Run]:
    """A history table's sessions, or one W&B run's columns gathered from its panel downloads."""
    if not source.key and len(source.files) == 1:
        header = _header(source.files[0]) or []
        if not _is_panel([h.lower() for h in header]):
            return read_wide(source, HISTORY_SPEC, NAME)
    warnings: list[ReadWarning] = []
    columns: dict[str, Column] = {}
    for path in source.files:
        rel = relative_name(path, source.base)
        table = parse_table(load_text(path, rel), rel)
        x_name = table.header[0] if table.header else "Step"
        spec = WideSpec(
            x_columns=(x_name.lower(),),
            skip_if=lambda h: h.lower().endswith(RANGE_SUFFIXES) or _split(h)[0] != source.key,
            rename=lambda h: _split(h)[1],
            index_column=False,
        )
        sheet, x_label = table_sheet(table, rel, spec)
        sessions = split_sessions(sheet)
        warnings.extend(plain(table.warnings))
        if len(sessions) > 1:
            warnings.append(ReadWarning(
                rel, "restart", f"{x_label} starts over {len(sessions) - 1} time(s); only the last session is kept"))
        warnings.extend(sessions[-1].warnings)
        for name, column in sessions[-1].columns.items():
            if name in columns:
                warnings.append(ReadWarning(rel, "duplicate-column", f"{name!r} also comes from another file; this one is kept"))
            columns[name] = column
    return [build_run(name=source.name, format=NAME, columns=columns, warnings=warnings, source=source.name)]

