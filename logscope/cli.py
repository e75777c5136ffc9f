"""The command line: thin glue over :func:`logscope.analyze` and the renderers.

Exit codes: 0 done; 1 a finding at or above ``--fail-on`` (for ``compare``: a
regression of the kind ``--fail-on`` names); 2 usage error or
nothing readable under PATH; 130 interrupted (Ctrl-C) before the reports were written.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from . import __version__
from .analyze import analyze as run_analysis
from .config import resolve as resolve_settings
from .errors import LogscopeError
from .execute import EXECUTORS, make_executor
from .fs import as_path, is_remote
from .model import SEVERITIES, SEVERITY_RANK, Report
from .readers import READERS
from .renderers import FILENAMES, RENDERERS, console
from .roles import RoleOverrides

if TYPE_CHECKING:
    from .compare import Comparison

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
#: Ctrl-C, as shells report a process ended by SIGINT (128 + 2).
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="logscope")
def cli() -> None:
    """Audit finished machine-learning trainings from their logs."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=str, metavar="PATHS...")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=Path("logscope-report"),
              show_default=True, help="Directory to write the reports into.")
@click.option("--format", "formats", default="html,md,json", show_default=True,
              help="Comma-separated report formats: html, md, json.")
@click.option("--input-format", "input_format", type=click.Choice(sorted(READERS)), default=None,
              help="Read every file as this log format instead of detecting it.")
@click.option("--pair", "pairs", multiple=True, metavar="TRAIN=VAL",
              help="These two series are training/validation twins (repeatable).")
@click.option("--higher-is-better", "higher_is_better", multiple=True, metavar="NAME",
              help="Series NAME (or a pattern like '*iou*') improves upward (repeatable).")
@click.option("--lower-is-better", "lower_is_better", multiple=True, metavar="NAME",
              help="Series NAME (or a pattern) improves downward (repeatable).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Configuration file (default: logscope.toml in PATH or here, or [tool.logscope] in pyproject.toml).")
@click.option("--fail-on", type=click.Choice(["never", *SEVERITIES]), default="never", show_default=True,
              help="Exit with code 1 if any finding is at least this severe.")
@click.option("--follow-symlinks", is_flag=True,
              help="Read symbolic links that lead out of PATHS (by default they are named in a warning).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Runs analysed at once, each in its own process (default: the number of cores).")
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
              help="Where runs are analysed: local processes, or a local Dask cluster (needs logscope[dask]).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Analyse the runs on the Dask cluster of this scheduler (needs logscope[dask]).")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the summary.")
@click.option("--timestamp", is_flag=True,
              help="Print the current UTC time in the reports (off by default so reports are byte-identical).")
