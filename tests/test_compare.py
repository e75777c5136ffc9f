"""The comparison library on generated pairs with a known difference (tests/compare_pairs.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from compare_pairs import BASELINE, DIVERGING, OVERFIT_EARLY, OVERFIT_LATE, SLOW, write_run, write_side

from logscope.analyze import analyze_runs
from logscope.compare import (
    Comparison,
    FindingChange,
    MetricComparison,
    compare,
    compare_reports,
    group_key,
    match_groups,
    match_series,
)
from logscope.compare_stats import difference_test, local_noise, noise_sigma, side_metric
from logscope.errors import ConfigError, NoRunsFound
from logscope.model import Run, Series
from logscope.renderers import compare_json


def _metric(result: Comparison, name: str = "val_loss") -> MetricComparison:
    (group,) = result.groups
    return next(m for m in group.metrics if m.baseline.series == name)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three seeds per side of each configuration, and one-seed sides."""
    root = tmp_path_factory.mktemp("pairs")
    for name, config in [("same", BASELINE), ("slow", SLOW), ("overfit", OVERFIT_EARLY), ("diverging", DIVERGING)]:
        write_side(root / f"{name}3", config, [11, 12, 13])
        write_side(root / f"{name}1", config, [11])
    write_side(root / "base3", BASELINE, [1, 2, 3])
    write_side(root / "base1", BASELINE, [1])
    return root


# ---------------------------------------------------------------- known differences, seeds


def test_same_config_other_seeds_shows_no_significant_difference(pairs: Path) -> None:
    result = compare(pairs / "base3", pairs / "same3")
    assert result.outcome == "unchanged"
    assert result.regressions == () and result.improvements == ()
    for m in result.groups[0].metrics:
        assert m.test.method == "welch"
        assert m.test.p_value is not None and m.test.p_value > 0.05
        assert m.verdict == "within_noise"
        assert m.reach == "same"


def test_lower_learning_rate_converges_later_to_the_same_best(pairs: Path) -> None:
    result = compare(pairs / "base3", pairs / "slow3")
    m = _metric(result)
    assert m.verdict == "within_noise"
    assert m.reach == "later"
    # Half the rate: the same level is reached at about twice the step (~2,000 -> ~4,000).
    assert m.reach_delta is not None and 1200 <= m.reach_delta <= 3000
    assert m.candidate.reached == 3
    assert result.outcome == "unchanged"


def test_overfitting_earlier_is_a_regression_beyond_noise(pairs: Path) -> None:
    result = compare(pairs / "base3", pairs / "overfit3")
    m = _metric(result)
    assert m.verdict == "worse" and m.regression and m.gating
    assert m.test.method == "welch" and m.test.p_value is not None and m.test.p_value < 0.01
    assert m.difference is not None and m.difference > 0.05
    assert m.relative == pytest.approx(m.difference / m.baseline.best)
    assert m.reach == "never"
    # The training loss is not affected and is not a gate when validation exists.
    train = _metric(result, "loss")
    assert train.verdict == "within_noise" and not train.gating
    assert result.outcome == "regression"
    assert m in result.regressions


def test_overfitting_earlier_than_the_baseline_is_a_finding_regression(pairs: Path, tmp_path: Path) -> None:
    write_side(tmp_path / "late", OVERFIT_LATE, [1, 2, 3])
    result = compare(tmp_path / "late", pairs / "overfit3")
    overfits = [f for f in result.groups[0].findings if f.kind == "overfitting"]
    assert [f.change for f in overfits] == ["earlier"]
    (change,) = overfits
    assert change.regression and change in result.regressions
    # Generated onsets: validation turns up at 2,400 (baseline) and 900 (candidate).
    assert change.baseline_step is not None and change.candidate_step is not None
    assert change.candidate_step < change.baseline_step - 500
    back = compare(pairs / "overfit3", tmp_path / "late")
    assert [f.change for f in back.groups[0].findings if f.kind == "overfitting"] == ["later"]
    assert back.outcome == "improvement"


