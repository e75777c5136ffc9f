"""Each framework's log, written the way the framework writes it, read back with its roles and twins."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest

import log_writers as w
from logscope.readers import discover, read_path


def _runs(root: Path) -> dict:
    runs, _ = read_path(root)
    return {r.name: r for r in runs}


def _kinds(run) -> set[str]:
    return {x.kind for x in run.warnings}


# --- Keras ------------------------------------------------------------------------------------------


def test_keras_csvlogger(tmp_path: Path) -> None:
    w.keras_csvlogger(tmp_path / "cnn" / "training.log", [{
        "loss": [1.2, 0.8, 0.6], "accuracy": [0.5, 0.7, 0.8], "val_loss": [1.1, 0.9, None],
        "val_accuracy": [0.55, 0.65, None], "learning_rate": [1e-3, 1e-3, 1e-4]}])
    run = _runs(tmp_path)["cnn"]
    assert run.format == "keras"
    assert set(run.pairs) == {("loss", "val_loss"), ("accuracy", "val_accuracy")}
    assert run.get("val_loss").steps.tolist() == [0, 1]  # NA is missing, not a value
    assert (run.get("learning_rate").metric, run.get("val_accuracy").direction) == ("lr", "max")
    assert not run.warnings


def test_keras_old_names_acc(tmp_path: Path) -> None:
    w.keras_csvlogger(tmp_path / "old" / "training.log",
                      [{"acc": [0.8, 0.85], "loss": [0.4, 0.3], "val_acc": [0.7, 0.8], "val_loss": [0.5, 0.4]}])
    run = _runs(tmp_path)["old"]
    assert set(run.pairs) == {("acc", "val_acc"), ("loss", "val_loss")}
    assert run.get("acc").metric == "accuracy"


def test_keras_appended_trainings_are_separate_runs(tmp_path: Path) -> None:
    sessions = [{"loss": [2.0, 1.5], "val_loss": [2.1, 1.7]}, {"loss": [1.4, 1.2, 1.0], "val_loss": [1.6, 1.5, 1.4]}]
    w.keras_csvlogger(tmp_path / "app" / "training.log", sessions)
    runs = _runs(tmp_path)
    assert sorted(runs) == ["app#1", "app#2"]
    assert runs["app#1"].get("loss").values.tolist() == [2.0, 1.5]
    assert runs["app#2"].get("loss").steps.tolist() == [0, 1, 2]
    for run in runs.values():
        note = next(x for x in run.warnings if x.kind == "sessions")
        assert "2 trainings" in note.message and "lines 2-3" in note.message and "lines 4-6" in note.message
        assert run.pairs == (("loss", "val_loss"),)


def test_keras_resume_with_initial_epoch_is_one_run(tmp_path: Path) -> None:
    sessions = [{"loss": [2.0, 1.5, 1.2]}, {"loss": [1.1, 1.0]}]
    w.keras_csvlogger(tmp_path / "res" / "training.log", sessions, initial_epochs=[0, 1])
    run = _runs(tmp_path)["res"]
    assert run.get("loss").steps.tolist() == [0, 1, 2]
    assert run.get("loss").values.tolist() == [2.0, 1.1, 1.0]
    assert "restart" in _kinds(run)


def test_keras_history_dump_without_epoch(tmp_path: Path) -> None:
    w.keras_history_dump(tmp_path / "h" / "history.csv", {"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.6]})
    run = _runs(tmp_path)["h"]
    assert run.format == "keras" and run.pairs == (("loss", "val_loss"),)
    assert run.get("loss").steps.tolist() == [0, 1, 2]
    assert [s.name for s in run.series] == ["loss", "val_loss"]


# --- Lightning --------------------------------------------------------------------------------------


def _lightning_rows() -> list[dict]:
    rows = []
    for epoch in range(3):
        for k in range(2):
            step = epoch * 100 + 49 + 50 * k
            rows.append({"epoch": epoch, "step": step, "train_loss_step": 1.0 / (step + 1)})
        rows.append({"epoch": epoch, "step": epoch * 100 + 99, "val_loss": 0.5 - 0.1 * epoch, "val_acc": 0.7 + 0.05 * epoch})
        rows.append({"epoch": epoch, "step": epoch * 100 + 99, "train_loss_epoch": 0.6 - 0.1 * epoch,
                     "lr-AdamW": 1e-3})
    rows.append({"epoch": 3, "step": 300, "val_loss": float("nan")})
    return rows


def test_lightning_csvlogger(tmp_path: Path) -> None:
    w.lightning_csvlogger(tmp_path / "lightning_logs" / "version_0", _lightning_rows(),
                          {"lr": 0.001, "model": {"hidden": 64, "layers": [1, 2]}})
    run = _runs(tmp_path)["lightning_logs/version_0"]
    assert run.format == "lightning"
    assert run.pairs == (("train_loss_epoch", "val_loss"),)
    assert run.get("train_loss_step").steps.tolist() == [49, 99, 149, 199, 249, 299]
    val = run.get("val_loss")
    assert val.steps.tolist() == [99, 199, 299, 300] and math.isnan(val.values[-1])
    assert run.get("lr-AdamW").metric == "lr"
    assert run.hparams == {"lr": 0.001, "model.hidden": 64, "model.layers": "[1, 2]"}
    assert not run.warnings


def test_lightning_versions_are_runs(tmp_path: Path) -> None:
    for v in range(2):
        w.lightning_csvlogger(tmp_path / "lightning_logs" / f"version_{v}", _lightning_rows(), {"v": v})
    runs = _runs(tmp_path)
    assert sorted(runs) == ["lightning_logs/version_0", "lightning_logs/version_1"]
    assert runs["lightning_logs/version_1"].hparams == {"v": 1}


# --- Hugging Face -----------------------------------------------------------------------------------


def _hf_history(n: int = 4, nan_at: int | None = None) -> list[dict]:
    history: list[dict] = []
    for i in range(1, n + 1):
        loss = float("nan") if i == nan_at else 1.0 / i
        history.append({"epoch": i * 0.25, "grad_norm": 2.0, "learning_rate": 5e-5, "loss": loss, "step": i * 10})
        if i % 2 == 0:
            history.append({"epoch": i * 0.25, "eval_loss": 1.1 / i, "eval_accuracy": 0.5 + i / 20,
                            "eval_runtime": 1.5, "eval_samples_per_second": 100.0, "step": i * 10})
    history.append({"epoch": n * 0.25, "step": n * 10, "total_flos": 1e12, "train_loss": 0.52,
                    "train_runtime": 60.0, "train_samples_per_second": 30.0, "train_steps_per_second": 2.0})
    return history


def test_hf_trainer_state(tmp_path: Path) -> None:
    w.hf_trainer_state(tmp_path / "out" / "trainer_state.json", _hf_history(nan_at=3), best_metric=0.2)
    run = _runs(tmp_path)["out"]
    assert run.format == "hf-trainer"
    assert run.pairs == (("loss", "eval_loss"),)
    loss = run.get("loss")
    assert loss.steps.tolist() == [10, 20, 30, 40] and math.isnan(loss.values[2])  # bare NaN token
    assert run.get("eval_loss").steps.tolist() == [20, 40]
    assert run.get("epoch").values.tolist() == [0.25, 0.5, 0.75, 1.0]  # fractional epoch kept
    assert run.get("train_loss") is None  # the final summary is not a curve
    assert run.hparams["summary.train_loss"] == 0.52 and run.hparams["trainer.best_metric"] == 0.2
    assert not run.warnings


def test_hf_checkpoint_copies_use_the_most_complete(tmp_path: Path) -> None:
    full = _hf_history(6)
    w.hf_trainer_state(tmp_path / "out" / "checkpoint-20" / "trainer_state.json", full[:3])
    w.hf_trainer_state(tmp_path / "out" / "checkpoint-60" / "trainer_state.json", full)
    (tmp_path / "out" / "checkpoint-60" / "config.json").write_text(json.dumps({"hidden_size": 8, "id2label": {"0": "a"}}))
    (tmp_path / "out" / "checkpoint-60" / "training_args.bin").write_bytes(b"\x80\x04pickle")
    (tmp_path / "out" / "checkpoint-60" / "model.safetensors").write_bytes(b"\x00" * 16)
    runs, warnings = read_path(tmp_path)
    assert [r.name for r in runs] == ["out"]
    run = runs[0]
    assert run.get("loss").steps.tolist() == [10, 20, 30, 40, 50, 60]
    superseded = [x for x in run.warnings if x.kind == "superseded"]
    assert [x.file for x in superseded] == ["out/checkpoint-20/trainer_state.json"]
    assert run.hparams["config.hidden_size"] == 8 and run.hparams["config.id2label.0"] == "a"
    assert any(x.kind == "not-read" and x.file.endswith("training_args.bin") for x in run.warnings)
    assert any("model.safetensors" in x.message for x in warnings)


def test_hf_several_eval_sets(tmp_path: Path) -> None:
    history = [{"epoch": 1.0, "loss": 0.5, "step": 100}]
    for name in ("g0", "g1"):
        history.append({"epoch": 1.0, f"eval_{name}_loss": 0.6, f"eval_{name}_accuracy": 0.8, "step": 100})
    w.hf_trainer_state(tmp_path / "o" / "trainer_state.json", history)
    assert _runs(tmp_path)["o"].pairs == (("loss", "eval_g0_loss"), ("loss", "eval_g1_loss"))


def test_hf_loss_hidden_by_the_nan_inf_filter_is_named(tmp_path: Path) -> None:
    """Trainer's logging_nan_inf_filter (on by default) logs a window's average in place of a NaN loss,
    0 when the whole window was NaN; grad_norm is not filtered. The values are kept as written."""
    history = _hf_history(5)
    for entry in history:
        if "grad_norm" in entry and entry["step"] >= 30:
            entry["grad_norm"] = float("nan") if entry["step"] < 50 else float("inf")
            entry["loss"] = 0.0 if entry["step"] >= 40 else 0.41
    w.hf_trainer_state(tmp_path / "o" / "trainer_state.json", history)
    run = _runs(tmp_path)["o"]
    assert run.get("loss").values.tolist() == [1.0, 0.5, 0.41, 0.0, 0.0]
    (warning,) = run.warnings
    assert (warning.file, warning.kind) == ("o/trainer_state.json", "nan-filtered")
    assert warning.message.startswith("loss is finite where grad_norm is NaN or inf (3 log_history entries, "
                                      "steps 30 to 50): ")
    assert "logging_nan_inf_filter" in warning.message


def test_hf_finite_grad_norm_or_no_grad_norm_is_not_a_sign(tmp_path: Path) -> None:
    history = [{"epoch": 0.1, "loss": 0.0, "step": 10}, {"epoch": 0.2, "grad_norm": float("nan"), "step": 20},
               {"epoch": 0.3, "grad_norm": 1.0, "loss": 0.0, "step": 30}]
    w.hf_trainer_state(tmp_path / "o" / "trainer_state.json", history)
    assert not _runs(tmp_path)["o"].warnings


def test_hf_file_cut_while_writing_is_salvaged(tmp_path: Path) -> None:
    path = w.hf_trainer_state(tmp_path / "o" / "trainer_state.json", _hf_history(4))
    text = path.read_text()
    path.write_text(text[: text.index('"step": 30') + 5])
    run = _runs(tmp_path)["o"]
    assert run.get("loss").steps.tolist() == [10, 20]
    assert "truncated" in _kinds(run)


# --- YOLO -------------------------------------------------------------------------------------------


YOLO_ROWS = [(1.5, 2.0, 1.6, 2.1, 0.2, 0.07), (1.2, 1.5, 1.4, 1.7, 0.35, 0.04), (1.0, 1.2, 1.35, 1.6, 0.41, 0.01)]


@pytest.mark.parametrize(("layout", "first", "pairs"), [
    ("v5", 0, {("train/box_loss", "val/box_loss"), ("train/cls_loss", "val/cls_loss"), ("train/obj_loss", "val/obj_loss")}),
    ("v8-old", 0, {("train/box_loss", "val/box_loss"), ("train/cls_loss", "val/cls_loss"), ("train/dfl_loss", "val/dfl_loss")}),
    ("v8", 1, {("train/box_loss", "val/box_loss"), ("train/cls_loss", "val/cls_loss"), ("train/dfl_loss", "val/dfl_loss")}),
])
def test_yolo_results(tmp_path: Path, layout: str, first: int, pairs: set) -> None:
    w.yolo_results(tmp_path / "runs" / "detect" / "train" / "results.csv", YOLO_ROWS, layout=layout)
    (tmp_path / "runs" / "detect" / "train" / "args.yaml").write_text("epochs: 3\nimgsz: 640\nmodel: yolov8n.pt\n")
    (tmp_path / "runs" / "detect" / "train" / "results.png").write_bytes(b"\x89PNG")
    run = _runs(tmp_path)["runs/detect/train"]
    assert run.format == "yolo" and set(run.pairs) == pairs
    assert run.get("train/box_loss").steps.tolist() == [first, first + 1, first + 2]
    assert run.get("train/box_loss").values.tolist() == [1.5, 1.2, 1.0]
    map50 = next(s for s in run.series if "mAP" in s.name and "95" not in s.name)
    assert (map50.split, map50.metric, map50.direction) == ("val", "map", "max")
    assert run.hparams == {"epochs": 3, "imgsz": 640, "model": "yolov8n.pt"}
    assert not run.warnings


# --- MLflow -----------------------------------------------------------------------------------------


def test_mlflow_file_store(tmp_path: Path) -> None:
    store = tmp_path / "mlruns"
    run_dir = w.mlflow_run(store, "1", "abc123", metrics={
        "train/box_loss": [(1700000000000 + i, 1.0 / (i + 1), i) for i in range(4)],
        "val/box_loss": [(1700000000500 + i, 1.2 / (i + 1), i) for i in range(4)],
        "metrics/mAP50B": [(1700000000900, 0.3, 0), (1700000001900, float("nan"), 1)],
    }, params={"lr0": "0.01", "batch": "16", "name": "exp", "amp": "True"}, tags={"mlflow.user": "me"},
        run_name="weapons", experiment_name="detect")
    (run_dir / "artifacts").mkdir()
    (run_dir / "artifacts" / "weights.pt").write_bytes(b"\x00\x01")
    runs, warnings = read_path(tmp_path)
    assert [r.name for r in runs] == ["mlruns/1/abc123"]
    run = runs[0]
    assert run.format == "mlflow" and run.pairs == (("train/box_loss", "val/box_loss"),)
    assert run.get("train/box_loss").steps.tolist() == [0, 1, 2, 3]
    assert run.get("train/box_loss").wall_times[0] == pytest.approx(1700000000.0)
    assert math.isnan(run.get("metrics/mAP50B").values[1]) and run.get("metrics/mAP50B").metric == "map"
    assert run.hparams["lr0"] == 0.01 and run.hparams["batch"] == 16 and run.hparams["amp"] is True
    assert run.hparams["mlflow.run_name"] == "weapons" and run.hparams["mlflow.experiment"] == "detect"
    assert run.hparams["mlflow.status"] == "FINISHED" and run.hparams["tag.mlflow.user"] == "me"
    assert not run.warnings
    assert [x.file for x in warnings] == ["mlruns/1/abc123/artifacts/"]


def test_mlflow_bad_lines_and_legacy_two_fields(tmp_path: Path) -> None:
    run_dir = w.mlflow_run(tmp_path / "mlruns", "0", "r1", metrics={"loss": []})
    (run_dir / "metrics" / "loss").write_text("1700000000000 0.9\n1700000000001 0.8 1\ngarbage\n1700000000002 0.7 2 9\n"
                                              "1700000000003 0.6 3\n1700000")
    run = _runs(tmp_path)["mlruns/0/r1"]
    assert run.get("loss").steps.tolist() == [0, 1, 3]
    messages = {x.kind: x.message for x in run.warnings}
    assert "lines 3, 4" in messages["bad-line"] and "line 6" in messages["truncated"]


# --- JSON lines -------------------------------------------------------------------------------------


def test_detectron2_metrics_json_with_eval_and_resume(tmp_path: Path) -> None:
    records = [{"iteration": i, "total_loss": 2.0 - i / 100, "loss_cls": 1.0, "lr": 0.01, "data_time": 0.1,
                "fast_rcnn/cls_accuracy": 0.5} for i in (19, 39, 59, 79)]
    records.insert(2, {"bbox/AP": 30.0, "bbox/AP50": 50.0, "iteration": 39})
    resumed = [{"iteration": i, "total_loss": 1.0, "loss_cls": 0.5, "lr": 0.01} for i in (59, 79, 99)]
    w.json_lines(tmp_path / "output" / "metrics.json", records + resumed, sort_keys=True)
    run = _runs(tmp_path)["output"]
    assert run.format == "jsonl"
    assert run.get("total_loss").steps.tolist() == [19, 39, 59, 79, 99]
    assert run.get("total_loss").values.tolist()[2:] == [1.0, 1.0, 1.0]
    ap = run.get("bbox/AP")
    assert (ap.split, ap.metric, ap.steps.tolist()) == ("val", "map", [39])
    assert "restart" in _kinds(run)


def test_mmengine_scalars_json_places_val_records(tmp_path: Path) -> None:
    records = [{"lr": 1e-4, "loss": 5.0 - i, "epoch": 1, "iter": i * 50, "step": i * 50} for i in (1, 2)]
    records.append({"coco/bbox_mAP": 0.1, "coco/bbox_mAP_50": 0.2, "step": 1})
    records += [{"lr": 1e-4, "loss": 2.0, "epoch": 2, "iter": 150, "step": 150}]
    w.json_lines(tmp_path / "work" / "vis_data" / "scalars.json", records)
    run = _runs(tmp_path)["work/vis_data"]
    assert run.get("coco/bbox_mAP").steps.tolist() == [100]
    assert run.get("loss").steps.tolist() == [50, 100, 150]
    assert run.get("step") is None and run.get("iter") is None and run.get("epoch") is not None
    assert "placed" in _kinds(run)


def test_detr_log_txt(tmp_path: Path) -> None:
    records = [{"train_lr": 1e-4, "train_loss": 8.0 - e, "train_class_error": 50.0 - e, "test_loss": 7.5 - e / 2,
                "test_class_error": 60.0, "test_coco_eval_bbox": [0.1 * e] * 12, "epoch": e, "n_parameters": 41000000}
               for e in range(3)]
    w.json_lines(tmp_path / "outputs" / "log.txt", records)
    run = _runs(tmp_path)["outputs"]
    assert ("train_loss", "test_loss") in run.pairs and ("train_class_error", "test_class_error") in run.pairs
    assert run.get("test_coco_eval_bbox/AP50").metric == "map"
    assert run.get("test_loss").steps.tolist() == [0, 1, 2]


def test_fairseq_json_log_lines(tmp_path: Path) -> None:
    records = [("train_inner", {"epoch": 1, "update": 0.5, "loss": 9.5, "ppl": 700.0, "lr": 5e-4, "num_updates": 100}),
               ("train_inner", {"epoch": 1, "update": 1.0, "loss": 8.5, "ppl": 350.0, "lr": 5e-4, "num_updates": 200}),
               ("train", {"epoch": 1, "train_loss": 8.9, "train_ppl": 480.0, "train_num_updates": 200}),
               ("valid", {"epoch": 1, "valid_loss": 8.7, "valid_ppl": 420.0, "valid_num_updates": 200}),
               ("train_inner", {"epoch": 2, "update": 1.5, "loss": 7.5, "ppl": 200.0, "lr": 5e-4, "num_updates": 300}),
               ("train_inner", {"epoch": 2, "update": 2.0, "loss": 7.0, "ppl": 130.0, "lr": 5e-4, "num_updates": 400}),
               ("train", {"epoch": 2, "train_loss": 7.2, "train_ppl": 150.0, "train_num_updates": 400}),
               ("valid", {"epoch": 2, "valid_loss": 7.4, "valid_ppl": 170.0, "valid_num_updates": 400})]
    w.fairseq_log(tmp_path / "ckpt" / "train.log", records)
    run = _runs(tmp_path)["ckpt"]
    assert run.get("loss").steps.tolist() == [100, 200, 300, 400] and run.get("valid_loss").steps.tolist() == [200, 400]
    assert ("train_loss", "valid_loss") in run.pairs and ("train_ppl", "valid_ppl") in run.pairs


def test_jsonl_malformed_lines_are_named(tmp_path: Path) -> None:
    path = w.json_lines(tmp_path / "o" / "metrics.json", [{"iteration": i, "loss": 1.0 / (i + 1)} for i in range(5)])
    lines = path.read_text().splitlines()
    lines[2] = '{"iteration": 2, "loss": '
    lines.insert(3, "not json at all")
    path.write_text("\n".join(lines) + "\n" + '{"iteration": 5, "lo')
    run = _runs(tmp_path)["o"]
    assert run.get("loss").steps.tolist() == [0, 1, 3, 4]
    messages = {x.kind: x.message for x in run.warnings}
    assert "lines 3, 4" in messages["bad-line"] and "line 7" in messages["truncated"]


def test_gzip_jsonl(tmp_path: Path) -> None:
    w.json_lines(tmp_path / "o" / "metrics.json.gz", [{"iteration": i, "loss": 1.0} for i in range(3)], gz=True)
    assert _runs(tmp_path)["o"].get("loss").steps.tolist() == [0, 1, 2]


# --- TensorBoard CSV, W&B, generic ------------------------------------------------------------------


def test_tensorboard_csv_downloads(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    w.tensorboard_csv(folder / "run-train-tag-epoch_loss.csv", [(1700000000.5, i, 1.0 / (i + 1)) for i in range(3)])
    w.tensorboard_csv(folder / "run-validation-tag-epoch_loss.csv", [(1700000001.5, i, 1.2 / (i + 1)) for i in range(3)])
    run = _runs(tmp_path)["downloads"]
    assert run.format == "tb-csv"
    assert run.pairs == (("train/epoch_loss", "validation/epoch_loss"),)
    assert run.get("train/epoch_loss").wall_times[0] == 1700000000.5


def test_tensorboard_csv_series_keep_the_tag_case(tmp_path: Path) -> None:
    """A PyTorch tag `Loss/train` downloads as run-exp_1-tag-Loss_train.csv (gzipped here): the series is
    `Loss_train`, as written, and the run part keeps its case too."""
    folder = tmp_path / "d"
    w.tensorboard_csv(folder / "run-Exp_1-tag-Loss_train.csv", [(1700000000.5, 0, 1.0)])
    w.tensorboard_csv(folder / "run-Exp_2-tag-Loss_train.csv", [(1700000000.5, 0, 1.0)])
    path = w.tensorboard_csv(folder / "run-Exp_1-tag-Accuracy_val.csv", [(1700000000.5, 0, 0.5)])
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    assert [s.name for s in _runs(tmp_path)["d"].series] == ["Exp_1/Accuracy_val", "Exp_1/Loss_train", "Exp_2/Loss_train"]


def test_wandb_panel_export(tmp_path: Path) -> None:
    w.wandb_panel_csv(tmp_path / "wb" / "loss.csv", "Step", {
        "fresh-sun-3": {"train/loss": [(0, 2.3), (100, 1.2)], "val/loss": [(100, 1.4)]},
        "dark-moon-4": {"train/loss": [(0, 2.2), (100, 1.0)]},
    })
    runs = _runs(tmp_path)
    assert sorted(runs) == ["wb/dark-moon-4", "wb/fresh-sun-3"]
    fresh = runs["wb/fresh-sun-3"]
    assert fresh.format == "wandb" and [s.name for s in fresh.series] == ["train/loss", "val/loss"]
    assert fresh.pairs == (("train/loss", "val/loss"),)
    assert fresh.get("val/loss").steps.tolist() == [100]


def test_wandb_history_export(tmp_path: Path) -> None:
    w.wandb_history_csv(tmp_path / "h" / "history.csv", [
        {"_step": 0, "_runtime": 1.0, "_timestamp": 1700000000.0, "train/loss": 2.0},
        {"_step": 1, "_runtime": 2.0, "_timestamp": 1700000001.0, "train/loss": 1.5, "val/loss": 1.7},
    ])
    run = _runs(tmp_path)["h"]
    assert run.format == "wandb" and [s.name for s in run.series] == ["train/loss", "val/loss"]
    assert run.get("train/loss").wall_times.tolist() == [1700000000.0, 1700000001.0]


def test_generic_wide_and_long_csv(tmp_path: Path) -> None:
    (tmp_path / "wide").mkdir()
    (tmp_path / "wide" / "metrics.tsv").write_text("global_step\ttrain/loss\tvalid/loss\n0\t1.0\t\n50\t0.8\t0.9\n")
    (tmp_path / "long").mkdir()
    (tmp_path / "long" / "scalars.csv").write_text(
        "wall_time,tag,step,value\n1.0,Loss/train,0,1.0\n2.0,Loss/val,0,1.1\n3.0,Loss/train,1,0.8\n4.0,Loss/val,1,0.9\n")
    runs = _runs(tmp_path)
    assert runs["wide"].format == "csv" and runs["wide"].pairs == (("train/loss", "valid/loss"),)
    assert runs["wide"].get("valid/loss").steps.tolist() == [50]
    long = runs["long"]
    assert long.pairs == (("Loss/train", "Loss/val"),)
    assert long.get("Loss/val").values.tolist() == [1.1, 0.9] and long.get("Loss/val").wall_times.tolist() == [2.0, 4.0]


def test_fractional_x_falls_back_to_row_number(tmp_path: Path) -> None:
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "log.csv").write_text("epoch,loss\n0.5,1.0\n1.0,0.9\n1.5,0.8\n")
    run = _runs(tmp_path)["f"]
    assert run.get("loss").steps.tolist() == [0, 1, 2] and run.get("epoch").values.tolist() == [0.5, 1.0, 1.5]
    assert "no-step" in _kinds(run)


# --- detection --------------------------------------------------------------------------------------


def test_every_format_is_detected_by_content_not_name(tmp_path: Path) -> None:
    """The same content under neutral names is still recognised."""
    w.keras_csvlogger(tmp_path / "a" / "x1.csv", [{"loss": [1.0], "val_loss": [1.1]}])
    w.lightning_csvlogger(tmp_path / "b", _lightning_rows()).rename(tmp_path / "b" / "x2.csv")
    w.hf_trainer_state(tmp_path / "c" / "x3.json", _hf_history(2))
    w.yolo_results(tmp_path / "d" / "x4.csv", YOLO_ROWS, layout="v5")
    w.json_lines(tmp_path / "e" / "x5.txt", [{"iteration": 1, "loss": 1.0}])
    w.tensorboard_csv(tmp_path / "f" / "x6.csv", [(1.0, 0, 1.0)])
    sources, warnings = discover(tmp_path)
    assert {s.name: s.reader for s in sources} == {
        "a": "keras", "b": "lightning", "c": "hf-trainer", "d": "yolo", "e": "jsonl", "f": "tb-csv"}
    assert not warnings


def test_forced_format(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "notes.txt").write_text("some words\nmore words\n")
    (tmp_path / "r" / "data.txt").write_text("epoch loss\n")
    runs, warnings = read_path(tmp_path, format="keras")
    assert {r.format for r in runs} == {"keras"}
    with pytest.raises(Exception, match="unknown format"):
        read_path(tmp_path, format="nope")


def test_values_are_float64_and_steps_int64(tmp_path: Path) -> None:
    w.keras_csvlogger(tmp_path / "a" / "training.log", [{"loss": [1.0, 0.5]}])
    series = _runs(tmp_path)["a"].get("loss")
    assert series.steps.dtype == np.int64 and series.values.dtype == np.float64


def test_sample_logs(sample_logs: Path) -> None:
    """The bundled samples: each framework's file is read by its reader, with its twins and hparams."""
    runs = _runs(sample_logs)
    assert runs["plateau"].format == "keras" and ("loss", "val_loss") in runs["plateau"].pairs
    lightning = runs["lightning_overfit/version_0"]
    assert lightning.format == "lightning" and ("train_loss_epoch", "val_loss") in lightning.pairs
    assert lightning.hparams  # from hparams.yaml
    hf = runs["hf_healthy"]
    assert hf.format == "hf-trainer" and hf.pairs == (("loss", "eval_loss"),)
    assert ("train/epoch_loss", "validation/epoch_loss") in runs["overfitting"].pairs
    assert not any(r.warnings for r in runs.values())
