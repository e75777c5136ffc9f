"""Time the text readers on large generated logs (not run by pytest).

Usage: python benchmarks/bench_readers.py [--rows 200000]

Writes, in a temporary folder, a Keras CSVLogger file (ROWS epochs x 10
metrics), a sparse Lightning metrics.csv (ROWS rows), a detectron2
metrics.json (ROWS/2 lines) and a YOLO run folder holding 5,000 images, and
prints the seconds ``read_path`` takes for each (best of 3).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from logscope.readers import read_path


def _keras(path: Path, rows: int, rng: np.random.Generator) -> None:
    path.parent.mkdir(parents=True)
    with open(path, "w") as fh:
        fh.write("epoch," + ",".join(f"m{i}" for i in range(10)) + "\n")
        for e in range(rows):
            fh.write(f"{e}," + ",".join(f"{v:.6f}" for v in rng.random(10)) + "\n")


def _lightning(path: Path, rows: int, rng: np.random.Generator) -> None:
    path.parent.mkdir(parents=True)
    with open(path, "w") as fh:
        fh.write("epoch,step,train_loss_step,val_loss\n")
        for i in range(rows):
            value = f"{rng.random():.6f}"
            fh.write(f"{i // 1000},{i},{value},\n" if i % 1000 else f"{i // 1000},{i},,{value}\n")


def _detectron2(path: Path, rows: int, rng: np.random.Generator) -> None:
    path.parent.mkdir(parents=True)
    with open(path, "w") as fh:
        for i in range(rows):
            fh.write(json.dumps({"data_time": 0.01, "eta_seconds": 100.0, "iteration": i, "loss_cls": 0.3,
                                 "lr": 0.01, "time": 0.2, "total_loss": float(rng.random())}, sort_keys=True) + "\n")


def _images(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    (folder / "results.csv").write_text("epoch,train/box_loss,val/box_loss\n0,1.0,1.1\n1,0.9,1.0\n")
    for i in range(count):
        (folder / f"img{i}.jpg").write_bytes(b"\xff\xd8\xff" + bytes(200))


def _best_of(root: Path, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        read_path(root)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases = {
            f"keras {args.rows} rows x 10": (root / "keras", lambda d: _keras(d / "training.log", args.rows, rng)),
            f"lightning {args.rows} sparse rows": (root / "lightning", lambda d: _lightning(d / "metrics.csv", args.rows, rng)),
            f"detectron2 {args.rows // 2} lines": (root / "d2", lambda d: _detectron2(d / "metrics.json", args.rows // 2, rng)),
            "yolo folder with 5000 images": (root / "yolo", lambda d: _images(d, 5000)),
        }
        for label, (folder, make) in cases.items():
            make(folder)
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            print(f"{label:36s} {size / 1e6:7.1f} MB  {_best_of(folder):6.2f} s")


if __name__ == "__main__":
    main()