def test_new_divergence_is_a_finding_regression_and_its_absence_an_improvement(pairs: Path) -> None:
    worse = compare(pairs / "base3", pairs / "diverging3")
    new = [f for f in worse.regressions if isinstance(f, FindingChange) and f.kind == "nan"]
    assert {(f.series, f.change) for f in new} == {(("loss",), "new"), (("val_loss",), "new")}
    assert all(f.candidate_runs == 3 and f.baseline_runs == 0 for f in new)
    assert all(f.candidate_step == 2110 for f in new)  # first NaN: diverge_at 1500 + 600, next log step
    better = compare(pairs / "diverging3", pairs / "base3")
    gone = [f for f in better.improvements if isinstance(f, FindingChange)]
    assert {f.change for f in gone} == {"gone"}
    assert better.outcome == "improvement"


def test_earlier_onset_of_the_same_finding_is_a_regression(tmp_path: Path) -> None:
    write_side(tmp_path / "main", dataclasses.replace(DIVERGING, diverge_at=2200, steps=3500), [1])
    write_side(tmp_path / "pr", dataclasses.replace(DIVERGING, diverge_at=800, steps=3500), [2])
    result = compare(tmp_path / "main", tmp_path / "pr")
    changes = {f.series: f for f in result.groups[0].findings}
    assert changes[("val_loss",)].change == "earlier"
    assert changes[("val_loss",)].baseline_step == 2810 and changes[("val_loss",)].candidate_step == 1410
    back = compare(tmp_path / "pr", tmp_path / "main")
    assert {f.change for f in back.groups[0].findings} == {"later"}
    assert not [r for r in back.regressions if isinstance(r, FindingChange)]


# ---------------------------------------------------------------- one seed, mixed seeds


def test_one_seed_each_uses_the_noise_band(pairs: Path) -> None:
    same = _metric(compare(pairs / "base1", pairs / "same1"))
    assert same.test.method == "noise_band" and same.test.p_value is None
    assert same.test.statistic is not None and same.test.statistic < 2.0
    assert same.verdict == "within_noise"
    overfit = _metric(compare(pairs / "base1", pairs / "overfit1"))
    assert overfit.test.method == "noise_band"
    assert overfit.test.statistic is not None and overfit.test.statistic > 2.0
    assert overfit.verdict == "worse"


def test_several_seeds_against_one_uses_a_prediction_interval(pairs: Path) -> None:
    same = _metric(compare(pairs / "base3", pairs / "same1"))
    assert same.test.method == "prediction"
    assert same.test.p_value is not None and same.test.p_value > 0.05
    overfit = _metric(compare(pairs / "base1", pairs / "overfit3"))
    assert overfit.test.method == "prediction"
    assert overfit.test.p_value is not None and overfit.test.p_value < 0.05
    assert overfit.test.statistic is not None and overfit.test.statistic > 0  # candidate minus baseline


# ---------------------------------------------------------------- statistics


def test_noise_sigma_recovers_white_noise_on_a_trend() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(2000.0)
    values = 2.0 * np.exp(-t / 300) + 0.5 + rng.normal(0, 0.05, t.size)
    assert noise_sigma(values) == pytest.approx(0.05, rel=0.1)
    assert noise_sigma(values[:4]) is None


def test_local_noise_ignores_a_blow_up_after_the_best() -> None:
    rng = np.random.default_rng(1)
    quiet = 1.0 + rng.normal(0, 0.01, 200)
    blown = np.exp(np.arange(1, 100) / 10.0)
    values = np.concatenate([quiet, blown])
    assert local_noise(values, 199) == pytest.approx(0.01, rel=0.3)


def test_welch_matches_scipy_and_direction_of_statistic() -> None:
    from scipy import stats

    def side(bests: list[float]) -> object:
        curves = tuple(_curve(b) for b in bests)
        return side_metric("m", curves, tuple(None for _ in bests))

    b, c = [0.40, 0.41, 0.42], [0.45, 0.47, 0.46]
    result = difference_test(side(b), side(c), alpha=0.05, noise_z=2.0)  # type: ignore[arg-type]
    expected = stats.ttest_ind(c, b, equal_var=False)
    assert result.method == "welch"
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.statistic == pytest.approx(expected.statistic) and result.statistic > 0
    # Identical seeds on both sides: no variance, so the noise band decides.
    flat = difference_test(side([0.4, 0.4]), side([0.4, 0.4]), alpha=0.05, noise_z=2.0)  # type: ignore[arg-type]
    assert flat.method == "noise_band" and flat.beyond_noise is False


