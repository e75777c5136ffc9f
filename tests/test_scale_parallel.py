"""Issue 7: runs analysed in parallel give the same reports, byte for byte, as one process."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import logscope
from logscope.cli import cli, write_atomic
from logscope.errors import ConfigError
from logscope.execute import PoolExecutor, SerialExecutor, default_jobs, make_executor
from logscope.model import Run, Series
from logscope.pipeline import WHOLE_UP_TO
from logscope.renderers import FILENAMES, RENDERERS
from logscope.renderers import jsonreport
from logscope.renderers.htmlreport import drawn_runs
from logscope.renderers.summary import best_of, summarize
from logscope.sketch import SketchSeries, is_sketch, sketch
from scale_sweep import write_sweep


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 runs: more than the HTML report details, so the compact pipeline sketches some."""
    return write_sweep(tmp_path_factory.mktemp("sweep") / "sweep", runs=WHOLE_UP_TO + 10)


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILENAMES.values()}


def test_reports_identical_whatever_the_jobs(sweep: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        result = runner.invoke(cli, ["analyze", str(sweep), "-o", str(out), "-q", "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs.append(_files(out))
    # The library's whole-run report (every point of every run in memory) renders the same bytes.
    report = logscope.analyze(sweep)
    assert not any(is_sketch(run) for run in report.runs)
    library = {FILENAMES[name]: render(report).encode("utf-8") for name, render in RENDERERS.items()}
    assert outputs[0] == outputs[1] == library


def test_compact_report_holds_sketches_only_for_runs_not_drawn(sweep: Path) -> None:
    report = logscope.analyze(sweep, jobs=2, compact=True)
    drawn = drawn_runs(summarize(report))
    sketched = {run.name for run in report.runs if is_sketch(run)}
    assert sketched, "a sweep larger than the detailed-run limit must be sketched"
    assert not sketched & drawn
    assert len(report.runs) - len(sketched) == len(drawn)
    full = logscope.analyze(sweep)
    for compact_run, whole_run in zip(report.runs, full.runs):
        assert compact_run.name == whole_run.name
        if not is_sketch(compact_run):
            for a, b in zip(compact_run.series, whole_run.series):
                np.testing.assert_array_equal(a.values, b.values)


def test_small_analysis_is_never_sketched(sweep: Path) -> None:
    one = sweep / "group0" / "run000"
    report = logscope.analyze(one, compact=True)
    assert report.runs and not any(is_sketch(run) for run in report.runs)


values = st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                            st.sampled_from([0.0, 1.0, 1.0, -1.0])), min_size=0, max_size=40)


@settings(max_examples=150, deadline=None)
@given(values=values, direction=st.sampled_from(["min", "max"]), split=st.sampled_from(["train", "val"]))
def test_sketch_keeps_everything_the_reports_compute_for_every_run(values: list[float], direction: str,
                                                                   split: str) -> None:
    steps = np.arange(len(values), dtype=np.int64) * 3
    series = Series("val_loss" if split == "val" else "loss", steps, np.array(values, dtype=np.float64),
                    split=split, metric="loss", direction=direction)  # type: ignore[arg-type]
    run = Run(name="r", format="csv", series=(series,))
    small = sketch(run)
    assert len(small.series[0]) == len(series)
    assert small.series[0].values.size <= 4
    assert best_of(small) == best_of(run)
    assert jsonreport._run(small, ()) == jsonreport._run(run, ())


def test_sketch_series_survives_pickling() -> None:
    import pickle

    series = Series("loss", np.arange(10, dtype=np.int64), np.linspace(1, 0, 10))
    small = sketch(Run("r", "csv", (series,))).series[0]
    assert isinstance(small, SketchSeries)
    back = pickle.loads(pickle.dumps(small))
    assert len(back) == 10 and back.points == 10


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def test_pool_returns_results_in_input_order_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    with PoolExecutor(2) as pool:
        assert pool.map(_square, list(range(40)), lambda d, t: seen.append((d, t))) == [x * x for x in range(40)]
    assert seen[0] == (0, 40) and seen[-1] == (40, 40)
    assert [d for d, _ in seen] == list(range(41))
    assert SerialExecutor().map(_square, [3, 1, 2]) == [9, 1, 4]


def test_a_worker_error_reaches_the_caller_and_stops_the_pool() -> None:
    pool = PoolExecutor(2)
    with pytest.raises(ValueError, match="three"):
        pool.map(_fail_on_three, list(range(8)))
    assert pool._pool is None  # terminated, no workers left behind


def test_bad_executor_choices_are_usage_errors(sweep: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        make_executor("local", jobs=0)
    with pytest.raises(ConfigError):
        make_executor("spark")
    assert isinstance(make_executor("local", jobs=1), SerialExecutor)
    assert default_jobs() >= 1
    result = CliRunner().invoke(cli, ["analyze", str(sweep), "-o", str(tmp_path / "x"), "--jobs", "0"])
    assert result.exit_code == 2


def test_an_interrupted_write_leaves_the_old_report_and_no_temporary_file(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.md"
    target.write_text("old report\n")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new report\n" * 1000)
    assert target.read_text() == "old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_dask_options_without_dask_installed_say_how_to_get_it(sweep: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if not installed
    result = CliRunner().invoke(cli, ["analyze", str(sweep), "-o", str(tmp_path / "r"), "--executor", "dask"])
    assert result.exit_code == 2
    assert "pip install 'logscope[dask]'" in result.output
    assert not (tmp_path / "r").exists()
