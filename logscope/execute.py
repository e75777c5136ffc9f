"""Where per-run work runs: in this process, on a local process pool, or on a Dask cluster.

Every executor maps one picklable function over a list of items and returns the
results in input order, whatever order the workers finished in, so a report
never depends on the executor. ``progress(done, total)`` is called as items
finish. Ctrl-C (KeyboardInterrupt) stops the workers before it propagates:
pool workers ignore SIGINT themselves and are terminated by the parent, and
Dask tasks are cancelled, so no worker prints a traceback or runs on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from .errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

#: The ``--executor`` choices.
EXECUTORS = ("local", "dask")
#: How long to keep trying to reach a ``--scheduler`` before giving up.
CONNECT_TIMEOUT = "20s"


class Progress(Protocol):
    """Told how many of ``total`` items are done (called once with 0 before any work)."""

    def __call__(self, done: int, total: int) -> None: ...


class Executor(Protocol):
    """Maps a function over items somewhere; results come back in input order."""

    jobs: int

    def map(self, fn: Callable[[T], R], items: Sequence[T], progress: Progress | None = None) -> list[R]: ...

    def close(self) -> None: ...


def default_jobs() -> int:
    """The cores this process may use (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def make_executor(kind: str = "local", *, jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor the command line asked for; ConfigError for a bad choice.

    ``scheduler`` (``tcp://host:port``) means Dask on an existing cluster;
    ``kind="dask"`` without it starts a local Dask cluster of ``jobs`` workers.
    """
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, not {jobs}")
    if kind not in EXECUTORS:
        raise ConfigError(f"unknown executor {kind!r}; choose from: {', '.join(EXECUTORS)}")
    if scheduler is not None or kind == "dask":
        return DaskExecutor(scheduler=scheduler, jobs=jobs or default_jobs())
    jobs = jobs or default_jobs()
    return SerialExecutor() if jobs == 1 else PoolExecutor(jobs)


class SerialExecutor:
    """Everything in this process, one item after the other."""

    jobs = 1

    def map(self, fn: Callable[[T], R], items: Sequence[T], progress: Progress | None = None) -> list[R]:
        """``[fn(item) for item in items]``, reporting progress."""
        results = []
        if progress:
            progress(0, len(items))
        for done, item in enumerate(items, start=1):
            results.append(fn(item))
            if progress:
                progress(done, len(items))
        return results

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ignore_sigint() -> None:
    """Pool worker initialiser: Ctrl-C is the parent's to handle, not each worker's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _call(task: tuple[Callable[[Any], Any], int, Any]) -> tuple[int, Any]:
    fn, index, item = task
    return index, fn(item)


#: Most items sent to a pool worker at once (fewer when there are few items per worker).
MAX_CHUNK = 16


def chunk_size(total: int, workers: int) -> int:
    """How many items a pool worker takes at a time.

    One at a time, each item cost the parent about a millisecond of pickling, thread
    hand-offs and wake-ups (as much as a run's whole analysis); chunks of up to 16 keep
    that to a few percent while every worker still gets dozens of chunks to balance the load.
    """
    return max(1, min(MAX_CHUNK, total // (32 * max(workers, 1))))


def _call_many(task: tuple[Callable[[Any], Any], list[Any]]) -> list[Any]:
    fn, items = task
    return [fn(item) for item in items]


class PoolExecutor:
    """A pool of ``jobs`` worker processes on this machine (started on first use)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: Any = None

    def map(self, fn: Callable[[T], R], items: Sequence[T], progress: Progress | None = None) -> list[R]:
        """``fn`` over ``items`` on the pool; on Ctrl-C or an error the workers are stopped."""
        total = len(items)
        if total == 1 and self._pool is None:
            return SerialExecutor().map(fn, items, progress)  # one task: starting a worker only costs time
        if total and self._pool is None:
            self._start(min(self.jobs, total))
        if progress:
            progress(0, total)
        if total == 0:
            return []
        results: list[Any] = [None] * total
        try:
            done = 0
            tasks = [(fn, i, it) for i, it in enumerate(items)]
            for index, result in self._pool.imap_unordered(_call, tasks, chunksize=chunk_size(total, self.jobs)):
                results[index] = result
                done += 1
                if progress:
                    progress(done, total)
        except BaseException:
            self.terminate()
            raise
        return results

    def _start(self, workers: int) -> None:
        # multiprocessing.Pool rather than concurrent.futures: it can terminate its workers,
        # which a prompt Ctrl-C needs (ProcessPoolExecutor waits for running tasks).
        # SIGINT is blocked while the workers start, so a Ctrl-C then cannot reach a worker
        # before it ignores SIGINT; the parent gets it as soon as the pool exists.
        blocked = hasattr(signal, "pthread_sigmask")
        if blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._pool = multiprocessing.get_context().Pool(workers, initializer=_ignore_sigint)
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def terminate(self) -> None:
        """Stop every worker now."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def close(self) -> None:
        """Let the workers finish and exit."""
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> PoolExecutor:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.terminate()


class DaskExecutor:
    """Tasks on a Dask distributed cluster: an existing one at ``scheduler``, or a local one.

    Needs the ``dask`` extra (``pip install 'logscope[dask]'``); the workers of an
    existing cluster need logscope installed and must reach the logs (a shared
    file system or an ``s3://``/``gs://`` URL).
    """

    def __init__(self, *, scheduler: str | None = None, jobs: int = 1) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:
            raise ConfigError(
                "the Dask executor needs dask.distributed: pip install 'logscope[dask]'") from exc
        self.jobs = jobs
        self._cluster: Any = None
        if scheduler is None:
            import logging

            self._cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
            self.jobs = max(1, len(self._client.scheduler_info().get("workers", {})))

    def map(self, fn: Callable[[T], R], items: Sequence[T], progress: Progress | None = None) -> list[R]:
        """``fn`` over ``items`` as Dask tasks; on Ctrl-C or an error the tasks are cancelled."""
        from dask.distributed import as_completed

        total = len(items)
        if progress:
            progress(0, total)
        if total == 0:
            return []
        # Items go in chunks, as on the local pool: a Dask task costs milliseconds of scheduling.
        size = chunk_size(total, self.jobs)
        starts = list(range(0, total, size))
        futures = self._client.map(_call_many, [(fn, list(items[a: a + size])) for a in starts], pure=False)
        start_of = {f.key: a for a, f in zip(starts, futures)}
        results: list[Any] = [None] * total
        try:
            done = 0
            for future in as_completed(futures):
                chunk = future.result()
                a = start_of[future.key]
                results[a: a + len(chunk)] = chunk
                done += len(chunk)
                if progress:
                    progress(done, total)
        except BaseException:
            self._client.cancel(futures)
            raise
        return results

    def close(self) -> None:
        """Disconnect; a cluster started here is shut down."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
