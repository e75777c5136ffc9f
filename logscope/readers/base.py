"""Pieces every reader shares: the run-source record and building a Run from columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import roles
from ..model import ReadWarning, Run, Scalar, Series, Split


@dataclass(frozen=True)
class RunSource:
    """Files that together make one run, and the reader that will read them."""

    name: str
    reader: str
    files: tuple[Path, ...]
    root: Path


@dataclass
class Column:
    """A series as a reader collects it, before roles are inferred."""

    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray | None = None
    split_hint: Split | None = None


def relative_name(path: Path, root: Path) -> str:
    """Posix path of ``path`` relative to ``root``; the root's own name if they are equal."""
    try:
        rel = Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        return Path(path).as_posix()
    text = rel.as_posix()
    if text in ("", "."):
        return Path(root).resolve().name or "."
    return text


def run_name(run_dir: Path, root: Path) -> str:
    """The name of the run held by ``run_dir`` when analysing ``root``."""
    base = root if root.is_dir() else root.parent
    return relative_name(run_dir, base)


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
        pairs=roles.pair(inferred),
        source=source,
    )
