"""Readers: find the runs under a path and read each into a :class:`~logscope.model.Run`.

Each reader module exposes ``NAME``, ``claims(path, head) -> bool`` (is this file
mine?), ``group(files, root) -> list[RunSource]`` (how my files form runs) and
``read(source) -> Run``. :data:`READERS` is ordered: the first reader that claims
a file gets it. Every file under the root is either part of a run or named in a
warning with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

from ..errors import ConfigError
from ..model import ReadWarning, Run
from . import csvlog, tfevents
from .base import RunSource, relative_name

#: Registered readers, in detection priority order.
READERS: dict[str, ModuleType] = {
    tfevents.NAME: tfevents,
    csvlog.NAME: csvlog,
}

#: Bytes read from the start of each file for content sniffing.
HEAD_BYTES = 4096

__all__ = ["READERS", "RunSource", "discover", "read_source", "read_path", "relative_name"]


def discover(root: Path, *, format: str | None = None) -> tuple[list[RunSource], list[ReadWarning]]:
    """Walk ``root`` (a directory or one file) and group its files into runs.

    ``format`` forces one reader for every file. Returns the runs found, in sorted
    order, and warnings for files no reader claimed.
    """
    if format is not None and format not in READERS:
        raise ConfigError(f"unknown format {format!r}; choose from: {', '.join(sorted(READERS))}")
    readers = [READERS[format]] if format else list(READERS.values())
    root = Path(root)
    base = root if root.is_dir() else root.parent
    claimed: dict[str, list[Path]] = {r.NAME: [] for r in readers}
    warnings: list[ReadWarning] = []
    for path in _walk(root):
        head, problem = _head(path)
        rel = relative_name(path, base)
        if problem is not None:
            warnings.append(ReadWarning(rel, "unreadable", problem))
            continue
        for reader in readers:
            if reader.claims(path, head):
                claimed[reader.NAME].append(path)
                break
        else:
            warnings.append(ReadWarning(rel, "skipped", "not a training log logscope can read"))
    sources: list[RunSource] = []
    for reader in readers:
        if claimed[reader.NAME]:
            sources.extend(reader.group(claimed[reader.NAME], root))
    sources.sort(key=lambda s: (s.name, s.reader))
    return sources, warnings


def read_source(source: RunSource) -> Run:
    """Read one run with the reader that grouped it."""
    return READERS[source.reader].read(source)


def read_path(paths: Sequence[Path] | Path, *, format: str | None = None) -> tuple[list[Run], list[ReadWarning]]:
    """Discover and read every run under ``paths``; warnings for files outside any run."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [Path(paths)]
    runs: list[Run] = []
    warnings: list[ReadWarning] = []
    for path in paths:
        sources, found = discover(Path(path), format=format)
        warnings.extend(found)
        runs.extend(read_source(s) for s in sources)
    return runs, warnings


def _walk(root: Path) -> Iterable[Path]:
    """Regular files under ``root`` in sorted order, not following symlinked folders."""
    if not root.is_dir():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath, name)
            if path.is_file():
                yield path


def _head(path: Path) -> tuple[bytes, str | None]:
    try:
        with open(path, "rb") as fh:
            return fh.read(HEAD_BYTES), None
    except OSError as exc:
        return b"", f"cannot open: {exc.strerror or exc}"
