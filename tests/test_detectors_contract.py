"""Every detector: keyword-only configuration, no crash on bad input, findings that keep the contract."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest
from detector_cases import run_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscope import synth
from logscope.detectors import DETECTORS, run_detectors
from logscope.model import SEVERITIES, Finding, Run

#: A step number or step count of four digits or more written without thousands separators.
UNSEPARATED_STEP = re.compile(r"\bsteps? ~?\d{4}|\b\d{4,} steps\b")

KINDS = {"nan", "divergence", "spike", "plateau", "overfitting", "underfitting", "noisy", "suspicious"}


def test_registry_order_and_keyword_only_parameters() -> None:
    assert list(DETECTORS) == ["nan", "divergence", "spike", "plateau", "overfitting", "underfitting", "noisy",
                               "suspicious"]
    for name, detect in DETECTORS.items():
        params = list(inspect.signature(detect).parameters.values())
        assert params[0].name == "run", name
        for p in params[1:]:
            assert p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty, (name, p)
        assert detect.__doc__


def check(finding: Finding) -> None:
    assert finding.kind in KINDS and finding.severity in SEVERITIES
    assert finding.message.endswith(".") and any(c.isdigit() for c in finding.message)
    assert finding.fixes and all(isinstance(x, str) and x for x in finding.fixes)
    assert "p_value" in finding.evidence or "confidence" in finding.evidence
    for key, value in finding.evidence.items():
        assert isinstance(value, (str, int, float, bool)) or value is None, key
        if isinstance(value, float):
            assert not math.isnan(value), (finding.kind, key)
    p = finding.evidence.get("p_value", finding.evidence.get("confidence"))
    assert 0.0 <= p <= 1.0
    if finding.step is not None and finding.end_step is not None:
        assert finding.step <= finding.end_step
    for text in (finding.message, *finding.fixes):  # step numbers read like the headline's: 1,520 (issue 6)
        assert not UNSEPARATED_STEP.search(text), text


EDGE = {
    "empty": np.array([]),
    "one": np.array([1.0]),
    "three": np.array([3.0, 2.0, 1.0]),
    "constant": np.full(50, 2.0),
    "all_nan": np.full(20, np.nan),
    "nan_inside": np.r_[np.linspace(2, 1, 20), [np.nan, np.inf], np.linspace(1, 0.5, 20)],
    "quantised": np.round(np.linspace(2, 1, 200), 1),
    "huge": np.linspace(1e300, 1e308, 30),
}


@pytest.mark.parametrize("case", list(EDGE))
def test_edge_cases_never_raise_and_keep_the_contract(case: str) -> None:
    v = EDGE[case]
    run = run_of(loss=v, val_loss=v[::-1].copy(), accuracy=np.clip(v, 0, 1), learning_rate=np.full(v.size, 0.1))
    for f in run_detectors(run):
        check(f)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.just(float("inf"))), min_size=0,
                max_size=80))
def test_any_values_never_raise(values: list[float]) -> None:
    v = np.array(values, dtype=np.float64)
    for f in run_detectors(run_of(loss=v, val_loss=v.copy())):
        check(f)


def items() -> list[synth.SynthRun]:
    out = []
    for name, (_, levels) in synth.SCENARIOS.items():
        for level in levels:
            out.append(synth.make(name, seed=7, level=level, n=60 if level == "epoch" else 1500))
    return out


ITEMS = items()


@pytest.mark.parametrize("item", ITEMS, ids=[f"{i.scenario}-{i.level}" for i in ITEMS])
def test_known_answers_on_synthetic_runs(item: synth.SynthRun) -> None:
    """Each scenario, one seed per level: the expected kinds with onsets within 10% of the run."""
    run: Run = item.run
    findings = run_detectors(run)
    for f in findings:
        check(f)
    first = min(int(s.steps[0]) for s in run.series)
    last = max(int(s.steps[-1]) for s in run.series)
    alarms = [f for f in findings if f.severity != "info"]
    if item.negative:
        assert alarms == [], [f.message for f in alarms]
    for truth in item.truths:
        if truth.phase == "converged":
            continue
        same = [f for f in findings if f.kind == truth.kind]
        assert same, f"missed {truth}"
        if truth.step is not None:
            assert min(abs(f.step - truth.step) for f in same) <= 0.1 * (last - first), (truth, [f.step for f in same])
