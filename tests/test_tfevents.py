"""The TensorBoard reader: encodings, damage, restarts, duplicates, discovery, hparams, frames.

Every test runs twice, with the compiled scanner and with the pure-Python one.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import logscope
import tfevents_factory as tf
from adversarial import run_unprivileged
from logscope.readers import read_path, tfevents

NAME = "events.out.tfevents.1700000000.host.1.0"


@pytest.fixture(autouse=True, params=["c", "c-window", "python"])
def scanner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with each scanner implementation (returns its name); ``c-window``: the
    compiled one reading every file through a 64-byte window (``scan_fd``), so records
    straddle windows."""
    name = request.param.split("-")[0]
    if name not in tfevents.SCANNERS:
        pytest.skip("the compiled scanner is not built (no C compiler at install time)")
    monkeypatch.setattr(tfevents, "SCANNER", name)
    if request.param == "c-window":
        monkeypatch.setattr(tfevents, "_MMAP_FROM", 0)
        monkeypatch.setattr(tfevents, "_WINDOW", 64)
    return name


def read_one(root: Path):
    runs, warnings = read_path(root)
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0], warnings


def kinds(run) -> list[str]:
    return sorted(w.kind for w in run.warnings)


def losses(n: int, start: int = 0, tag: str = "loss", scale: float = 1.0):
    return [tf.scalar(tag, scale * (start + i) / 10, start + i) for i in range(n)]


# ----------------------------------------------------------------- encodings

def test_simple_value_scalars_are_read_exactly(tmp_path: Path) -> None:
    values = np.array([0.1, 1e-30, 3e38, -2.5, np.nan, np.inf], dtype=np.float32)
    tf.write(tmp_path / "run" / NAME, [tf.scalar("loss", float(v), i, wall=100.0 + i) for i, v in enumerate(values)])
    run, _ = read_one(tmp_path)
    s = run.get("loss")
    np.testing.assert_array_equal(s.steps, np.arange(6))
    np.testing.assert_array_equal(s.values, values.astype(np.float64))
    np.testing.assert_array_equal(s.wall_times, 100.0 + np.arange(6))
    assert run.warnings == ()


@pytest.mark.parametrize("dtype", sorted(tf.DTYPES))
@pytest.mark.parametrize("form", ["content", "value"])
def test_tensor_scalars_of_every_real_dtype_and_both_forms(tmp_path: Path, dtype: int, form: str) -> None:
    raw = [0, 1, 7, 100] if dtype not in (tf.DT_FLOAT, tf.DT_DOUBLE, tf.DT_HALF) else [0.25, -1.5, 3.0, 1e-3]
    if dtype == tf.DT_BOOL:
        raw = [0, 1, 1, 0]
    tf.write(tmp_path / "run" / NAME, [tf.tensor("acc", v, i, dtype=dtype, form=form) for i, v in enumerate(raw)])
    run, _ = read_one(tmp_path)
    expected = np.array(raw, dtype=tf.DTYPES[dtype][0]).astype(np.float64)
    np.testing.assert_array_equal(run.get("acc").values, expected)
    assert run.warnings == ()


def test_bfloat16_tensor(tmp_path: Path) -> None:
    bits = np.array([1.5, -0.375], dtype=np.float32).view(np.uint32) >> 16
    events = []
    for i, b in enumerate(bits):
        ev = tf.tensor("x", 0.0, i)
        t = ev.summary.value[0].tensor
        t.dtype, t.tensor_content = tf.DT_BFLOAT16, int(b).to_bytes(2, "little")
        events.append(ev)
    tf.write(tmp_path / "run" / NAME, events)
    run, _ = read_one(tmp_path)
    np.testing.assert_array_equal(run.get("x").values, [1.5, -0.375])


def test_plugin_metadata_only_on_a_tags_first_event_still_marks_it_scalar(tmp_path: Path) -> None:
    """TF1's FileWriter strips metadata from all but the first event of a tag."""
    events = [tf.tensor("loss", 1.0, 0)] + [tf.tensor("loss", 1.0 / i, i, plugin=None) for i in range(1, 5)]
    tf.write(tmp_path / "run" / NAME, events)
    run, _ = read_one(tmp_path)
    np.testing.assert_array_equal(run.get("loss").steps, np.arange(5))