def _curve(best: float) -> object:
    from logscope.compare_stats import Curve

    return Curve("r", "m", 10, 9, best, 5, best, 9, 0.01, best)


# ---------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("seed0", ""),
        ("exp/seed_1", "exp"),
        ("lr0.1-seed2", "lr0.1"),
        ("seed=3_lr0.1", "lr0.1"),
        ("a_rep1_b", "a_b"),
        ("trial-4/run", "run"),
        ("seedless", "seedless"),
        ("version_0", "version_0"),
    ],
)
def test_group_key_removes_replicate_words(name: str, key: str) -> None:
    assert group_key(name) == key


def _run(name: str, *series: tuple[str, str, str]) -> Run:
    return Run(
        name=name,
        format="test",
        series=tuple(
            Series(n, np.arange(3), np.array([3.0, 2.0, 1.0]), split=split, metric=metric)  # type: ignore[arg-type]
            for n, split, metric in series
        ),
    )


def test_groups_match_by_name_then_by_elimination() -> None:
    b = [_run("a/seed1"), _run("a/seed2"), _run("b"), _run("main")]
    c = [_run("a/seed7"), _run("b"), _run("pr")]
    pairs, b_left, c_left = match_groups(b, c)
    assert [(name, how, len(br), len(cr)) for name, how, br, cr in pairs] == [
        ("a", "name", 2, 1),
        ("b", "name", 1, 1),
        ("main", "only", 1, 1),
    ]
    assert b_left == [] and c_left == []
    pairs, b_left, c_left = match_groups(b + [_run("x")], c)
    assert [p[0] for p in pairs] == ["a", "b"]
    assert [r.name for r in b_left] == ["main", "x"] and [r.name for r in c_left] == ["pr"]
    (pooled,) = match_groups(b, c, pool=True)[0]
    assert pooled[1] == "pool" and len(pooled[2]) == 4


def test_series_match_by_name_then_unique_role_then_user() -> None:
    b = _run("b", ("loss", "train", "loss"), ("val_loss", "val", "loss"), ("val_acc", "val", "accuracy"),
              ("val_top5", "val", "accuracy"), ("lr", "other", "lr")).series
    c = _run("c", ("train/loss", "train", "loss"), ("eval/loss", "val", "loss"), ("eval/acc", "val", "accuracy"),
              ("eval/top5", "val", "accuracy"), ("lr", "other", "lr")).series
    pairs, b_left, c_left = match_series(b, c)
    assert pairs == [("loss", "train/loss", "role"), ("lr", "lr", "name"), ("val_loss", "eval/loss", "role")]
    # Two validation accuracies on each side: ambiguous, so left for --match.
    assert b_left == ["val_acc", "val_top5"] and c_left == ["eval/acc", "eval/top5"]
    pairs, b_left, _ = match_series(b, c, {"val_acc": "eval/acc", "val_top5": "eval/top5"})
    assert ("val_acc", "eval/acc", "user") in pairs and b_left == []


def test_renamed_series_are_compared_by_role(tmp_path: Path) -> None:
    write_run(tmp_path / "main", BASELINE, 1)
    write_run(tmp_path / "pr", BASELINE, 2, names=("train_loss", "eval_loss"))
    m = _metric(compare(tmp_path / "main", tmp_path / "pr"))
    assert (m.candidate.series, m.matched_by) == ("eval_loss", "role")


def test_user_match_overrides_and_unknown_names_are_config_errors(tmp_path: Path) -> None:
    write_run(tmp_path / "main", BASELINE, 1)
    write_run(tmp_path / "pr", BASELINE, 2)
    crossed = compare(tmp_path / "main", tmp_path / "pr", match={"val_loss": "loss"})
    assert _metric(crossed).candidate.series == "loss" and _metric(crossed).matched_by == "user"
    with pytest.raises(ConfigError, match="no series 'nope' in the candidate"):
        compare(tmp_path / "main", tmp_path / "pr", match={"val_loss": "nope"})


