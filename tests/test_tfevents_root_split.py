"""The analysed folder's own name is a split hint: a Keras ``validation/`` analysed directly is validation (issue 4)."""

from __future__ import annotations

from pathlib import Path

import tfevents_factory as tf
from logscope.readers import read_path

NAME = "events.out.tfevents.1700000000.host.1.0"


def _splits(root: Path) -> dict[str, str]:
    runs, _ = read_path(root)
    (run,) = runs
    return {s.name: s.split for s in run.series}


def test_a_keras_split_folder_analysed_directly_keeps_its_split(tmp_path: Path) -> None:
    for split in ("train", "validation"):
        tf.write(tmp_path / "fit" / split / (NAME + ".v2"), [tf.tensor("epoch_loss", 1.0 / (i + 1), i) for i in range(5)])
    assert _splits(tmp_path / "fit" / "validation") == {"epoch_loss": "val"}
    assert _splits(tmp_path / "fit" / "train") == {"epoch_loss": "train"}
    tf.write(tmp_path / "eval" / NAME, [tf.scalar("loss", 1.0, 0)])  # any split word of the roles table
    assert _splits(tmp_path / "eval") == {"loss": "val"}


def test_a_root_named_like_a_split_does_not_override_the_names(tmp_path: Path) -> None:
    """Ultralytics' runs/detect/train: its tags say their own split, which the folder name must not change."""
    root = tmp_path / "detect" / "train"
    tf.write(root / NAME, [tf.scalar("train/box_loss", 1.0, 0), tf.scalar("val/box_loss", 1.1, 0),
                           tf.scalar("metrics/mAP50(B)", 0.3, 0), tf.scalar("lr/pg0", 0.01, 0)])
    splits = _splits(root)
    assert splits["train/box_loss"] == "train" and splits["val/box_loss"] == "val"
    assert splits["metrics/mAP50(B)"] == "val"


def test_only_the_analysed_folder_gives_a_hint(tmp_path: Path) -> None:
    tf.write(tmp_path / "detect" / "val" / NAME, [tf.scalar("loss", 1.0, 0)])  # a run folder named val, below the root
    assert _splits(tmp_path) == {"loss": "train"}