def test_tensors_of_other_plugins_histograms_images_and_text_are_skipped(tmp_path: Path) -> None:
    events = [tf.tensor("loss", 1.0, 0), tf.tensor("weights", 2.0, 0, plugin="histograms"),
              tf.tensor("nometa", 3.0, 0, plugin=None), tf.histogram("h", 0), tf.image("img", 0), tf.text("args", 0),
              tf.scalar("lr", 0.1, 0)]
    tf.write(tmp_path / "run" / NAME, events)
    run, _ = read_one(tmp_path)
    assert [s.name for s in run.series] == ["loss", "lr"]
    assert run.warnings == ()


def test_a_scalars_tensor_that_is_not_one_number_is_skipped_and_counted(tmp_path: Path) -> None:
    ev = tf.tensor("loss", 1.0, 1)
    ev.summary.value[0].tensor.tensor_shape.dim.add(size=2)
    ev.summary.value[0].tensor.tensor_content = np.array([1, 2], dtype="<f4").tobytes()
    tf.write(tmp_path / "run" / NAME, [tf.tensor("loss", 1.0, 0), ev])
    run, _ = read_one(tmp_path)
    assert len(run.get("loss")) == 1
    (w,) = run.warnings
    assert w.kind == "skipped" and "1 value(s) of the scalars plugin" in w.message


# -------------------------------------------------------------------- damage

def test_truncated_last_record_keeps_everything_before_it(tmp_path: Path) -> None:
    data = tf.records([tf.version_event(), *losses(50)])
    for cut in (1, 5, 13, 20):  # inside the header, header CRC, payload, footer
        path = tmp_path / f"cut{cut}" / NAME
        path.parent.mkdir()
        path.write_bytes(data[:-cut])
        run, _ = read_one(path.parent)
        assert len(run.get("loss")) == 49
        (w,) = run.warnings
        assert w.kind == "truncated" and w.file == NAME
        assert f"byte {tf.record_offsets(data)[-1]}" in w.message


def test_bad_data_checksum_skips_only_that_record(tmp_path: Path) -> None:
    data = bytearray(tf.records([tf.version_event(), *losses(10)]))
    off = tf.record_offsets(bytes(data))[4]
    data[off + 14] ^= 0x01  # a payload byte: the data CRC no longer matches
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / NAME).write_bytes(bytes(data))
    run, _ = read_one(tmp_path)
    np.testing.assert_array_equal(run.get("loss").steps, [0, 1, 2, 4, 5, 6, 7, 8, 9])
    (w,) = run.warnings
    assert w.kind == "crc" and f"at byte {off}" in w.message and "1 record(s)" in w.message


def test_bad_length_checksum_resynchronises_at_the_next_intact_record(tmp_path: Path) -> None:
    data = bytearray(tf.records([tf.version_event(), *losses(10)]))
    offs = tf.record_offsets(bytes(data))
    data[offs[3] + 2] ^= 0x40  # the length field
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / NAME).write_bytes(bytes(data))
    run, _ = read_one(tmp_path)
    np.testing.assert_array_equal(run.get("loss").steps, [0, 1, 3, 4, 5, 6, 7, 8, 9])
    (w,) = run.warnings
    assert w.kind == "crc" and f"byte {offs[3]}" in w.message and f"byte {offs[4]}" in w.message


@pytest.mark.parametrize("length", [2**40, 2**64 - 1])
def test_a_forged_huge_length_is_capped_not_allocated(tmp_path: Path, length: int) -> None:
    head = struct.pack("<Q", length)
    forged = head + struct.pack("<I", tfevents.SCANNERS["python"].masked_crc(head)) + b"xx"
    good = tf.records([tf.version_event(), *losses(5)])
    (tmp_path / "mid").mkdir()
    (tmp_path / "mid" / NAME).write_bytes(good + forged + tf.records(losses(5, start=5)))
    (tmp_path / "end").mkdir()
    (tmp_path / "end" / NAME).write_bytes(good + forged)
    runs, _ = read_path(tmp_path)
    end, mid = runs
    assert (end.name, mid.name) == ("end", "mid")
    assert len(mid.get("loss")) == 10 and [w.kind for w in mid.warnings] == ["crc"]
    assert "runs past the end of the file" in mid.warnings[0].message
    assert len(end.get("loss")) == 5 and [w.kind for w in end.warnings] == ["truncated"]


