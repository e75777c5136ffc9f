"""The whole pipeline: read the runs under some paths, run the detectors, make a Report.

Each run is read and judged as one task (:mod:`logscope.pipeline`) on an
executor (:mod:`logscope.execute`): this process, a local process pool
(``jobs``) or a Dask cluster; the Report is the same whichever runs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from . import fs
from .detectors import run_detectors, validate_config
from .errors import NoRunsFound
from .execute import Executor, make_executor
from .model import SEVERITY_RANK, Finding, ReadWarning, Report, Run
from .pipeline import PhaseProgress, discover_all, judge_sources, make_whole
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
    jobs: int = 1,
    executor: Executor | None = None,
    progress: PhaseProgress | None = None,
    compact: bool = False,
) -> Report:
    """Read every run under ``paths`` and judge it. Raises NoRunsFound if nothing is readable.

    ``paths`` may be local paths or fsspec URLs (``s3://bucket/runs``). Runs are
    judged on ``executor``, else on ``jobs`` local processes; ``progress(phase,
    done, total)`` is told as runs finish. ``compact`` keeps only sketches
    (:mod:`logscope.sketch`) of the runs the HTML report does not draw, so a
    huge sweep fits in memory; the reports rendered from it are the same.

    A run in which no value could be read is not a run of the report: its files
    and their problems are in the report's warnings.
    ``roles`` are the user's corrections to the inferred series roles (``--pair``,
    ``--higher-is-better``, ``--lower-is-better`` or the config file); one that
    matches no series is reported as a warning. Symbolic links leading out of a
    path are named in a warning, not read, unless ``follow_symlinks``.
    """
    if isinstance(paths, (str, Path)) or fs.is_remote(paths):
        paths = [paths]
    validate_config(config or {}, only)
    roots = [fs.as_path(p) for p in paths]
    missing = [str(p) for p in roots if not fs.exists(p)]
    if missing:
        raise NoRunsFound(f"no such file or directory: {', '.join(missing)}")
    own = executor is None
    executor = executor if executor is not None else make_executor(jobs=jobs)
    try:
        return _analyze(roots, format=format, config=config, only=only, roles=roles,
                        follow_symlinks=follow_symlinks, executor=executor, progress=progress, compact=compact)
    finally:
        if own:
            executor.close()


def _analyze(
    roots: list[Any],
    *,
    format: str | None,
    config: Mapping[str, Mapping[str, Any]] | None,
    only: Sequence[str] | None,
    roles: RoleOverrides | None,
    follow_symlinks: bool,
    executor: Executor,
    progress: PhaseProgress | None,
    compact: bool,
) -> Report:
    paths = roots
    sources, warnings = discover_all(roots, format=format, follow_symlinks=follow_symlinks)
    runs, findings, origin = judge_sources(sources, config=config, only=only, roles=roles, executor=executor,
                                           progress=progress, compact=compact)
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
    report = Report(
        runs=tuple(sorted(runs, key=lambda r: r.name)),
        findings=tuple(sorted(findings, key=finding_order)),
        warnings=tuple(warnings),
        logscope_version=__version__,
        config={k: dict(v) for k, v in sorted((config or {}).items())},
    )
    if compact:
        # Imported here: the renderers import the model, not the pipeline.
        from .renderers.htmlreport import drawn_runs
        from .renderers.summary import summarize, summarize_replaced

        summaries = summarize(report)
        whole = make_whole(report.runs, drawn_runs(summaries), sources, origin, roles=roles,
                           executor=executor, progress=progress)
        report = Report(runs=tuple(whole), findings=report.findings, warnings=report.warnings,
                        logscope_version=report.logscope_version, config=report.config)
        summarize_replaced(report, summaries)  # the renderers' summaries, the sketches' reused
    return report


def finding_order(f: Finding) -> tuple[Any, ...]:
    """Report order: run, most severe first, then onset step, kind and series."""
    return (f.run, -SEVERITY_RANK[f.severity], f.step if f.step is not None else -1, f.kind, f.series)
