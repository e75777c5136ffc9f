"""Bad input in text logs: each problem is a warning naming the file and line, and the rest is read."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscope.readers import read_path
from logscope.readers.text import load_text, parse_table, to_float


def _one(root: Path):
    runs, warnings = read_path(root)
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0], warnings


def _kinds(run) -> dict[str, str]:
    return {w.kind: w.message for w in run.warnings}


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(("cell", "expected"), [
    ("0.5", 0.5), (" 1e-3 ", 1e-3), ("nan", math.nan), ("NaN", math.nan), ("-nan", math.nan), ("inf", math.inf),
    ("-Infinity", -math.inf), ("NA", None), ("", None), ("null", None), ("abc", None), ("[0.1, 0.2]", None),
])
def test_cells(cell: str, expected: float | None) -> None:
    got = to_float(cell)
    if expected is None:
        assert got is None
    elif math.isnan(expected):
        assert got is not None and math.isnan(got)
    else:
        assert got == expected


def test_nan_and_inf_strings_stay_non_finite_and_NA_is_missing(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "training.log", "epoch,loss,val_loss\n0,1.0,NA\n1,nan,0.9\n2,inf,-inf\n")
    run, _ = _one(tmp_path)
    loss, val = run.get("loss"), run.get("val_loss")
    assert loss.steps.tolist() == [0, 1, 2] and np.isnan(loss.values[1]) and loss.values[2] == math.inf
    assert val.steps.tolist() == [1, 2] and val.values[1] == -math.inf
    assert not run.warnings


def test_one_bad_cell_does_not_turn_the_column_into_strings(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "training.log", "epoch,loss,acc\n0,1.0,0.1\n1,oops,0.2\n2,0.5,\"[0.3, 0.4]\"\n3,0.4,0.5\n")
    run, _ = _one(tmp_path)
    assert run.get("loss").values.tolist() == [1.0, 0.5, 0.4]
    assert run.get("loss").steps.tolist() == [0, 2, 3]
    assert run.get("acc").steps.tolist() == [0, 1, 3]
    messages = [w.message for w in run.warnings if w.kind == "bad-value"]
    assert any("'loss'" in m and "line 3" in m and "oops" in m for m in messages)
    assert any("'acc'" in m and "line 4" in m for m in messages)


def test_half_written_last_line_is_dropped(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "training.log", "epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8")
    run, _ = _one(tmp_path)
    assert run.get("loss").steps.tolist() == [0, 1]
    assert "line 4 is half-written" in _kinds(run)["truncated"]


def test_complete_last_line_without_newline_is_kept(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "training.log", "epoch,loss\n0,1.0\n1,0.9")
    run, _ = _one(tmp_path)
    assert run.get("loss").steps.tolist() == [0, 1] and not run.warnings


def test_ragged_rows_are_reported_with_line_numbers(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "training.log", "epoch,loss,val_loss\n0,1.0,1.1\n1,0.9\n2,0.8,0.9,7\n3,0.7,0.8\n")
    run, _ = _one(tmp_path)
    assert run.get("loss").steps.tolist() == [0, 3]
    assert "lines 3, 4" in _kinds(run)["ragged"]


def test_repeated_header_starts_a_new_session(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "training.log",
           "epoch,loss\n0,1.0\n1,0.9\n2,0.8\nepoch,loss\n0,2.0\n1,1.5\n")
    runs, _ = read_path(tmp_path)
    assert [r.name for r in runs] == ["r#1", "r#2"]
    assert runs[1].get("loss").values.tolist() == [2.0, 1.5]
    assert any(w.kind == "restart" and "line 5" in w.message for w in runs[0].warnings)


def test_resumed_run_supersedes_the_overlap(tmp_path: Path) -> None:
    # A YOLOv5-style resume: epochs 0-4, then training resumed from epoch 3.
    _write(tmp_path / "r" / "log.csv", "epoch,loss\n0,1.0\n1,0.9\n2,0.8\n3,0.7\n4,0.6\n3,0.65\n4,0.55\n5,0.5\n")
    run, _ = _one(tmp_path)
    assert run.get("loss").steps.tolist() == [0, 1, 2, 3, 4, 5]
    assert run.get("loss").values.tolist() == [1.0, 0.9, 0.8, 0.65, 0.55, 0.5]
    assert "2 earlier row(s)" in _kinds(run)["restart"] and "line 7" in _kinds(run)["restart"]


def test_non_utf8_bytes_are_decoded_leniently(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "training.log", b"epoch,loss,caf\xe9_acc\n0,1.0,0.5\n1,0.9,0.6\n")
    run, _ = _one(tmp_path)
    assert [s.name for s in run.series] == ["caf\ufffd_acc", "loss"]
    assert "not UTF-8" in _kinds(run)["encoding"]


def test_utf8_bom_and_utf16_are_read(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "training.log", b"\xef\xbb\xbfepoch,loss\n0,1.0\n")
    _write(tmp_path / "b" / "training.log", "epoch,loss\n0,1.0\n".encode("utf-16"))
    runs, _ = read_path(tmp_path)
    assert [[s.name for s in r.series] for r in runs] == [["loss"], ["loss"]]
    assert not any(r.warnings for r in runs)


def test_nul_filled_tail_is_ignored(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "training.log", b"epoch,loss\n0,1.0\n1,0.9\n" + b"\x00" * 64)
    run, _ = _one(tmp_path)
    assert run.get("loss").steps.tolist() == [0, 1]
    assert "64 NUL bytes" in _kinds(run)["truncated"]


def test_gzip_logs_are_read(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "training.log.gz", gzip.compress(b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n"))
    run, _ = _one(tmp_path)
    assert run.format == "keras" and run.pairs == (("loss", "val_loss"),)


def test_truncated_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    text = "epoch,loss\n" + "".join(f"{i},{1 / (i + 1)!r}\n" for i in range(2000))
    data = gzip.compress(text.encode())
    _write(tmp_path / "r" / "training.log.gz", data[: len(data) * 2 // 3])
    run, _ = _one(tmp_path)
    n = len(run.get("loss"))
    assert 100 < n < 2000
    assert "truncated" in _kinds(run)


def test_tab_and_semicolon_delimiters(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "log.tsv", "step\tloss\tval_loss\n0\t1.0\t1.1\n10\t0.9\t1.0\n")
    _write(tmp_path / "b" / "log.csv", "step;loss;val_loss\n0;1.0;1.1\n10;0.9;1.0\n")
    runs, _ = read_path(tmp_path)
    assert [r.get("val_loss").steps.tolist() for r in runs] == [[0, 10], [0, 10]]


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "training.log", "")
    _write(tmp_path / "b" / "training.log", "epoch,loss,val_loss\n")
    runs, warnings = read_path(tmp_path)
    assert {r.name: len(r.series) for r in runs} == {"a": 0, "b": 0}
    assert all(r.warnings for r in runs)


def test_parse_table_reports_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "a,b\n1,2\n\n3\n4,5\n")
    table = parse_table(load_text(path, "t.csv"), "t.csv")
    assert table.rows == [["1", "2"], ["4", "5"]] and table.lines == [2, 5]
    assert [w.kind for w in table.warnings] == ["ragged"] and "line 4" in table.warnings[0].message


def test_steps_that_are_not_whole_numbers_in_range_are_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "r" / "metrics.csv", "epoch,step,loss\n0,abc,1\n0,1e30,2\n0,5,3\n0,inf,4\n0,6,5\n")
    run, _ = _one(tmp_path)
    assert run.get("loss").steps.tolist() == [5, 6]
    assert "lines 2, 3, 5 have no usable 'step'" in _kinds(run)["no-step"]


def test_damaged_gzip_and_random_bytes_are_named(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "training.log.gz", b"\x1f\x8b" + bytes(range(7, 107)))
    _write(tmp_path / "b" / "training.log", bytes(range(256)) * 4)
    runs, warnings = read_path(tmp_path)
    assert not runs
    by_file = {w.file: w.message for w in warnings}
    assert "cannot be decompressed" in by_file["a/training.log.gz"] and "binary" in by_file["b/training.log"]


_TOKENS = ["0", "1", "2.5", "-3e-4", "nan", "inf", "-inf", "NA", "", "abc", '"[1, 2]"', '"x', "\u00e9", " ", "1e400"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.sampled_from(["epoch,loss,val_loss", "step,epoch,train_loss_step,val_loss", "loss,val_loss",
                            "epoch,train/box_loss,val/box_loss,metrics/mAP50(B)", "Wall time,Step,Value"]),
    rows=st.lists(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=6), max_size=12),
    newline=st.booleans(),
)
def test_any_table_reads_without_error(tmp_path: Path, header: str, rows: list[list[str]], newline: bool) -> None:
    text = header + "\n" + "\n".join(",".join(r) for r in rows) + ("\n" if newline else "")
    folder = tmp_path / f"case{abs(hash(text))}"
    _write(folder / "log.csv", text)
    runs, warnings = read_path(folder)
    for run in runs:
        assert not [w for w in run.warnings if w.kind == "error"], run.warnings
        for series in run.series:
            assert np.all(np.diff(series.steps) > 0)
