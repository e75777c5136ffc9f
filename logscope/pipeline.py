"""The per-run pipeline behind :func:`logscope.analyze`: each run read and judged on its own.

Discovery lists the runs (cheap: names and first bytes). Each run source is
then read, given the user's role overrides and judged by the detectors as one
task on an executor (this process, a process pool, or Dask; see
:mod:`logscope.execute`), so at any time a worker holds one run, never the
sweep. A task returns the run's findings and, in ``compact`` mode, only a
sketch of the run (:mod:`logscope.sketch`); the runs the HTML report draws in
full are then read again, so the report process holds at most the drawn runs
(50 detailed plus 8 compared) in full. The result is the same Report, byte for
byte once rendered, whatever the executor, job count or mode.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import fs
from .detectors import run_detectors
from .execute import Executor, SerialExecutor
from .model import Finding, ReadWarning, Run
from .readers import RunSource, discover, read_source
from .roles import RoleOverrides
from .sketch import is_sketch, sketch

#: Up to this many run sources, compact mode keeps every run whole (they are all drawn anyway).
WHOLE_UP_TO = 50

#: ``progress(phase, done, total)``; phases are "analyse" and then, in compact mode, "draw".
PhaseProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Judge:
    """The task for one run source: read it, apply the role overrides, run the detectors.

    Returns (run, findings) per run in the source; the run is a sketch unless
    ``whole``. A run without any series is not judged (it has nothing to judge).
    """

    config: Mapping[str, Mapping[str, Any]] | None = None
    only: tuple[str, ...] | None = None
    roles: RoleOverrides | None = None
    whole: bool = True

    def __call__(self, source: RunSource) -> list[tuple[Run, tuple[Finding, ...]]]:
        out = []
        for run in read_source(source):
            if self.roles:
                run = self.roles.apply(run)
            findings = tuple(run_detectors(run, self.config, self.only)) if run.series else ()
            out.append((run if self.whole else sketch(run), findings))
        return out


@dataclass(frozen=True)
class Reread:
    """The task that reads a source again and keeps, whole, its runs with one of the given names."""

    roles: RoleOverrides | None = None

    def __call__(self, task: tuple[RunSource, frozenset[str]]) -> list[Run]:
        source, names = task
        runs = [run for run in read_source(source) if run.name in names]
        return [self.roles.apply(run) for run in runs] if self.roles else runs


def discover_all(paths: Sequence[Any], *, format: str | None = None,
                 **options: Any) -> tuple[list[RunSource], list[ReadWarning]]:
    """Every run source under ``paths`` (in order) and the warnings about files in no run."""
    sources: list[RunSource] = []
    warnings: list[ReadWarning] = []
    for path in paths:
        found, notes = discover(path, format=format, **options)
        sources.extend(found)
        warnings.extend(notes)
    return sources, warnings


class ReadAhead:
    """Asks the kernel to start reading the next runs' files while earlier runs are judged.

    ``posix_fadvise(WILLNEED)`` starts an asynchronous read into the page cache, so a task
    finds its files there instead of waiting for the disk: reading overlaps judging (a
    sweep's files are often no longer cached, and with one job every read used to stall the
    one process). Local files only; at most ``AHEAD`` sources and ``AHEAD_BYTES`` beyond the
    last finished task, so a sweep larger than memory never evicts its own next runs.
    A no-op where the call does not exist (macOS, Windows).
    """

    AHEAD = 64
    AHEAD_BYTES = 256 * 2**20

    def __init__(self, sources: Sequence[RunSource]) -> None:
        self._sources = sources
        self._done = 0
        self._stop = False
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        if hasattr(os, "posix_fadvise") and sources:
            self._thread = threading.Thread(target=self._run, name="logscope-read-ahead", daemon=True)
            self._thread.start()

    def advance(self, done: int) -> None:
        """``done`` tasks have finished (in any order): read further ahead."""
        with self._wake:
            self._done = done
            self._wake.notify()

    def stop(self) -> None:
        """Request nothing more and wait for the thread."""
        with self._wake:
            self._stop = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        sizes: list[int] = []  # bytes requested for each source so far
        for i, source in enumerate(self._sources):
            with self._wake:
                while not self._stop and (i - self._done >= self.AHEAD
                                          or sum(sizes[self._done: i]) >= self.AHEAD_BYTES):
                    self._wake.wait()
                if self._stop:
                    return
            sizes.append(sum(_will_need(path) for path in (*source.files, *source.companions)))


def _will_need(path: object) -> int:
    """Start reading a local file into the page cache; its size (0 if not local or not readable)."""
    if not isinstance(path, Path) or fs.is_remote(path) or not hasattr(os, "posix_fadvise"):
        return 0
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return 0
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        return os.fstat(fd).st_size
    except OSError:
        return 0
    finally:
        os.close(fd)


def _with_read_ahead(executor: Executor, task: Callable[[Any], Any], items: Sequence[Any],
                     sources: Sequence[RunSource], progress: Callable[[int, int], None] | None) -> list[Any]:
    """``executor.map(task, items, progress)`` while the ``sources`` of the items are read ahead in order.

    Only when the tasks run in this process: one process waits for every read, where several
    workers overlap one's reading with another's judging anyway, and a pool must not be forked
    while a thread runs (Python 3.12 warns about it: a child could inherit a held lock).
    """
    if not isinstance(executor, SerialExecutor):
        return executor.map(task, items, progress)
    ahead = ReadAhead(sources)

    def told(done: int, total: int) -> None:
        ahead.advance(done)
        if progress is not None:
            progress(done, total)

    try:
        return executor.map(task, items, told)
    finally:
        ahead.stop()


def judge_sources(
    sources: Sequence[RunSource],
    *,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    only: Sequence[str] | None = None,
    roles: RoleOverrides | None = None,
    executor: Executor | None = None,
    progress: PhaseProgress | None = None,
    compact: bool = False,
) -> tuple[list[Run], list[Finding], dict[str, int]]:
    """Read and judge every source on ``executor``: runs in source order, their findings, and
    each run's source index. In ``compact`` mode a large sweep's runs come back as sketches."""
    executor = executor or SerialExecutor()
    whole = not compact or len(sources) <= WHOLE_UP_TO
    task = Judge(config=config, only=tuple(only) if only else None, roles=roles or None, whole=whole)
    results = _with_read_ahead(executor, task, list(sources), sources, _phase(progress, "analyse"))
    runs: list[Run] = []
    findings: list[Finding] = []
    origin: dict[str, int] = {}
    for index, result in enumerate(results):
        for run, found in result:
            runs.append(run)
            findings.extend(found)
            origin.setdefault(run.name, index)
    return runs, findings, origin


def make_whole(
    runs: Sequence[Run],
    names: set[str],
    sources: Sequence[RunSource],
    origin: Mapping[str, int],
    *,
    roles: RoleOverrides | None = None,
    executor: Executor | None = None,
    progress: PhaseProgress | None = None,
) -> list[Run]:
    """``runs`` with the sketches among ``names`` replaced by the whole runs, read again."""
    wanted = {run.name for run in runs if run.name in names and is_sketch(run)}
    by_source: dict[int, set[str]] = {}
    for name in wanted:
        by_source.setdefault(origin[name], set()).add(name)
    order = sorted(by_source)
    tasks = [(sources[i], frozenset(by_source[i])) for i in order]
    executor = executor or SerialExecutor()
    results = _with_read_ahead(executor, Reread(roles or None), tasks, [source for source, _ in tasks],
                               _phase(progress, "draw"))
    whole = {run.name: run for result in results for run in result}
    return [whole.get(run.name, run) if run.name in wanted else run for run in runs]


def _phase(progress: PhaseProgress | None, name: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(name, done, total)
