"""MLflow file store: ``mlruns/<experiment>/<run>/{meta.yaml, metrics/, params/, tags/}``.

Each ``metrics/<name>`` file holds one line per logged value, ``<timestamp ms>
<value> <step>`` (an old 2-field line has step 0); a name with ``/`` is a
sub-folder (``metrics/train/box_loss`` is ``train/box_loss``). The x axis is
``step`` and the timestamp is kept as wall time. ``params/<key>`` (one raw
value each) become hyperparameters; ``tags/<key>`` become ``tag.<key>``; the
run's ``meta.yaml`` gives ``mlflow.run_name``, ``mlflow.status`` ... and the
experiment's ``meta.yaml`` gives ``mlflow.experiment``. The run is named by
its folder path; ``artifacts/`` are not logs.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..model import ReadWarning, Run, Scalar
from .base import Column, RunSource, build_run, relative_name, run_name
from .companions import parse_scalar, scalar
from .text import MAX_STEP, agree, line_list, load_text

NAME = "mlflow"
SECTIONS = ("metrics", "params", "tags")
#: ``RunStatus`` numbers in ``meta.yaml`` (mlflow.entities.RunStatus).
STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
#: How far above a metric file its run folder may be (metric names with ``/`` nest).
MAX_DEPTH = 8


@lru_cache(maxsize=4096)
def is_run_dir(folder: Path) -> bool:
    """A folder with ``meta.yaml`` and a ``metrics/``, ``params/`` or ``tags/`` sub-folder."""
    return (folder / "meta.yaml").is_file() and any((folder / s).is_dir() for s in SECTIONS)


@lru_cache(maxsize=4096)
def is_experiment_dir(folder: Path) -> bool:
    """A folder with ``meta.yaml`` whose sub-folders include a run folder."""
    if not (folder / "meta.yaml").is_file() or is_run_dir(folder):
        return False
    try:
        return any(child.is_dir() and is_run_dir(child) for child in folder.iterdir())
    except OSError:
        return False


def clear_cache() -> None:
    """Forget folder layouts seen before (they may have changed since)."""
    is_run_dir.cache_clear()
    is_experiment_dir.cache_clear()


def run_dir_of(path: Path) -> Path | None:
    """The run folder a file belongs to (``meta.yaml`` or a file under metrics/params/tags), or None."""
    if path.name == "meta.yaml" and is_run_dir(path.parent):
        return path.parent
    parents = path.parents
    for depth in range(min(MAX_DEPTH, len(parents) - 1)):
        if parents[depth].name in SECTIONS and is_run_dir(parents[depth + 1]):
            return parents[depth + 1]
    return None


def claims(path: Path, head: bytes) -> bool:
    """A file of an MLflow run folder, or an experiment's ``meta.yaml``."""
    if run_dir_of(path) is not None:
        return True
    return path.name == "meta.yaml" and is_experiment_dir(path.parent)


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format mlflow``: the same test (the folder layout is the format)."""
    return claims(path, head)


def group(files: list[Path], root: Path) -> list[RunSource]:
    """One run per run folder; an experiment's ``meta.yaml`` joins each of its runs."""
    runs: dict[Path, list[Path]] = defaultdict(list)
    experiments: dict[Path, Path] = {}
    for path in files:
        folder = run_dir_of(path)
        if folder is None:
            experiments[path.parent] = path
        else:
            runs[folder].append(path)
    sources = []
    for folder, paths in sorted(runs.items()):
        extra = [experiments[folder.parent]] if folder.parent in experiments else []
        sources.append(RunSource(name=run_name(folder, root), reader=NAME, files=tuple(sorted(paths) + extra),
                                 root=root))
    return sources


