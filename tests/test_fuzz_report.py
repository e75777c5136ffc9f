"""Fuzzing the whole pipeline: logs full of extreme values, then every report.

Readers keep NaN, ±inf, 1e308, subnormals and -0.0 as evidence, so the detectors and
renderers see them all. For any such log, analyze and the html, md and json reports
and the terminal summary must complete, the JSON must be strict, and every text must
be writable as UTF-8. numpy's overflow RuntimeWarnings inside the detectors are
ignored here (they are noise on stderr, not failures); any exception fails.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from logscope import analyze
from logscope.errors import NoRunsFound
from logscope.renderers import RENDERERS, console

FUZZ = settings(
    max_examples=int(os.environ.get("LOGSCOPE_FUZZ_EXAMPLES", "60")),
    derandomize=os.environ.get("LOGSCOPE_FUZZ_RANDOM", "") != "1",
    database=None, deadline=None, suppress_health_check=list(HealthCheck),
)
EXTREME = st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 5e-324, 0.0, -0.0, 1e-300,
                           3.4028235e38])
VALUE = st.one_of(EXTREME, st.floats(), st.floats(-10, 10), st.floats(0.01, 5))
NAMES = ["loss", "val_loss", "acc", "val_acc", "lr", "grad_norm"]


@st.composite
def table(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    steps = draw(st.lists(st.integers(-5, 10**6), min_size=1, max_size=60))
    rows = [f"{step}," + ",".join(repr(draw(VALUE)) for _ in names) for step in steps]
    return "step," + ",".join(names) + "\n" + "\n".join(rows) + "\n"


def _strict(token: str) -> None:
    raise AssertionError(f"report.json holds {token}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@FUZZ
@given(st.lists(table(), min_size=1, max_size=3))
def test_any_values_give_every_report(tables: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(tables):
            (Path(tmp) / f"run{i}").mkdir()
            (Path(tmp) / f"run{i}" / "metrics.csv").write_text(text)
        try:
            report = analyze(tmp)
        except NoRunsFound:
            event("nothing readable")
            return  # e.g. every step unusable: "nothing readable", exit 2
    event(f"{len(report.findings) > 0} findings")
    for name, render in RENDERERS.items():
        text = render(report, timestamp=None)
        text.encode("utf-8")
        if name == "json":
            json.loads(text, parse_constant=_strict)
    console.render(report, colour=False).encode("utf-8")
