"""The non-finite detector on small known cases."""

from __future__ import annotations

import numpy as np

from logscope.detectors import nan
from logscope.renderers import jsonreport
from logscope.model import Run, Series


def _run(*series: Series) -> Run:
    return Run(name="r", format="test", series=series)


def test_first_nan_step_and_last_finite_value() -> None:
    values = np.array([2.0, 1.5, 1.2, 9.0, np.nan, np.inf, np.nan])
    run = _run(Series("val_loss", np.arange(10, 17), values, metric="loss", split="val"))
    (finding,) = nan.detect(run)
    assert finding.step == 14
    assert finding.end_step == 16
    assert finding.series == ("val_loss",)
    assert finding.severity == "error"
    assert finding.evidence["last_finite_step"] == 13
    assert finding.evidence["last_finite_value"] == 9.0
    assert finding.evidence["nonfinite_points"] == 3
    assert "step 14" in finding.message and "NaN" in finding.message


def test_infinity_is_named_with_its_sign() -> None:
    run = _run(Series("loss", np.arange(3), np.array([1.0, -np.inf, 1.0]), metric="loss"))
    (finding,) = nan.detect(run)
    assert finding.evidence["first_bad_value"] == "-inf"
    assert finding.step == 1


def test_non_finite_from_the_first_point_has_no_last_finite_value() -> None:
    run = _run(Series("loss", np.arange(2), np.array([np.nan, np.nan]), metric="loss"))
    (finding,) = nan.detect(run)
    assert finding.evidence["last_finite_step"] is None


def test_finite_series_give_no_finding() -> None:
    run = _run(Series("loss", np.arange(5), np.linspace(2, 1, 5), metric="loss"))
    assert nan.detect(run) == []


def test_include_other_false_skips_bookkeeping_series() -> None:
    run = _run(Series("epoch", np.arange(2), np.array([np.nan, 1.0])))
    assert nan.detect(run, include_other=False) == []
    assert len(nan.detect(run)) == 1


def test_first_bad_value_is_spelled_as_the_json_report_spells_non_finite_numbers() -> None:
    """One spelling of NaN and infinities everywhere: "NaN", "inf", "-inf" (docs/json-report.md)."""
    for bad in (np.nan, np.inf, -np.inf):
        run = _run(Series("loss", np.arange(3), np.array([1.0, bad, 1.0]), metric="loss"))
        (finding,) = nan.detect(run)
        word = jsonreport.scalar(bad)
        assert finding.evidence["first_bad_value"] == word and f"became {word} at step 1" in finding.message