def test_a_record_with_valid_checksums_but_no_valid_event_is_skipped(tmp_path: Path) -> None:
    bad = b"\x0a\xff\xff\xff\xff\x0f"  # field 1 (wire type 2) claiming 4 GB inside a 6-byte payload
    tf.write(tmp_path / "run" / NAME, [*losses(3), bad, *losses(3, start=3)])
    run, _ = read_one(tmp_path)
    assert len(run.get("loss")) == 6
    (w,) = run.warnings
    assert w.kind == "corrupt" and "not valid Events" in w.message


def test_an_undecodable_summary_value_drops_its_whole_event_and_nothing_else(tmp_path: Path) -> None:
    good = tf.scalar("a", 1.0, 7).SerializeToString()
    # a second Summary.Value in the same Summary whose tensor is cut short
    ev = tf.scalar("b", 2.0, 7)
    payload = ev.SerializeToString()
    value = b"\x0a\x01c" + b"\x42\x05\x08\x01\x22\x09"  # tag "c", tensor: dtype 1, content says 9 bytes, has 0
    summary = ev.summary.SerializeToString() + b"\x0a" + bytes([len(value)]) + value
    broken = payload.replace(ev.summary.SerializeToString(), b"")
    broken += b"\x2a" + bytes([len(summary)]) + summary
    tf.write(tmp_path / "run" / NAME, [good, broken])
    run, _ = read_one(tmp_path)
    assert [s.name for s in run.series] == ["a"]
    assert kinds(run) == ["corrupt"]


def test_bad_files_are_named_and_the_rest_of_the_logdir_is_read(tmp_path: Path) -> None:
    tf.write(tmp_path / "good" / NAME, losses(5))
    (tmp_path / "lfs").mkdir()
    (tmp_path / "lfs" / NAME).write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:ab12\nsize 123456\n")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / NAME).write_bytes(b"")
    (tmp_path / "noise").mkdir()
    (tmp_path / "noise" / NAME).write_bytes(bytes(range(256)) * 4)
    (tmp_path / "gz").mkdir()
    (tmp_path / "gz" / NAME).write_bytes(b"\x1f\x8b\x08\x00" + bytes(40))
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / NAME).write_bytes(b"abc")
    runs, _ = read_path(tmp_path)
    by = {r.name: r for r in runs}
    assert len(by["good"].get("loss")) == 5 and by["good"].warnings == ()
    expect = {"lfs": ("lfs-pointer", "Git LFS pointer: fetch the real file with git lfs pull"),
              "empty": ("empty", "empty event file"), "noise": ("not-event-file", "no valid record at byte 0"),
              "gz": ("not-event-file", "gzip"), "tiny": ("not-event-file", "too short")}
    for name, (kind, text) in expect.items():
        assert by[name].series == ()
        (w,) = by[name].warnings
        assert (w.kind, w.file) == (kind, f"{name}/{NAME}") and text in w.message


# Reads PATH with the given scanner and prints every warning and every run's steps as JSON: run in a
# child process where file permissions apply (root's override capability dropped), so the test runs as root too.
_READ_AS_JSON = """import json, sys
from logscope.readers import read_path, tfevents
tfevents.SCANNER = sys.argv[1]
runs, warnings = read_path(sys.argv[2])
given = [*warnings, *(w for r in runs for w in r.warnings)]
print(json.dumps({"warnings": sorted([w.file, w.kind, w.message] for w in given),
                  "steps": {r.name: {s.name: s.steps.tolist() for s in r.series} for r in runs}}))
"""


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX file permissions")
def test_an_unreadable_file_is_named(tmp_path: Path, scanner: str) -> None:
    path = tf.write(tmp_path / "run" / NAME, losses(3))
    tf.write(tmp_path / "run" / (NAME + "1"), losses(3, start=3))
    path.chmod(0)
    try:
        proc = run_unprivileged(["-c", _READ_AS_JSON, scanner, str(tmp_path)], path)
    finally:
        path.chmod(0o644)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "warnings": [[f"run/{NAME}", "unreadable", "cannot open: Permission denied"]],
        "steps": {"run": {"loss": [3, 4, 5]}},
    }


# ------------------------------------------------------- restarts and duplicates