def analyze(paths: tuple[str, ...], output: Path, formats: str, input_format: str | None,
            pairs: tuple[str, ...], higher_is_better: tuple[str, ...], lower_is_better: tuple[str, ...],
            config_file: Path | None,
            fail_on: str, follow_symlinks: bool, jobs: int | None, executor: str, scheduler: str | None,
            quiet: bool, timestamp: bool) -> None:
    """Analyse the training logs under PATHS and write reports into -o DIR.

    PATHS are folders, files or fsspec URLs (s3://bucket/sweep, gs://..., file://...).

    \b
    Example:
        logscope analyze runs/ -o report --fail-on error
        logscope analyze s3://bucket/sweep -o report --jobs 8
    """
    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in RENDERERS]
    if unknown or not wanted:
        raise click.UsageError(f"unknown report format {', '.join(unknown) or '(none)'}; choose from: html, md, json")
    try:
        roots = [as_path(p) for p in paths]
        # A logscope.toml is looked for beside local paths only (then here, as for any path).
        settings = resolve_settings(config_file, [p for p in roots if not is_remote(p)])
        roles = settings.roles.merged(RoleOverrides.parse(pairs, higher_is_better, lower_is_better))
        bar = ProgressBar(sys.stderr)
        try:
            with make_executor(executor, jobs=jobs, scheduler=scheduler) as pool:
                report = run_analysis(roots, format=input_format, config=settings.detectors or None, roles=roles,
                                      follow_symlinks=follow_symlinks, executor=pool, progress=bar, compact=True)
            stamp = _utc_now() if timestamp else None
            # Every format is rendered before any file is written, so an interruption leaves the old set.
            texts = {name: RENDERERS[name](report, timestamp=stamp) for name in wanted}
        finally:
            bar.close()
    except LogscopeError as exc:
        click.echo(f"logscope: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        # Caught here, not by click (which would say "Aborted!" and exit 1): workers are stopped by now.
        click.echo("logscope: interrupted; no report written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    try:
        output.mkdir(parents=True, exist_ok=True)
        write_all_atomic({output / FILENAMES[name]: texts[name] for name in wanted})
    except OSError as exc:
        click.echo(f"logscope: cannot write the report to {output}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    if not quiet:
        click.echo(console.render(report, colour=console.use_colour(sys.stdout)), nl=False, color=True)
        click.echo(f"Wrote {', '.join(str(output / FILENAMES[n]) for n in wanted)}")
    sys.exit(exit_code(report, fail_on))


def exit_code(report: Report, fail_on: str) -> int:
    """1 if a finding reaches ``fail_on`` severity, else 0."""
    if fail_on == "never" or report.worst is None:
        return EXIT_OK
    return EXIT_FINDINGS if SEVERITY_RANK[report.worst] >= SEVERITY_RANK[fail_on] else EXIT_OK


#: Comparison file formats by name: (file name, renderer module in logscope.renderers). The comparison
#: modules are imported by `logscope compare` only: `logscope analyze` never needs them.
COMPARE_FILES = {
    "html": ("compare.html", "compare_html"),
    "md": ("compare.md", "compare_markdown"),
    "json": ("compare.json", "compare_json"),
}


@cli.command("compare")
@click.argument("baseline", type=click.Path(path_type=Path))
@click.argument("candidate", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=Path("logscope-compare"),
              show_default=True, help="Directory to write compare.html, compare.md and compare.json into.")
@click.option("--format", "formats", default="html,md,json", show_default=True,
              help="Comma-separated output formats: html, md, json.")
@click.option("--input-format", "input_format", type=click.Choice(sorted(READERS)), default=None,
              help="Read every file as this log format instead of detecting it.")
@click.option("--match", "matches", multiple=True, metavar="BASELINE=CANDIDATE",
              help="Compare baseline series BASELINE with candidate series CANDIDATE (repeatable).")
@click.option("--pool", is_flag=True, help="Treat all runs of each side as seeds of one configuration.")
@click.option("--pair", "twin_pairs", multiple=True, metavar="TRAIN=VAL",
              help="These two series are training/validation twins, on both sides (repeatable).")
@click.option("--higher-is-better", "higher_is_better", multiple=True, metavar="NAME",
              help="Series NAME (or a pattern like '*iou*') improves upward, on both sides (repeatable).")
@click.option("--lower-is-better", "lower_is_better", multiple=True, metavar="NAME",
              help="Series NAME (or a pattern) improves downward, on both sides (repeatable).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Configuration file for both sides (default: logscope.toml in BASELINE, CANDIDATE or here).")
@click.option("--alpha", type=float, default=0.05, show_default=True,
              help="Significance level of the seed tests.")
@click.option("--min-severity", type=click.Choice(SEVERITIES), default="warning", show_default=True,
              help="Findings below this severity are not compared.")
@click.option("--baseline-label", default="baseline", show_default=True, help="Name of the baseline in the reports.")
@click.option("--candidate-label", default="candidate", show_default=True, help="Name of the candidate in the reports.")
@click.option("--fail-on", type=click.Choice(["never", "regression", "metric", "finding"]), default="never",
              show_default=True, help="Exit with code 1 on any regression, only a worse metric, or only a new finding.")
@click.option("--follow-symlinks", is_flag=True,
              help="Read symbolic links that lead out of BASELINE or CANDIDATE (by default they are named in a warning).")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the summary.")
@click.option("--timestamp", is_flag=True, help="Print the current UTC time in the reports.")
def compare_command(baseline: Path, candidate: Path, output: Path, formats: str, input_format: str | None,
                    matches: tuple[str, ...], pool: bool, twin_pairs: tuple[str, ...],
                    higher_is_better: tuple[str, ...], lower_is_better: tuple[str, ...], config_file: Path | None,
                    alpha: float, min_severity: str, baseline_label: str,
                    candidate_label: str, fail_on: str, follow_symlinks: bool, quiet: bool, timestamp: bool) -> None:
    """Compare the CANDIDATE training against the BASELINE one and write the verdict into -o DIR.

    Each side is a run, a log directory, or several runs of different seeds.
    See docs/compare.md.

    \b
    Example:
        logscope compare main-logs/ pr-logs/ -o compare --baseline-label main --fail-on regression
    """
    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in COMPARE_FILES]
    if unknown or not wanted:
        raise click.UsageError(f"unknown report format {', '.join(unknown) or '(none)'}; choose from: html, md, json")
    pairs = {}
    for item in matches:
        b_name, sep, c_name = item.partition("=")
        if not sep or not b_name.strip() or not c_name.strip():
            raise click.UsageError(f"--match {item!r}: expected BASELINE_SERIES=CANDIDATE_SERIES")
        pairs[b_name.strip()] = c_name.strip()
    from .compare import compare as run_compare
    from .renderers import compare_console

    try:
        settings = resolve_settings(config_file, [baseline, candidate])
        roles = settings.roles.merged(RoleOverrides.parse(twin_pairs, higher_is_better, lower_is_better))
        result = run_compare(baseline, candidate, format=input_format, config=settings.detectors or None,
                             roles=roles, match=pairs, pool=pool, alpha=alpha, min_severity=min_severity,
                             baseline_label=baseline_label, candidate_label=candidate_label,
                             follow_symlinks=follow_symlinks)
    except LogscopeError as exc:
        click.echo(f"logscope: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    try:
        output.mkdir(parents=True, exist_ok=True)
        stamp = _utc_now() if timestamp else None
        write_all_atomic({output / COMPARE_FILES[name][0]: _compare_renderer(name)(result, timestamp=stamp)
                          for name in wanted})
    except OSError as exc:
        click.echo(f"logscope: cannot write the comparison to {output}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    if not quiet:
        click.echo(compare_console.render(result, colour=console.use_colour(sys.stdout)), nl=False, color=True)
        click.echo(f"Wrote {', '.join(str(output / COMPARE_FILES[n][0]) for n in wanted)}")
    sys.exit(compare_exit_code(result, fail_on))


def _compare_renderer(name: str) -> Any:
    """The ``render`` function of comparison format ``name``."""
    module = importlib.import_module(f"{__package__}.renderers.{COMPARE_FILES[name][1]}")
    return module.render


def compare_exit_code(result: Comparison, fail_on: str) -> int:
    """1 if ``fail_on`` is met: any regression, a worse gating metric, or a new/earlier/more severe finding."""
    from .compare import FindingChange, MetricComparison

    if fail_on == "never":
        return EXIT_OK
    kinds = {"regression": (MetricComparison, FindingChange), "metric": (MetricComparison,),
             "finding": (FindingChange,)}[fail_on]
    return EXIT_FINDINGS if any(isinstance(r, kinds) for r in result.regressions) else EXIT_OK


def _utc_now() -> str:
    """The current time for ``--timestamp``, to the second, in UTC."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    write_all_atomic({path: text})


def write_all_atomic(files: dict[Path, str]) -> None:
    """Write every file to a temporary file beside it, and only once all are on disk rename them
    into place: a failure (a full disk) leaves every earlier file as it was and no temporary file.

    A rename replaces a symbolic link planted at ``path``; it never writes through it.
    """
    temps: dict[Path, str] = {}
    try:
        for path, text in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps[path] = tmp
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())  # on disk before the rename, so a crash cannot leave an empty report
            os.chmod(tmp, 0o666 & ~_umask())
        for path, tmp in temps.items():
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class ProgressBar:
    """``progress(phase, done, total)`` drawn as a bar on ``stream``, only if it is a terminal.

    Uses click's progress bar; each phase (analysing, then drawing the runs shown
    in full) gets its own bar. Nothing is written when ``stream`` is not a TTY, so
    logs and CI output stay clean.
    """

    LABELS = {"analyse": "Analysing runs", "draw": "Drawing charts"}

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = bool(getattr(stream, "isatty", None) and stream.isatty())
        self._bar: Any = None
        self._phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if phase != self._phase or self._bar is None:
            self.close()
            self._phase = phase
            self._bar = click.progressbar(length=total, label=self.LABELS.get(phase, phase), file=self.stream,
                                          show_pos=True, show_eta=True)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def close(self) -> None:
        """End the current bar's line (also after Ctrl-C, so the next message starts on its own line)."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def main() -> None:
    """Console-script entry point: no traceback for expected problems or Ctrl-C."""
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("logscope: interrupted", err=True)
        sys.exit(130)
