"""The whole pipeline: read the runs under some paths, run the detectors, make a Report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .detectors import run_detectors, validate_config
from .errors import NoRunsFound
from .model import SEVERITY_RANK, Finding, ReadWarning, Report, Run
from .readers import read_path
from .roles import RoleOverrides


def analyze_runs(
    runs: Sequence[Run],
    *,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    only: Sequence[str] | None = None,
) -> Report:
    """Run the detectors over runs already read."""
    findings: list[Finding] = []
    for run in runs:
        findings.extend(run_detectors(run, config, only))
    return Report(
        runs=tuple(sorted(runs, key=lambda r: r.name)),
        findings=tuple(sorted(findings, key=finding_order)),
        logscope_version=__version__,
        config={k: dict(v) for k, v in sorted((config or {}).items())},
    )


def analyze(
    paths: Sequence[str | Path] | str | Path,
    *,
    format: str | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    only: Sequence[str] | None = None,
    roles: RoleOverrides | None = None,
    follow_symlinks: bool = False,
) -> Report:
    """Read every run under ``paths`` and judge it. Raises NoRunsFound if nothing is readable.

    A run in which no value could be read is not a run of the report: its files
    and their problems are in the report's warnings.
    ``roles`` are the user's corrections to the inferred series roles (``--pair``,
    ``--higher-is-better``, ``--lower-is-better`` or the config file); one that
    matches no series is reported as a warning. Symbolic links leading out of a
    path are named in a warning, not read, unless ``follow_symlinks``.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    validate_config(config or {}, only)
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise NoRunsFound(f"no such file or directory: {', '.join(missing)}")
    runs, warnings = read_path([Path(p) for p in paths], format=format, roles=roles,
                                follow_symlinks=follow_symlinks)
    # A run without one value (every file damaged, empty or holding no scalars) has nothing to
    # judge; calling it healthy would pass a CI gate on a corrupt log, so its files join the
    # files not read, and a tree with nothing else is "nothing readable" (exit 2).
    if any(not run.series for run in runs):
        warnings = sorted([*warnings, *(w for run in runs if not run.series for w in run.warnings)],
                          key=lambda w: (w.file, w.kind, w.message))
        runs = [run for run in runs if run.series]
    if roles and runs:
        warnings.extend(ReadWarning("(roles)", "override-unused", f"{item} matches no series of any run")
                        for item in roles.unused(runs))
    if not runs:
        listed = "; ".join(f"{w.file}: {w.message}" for w in warnings[:5])
        raise NoRunsFound(
            f"no training logs found under {', '.join(str(p) for p in paths)}" + (f" ({listed})" if listed else "")
        )
    report = analyze_runs(runs, config=config, only=only)
    return Report(
        runs=report.runs,
        findings=report.findings,
        warnings=tuple(warnings),
        logscope_version=report.logscope_version,
        config=report.config,
    )


def finding_order(f: Finding) -> tuple[Any, ...]:
    """Report order: run, most severe first, then onset step, kind and series."""
    return (f.run, -SEVERITY_RANK[f.severity], f.step if f.step is not None else -1, f.kind, f.series)