def test_nothing_to_pair_and_nothing_to_read_are_clear_errors(tmp_path: Path) -> None:
    write_run(tmp_path / "main" / "a", BASELINE, 1)
    write_run(tmp_path / "main" / "b", BASELINE, 1)
    write_run(tmp_path / "pr" / "c", BASELINE, 2)
    write_run(tmp_path / "pr" / "d", BASELINE, 2)
    with pytest.raises(ConfigError, match="no baseline run matches a candidate run.*--pool"):
        compare(tmp_path / "main", tmp_path / "pr")
    pooled = compare(tmp_path / "main", tmp_path / "pr", pool=True)
    assert pooled.groups[0].baseline_runs == ("a", "b")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoRunsFound, match="^candidate: "):
        compare(tmp_path / "main", tmp_path / "empty")
    with pytest.raises(ConfigError, match="alpha"):
        compare(tmp_path / "main", tmp_path / "pr", pool=True, alpha=1.5)


def test_series_only_on_one_side_are_listed(tmp_path: Path) -> None:
    write_run(tmp_path / "main", BASELINE, 1)
    (tmp_path / "pr").mkdir()
    (tmp_path / "pr" / "training.log").write_text("step,loss,val_loss,val_f1\n0,1,1,0.5\n1,0.9,0.95,0.6\n")
    (group,) = compare(tmp_path / "main", tmp_path / "pr").groups
    assert group.candidate_only_series == ("val_f1",)
    assert group.baseline_only_series == ()


def test_comparison_is_deterministic(pairs: Path) -> None:
    first = compare_json.render(compare(pairs / "base3", pairs / "overfit3"))
    second = compare_json.render(compare(pairs / "base3", pairs / "overfit3"))
    assert first == second


def test_reports_already_analysed_can_be_compared() -> None:
    def run(name: str, level: float) -> Run:
        steps = np.arange(0, 100)
        values = level + np.exp(-steps / 10.0)
        return Run(name, "test", (Series("val_loss", steps, values, split="val", metric="loss"),))

    result = compare_reports(analyze_runs([run("main", 0.5)]), analyze_runs([run("pr", 0.2)]),
                             baseline_label="main", candidate_label="PR")
    m = _metric(result)
    assert m.verdict == "better" and m.improvement  # noiseless: any difference is beyond the (zero) band
    assert m.reach == "sooner"
    doc = json.loads(compare_json.render(result))
    assert doc["labels"] == {"baseline": "main", "candidate": "PR"}


# ---------------------------------------------------------------- finding changes on hand-made reports


def _report(run_name: str, series_name: str, findings: list[tuple[str, str, int]]) -> object:
    from logscope.model import Finding, Report

    steps = np.arange(0, 100)
    run = Run(run_name, "test", (Series(series_name, steps, 1.0 + np.exp(-steps / 20.0), split="val", metric="loss"),))
    made = tuple(Finding(kind, severity, run_name, (series_name,), step, step, f"{kind} at {step}")  # type: ignore[arg-type]
                 for kind, severity, step in findings)
    return Report(runs=(run,), findings=made)


@pytest.mark.parametrize(
    ("base", "cand", "expected"),
    [
        ([("spike", "warning", 50)], [("spike", "error", 50)], ["more_severe"]),
        ([("spike", "error", 50)], [("spike", "warning", 50)], ["less_severe"]),
        ([("spike", "warning", 50)], [("spike", "warning", 52)], []),  # within 5% of the run
        ([("spike", "warning", 50)], [("spike", "warning", 20)], ["earlier"]),
        ([], [("plateau", "info", 10)], []),  # below --min-severity warning
        ([("plateau", "warning", 10)], [], ["gone"]),
    ],
)
def test_finding_changes(base: list, cand: list, expected: list[str]) -> None:
    # The candidate names its series differently; the change is keyed by the baseline's name.
    result = compare_reports(_report("main", "val_loss", base), _report("pr", "eval/loss", cand))  # type: ignore[arg-type]
    (group,) = result.groups
    assert [f.change for f in group.findings] == expected
    assert all(f.series == ("val_loss",) for f in group.findings)
    regressions = {"more_severe", "earlier", "new"}
    assert [f.regression for f in group.findings] == [c in regressions for c in expected]


def test_min_severity_info_compares_info_findings() -> None:
    result = compare_reports(_report("main", "val_loss", []), _report("pr", "val_loss", [("plateau", "info", 10)]),  # type: ignore[arg-type]
                             min_severity="info")
    assert [(f.kind, f.change) for f in result.groups[0].findings] == [("plateau", "new")]
