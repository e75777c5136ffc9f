"""Helpers for the adversarial suites: write a case's files, read them, check the stated result.

A case states exactly what is kept (every run, every series, every point) and exactly
which warnings are given (file and kind, plus a phrase each message must contain).
Nothing here is committed input: every file is written into ``tmp_path`` at test time.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from logscope.model import ReadWarning, Run
from logscope.readers import read_path

#: run name -> series name -> (steps, values)
Kept = Mapping[str, Mapping[str, tuple[Sequence[int], Sequence[float]]]]


@dataclass(frozen=True)
class Expect:
    """What reading a tree must give: exactly these points, exactly these warnings.

    ``warnings`` holds (file, kind, phrase): the warnings given, run and tree
    warnings together, must be exactly these (file, kind) pairs, and each message
    must contain its phrase (or every phrase of a tuple).
    """

    kept: Kept
    warnings: Sequence[tuple[str, str, str | tuple[str, ...]]] = ()
    runs_without_series: Sequence[str] = field(default_factory=tuple)


def write_tree(root: Path, files: Mapping[str, bytes | str]) -> Path:
    """Write ``files`` (relative path -> content) under ``root``; return ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
    return root


def all_warnings(runs: Sequence[Run], warnings: Sequence[ReadWarning]) -> list[ReadWarning]:
    """Tree warnings and every run's warnings, each once, in a stable order."""
    seen = {w for run in runs for w in run.warnings} | set(warnings)
    return sorted(seen, key=lambda w: (w.file, w.kind, w.message))


def check_read(root: Path, expect: Expect, **options: object) -> tuple[list[Run], list[ReadWarning]]:
    """Read ``root`` and assert the points and warnings are exactly ``expect``'s."""
    runs, warnings = read_path(root, **options)  # type: ignore[arg-type]
    check_runs(runs, warnings, expect)
    return runs, warnings


def check_runs(runs: Sequence[Run], warnings: Sequence[ReadWarning], expect: Expect) -> None:
    """Assert ``runs`` and ``warnings`` are exactly what ``expect`` states."""
    got = {run.name: {s.name: s for s in run.series} for run in runs}
    wanted_runs = set(expect.kept) | set(expect.runs_without_series)
    assert set(got) == wanted_runs, f"runs {sorted(got)} != {sorted(wanted_runs)}"
    for name in expect.runs_without_series:
        assert got[name] == {}, f"run {name!r} should hold no series"
    for name, series in expect.kept.items():
        assert set(got[name]) == set(series), f"run {name!r}: series {sorted(got[name])} != {sorted(series)}"
        for key, (steps, values) in series.items():
            s = got[name][key]
            np.testing.assert_array_equal(s.steps, np.asarray(steps, dtype=np.int64), err_msg=f"{name}:{key} steps")
            np.testing.assert_array_equal(s.values, np.asarray(values, dtype=np.float64), err_msg=f"{name}:{key} values")
            assert np.array_equal(np.signbit(s.values), np.signbit(np.asarray(values, dtype=np.float64))), \
                f"{name}:{key} sign of zero lost"
    given = all_warnings(runs, warnings)
    pairs = sorted((w.file, w.kind) for w in given)
    assert pairs == sorted((f, k) for f, k, _ in expect.warnings), \
        "warnings differ:\n  got " + "\n      ".join(f"{w.file} [{w.kind}] {w.message}" for w in given)
    for file, kind, phrase in expect.warnings:
        phrases = (phrase,) if isinstance(phrase, str) else phrase
        messages = [w.message for w in given if (w.file, w.kind) == (file, kind)]
        assert any(all(p in m for p in phrases) for m in messages), \
            f"{file} [{kind}]: no message contains {phrases!r}: {messages}"


def tree_digest(root: Path) -> dict[str, tuple[int, str]]:
    """Every entry under ``root`` (links not followed): mode and content hash or link target.

    Taken before and after an analysis to prove the input tree was not modified.
    """
    out: dict[str, tuple[int, str]] = {}
    stack = [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            listed = list(entries)
        for entry in listed:
            st = entry.stat(follow_symlinks=False)
            rel = os.path.relpath(entry.path, root)
            if entry.is_symlink():
                out[rel] = (st.st_mode, "->" + os.readlink(entry.path))
            elif entry.is_dir(follow_symlinks=False):
                out[rel] = (st.st_mode, "dir")
                stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                try:
                    digest = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
                except PermissionError:
                    digest = "unreadable"
                out[rel] = (st.st_mode, f"{st.st_size}:{st.st_mtime_ns}:{digest}")
            else:
                out[rel] = (st.st_mode, "special")
    return out


# ------------------------------------------------------------------ permissions

_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _PR_CAPBSET_DROP = 1, 2, 24


def _without_file_permission_override() -> None:
    """In the child, before exec: drop root's power to ignore file permissions (so root tests chmod)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_unprivileged(args: list[str], probe: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python args`` where file permissions apply: as is for a normal user; for root, in a child
    without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH. Skips if permissions cannot be made to apply
    (checked on ``probe``, a chmod-000 file)."""
    preexec = _without_file_permission_override if os.geteuid() == 0 else None
    check = subprocess.run([sys.executable, "-c", f"open({str(probe)!r}).read()"], capture_output=True,
                           text=True, preexec_fn=preexec)
    if check.returncode == 0 or "PermissionError" not in check.stderr:
        pytest.skip("file permissions cannot be made to apply here (root without a droppable CAP_DAC_OVERRIDE)")
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, preexec_fn=preexec, timeout=300)
