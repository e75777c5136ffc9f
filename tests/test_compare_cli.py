"""`logscope compare`: outputs, exit codes for CI gates, clear messages, and the bundled sample logs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from compare_pairs import BASELINE, DIVERGING, OVERFIT_EARLY, write_side

from logscope.cli import cli
from logscope.compare import FindingChange, MetricComparison, compare


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    write_side(root / "main", BASELINE, [1, 2, 3])
    write_side(root / "same", BASELINE, [11, 12, 13])
    write_side(root / "overfit", OVERFIT_EARLY, [11, 12, 13])
    write_side(root / "diverging", DIVERGING, [11, 12, 13])
    return root


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["compare", *args])
    return result.exit_code, result.output


def test_writes_three_files_and_passes_without_a_gate(sides: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _run(str(sides / "main"), str(sides / "overfit"), "-o", str(out), "--baseline-label", "main")
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == ["compare.html", "compare.json", "compare.md"]
    assert "logscope compare: candidate is worse than main" in output
    doc = json.loads((out / "compare.json").read_text())
    assert doc["outcome"] == "regression"


@pytest.mark.parametrize(
    ("candidate", "fail_on", "expected"),
    [
        ("overfit", "regression", 1),
        ("same", "regression", 0),
        ("diverging", "finding", 1),
        ("diverging", "metric", 1),
        ("same", "finding", 0),
        ("overfit", "never", 0),
    ],
)
def test_fail_on_gates_ci(sides: Path, tmp_path: Path, candidate: str, fail_on: str, expected: int) -> None:
    code, output = _run(str(sides / "main"), str(sides / candidate), "-o", str(tmp_path / "o"),
                        "--fail-on", fail_on, "--format", "json", "-q")
    assert code == expected, output
    assert output == ""  # -q


def test_fail_on_metric_ignores_finding_only_regressions(tmp_path: Path) -> None:
    # Same best values; only the candidate logs a NaN at the very end.
    write_side(tmp_path / "main", BASELINE, [1])
    write_side(tmp_path / "pr", BASELINE, [1])
    log = tmp_path / "pr" / "training.log"
    log.write_text(log.read_text() + "3010,nan,nan\n")
    result = compare(tmp_path / "main", tmp_path / "pr")
    assert any(isinstance(r, FindingChange) for r in result.regressions)
    assert not any(isinstance(r, MetricComparison) for r in result.regressions)
    args = [str(tmp_path / "main"), str(tmp_path / "pr"), "-o", str(tmp_path / "o"), "-q", "--format", "md"]
    assert _run(*args, "--fail-on", "metric")[0] == 0
    assert _run(*args, "--fail-on", "finding")[0] == 1
    assert _run(*args, "--fail-on", "regression")[0] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--match", "val_loss"], "expected BASELINE_SERIES=CANDIDATE_SERIES"),
        (["--match", "val_loss=nope"], "no series 'nope' in the candidate"),
        (["--format", "pdf"], "unknown report format pdf"),
        (["--alpha", "2"], "alpha must be between 0 and 1"),
    ],
)
def test_usage_errors_exit_2_with_a_message(sides: Path, tmp_path: Path, args: list[str], message: str) -> None:
    code, output = _run(str(sides / "main"), str(sides / "same"), "-o", str(tmp_path / "o"), *args)
    assert code == 2
    assert message in output
    assert "Traceback" not in output


def test_missing_or_unreadable_side_is_named(sides: Path, tmp_path: Path) -> None:
    code, output = _run(str(sides / "main"), str(tmp_path / "nowhere"), "-o", str(tmp_path / "o"))
    assert code == 2 and "candidate: no such file or directory" in output
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("hello\n")
    code, output = _run(str(tmp_path / "junk"), str(sides / "main"), "-o", str(tmp_path / "o"))
    assert code == 2 and "baseline: no training logs found" in output


def test_pool_compares_differently_named_seed_folders(tmp_path: Path) -> None:
    write_side(tmp_path / "main" / "a", BASELINE, [1])
    write_side(tmp_path / "main" / "b", BASELINE, [2])
    write_side(tmp_path / "pr" / "x", BASELINE, [3])
    write_side(tmp_path / "pr" / "y", BASELINE, [4])
    args = [str(tmp_path / "main"), str(tmp_path / "pr"), "-o", str(tmp_path / "o"), "--format", "json"]
    code, output = _run(*args)
    assert code == 2 and "--pool" in output
    code, output = _run(*args, "--pool")
    assert code == 0, output
    doc = json.loads((tmp_path / "o" / "compare.json").read_text())
    assert doc["groups"][0]["matched_by"] == "pool"
    assert doc["groups"][0]["metrics"][0]["test"]["method"] == "welch"


# ---------------------------------------------------------------- the bundled sample logs


def test_sample_healthy_against_itself_is_unchanged(sample_logs: Path) -> None:
    result = compare(sample_logs / "healthy", sample_logs / "healthy")
    assert result.outcome == "unchanged"
    for m in result.groups[0].metrics:
        assert m.difference == 0 and m.verdict == "within_noise" and m.reach_delta == 0


def test_sample_overfitting_candidate_regresses_on_validation(sample_logs: Path) -> None:
    # PyTorch-style tags against Keras train/ + validation/ folders: matched by role and by twin.
    result = compare(sample_logs / "healthy", sample_logs / "overfitting")
    (group,) = result.groups
    by_name = {m.baseline.series: m for m in group.metrics}
    assert by_name["val/loss"].candidate.series == "validation/epoch_loss"
    assert by_name["val/loss"].matched_by == "role"
    assert by_name["train/loss_epoch"].candidate.series == "train/epoch_loss"  # the twin of val/loss
    assert by_name["val/loss"].verdict == "worse" and by_name["val/acc"].verdict == "worse"
    assert by_name["val/loss"].test.method == "noise_band"
    assert result.outcome == "regression"


def test_sample_diverging_candidate_has_new_findings_and_healthy_one_loses_them(sample_logs: Path) -> None:
    worse = compare(sample_logs / "healthy", sample_logs / "diverging")
    new = {(f.kind, f.change) for f in worse.regressions if isinstance(f, FindingChange)}
    assert ("nan", "new") in new
    better = compare(sample_logs / "diverging", sample_logs / "healthy")
    gone = {(f.kind, f.change) for f in better.improvements if isinstance(f, FindingChange)}
    assert ("nan", "gone") in gone


def test_sample_plateau_candidate_is_worse_in_markdown(sample_logs: Path, tmp_path: Path) -> None:
    code, output = _run(str(sample_logs / "healthy"), str(sample_logs / "plateau"), "-o", str(tmp_path),
                        "--baseline-label", "main", "--candidate-label", "PR", "--fail-on", "regression")
    assert code == 1, output
    md = (tmp_path / "compare.md").read_text()
    assert "PR is worse than main" in md
    assert "never reaches main's best" in md


# ---------------------------------------------------------------- docs/compare.md agrees with the command

DOC = Path(__file__).resolve().parent.parent / "docs" / "compare.md"


def _cli_options() -> set[str]:
    command = cli.commands["compare"]
    return {opt for p in command.params for opt in getattr(p, "opts", []) if opt.startswith("--")}


def test_every_option_is_documented_and_every_documented_option_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("## Options"):text.index("## The outputs")]
    documented = set(re.findall(r"`(--[a-z-]+)", table))
    assert documented == _cli_options() - {"--help"}


def test_the_github_actions_example_is_valid_yaml_using_real_options() -> None:
    yaml = pytest.importorskip("yaml")
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, flags=re.S)
    assert block is not None
    workflow = yaml.safe_load(block.group(1))
    steps = workflow["jobs"]["train-and-compare"]["steps"]
    compare_step = next(s for s in steps if s.get("id") == "compare")
    used = set(re.findall(r"(--[a-z-]+)", compare_step["run"]))
    assert used and used <= _cli_options()
    assert "--fail-on regression" in compare_step["run"]
    assert workflow["permissions"]["actions"] == "read"


# ---------------------------------------------------------------- real runs from the shared corpus


def test_corpus_same_training_in_two_formats_is_unchanged(corpus: Path) -> None:
    # One YOLOv5 training, as its TensorBoard event file and as its results.csv.
    result = compare(corpus / "tensorboard" / "helmet-yolov5-exp2", corpus / "yolo_results" / "helmet-yolov5-exp2")
    assert result.outcome == "unchanged"
    (group,) = result.groups
    names = {m.baseline.series for m in group.metrics}
    assert {"metrics/mAP_0.5", "val/box_loss", "train/box_loss"} <= names
    for m in group.metrics:
        assert m.verdict == "within_noise"
        assert m.relative is None or abs(m.relative) < 1e-4  # float32 in the event file, text in the CSV
        assert m.baseline.best_step == m.candidate.best_step
        assert m.reach == "same"


def test_corpus_later_version_with_nan_losses_is_a_regression(corpus: Path) -> None:
    result = compare(corpus / "tensorboard" / "brain-tumor-v1", corpus / "tensorboard" / "brain-tumor-v3")
    new = {f.kind for f in result.regressions if isinstance(f, FindingChange) and f.change == "new"}
    assert "nan" in new
    assert result.outcome == "regression"
