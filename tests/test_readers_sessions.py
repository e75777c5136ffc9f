"""A file holding several trainings: each run gets the warnings about its own lines only (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path

from logscope.readers import read_path


def _runs(root: Path) -> dict:
    runs, _ = read_path(root)
    return {r.name: r for r in runs}


def _messages(run, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [w.message for w in run.warnings if w.kind == kind]


def test_mmengine_scalars_json_warnings_go_to_the_training_of_their_lines(tmp_path: Path) -> None:
    # MMEngine appends each training's records to one scalars.json: a val record has no 'iter'.
    lines = [{"iter": 10, "loss": 1.0}, {"iter": 20, "loss": 0.9}, {"coco/bbox_mAP": 0.1, "step": 1},  # 1-3
             {"iter": 10, "loss": 1.2}, "not json", {"iter": 20, "loss": 1.1}, {"iter": 30, "loss": 1.0},  # 4-7
             {"coco/bbox_mAP": 0.2, "step": 1}, {"iter": 40, "loss": "x"}]  # 8-9
    path = tmp_path / "work" / "vis_data" / "scalars.json"
    path.parent.mkdir(parents=True)
    path.write_text("".join((json.dumps(r) if isinstance(r, dict) else r) + "\n" for r in lines))
    runs = _runs(tmp_path)
    assert sorted(runs) == ["work/vis_data#1", "work/vis_data#2"]
    assert _messages(runs["work/vis_data#1"], "placed") == ["line 3 has no 'iter'; placed at the iter of the record before"]
    assert _messages(runs["work/vis_data#2"], "placed") == ["line 8 has no 'iter'; placed at the iter of the record before"]
    assert _messages(runs["work/vis_data#1"], "bad-line") == [] and _messages(runs["work/vis_data#1"], "bad-value") == []
    assert _messages(runs["work/vis_data#2"], "bad-line") == ["line 5 is not a JSON object; skipped"]
    assert _messages(runs["work/vis_data#2"], "bad-value") == ["values that are not numbers were ignored: loss (1)"]


def test_keras_appended_trainings_keep_their_own_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "app" / "training.log"
    path.parent.mkdir(parents=True)
    path.write_text("epoch,loss\n0,2.0\n1,1.5,9\n2,1.2\n0,1.4\n1,1.3\n2\n3,1.1\n,1.0\n4,0.")
    runs = _runs(tmp_path)
    assert sorted(runs) == ["app#1", "app#2"]
    assert _messages(runs["app#1"], "ragged") == ["line 3 has 3 fields where the header has 2; skipped"]
    assert _messages(runs["app#2"], "ragged") == ["line 7 has 1 fields where the header has 2; skipped"]
    assert _messages(runs["app#1"], "no-step") == []
    assert _messages(runs["app#2"], "no-step") == ["line 9 has no usable 'epoch'; skipped"]
    assert _messages(runs["app#1"], "truncated") == []
    assert _messages(runs["app#2"], "truncated") == ["line 10 is half-written (the file ends without a newline); dropped"]


def test_hugging_face_log_history_with_two_trainings(tmp_path: Path) -> None:
    history = [{"step": 10, "loss": 1.0}, {"loss": 0.8}, {"step": 20, "loss": 0.9},
               {"step": 10, "loss": 1.1, "grad_norm": float("nan")}, {"step": 20, "loss": 1.0}]
    path = tmp_path / "out" / "trainer_state.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"global_step": 20, "log_history": history}))
    runs = _runs(tmp_path)
    assert sorted(runs) == ["out#1", "out#2"]
    assert [w.kind for w in runs["out#1"].warnings if w.kind in ("no-step", "nan-filtered")] == ["no-step"]
    assert [w.kind for w in runs["out#2"].warnings if w.kind in ("no-step", "nan-filtered")] == ["nan-filtered"]
    assert "entry 2 " in _messages(runs["out#1"], "no-step")[0]
    assert "step 10)" in _messages(runs["out#2"], "nan-filtered")[0]
