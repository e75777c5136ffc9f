"""Discovery: a folder may mix formats; every file is read, joins a run, or is named with a reason."""

from __future__ import annotations

import gzip
from pathlib import Path

import log_writers as w
from logscope.readers import discover, read_path, relative_name


def accounted_for(root: Path) -> tuple[set[str], set[str]]:
    """(every file under root, the files discovery read, attached or named in a warning)."""
    sources, warnings = discover(root)
    files = {relative_name(p, root) for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")}
    seen = {relative_name(p, root) for s in sources for p in (*s.files, *s.companions)}
    for warning in warnings:
        if warning.file.endswith("/"):  # a compact listing: "N files not a training log: a.png, b.pt"
            folder = warning.file.rstrip("/")
            names = warning.message.split(": ", 1)[1].split(", ")
            seen |= {f"{folder}/{n}" if folder != "." else n for n in names}
        else:
            seen.add(warning.file)
    return files, seen


def _mixed(root: Path) -> None:
    yolo = root / "runs" / "detect" / "train"
    w.yolo_results(yolo / "results.csv", [(1.0, 1.0, 1.1, 1.1, 0.2, 0.01)] * 3, layout="v8")
    (yolo / "args.yaml").write_text("epochs: 3\n")
    (yolo / "events.out.tfevents.1.host.0").write_bytes(b"")
    (yolo / "weights").mkdir()
    (yolo / "weights" / "best.pt").write_bytes(b"\x80\x02")
    for name in ("results.png", "confusion_matrix.png", "labels.jpg"):
        (yolo / name).write_bytes(b"\x89PNG\r\n")
    w.keras_csvlogger(root / "keras" / "training.log", [{"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}])
    w.lightning_csvlogger(root / "lightning_logs" / "version_0", [{"epoch": 0, "step": 9, "train_loss": 1.0}], {"lr": 1})
    (root / "README.md").write_text("# my experiments\n")
    (root / "notes.txt").write_text("tried a bigger batch\nit diverged\n")
    (root / "stray").mkdir()
    (root / "stray" / "hparams.yaml").write_text("lr: 0.1\n")
    (root / "empty.csv").write_text("")
    (root / "blob.dat").write_bytes(b"\x00\x01\x02\x03")


def test_mixed_folder_every_file_accounted_for(tmp_path: Path) -> None:
    _mixed(tmp_path)
    files, seen = accounted_for(tmp_path)
    assert files == seen


def test_mixed_folder_runs_and_reasons(tmp_path: Path) -> None:
    _mixed(tmp_path)
    runs, warnings = read_path(tmp_path)
    names = {r.name: r.format for r in runs}
    # results.csv shares its folder with the YOLO TensorBoard twin, so it is named by its file.
    assert names == {"keras": "keras", "lightning_logs/version_0": "lightning",
                     "runs/detect/train": "tensorboard", "runs/detect/train/results.csv": "yolo"}
    by_file = {x.file: x.message for x in warnings}
    assert "no training log is beside it" in by_file["stray/hparams.yaml"]
    assert by_file["empty.csv"] == "empty file"
    assert "binary" in by_file["blob.dat"]
    assert "first line: 'tried a bigger batch'" in by_file["notes.txt"]
    assert by_file["runs/detect/train/"].startswith("3 files not a training log")
    assert "best.pt" in by_file["runs/detect/train/weights/"]
    yolo = next(r for r in runs if r.format == "yolo")
    assert yolo.hparams == {"epochs": 3}


def test_single_file_runs_are_named_by_the_file_without_gz_and_suffix(tmp_path: Path) -> None:
    """Several logs in one folder: exp/a.csv is the run exp/a, and so is a gzipped exp/B.CSV.gz exp/B."""
    w.keras_csvlogger(tmp_path / "exp" / "a.csv", [{"loss": [1.0, 0.5]}])
    gz = w.keras_csvlogger(tmp_path / "exp" / "B.CSV", [{"loss": [1.0, 0.5]}])
    gz.with_name("B.CSV.gz").write_bytes(gzip.compress(gz.read_bytes()))
    gz.unlink()
    runs, _ = read_path(tmp_path)
    assert [r.name for r in runs] == ["exp/B", "exp/a"]


def test_a_single_file_can_be_analysed(tmp_path: Path) -> None:
    path = w.keras_csvlogger(tmp_path / "run" / "training.log", [{"loss": [1.0, 0.5]}])
    runs, warnings = read_path(path)
    assert [r.name for r in runs] == ["run"] and not warnings


def test_companions_beside_tensorboard_logs(tmp_path: Path) -> None:
    version = tmp_path / "lightning_logs" / "version_3"
    version.mkdir(parents=True)
    (version / "events.out.tfevents.1.host.0").write_bytes(b"")
    (version / "hparams.yaml").write_text("lr: 0.001\noptimizer:\n  name: adam\n  betas: [0.9, 0.999]\n")
    runs, warnings = read_path(tmp_path)
    assert runs[0].hparams == {"lr": 0.001, "optimizer.name": "adam", "optimizer.betas": "[0.9, 0.999]"}
    assert not warnings


def test_bad_companion_is_a_run_warning(tmp_path: Path) -> None:
    w.lightning_csvlogger(tmp_path / "v0", [{"epoch": 0, "step": 9, "train_loss": 1.0}])
    (tmp_path / "v0" / "hparams.yaml").write_text("lr: [0.1\n")
    runs, _ = read_path(tmp_path)
    assert any(x.kind == "companion" and "line" in x.message for x in runs[0].warnings)
    assert len(runs[0].series) == 2


def test_yaml_companions_never_run_code(tmp_path: Path) -> None:
    w.lightning_csvlogger(tmp_path / "v0", [{"epoch": 0, "step": 9, "train_loss": 1.0}])
    (tmp_path / "v0" / "hparams.yaml").write_text("x: !!python/object/apply:os.system ['echo pwned']\n")
    runs, _ = read_path(tmp_path)
    assert runs[0].hparams == {} and any(x.kind == "companion" for x in runs[0].warnings)


def test_hidden_files_and_symlinked_folders_are_not_walked(tmp_path: Path) -> None:
    w.keras_csvlogger(tmp_path / "real" / "training.log", [{"loss": [1.0]}])
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]\n")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    runs, warnings = read_path(tmp_path)
    assert [r.name for r in runs] == ["real"] and not warnings


def test_pipes_and_broken_links_are_named_not_opened(tmp_path: Path) -> None:
    import os

    w.keras_csvlogger(tmp_path / "run" / "training.log", [{"loss": [1.0]}])
    os.mkfifo(tmp_path / "run" / "pipe")
    (tmp_path / "run" / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    runs, warnings = read_path(tmp_path)  # would block forever if the FIFO were opened
    assert [r.name for r in runs] == ["run"]
    by_file = {x.file: x.message for x in warnings}
    assert "not a regular file" in by_file["run/pipe"] and "broken symbolic link" in by_file["run/gone.csv"]


def test_unlistable_folder_is_named(tmp_path: Path, monkeypatch) -> None:
    import os

    w.keras_csvlogger(tmp_path / "run" / "training.log", [{"loss": [1.0]}])
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path):  # discovery lists folders with os.scandir; "locked" refuses (as for a non-root user)
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    runs, warnings = read_path(tmp_path)
    assert [r.name for r in runs] == ["run"]
    assert [(x.file, x.message) for x in warnings] == [("locked", "cannot list the folder: Permission denied")]