def read(source: RunSource) -> Run:
    """Every metric, param and tag of one run folder."""
    folder = next(run_dir_of(p) for p in source.files if run_dir_of(p) is not None)
    warnings: list[ReadWarning] = []
    hparams: dict[str, Scalar] = {}
    columns: dict[str, Column] = {}
    for path in source.files:
        rel = relative_name(path, source.base)
        if path.name == "meta.yaml":
            hparams.update(_meta(path, rel, warnings, experiment=path.parent != folder))
            continue
        section = path.relative_to(folder).parts[0]
        key = path.relative_to(folder / section).as_posix()
        if section == "metrics":
            column = _metric(path, rel, warnings)
            if column is not None:
                columns[key] = column
        elif section == "params":
            hparams[key] = parse_scalar(load_text(path, rel).text.rstrip("\n"))
        else:
            hparams[f"tag.{key}"] = scalar(load_text(path, rel).text.rstrip("\n"))
    return build_run(name=source.name, format=NAME, columns=columns, warnings=warnings,
                     hparams=dict(sorted(hparams.items())), source=source.name)


def read_runs(source: RunSource) -> list[Run]:
    """The run folder's run, as a list."""
    return [read(source)]


def _meta(path: Path, rel: str, warnings: list[ReadWarning], *, experiment: bool) -> dict[str, Scalar]:
    try:
        meta: Any = yaml.safe_load(load_text(path, rel).text)
    except yaml.YAMLError as exc:
        warnings.append(ReadWarning(rel, "companion", f"not valid YAML ({exc.__class__.__name__}); run details missing"))
        return {}
    if not isinstance(meta, dict):
        return {}
    if experiment:
        return {"mlflow.experiment": scalar(meta.get("name")), "mlflow.experiment_id": scalar(meta.get("experiment_id"))}
    out: dict[str, Scalar] = {}
    for key in ("run_name", "run_id", "user_id", "start_time", "end_time", "lifecycle_stage"):
        if meta.get(key) not in (None, ""):
            out[f"mlflow.{key}"] = scalar(meta[key])
    status = meta.get("status")
    if status is not None:
        out["mlflow.status"] = STATUS.get(status, scalar(status)) if isinstance(status, int) else scalar(status)
    return out


def _metric(path: Path, rel: str, warnings: list[ReadWarning]) -> Column | None:
    """``timestamp value [step]`` lines; malformed lines are named; the last write of a step wins."""
    text = load_text(path, rel)
    warnings.extend(text.warnings)
    stamps: list[float] = []
    values: list[float] = []
    steps: list[int] = []
    bad: list[int] = []
    lines = text.text.splitlines()
    for index, line in enumerate(lines):
        fields = line.split()
        if not fields:
            continue
        if index == len(lines) - 1 and not text.complete:
            # MLflow writes each line whole with its newline; a line without one was cut while being
            # written, and "ts 0.123 5" cut to "ts 0.12" would parse as a value at step 0.
            warnings.append(ReadWarning(rel, "truncated", f"line {index + 1} is half-written; dropped"))
            continue
        try:
            if len(fields) not in (2, 3):
                raise ValueError
            stamp, value = float(fields[0]), float(fields[1])
            step = int(fields[2]) if len(fields) == 3 else 0
            if abs(step) > MAX_STEP:
                raise ValueError
        except ValueError:
            bad.append(index + 1)
            continue
        stamps.append(stamp)
        values.append(value)
        steps.append(step)
    if bad:
        warnings.append(ReadWarning(
            rel, "bad-line", f"{line_list(bad)} {agree(bad, 'is', 'are')} not 'timestamp value step'; skipped"))
    if not steps:
        if not bad:
            warnings.append(ReadWarning(rel, "empty", "metric file has no values"))
        return None
    x = np.asarray(steps, dtype=np.int64)
    order = np.lexsort((np.asarray(stamps), x))  # by step, then time; later write of a step wins
    x, v, t = x[order], np.asarray(values)[order], np.asarray(stamps)[order]
    last = np.append(x[1:] != x[:-1], True)
    group = np.cumsum(np.r_[0, x[1:] != x[:-1]])
    kept = v[last][group]
    differs = ~last & ~((v == kept) | (np.isnan(v) & np.isnan(kept)))
    if differs.any():
        warnings.append(ReadWarning(
            rel, "duplicate-step",
            f"{int(differs.sum())} value(s) logged again at the same step with a different value; the latest is kept"))
    return Column(x[last], v[last], t[last] / 1000.0)
