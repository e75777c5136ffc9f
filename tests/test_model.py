"""The plain data model: invariants and helpers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from logscope.model import Finding, Report, Run, Series


def _series(name: str = "loss", n: int = 3) -> Series:
    return Series(name, np.arange(n, dtype=np.int64), np.linspace(1, 0, n))


def test_series_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="3 steps but 2 values"):
        Series("loss", np.arange(3), np.zeros(2))


def test_series_rejects_mismatched_wall_times() -> None:
    with pytest.raises(ValueError, match="wall_times"):
        Series("loss", np.arange(3), np.zeros(3), wall_times=np.zeros(2))


def test_models_are_frozen() -> None:
    run = Run(name="r", format="csv", series=(_series(),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.name = "other"  # type: ignore[misc]


def test_run_get_finds_series_by_name() -> None:
    run = Run(name="r", format="csv", series=(_series("a"), _series("b")))
    assert run.get("b") is run.series[1]
    assert run.get("c") is None


def _finding(run: str, severity: str) -> Finding:
    return Finding(kind="nan", severity=severity, run=run, series=("loss",), step=1, end_step=1, message="m")  # type: ignore[arg-type]


def test_report_worst_orders_severities() -> None:
    assert Report(runs=(), findings=()).worst is None
    report = Report(runs=(), findings=(_finding("a", "info"), _finding("b", "error"), _finding("a", "warning")))
    assert report.worst == "error"
    assert [f.severity for f in report.findings_for("a")] == ["info", "warning"]
