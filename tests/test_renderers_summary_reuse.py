"""analyze(compact=True) hands the renderers summaries it reused from the sketches: the same as summarizing anew.

(issue 7: the 2,000-run summary cost 0.06 s, and was made twice.)
"""

from __future__ import annotations

from pathlib import Path

from scale_sweep import write_sweep

import logscope
from logscope.renderers import summary
from logscope.sketch import is_sketch


def test_reused_summaries_equal_fresh_ones(tmp_path: Path) -> None:
    report = logscope.analyze(write_sweep(tmp_path / "sweep", runs=60, epochs=60), jobs=1, compact=True)
    assert any(is_sketch(run) for run in report.runs) and not all(is_sketch(run) for run in report.runs)
    cached = summary.summarize(report)
    fresh = summary._summarize(report)
    assert cached == fresh
    assert all(a.run is b.run for a, b in zip(cached, fresh))


def test_replacing_no_run_keeps_every_summary(tmp_path: Path) -> None:
    report = logscope.analyze(write_sweep(tmp_path / "sweep", runs=8, epochs=40), jobs=1)
    before = summary._summarize(report)
    again = summary.summarize_replaced(report, before)
    assert again == before and all(a is b for a, b in zip(again, before))
