"""TensorBoard's own CSV download: one file per run and tag, header ``Wall time,Step,Value``.

TensorBoard names the download ``run-<run>-tag-<tag>.csv`` (``/`` in the tag
becomes ``_``). All such files in one folder form one run, named after the
folder; each file is a series named after its tag, prefixed with its run part
when the folder holds downloads of several runs (``train/epoch_loss`` and
``validation/epoch_loss`` from a Keras log then pair up). Wall time is kept.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from ..model import ReadWarning, Run
from .base import Column, RunSource, build_run, relative_name, run_name, split_sessions
from .tabular import WideSpec, header_of, table_sheet
from .text import first_line, load_text, looks_text, parse_table, plain

NAME = "tb-csv"
HEADER = ["wall time", "step", "value"]
_FILE_RE = re.compile(r"^run[-_](?P<run>.*)-tag-(?P<tag>.+)\.csv$", re.IGNORECASE)
SPEC = WideSpec(x_columns=("step",), wall_column="wall time", index_column=False)


def claims(path: Path, head: bytes) -> bool:
    """The header is exactly ``Wall time,Step,Value``."""
    return looks_text(path, head) and bool(head) and header_of(first_line(head)) == HEADER


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format tb-csv``: the same test (the header is the format)."""
    return claims(path, head)


def group(files: list[Path], root: Path) -> list[RunSource]:
    """All downloads in one folder are one run named after the folder."""
    by_dir: dict[Path, list[Path]] = defaultdict(list)
    for path in files:
        by_dir[path.parent].append(path)
    return [RunSource(name=run_name(d, root), reader=NAME, files=tuple(sorted(fs)), root=root)
            for d, fs in sorted(by_dir.items())]


def _download_name(path: Path) -> str:
    """The file name without ``.gz``, in its own case (it carries the tag; ``logical_name`` lower-cases)."""
    return path.name[:-3] if path.name.lower().endswith(".gz") else path.name


def series_name(path: Path, several_runs: bool) -> str:
    """The tag from ``run-<run>-tag-<tag>.csv`` (with ``<run>/`` if needed), else the file stem."""
    match = _FILE_RE.match(_download_name(path))
    if not match:
        return Path(_download_name(path)).stem
    return f"{match['run']}/{match['tag']}" if several_runs and match["run"] else match["tag"]


def read(source: RunSource) -> Run:
    """Every download in the folder as one series each."""
    runs = {m["run"] for p in source.files if (m := _FILE_RE.match(_download_name(p)))}
    warnings: list[ReadWarning] = []
    columns: dict[str, Column] = {}
    for path in source.files:
        rel = relative_name(path, source.base)
        table = parse_table(load_text(path, rel), rel)
        sheet, _ = table_sheet(table, rel, SPEC)
        warnings.extend(plain(table.warnings))
        sessions = split_sessions(sheet)
        if len(sessions) > 1:
            warnings.append(ReadWarning(
                rel, "restart", f"Step starts over {len(sessions) - 1} time(s); only the last session is kept"))
        session = sessions[-1]
        warnings.extend(session.warnings)
        value = session.columns.get(next(iter(sheet.cells), "Value"))
        if value is None:
            warnings.append(ReadWarning(rel, "empty", "no values"))
            continue
        columns[series_name(path, len(runs) > 1)] = value
    return build_run(name=source.name, format=NAME, columns=columns, warnings=warnings, source=source.name)


def read_runs(source: RunSource) -> list[Run]:
    """The folder's run, as a list."""
    return [read(source)]
