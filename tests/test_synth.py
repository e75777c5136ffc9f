"""The synthetic-run generator: seeded, every scenario, truths that match the curves."""

from __future__ import annotations

import numpy as np
import pytest

from logscope import synth


def same_run(a: synth.SynthRun, b: synth.SynthRun) -> bool:
    return all(
        x.name == y.name and np.array_equal(x.steps, y.steps) and np.array_equal(x.values, y.values, equal_nan=True)
        for x, y in zip(a.run.series, b.run.series, strict=True)
    )


@pytest.mark.parametrize("scenario", list(synth.SCENARIOS))
def test_every_scenario_is_seeded_and_carries_its_truth(scenario: str) -> None:
    a = synth.make(scenario, seed=3, level="epoch", n=40)
    assert same_run(a, synth.make(scenario, seed=3, level="epoch", n=40))
    assert not same_run(a, synth.make(scenario, seed=4, level="epoch", n=40))
    kinds = {t.kind for t in a.truths}
    expected = {"overfitting": "overfitting", "divergence": "divergence", "divergence_nan": "divergence",
                "plateau_stuck": "plateau", "plateau_mid": "plateau", "spikes": "spike",
                "underfitting": "underfitting", "noisy": "noisy", "suspicious": "suspicious"}
    if scenario in expected:
        assert expected[scenario] in kinds
    else:
        assert a.negative and all(t.phase == "converged" for t in a.truths)


def test_truth_onsets_sit_where_the_curves_say() -> None:
    over = synth.make("overfitting", seed=1, level="epoch", n=80)
    (t,) = [t for t in over.truths if t.kind == "overfitting"]
    assert t.step in over.run.get("val_loss").steps
    div = synth.make("divergence_nan", seed=2, level="epoch", n=120)
    onset = next(t.step for t in div.truths if t.kind == "divergence")
    nan_step = next((t.step for t in div.truths if t.kind == "nan"), None)
    loss = div.run.get("loss")
    if nan_step is not None:
        assert onset < nan_step
        assert not np.isfinite(loss.values[loss.steps >= nan_step]).any()
        assert np.isfinite(loss.values[loss.steps < nan_step]).all()


def test_suite_alternates_levels_and_counts() -> None:
    items = synth.suite(seed=0, per_scenario=2)
    assert len(items) == 2 * len(synth.SCENARIOS)
    assert {i.level for i in items if i.scenario == "healthy"} == {"epoch", "step"}
    assert {i.level for i in items if i.scenario == "short"} == {"epoch"}
