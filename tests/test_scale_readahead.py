"""The read-ahead thread of the pipeline: bounded, harmless, and gone when the work is (issue 7)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from logscope import pipeline
from logscope.readers.base import RunSource


def _sources(tmp_path: Path, count: int) -> list[RunSource]:
    out = []
    for i in range(count):
        f = tmp_path / f"run{i}" / "metrics.csv"
        f.parent.mkdir()
        f.write_text("step,loss\n0,1.0\n")
        out.append(RunSource(name=f"run{i}", reader="csv", files=(f,), root=tmp_path))
    return out


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise here")
def test_read_ahead_stays_within_its_window_and_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Path] = []
    monkeypatch.setattr(pipeline, "_will_need", lambda path: asked.append(path) or 10)
    monkeypatch.setattr(pipeline.ReadAhead, "AHEAD", 3)
    sources = _sources(tmp_path, 10)
    ahead = pipeline.ReadAhead(sources)
    ahead.advance(0)
    ahead.stop()
    assert len(asked) <= 3  # nothing beyond the window before any task finished
    asked.clear()
    ahead = pipeline.ReadAhead(sources)
    for done in range(1, 11):
        ahead.advance(done)
    ahead.stop()
    assert ahead._thread is None or not ahead._thread.is_alive()


def test_will_need_skips_what_it_cannot_open(tmp_path: Path) -> None:
    assert pipeline._will_need(tmp_path / "missing") == 0
    assert pipeline._will_need("not a path") == 0
    f = tmp_path / "x.csv"
    f.write_text("step,loss\n")
    assert pipeline._will_need(f) in (0, f.stat().st_size)  # 0 where posix_fadvise is missing