def test_sessionlog_start_purges_later_steps_across_files(tmp_path: Path) -> None:
    tf.write(tmp_path / "run" / (NAME + ".a"), losses(100) + losses(100, tag="lr", scale=0.0))
    tf.write(tmp_path / "run" / (NAME + ".b"), [tf.start(50)] + losses(100, start=50, scale=2.0))
    run, _ = read_one(tmp_path)
    s = run.get("loss")
    np.testing.assert_array_equal(s.steps, np.arange(150))
    np.testing.assert_array_equal(s.values[50:], 2.0 * np.arange(50, 150, dtype=np.float32) / 10)
    np.testing.assert_array_equal(run.get("lr").steps, np.arange(50))
    (w,) = run.warnings
    assert w.kind == "restart" and w.file == "run/" + NAME + ".b"
    assert "SessionLog.START" in w.message and "100 earlier point(s)" in w.message  # 50 loss + 50 lr


def test_a_step_regression_without_start_is_a_resume_and_the_later_write_wins(tmp_path: Path) -> None:
    """PyTorch resumes write no SessionLog: the steps simply go back."""
    tf.write(tmp_path / "run" / (NAME + ".a"), losses(100))
    tf.write(tmp_path / "run" / (NAME + ".b"), losses(100, start=50, scale=2.0))
    run, _ = read_one(tmp_path)
    s = run.get("loss")
    np.testing.assert_array_equal(s.steps, np.arange(150))
    np.testing.assert_array_equal(s.values[:50], np.arange(50, dtype=np.float32) / 10)
    np.testing.assert_array_equal(s.values[50:], 2.0 * np.arange(50, 150, dtype=np.float32) / 10)
    (w,) = run.warnings
    assert w.kind == "restart" and w.file == "run/" + NAME + ".b"
    assert "50 earlier point(s)" in w.message and "from step 99 to 50" in w.message


def test_tags_on_different_step_scales_are_not_a_regression(tmp_path: Path) -> None:
    events = []
    for epoch in range(5):
        events += losses(10, start=epoch * 10)
        events.append(tf.scalar("val_loss", 1.0 / (epoch + 1), epoch))
    tf.write(tmp_path / "run" / NAME, events)
    run, _ = read_one(tmp_path)
    assert len(run.get("loss")) == 50 and len(run.get("val_loss")) == 5
    assert run.warnings == ()


def test_duplicate_steps_keep_the_last_write_and_are_counted(tmp_path: Path) -> None:
    """YOLOv8 logs a running mean per batch with step = epoch: the last one is the epoch's value."""
    events = [tf.scalar("train/box_loss", 10.0 * epoch + batch, epoch) for epoch in range(3) for batch in range(4)]
    events += [tf.scalar("epoch", 1.0, 5), tf.scalar("epoch", 1.0, 5)]  # an exact repeat loses nothing
    tf.write(tmp_path / "run" / NAME, events)
    run, _ = read_one(tmp_path)
    np.testing.assert_array_equal(run.get("train/box_loss").values, [3.0, 13.0, 23.0])
    np.testing.assert_array_equal(run.get("epoch").values, [1.0])
    (w,) = run.warnings
    assert w.kind == "duplicate-step" and "9 value(s) in 1 tag(s)" in w.message and "last write" in w.message


def test_nan_duplicates_count_as_equal(tmp_path: Path) -> None:
    tf.write(tmp_path / "run" / NAME, [tf.scalar("loss", float("nan"), 1), tf.scalar("loss", float("nan"), 1)])
    run, _ = read_one(tmp_path)
    assert np.isnan(run.get("loss").values).all() and run.warnings == ()


# -------------------------------------------------------------------- discovery

def test_keras_train_and_validation_folders_form_one_run_with_pairs(tmp_path: Path) -> None:
    tf.write(tmp_path / "fit" / "train" / (NAME + ".v2"), [tf.tensor("epoch_loss", 1.0 / (i + 1), i) for i in range(5)])
    tf.write(tmp_path / "fit" / "validation" / (NAME + ".v2"), [tf.tensor("epoch_loss", 2.0 / (i + 1), i) for i in range(5)])
    run, _ = read_one(tmp_path)
    assert run.name == "fit"
    assert [(s.name, s.split) for s in run.series] == [("train/epoch_loss", "train"), ("validation/epoch_loss", "val")]
    assert run.pairs == (("train/epoch_loss", "validation/epoch_loss"),)


