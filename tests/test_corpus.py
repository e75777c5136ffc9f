"""Every real run in ../shared/corpus loads with its series and train/validation twins.

The table below was written by looking at each run (PROVENANCE.md describes
them): the series that must be there, the twins that must be found, and how
many trainings the file holds. The corpus is read in place, never copied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from logscope.model import Run
from logscope.readers import read_path

YOLO5 = {("train/box_loss", "val/box_loss"), ("train/obj_loss", "val/obj_loss"), ("train/cls_loss", "val/cls_loss")}
YOLO8 = {("train/box_loss", "val/box_loss"), ("train/dfl_loss", "val/dfl_loss"), ("train/cls_loss", "val/cls_loss")}
KERAS = {("loss", "val_loss"), ("accuracy", "val_accuracy")}
HF = {("loss", "eval_loss")}
DETR = {("train_loss", "test_loss"), ("train_class_error", "test_class_error"), ("train_loss_giou", "test_loss_giou"),
        ("train_cardinality_error_unscaled", "test_cardinality_error_unscaled")}
D2 = {"total_loss", "loss_cls", "loss_box_reg", "lr", "fast_rcnn/cls_accuracy"}

#: corpus folder -> (format, sessions, series that must exist, twins that must be found)
EXPECTED: dict[str, tuple[str, int, set[str], set[tuple[str, str]]]] = {
    "hf_trainer_state/bert-weibo-rumor": ("hf-trainer", 1, {"loss", "learning_rate", "epoch"}, set()),
    "hf_trainer_state/canine-model": ("hf-trainer", 1, {"loss", "eval_loss"}, HF),
    "hf_trainer_state/customer-feedback-sentiment": ("hf-trainer", 1, {"grad_norm", "eval_accuracy", "eval_f1_macro"}, HF),
    "hf_trainer_state/distilbert-lora-imdb": ("hf-trainer", 1, {"loss", "grad_norm"}, HF),
    "hf_trainer_state/financial-news-sentiment": ("hf-trainer", 1, {"eval_macro_f1", "eval_accuracy"}, HF),
    "hf_trainer_state/hate-speech-zero-loss": ("hf-trainer", 1, {"loss", "eval_loss"}, HF),
    "hf_trainer_state/mt5-az-news-summarization": ("hf-trainer", 1, {"eval_rouge1", "eval_rougeLsum"}, HF),
    "hf_trainer_state/multi-evalset-classifier": (
        "hf-trainer", 1, {f"eval_g{i}_accuracy" for i in range(6)}, {("loss", f"eval_g{i}_loss") for i in range(6)}),
    "hf_trainer_state/spam-fraud-tweets": ("hf-trainer", 1, {"eval_accuracy"}, HF),
    "hf_trainer_state/whisper-large-v2-japanese": ("hf-trainer", 1, {"eval_wer"}, HF),
    "hf_trainer_state/whisper-tiny-nb": ("hf-trainer", 1, {"eval_wer"}, HF),
    "hf_trainer_state/whisper-turkish-lora": ("hf-trainer", 1, {"eval_wer", "grad_norm"}, HF),
    "jsonl/detr-100ep-smy1999": ("jsonl", 1, {"train_lr", "test_coco_eval_bbox/AP"}, DETR),
    "jsonl/detr-300ep-holtin": ("jsonl", 1, {"train_lr", "test_coco_eval_bbox/AP50"}, DETR),
    "jsonl/detr-46ep-rarefin": ("jsonl", 1, {"train_loss_ce_0", "test_loss_ce_0"}, DETR),
    "jsonl/maskrcnn-detectron2-short": ("jsonl", 1, D2 | {"loss_mask", "mask_rcnn/accuracy"}, set()),
    "jsonl/medical-waste-detectron2": ("jsonl", 1, D2, set()),
    "jsonl/mmdet-dfine-scalars": ("jsonl", 6, {"loss", "grad_norm", "lr"}, set()),
    "jsonl/pothole-detectron2": ("jsonl", 1, D2, set()),
    "keras_csv/aflw2000-landmarks-cnn": ("keras", 1, {"loss", "val_loss"}, {("loss", "val_loss")}),
    "keras_csv/brain-tumor-cnn-appended": ("keras", 4, {"learning_rate"}, KERAS),
    "keras_csv/brats2020-unet": ("keras", 1, {"lr"}, KERAS | {("dice_coef", "val_dice_coef"), ("mean_io_u_5", "val_mean_io_u_5"),
                                                              ("precision", "val_precision")}),
    "keras_csv/car-type-cnn": ("keras", 1, set(), KERAS),
    "keras_csv/cat-classifier-appended": ("keras", 2, set(), KERAS | {("F1_score", "val_F1_score")}),
    "keras_csv/emotion-resnet50": ("keras", 1, set(), KERAS),
    "keras_csv/eng-javanese-lstm-attention": ("keras", 1, {"learning_rate"}, KERAS),
    "keras_csv/irfanet-old-keras": ("keras", 1, set(), {("loss", "val_loss"), ("acc", "val_acc")}),
    "keras_csv/plant-disease-cnn": ("keras", 1, {"learning_rate"}, KERAS),
    "keras_csv/tomato-leaf-cnn": ("keras", 1, set(), KERAS),
    "lightning_csv/eurosat-val-only": ("lightning", 1, {"val_loss"}, set()),
    "lightning_csv/genrisk-gan-v0": ("lightning", 1, {"train_disc_loss", "train_gen_loss"}, set()),
    "lightning_csv/genrisk-gan-v2": ("lightning", 1, {"train_disc_loss", "train_gen_loss"}, set()),
    "lightning_csv/genrisk-gan-v5": ("lightning", 1, {"train_disc_loss", "train_gen_loss"}, set()),
    "lightning_csv/genrisk-gan-v8": ("lightning", 1, {"train_disc_loss", "train_gen_loss"}, set()),
    "lightning_csv/lm-probe-v0": ("lightning", 1, {"train_loss", "train_acc"}, set()),
    "lightning_csv/lm-probe-v3": ("lightning", 1, {"train_loss", "train_acc"}, set()),
    "lightning_csv/mnist-cnn": ("lightning", 1, {"val_accuracy", "test_loss"}, {("train_loss", "val_loss")}),
    "lightning_csv/pinn-em-v0": ("lightning", 1, {"mean_loss", "Conductor_Copper_loss"}, set()),
    "mlflow/ai4os-yolov8-9cb063": ("mlflow", 1, {"metrics/mAP50-95B", "lr/pg0"}, YOLO8),
    "mlflow/ai4os-yolov8-f52ad6-1epoch": ("mlflow", 1, {"metrics/mAP50B"}, YOLO8),
    "mlflow/hydro-ml-exp0-43d09b": ("mlflow", 1, {"test_loss"}, {("train_loss", "val_loss")}),
    "mlflow/hydro-ml-exp2-0ba777": ("mlflow", 1, {"test_loss"}, {("train_loss", "val_loss")}),
    "mlflow/hydro-ml-exp5-083dba": ("mlflow", 1, {"test_loss"}, {("train_loss", "val_loss")}),
    "mlflow/weapons-yolov8-7a43c8": ("mlflow", 1, {"metrics/precisionB", "metrics/recallB"}, YOLO8),
    "mlflow/weapons-yolov8-9f3b30": ("mlflow", 1, {"metrics/precisionB"}, YOLO8),
    "tensorboard/brain-tumor-v1": ("tensorboard", 1, {"lr-Adam"}, {("train_loss", "test_loss")}),
    "tensorboard/brain-tumor-v3": ("tensorboard", 1, {"lr-Adam"}, {("train_loss", "test_loss")}),
    "tensorboard/colrectal-seg-empty": ("tensorboard", 1, set(), set()),
    "tensorboard/fire-smoke-yolov8": ("tensorboard", 1, {"metrics/mAP50(B)"}, YOLO8),
    "tensorboard/hate-speech-hf-trainer": ("tensorboard", 1, {"train/grad_norm"}, {("train/loss", "eval/loss")}),
    "tensorboard/helmet-yolov5-exp2": ("tensorboard", 1, {"metrics/mAP_0.5", "x/lr0"}, YOLO5),
    "tensorboard/lego-yolov5": ("tensorboard", 1, {"metrics/mAP_0.5:0.95"}, YOLO5),
    "tensorboard/lightning-mnist-cnn-v0": ("tensorboard", 1, {"test_loss"}, {("train_loss", "val_loss")}),
    "tensorboard/lstm-textgen-shakespeare": ("tensorboard", 1, set(), {("train_loss", "val_loss")}),
    "tensorboard/pothole-detectron2": ("tensorboard", 1, D2, set()),
    "tensorboard/tbreducer-dup-steps-run1": ("tensorboard", 1, {"dup_steps/foo", "dup_steps/bar"}, set()),
    "tensorboard/whisper-ja-lfs-pointer": ("tensorboard", 1, set(), set()),
    "yolo_results/anpr-yolov5": ("yolo", 1, {"metrics/mAP_0.5", "x/lr0"}, YOLO5),
    "yolo_results/fire-smoke-yolov8": ("yolo", 1, {"metrics/mAP50(B)", "lr/pg0"}, YOLO8),
    "yolo_results/helmet-yolov5-exp-aborted": ("yolo", 1, {"metrics/recall"}, YOLO5),
    "yolo_results/helmet-yolov5-exp2": ("yolo", 1, {"metrics/precision"}, YOLO5),
    "yolo_results/lego-yolov5": ("yolo", 1, {"metrics/mAP_0.5:0.95"}, YOLO5),
    "yolo_results/rock-paper-scissors-yolov8": ("yolo", 1, {"metrics/mAP50-95(B)"}, YOLO8),
    "yolo_results/wheat-weed-yolov8": ("yolo", 1, {"time", "metrics/mAP50(B)"}, YOLO8),
}
#: The two runs that hold no data on purpose, and the warning kind that must say why.
NO_DATA = {"tensorboard/colrectal-seg-empty": "empty", "tensorboard/whisper-ja-lfs-pointer": "lfs-pointer"}


@pytest.fixture(scope="module")
def corpus_runs(corpus: Path) -> dict[str, list[Run]]:
    """Every corpus run, grouped by the corpus folder it came from."""
    runs, _ = read_path(corpus)
    grouped: dict[str, list[Run]] = {}
    for run in runs:
        folder = "/".join(run.name.split("#")[0].split("/")[:2])
        grouped.setdefault(folder, []).append(run)
    return grouped


def test_the_table_covers_the_whole_corpus(corpus: Path, corpus_runs: dict[str, list[Run]]) -> None:
    folders = {f"{p.parent.name}/{p.name}" for p in corpus.glob("*/*") if p.is_dir()}
    assert folders == set(EXPECTED) == set(corpus_runs)


def test_nothing_in_the_corpus_is_left_unexplained(corpus: Path) -> None:
    _, warnings = read_path(corpus)
    assert [(w.file, w.kind) for w in warnings] == [("./", "skipped")]  # PROVENANCE.md only
    assert "PROVENANCE.md" in warnings[0].message


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_corpus_run(folder: str, corpus_runs: dict[str, list[Run]]) -> None:
    fmt, sessions, series, twins = EXPECTED[folder]
    runs = corpus_runs[folder]
    assert len(runs) == sessions, [r.name for r in runs]
    for run in runs:
        assert run.format == fmt
        assert not [w for w in run.warnings if w.kind == "error"], run.warnings
        names = {s.name for s in run.series}
        if folder in NO_DATA:
            assert not names
            assert any(w.kind == NO_DATA[folder] for w in run.warnings), run.warnings
            continue
        assert series <= names, sorted(series - names)
        for s in run.series:
            assert s.steps.dtype == np.int64 and s.values.dtype == np.float64
            assert np.all(np.diff(s.steps) > 0), s.name  # sorted, one value per step
        for train, held_out in run.pairs:
            assert run.get(train).split == "train" and run.get(held_out).split in ("val", "test")
    # Twins must be found in the last training of the file (earlier sessions may be too short to matter).
    assert twins <= set(runs[-1].pairs), sorted(twins - set(runs[-1].pairs))


def test_corpus_details(corpus_runs: dict[str, list[Run]]) -> None:
    """Facts PROVENANCE.md states about particular runs."""
    one = {folder: runs[-1] for folder, runs in corpus_runs.items()}
    # YOLO epochs are kept as written: 0-based in v5 and early v8, 1-based with the newer 'time' column.
    assert one["yolo_results/rock-paper-scissors-yolov8"].get("train/box_loss").steps[0] == 0
    assert one["yolo_results/wheat-weed-yolov8"].get("train/box_loss").steps[0] == 1
    # Keras CSVLogger(append=True) across 4 trainings: epochs 0-4, 0-3, 0-9, 0-4.
    assert [len(r.get("loss")) for r in corpus_runs["keras_csv/brain-tumor-cnn-appended"]] == [5, 4, 10, 5]
    assert [len(r.get("loss")) for r in corpus_runs["keras_csv/cat-classifier-appended"]] == [2, 48]
    # History dump with no epoch column: x is the row number.
    assert one["keras_csv/aflw2000-landmarks-cnn"].get("loss").steps.tolist() == list(range(20))
    # Literal 'nan' in Lightning stays NaN; the all-NaN series is kept.
    gen = one["lightning_csv/genrisk-gan-v0"].get("train_gen_loss")
    assert len(gen) == 320 and np.isnan(gen.values).all()
    # HF: the final run-average train_loss is not a curve; it is a hyperparameter.
    weibo = one["hf_trainer_state/bert-weibo-rumor"]
    assert weibo.get("train_loss") is None and weibo.hparams["summary.train_loss"] == pytest.approx(0.3071320072440214)
    assert one["hf_trainer_state/spam-fraud-tweets"].get("loss").steps.tolist() == [500, 1000, 1500]
    # MLflow: names with '/' from nested folders, params and the run name from meta.yaml.
    weapons = one["mlflow/weapons-yolov8-7a43c8"]
    assert weapons.hparams["mlflow.run_name"] == "ak47_detection6" and weapons.hparams["tag.mlflow.runName"] == "ak47_detection6"
    assert weapons.hparams["batch"] == 16 and weapons.hparams["mlflow.experiment"] == "/Shared/Ultralytics"
    assert len(weapons.get("metrics/mAP50B")) == 100  # the extra final evaluation replaces the last epoch's value
    hydro = one["mlflow/hydro-ml-exp0-43d09b"]
    assert hydro.get("train_loss").steps[:3].tolist() == [1, 3, 5] and hydro.get("val_loss").steps[:3].tolist() == [2, 4, 6]
    # Lightning hparams.yaml beside the TensorBoard files becomes the run's hyperparameters.
    assert one["tensorboard/lstm-textgen-shakespeare"].hparams["hidden_units"] == 512
    # MMEngine: six trainings appended to one scalars.json; validation records sit at the iteration before them.
    mm = corpus_runs["jsonl/mmdet-dfine-scalars"]
    assert [r.get("coco/bbox_mAP").steps.tolist() if r.get("coco/bbox_mAP") else [] for r in mm] == [
        [], [], [500], [500, 1000, 1500], [], [500, 1000, 1500]]
    # DETR logs its COCO numbers as a list of 12; they are named.
    assert one["jsonl/detr-46ep-rarefin"].get("test_loss").steps.tolist() == list(range(46))
    assert one["jsonl/detr-100ep-smy1999"].get("test_coco_eval_bbox/AP").metric == "map"
    # Its class error is a percentage; its cardinality error is a count of boxes, not a rate.
    detr = one["jsonl/detr-46ep-rarefin"]
    assert (detr.get("test_class_error").metric, detr.get("test_cardinality_error_unscaled").metric) == (
        "error_rate", "count")
