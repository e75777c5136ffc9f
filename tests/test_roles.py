"""Series roles from names (split, metric family, direction), twins, and the user's overrides."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from logscope import analyze
from logscope.cli import cli
from logscope.config import find, load, resolve
from logscope.errors import ConfigError
from logscope.model import Run, Series
from logscope.roles import RoleOverrides, infer, infer_all, pair

# (name, split, metric, direction): the names the issue lists, and what frameworks really write.
ROLE_TABLE = [
    ("loss", "train", "loss", "min"),
    ("val_loss", "val", "loss", "min"),
    ("train_loss", "train", "loss", "min"),
    ("train/loss", "train", "loss", "min"),
    ("eval/loss", "val", "loss", "min"),
    ("Loss/train", "train", "loss", "min"),
    ("Loss/val", "val", "loss", "min"),
    ("train/box_loss", "train", "loss", "min"),
    ("val/box_loss", "val", "loss", "min"),
    ("metrics/mAP50(B)", "val", "map", "max"),
    ("metrics/mAP50-95(B)", "val", "map", "max"),
    ("metrics/mAP_0.5:0.95", "val", "map", "max"),
    ("metrics/mAP50B", "val", "map", "max"),
    ("metrics/precision(B)", "val", "precision", "max"),
    ("metrics/recallB", "val", "recall", "max"),
    ("eval_g0_loss", "val", "loss", "min"),
    ("acc", "train", "accuracy", "max"),
    ("val_acc", "val", "accuracy", "max"),
    ("lr-AdamW", "other", "lr", "min"),
    ("learning_rate", "other", "lr", "min"),
    ("lr/pg0", "other", "lr", "min"),
    ("x/lr0", "other", "lr", "min"),
    ("grad_norm", "other", "grad_norm", "min"),
    ("eval_wer", "val", "error_rate", "min"),
    ("eval_rouge1", "val", "bleu", "max"),
    ("eval_f1_macro", "val", "f1", "max"),
    ("F1_score", "train", "f1", "max"),
    ("val_dice_coef", "val", "iou", "max"),
    ("mean_io_u_5", "train", "iou", "max"),
    ("valid_ppl", "val", "perplexity", "min"),
    ("test_loss", "test", "loss", "min"),
    ("test_class_error", "test", "error_rate", "min"),
    # DETR: the class error is a percentage, the cardinality error a count of boxes (not a rate in [0, 1])
    ("train_cardinality_error_unscaled", "train", "count", "min"),
    ("test_cardinality_error_0_unscaled", "test", "count", "min"),
    ("total_loss", "train", "loss", "min"),
    ("fast_rcnn/cls_accuracy", "train", "accuracy", "max"),
    ("bbox/AP50", "val", "map", "max"),
    ("coco/bbox_mAP", "val", "map", "max"),
    ("test_coco_eval_bbox/AR100", "test", "recall", "max"),
    ("val_auc", "val", "auc", "max"),
    ("eval_runtime", "val", "other", "min"),
    ("eval_samples_per_second", "val", "other", "min"),
    ("epoch", "other", "other", "min"),
    ("data_time", "other", "other", "min"),
    ("loss_scale", "other", "other", "min"),
    ("time_total_s", "other", "other", "min"),
    ("dice_loss", "train", "loss", "min"),
    ("episode_reward", "train", "reward", "max"),
]


@pytest.mark.parametrize(("name", "split", "metric", "direction"), ROLE_TABLE)
def test_role_table(name: str, split: str, metric: str, direction: str) -> None:
    role = infer(name)
    assert (role.split, role.metric, role.direction) == (split, metric, direction)


def test_split_hint_from_the_folder_wins() -> None:
    role = infer("epoch_loss", split_hint="val")
    assert (role.split, role.metric, role.base) == ("val", "loss", "loss")


def _pairs(names: list[str], counts: dict[str, int] | None = None, hints: dict | None = None) -> set[tuple[str, str]]:
    return set(pair(infer_all(names, hints), counts))


@pytest.mark.parametrize(("names", "expected"), [
    (["loss", "val_loss", "acc", "val_acc"], {("loss", "val_loss"), ("acc", "val_acc")}),
    (["train_loss", "val_loss"], {("train_loss", "val_loss")}),
    (["train/loss", "eval/loss"], {("train/loss", "eval/loss")}),
    (["Loss/train", "Loss/val"], {("Loss/train", "Loss/val")}),
    (["train/box_loss", "val/box_loss", "train/cls_loss", "val/cls_loss", "metrics/mAP50(B)"],
     {("train/box_loss", "val/box_loss"), ("train/cls_loss", "val/cls_loss")}),
    (["loss", "eval_g0_loss", "eval_g1_loss", "eval_g0_accuracy"], {("loss", "eval_g0_loss"), ("loss", "eval_g1_loss")}),
    (["train_loss", "test_loss"], {("train_loss", "test_loss")}),  # DETR: test is the only held-out set
    (["train_loss", "val_loss", "test_loss"], {("train_loss", "val_loss")}),
    (["lr", "val_lr", "grad_norm"], set()),
    (["val_loss"], set()),
])
def test_twins(names: list[str], expected: set[tuple[str, str]]) -> None:
    assert _pairs(names) == expected


def test_keras_tensorboard_folders_pair_through_hints() -> None:
    hints = {"train/epoch_loss": "train", "validation/epoch_loss": "val"}
    assert _pairs(list(hints), hints=hints) == {("train/epoch_loss", "validation/epoch_loss")}


def test_lightning_prefers_the_epoch_aggregate_over_the_step_values() -> None:
    counts = {"train_loss_step": 400, "train_loss_epoch": 8, "val_loss": 8}
    assert _pairs(list(counts), counts) == {("train_loss_epoch", "val_loss")}


def test_hf_final_average_does_not_steal_the_twin() -> None:
    counts = {"train/loss": 300, "train/train_loss": 1, "eval/loss": 2}
    assert _pairs(list(counts), counts) == {("train/loss", "eval/loss")}


def test_fairseq_epoch_level_train_loss_matches_epoch_level_valid_loss() -> None:
    counts = {"loss": 500, "train_loss": 5, "valid_loss": 5}
    assert _pairs(list(counts), counts) == {("train_loss", "valid_loss")}


def _run(*names: str, pairs: tuple[tuple[str, str], ...] = ()) -> Run:
    roles = infer_all(names)
    series = tuple(Series(n, np.arange(3), np.ones(3), split=roles[n].split, metric=roles[n].metric,
                          direction=roles[n].direction) for n in names)
    return Run(name="r", format="csv", series=series, pairs=pairs or pair(roles))


def test_overrides_pair_and_direction() -> None:
    run = _run("trn_score", "holdout_score", "val_loss", "loss")
    overrides = RoleOverrides.parse(["trn_score=holdout_score"], ["*score"], [])
    out = overrides.apply(run)
    assert set(out.pairs) == {("trn_score", "holdout_score"), ("loss", "val_loss")}
    assert out.get("holdout_score").direction == "max" and out.get("holdout_score").split == "val"
    assert out.get("val_loss").direction == "min"


def test_a_pair_override_replaces_the_inferred_twin() -> None:
    run = _run("loss", "smooth_loss", "val_loss")
    out = RoleOverrides.parse(["smooth_loss=val_loss"]).apply(run)
    assert out.pairs == (("smooth_loss", "val_loss"),)


def test_exact_name_beats_pattern() -> None:
    overrides = RoleOverrides.parse([], ["*error*"], ["class_error"])
    assert overrides.direction_for("class_error") == "min"
    assert overrides.direction_for("box_error") == "max"
    assert overrides.direction_for("loss") is None


@pytest.mark.parametrize(("pairs", "higher", "lower"), [
    (["a"], [], []), (["a=b=c"], [], []), (["a="], [], []), (["a=a"], [], []), ([], ["x"], ["x"]), ([], [""], []),
])
def test_bad_overrides_are_config_errors(pairs: list[str], higher: list[str], lower: list[str]) -> None:
    with pytest.raises(ConfigError):
        RoleOverrides.parse(pairs, higher, lower)


def test_unused_overrides_are_named() -> None:
    overrides = RoleOverrides.parse(["a=b", "loss=val_loss"], ["nothing*"], ["loss"])
    assert overrides.unused([_run("loss", "val_loss")]) == ["pair a=b", "higher-is-better nothing*"]


def test_cli_merges_over_config_file() -> None:
    a = RoleOverrides.parse(["x=y"], ["m"], [])
    b = RoleOverrides.parse(["z=y"], [], ["m"])
    merged = a.merged(b)
    assert merged.pairs == (("z", "y"),) and merged.lower_is_better == ("m",) and merged.higher_is_better == ()


# --- the configuration file -------------------------------------------------------------------------


def _logs(root: Path) -> Path:
    (root / "run").mkdir(parents=True)
    (root / "run" / "training.log").write_text("epoch,trn_score,holdout_score\n0,0.5,0.4\n1,0.6,0.45\n2,0.7,0.5\n")
    return root


def test_config_file_in_the_analysed_folder(tmp_path: Path) -> None:
    root = _logs(tmp_path / "logs")
    (root / "logscope.toml").write_text('[roles]\npair = ["trn_score=holdout_score"]\nhigher_is_better = ["*score"]\n')
    settings = resolve(None, [root], cwd=tmp_path)
    assert settings.path == root / "logscope.toml"
    report = analyze(root, roles=settings.roles)
    run = report.runs[0]
    assert run.pairs == (("trn_score", "holdout_score"),)
    assert {s.direction for s in run.series} == {"max"}
    assert not [w for w in report.warnings if "logscope.toml" in w.file]


def test_pyproject_tool_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\n[tool.logscope.roles]\nlower_is_better = ["err"]\n')
    assert find([tmp_path / "nowhere"], cwd=tmp_path) == tmp_path / "pyproject.toml"
    assert load(tmp_path / "pyproject.toml").roles.lower_is_better == ("err",)


def test_pyproject_without_our_section_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\n')
    assert find([tmp_path], cwd=tmp_path) is None


@pytest.mark.parametrize("text", [
    "[roles\n", "[colours]\nx=1\n", "[roles]\npairs=['a=b']\n", "[roles]\npair=['ab']\n", "[roles]\npair=[1]\n",
    "[detectors]\nnan=3\n",
])
def test_bad_config_files_name_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "logscope.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="logscope.toml"):
        load(path)


def test_cli_options_and_config(tmp_path: Path) -> None:
    root = _logs(tmp_path / "logs")
    config = tmp_path / "my.toml"
    config.write_text('[roles]\nhigher_is_better = ["*score"]\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["analyze", str(root), "-o", str(out), "--format", "json", "-q",
                                      "--config", str(config), "--pair", "trn_score=holdout_score",
                                      "--lower-is-better", "nothing"])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "report.json").read_text())
    run = doc["runs"][0]
    assert run["pairs"] == [{"train": "trn_score", "val": "holdout_score"}]
    assert {s["direction"] for s in run["series"]} == {"max"}
    assert any(w["kind"] == "override-unused" and "nothing" in w["message"] for w in doc["warnings"])
    # a setting, not a file: listed, but not counted among the files not read (issue 6)
    assert doc["summary"]["files_not_read"] == len(doc["warnings"]) - 1


@pytest.mark.parametrize("args", [["--pair", "oops"], ["--config", "missing.toml"],
                                  ["--higher-is-better", "x", "--lower-is-better", "x"]])
def test_cli_bad_overrides_exit_2(tmp_path: Path, args: list[str]) -> None:
    root = _logs(tmp_path / "logs")
    result = CliRunner().invoke(cli, ["analyze", str(root), "-o", str(tmp_path / "o"), *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_unknown_detector_in_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "logscope.toml"
    path.write_text("[detectors.no_such_detector]\nx = 1\n")
    with pytest.raises(ConfigError, match="logscope.toml.*no_such_detector"):
        load(path)