def test_a_lone_train_folder_is_a_run_of_its_own(tmp_path: Path) -> None:
    """Ultralytics names its runs train, train2 ...; they are not Keras split folders."""
    tf.write(tmp_path / "detect" / "train" / NAME, losses(3, tag="train/box_loss"))
    tf.write(tmp_path / "detect" / "train2" / NAME, losses(3, tag="train/box_loss"))
    runs, _ = read_path(tmp_path)
    assert [r.name for r in runs] == ["detect/train", "detect/train2"]
    assert runs[0].series[0].name == "train/box_loss"


def test_several_files_in_a_run_merge_in_name_order(tmp_path: Path) -> None:
    """Lightning's fit, validate and test each write a file into the same version folder."""
    tf.write(tmp_path / "v0" / "events.out.tfevents.1.host.1.0", losses(10))
    tf.write(tmp_path / "v0" / "events.out.tfevents.2.host.1.1", [tf.scalar("val_loss", 0.5, 9)])
    tf.write(tmp_path / "v0" / "events.out.tfevents.3.host.1.2", [tf.scalar("test_loss", 0.6, 9)])
    run, _ = read_one(tmp_path)
    assert [s.name for s in run.series] == ["loss", "test_loss", "val_loss"]
    assert run.warnings == ()


def test_hparams_plugin_values_become_run_hparams(tmp_path: Path) -> None:
    tf.write(tmp_path / "run" / NAME, [tf.hparams({"lr": 0.001, "layers": 3.0, "opt": "adam", "amp": True}),
                                       *losses(3)])
    run, _ = read_one(tmp_path)
    assert dict(run.hparams) == {"lr": 0.001, "layers": 3, "opt": "adam", "amp": True}


def test_a_renamed_event_file_is_read_when_the_format_is_forced(tmp_path: Path) -> None:
    tf.write(tmp_path / "run" / "metrics.tfrecord", losses(3))
    (tmp_path / "run" / "notes.tfrecord").write_bytes(b"not an event file at all")
    assert read_path(tmp_path)[0] == []
    runs, warnings = read_path(tmp_path, format="tensorboard")
    assert [(r.name, len(r.get("loss"))) for r in runs] == [("run", 3)]
    assert [w.file for w in warnings] == ["run/notes.tfrecord"]


def test_a_run_with_no_scalars_says_so(tmp_path: Path) -> None:
    tf.write(tmp_path / "run" / NAME, [tf.histogram("w", 0)])
    run, _ = read_one(tmp_path)
    assert run.series == () and kinds(run) == ["empty"]


def test_sample_logs_are_read(sample_logs: Path) -> None:
    runs, _ = read_path(sample_logs, format="tensorboard")
    by = {r.name: r for r in runs}
    assert {"healthy", "diverging", "overfitting"} <= set(by)
    assert ("train/epoch_loss", "validation/epoch_loss") in by["overfitting"].pairs
    assert all(len(s) > 0 for name in ("healthy", "diverging", "overfitting") for s in by[name].series)


# --------------------------------------------------------------------- library

def test_load_and_load_frame(tmp_path: Path) -> None:
    tf.write(tmp_path / "a" / NAME, losses(4) + [tf.scalar("loss", 9.0, 3)])
    tf.write(tmp_path / "b" / NAME, losses(2, tag="acc"))
    runs = logscope.load(tmp_path)
    assert [r.name for r in runs] == ["a", "b"]
    frame = logscope.load_frame(tmp_path)
    assert list(frame.columns) == ["run", "tag", "step", "value", "wall_time"]
    assert frame["step"].dtype == np.int64 and frame["value"].dtype == np.float64
    a = frame[frame["run"] == "a"]
    np.testing.assert_array_equal(a["value"], np.array([0.0, 0.1, 0.2, 9.0], dtype=np.float32))
    raw = logscope.load_frame(tmp_path, raw=True)
    assert len(raw) == len(frame) + 1
    assert raw[(raw["run"] == "a") & (raw["step"] == 3)]["value"].tolist() == pytest.approx([0.3, 9.0])
    pd.testing.assert_frame_equal(frame[frame["run"] == "b"].reset_index(drop=True),
                                  raw[raw["run"] == "b"].reset_index(drop=True))
