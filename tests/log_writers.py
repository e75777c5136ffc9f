"""Write small logs the way each framework writes them, for the reader tests.

Each writer reproduces its framework's own formatting code (named in the
docstring) on plain Python data, so tests need no framework installed.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml


def _write(path: Path, text: str, *, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def keras_csvlogger(path: Path, sessions: Sequence[Mapping[str, Sequence[float | None]]], *,
                    initial_epochs: Sequence[int] | None = None, gz: bool = False) -> Path:
    """keras/src/callbacks/csv_logger.py with append=True: header once, ``epoch`` then sorted keys, NA if missing.

    Each session is one ``model.fit`` appending to the same file, its epochs
    starting at ``initial_epochs[i]`` (0 unless resumed with ``initial_epoch``).
    """
    keys = sorted(sessions[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i, history in enumerate(sessions):
        start = initial_epochs[i] if initial_epochs else 0
        n = len(next(iter(history.values())))
        for e in range(n):
            row = [start + e]
            for k in keys:
                v = history.get(k, [None] * n)[e]
                row.append("NA" if v is None else v)
            writer.writerow(row)
    return _write(path, out.getvalue(), gz=gz)


def keras_history_dump(path: Path, history: Mapping[str, Sequence[float]]) -> Path:
    """``pd.DataFrame(history.history).to_csv(path)``: an unnamed index column, then the keys."""
    keys = list(history)
    n = len(history[keys[0]])
    lines = ["," + ",".join(keys)] + [f"{i}," + ",".join(repr(float(history[k][i])) for k in keys) for i in range(n)]
    return _write(path, "\n".join(lines) + "\n")


def lightning_csvlogger(version_dir: Path, rows: Sequence[Mapping[str, float]],
                        hparams: Mapping[str, object] | None = None) -> Path:
    """lightning/fabric/loggers/csv_logs.py: header is the sorted union of keys, sparse rows, ``nan`` as is."""
    keys = sorted({k for row in rows for k in row})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    version_dir.mkdir(parents=True, exist_ok=True)
    if hparams is not None:
        (version_dir / "hparams.yaml").write_text(yaml.safe_dump(dict(hparams)))
    return _write(version_dir / "metrics.csv", out.getvalue())


def hf_trainer_state(path: Path, log_history: Sequence[Mapping[str, object]], **state: object) -> Path:
    """transformers TrainerState.save_to_json: ``json.dumps(asdict(self), indent=2, sort_keys=True) + "\\n"``."""
    doc = {
        "best_metric": None, "best_model_checkpoint": None, "epoch": log_history[-1].get("epoch", 0),
        "eval_steps": 500, "global_step": max(int(e.get("step", 0)) for e in log_history),
        "is_hyper_param_search": False, "is_local_process_zero": True, "is_world_process_zero": True,
        "log_history": list(log_history), "logging_steps": 10, "max_steps": 0, "num_train_epochs": 3,
        "save_steps": 500, "total_flos": 0.0, "train_batch_size": 8, "trial_name": None, "trial_params": None,
    }
    doc.update(state)
    return _write(path, json.dumps(doc, indent=2, sort_keys=True) + "\n")


def yolo_results(path: Path, rows: Sequence[Sequence[float]], *, layout: str) -> Path:
    """Ultralytics results.csv in the ``v5``, ``v8-old`` (padded) or ``v8`` (current, with time) layout.

    ``rows`` are (train_box, train_cls, val_box, val_cls, map50, lr) per epoch.
    """
    if layout == "v5":
        keys = ["train/box_loss", "train/obj_loss", "train/cls_loss", "metrics/precision", "metrics/recall",
                "metrics/mAP_0.5", "metrics/mAP_0.5:0.95", "val/box_loss", "val/obj_loss", "val/cls_loss",
                "x/lr0", "x/lr1", "x/lr2"]
        lines = [("%20s," * (len(keys) + 1) % tuple(["epoch", *keys])).rstrip(",")]
        for epoch, (tb, tc, vb, vc, m, lr) in enumerate(rows):
            vals = [tb, 0.01, tc, 0.5, 0.5, m, m / 2, vb, 0.01, vc, lr, lr, lr]
            lines.append(("%20.5g," * (len(keys) + 1) % tuple([epoch, *vals])).rstrip(","))
    else:
        keys = ["train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/precision(B)", "metrics/recall(B)",
                "metrics/mAP50(B)", "metrics/mAP50-95(B)", "val/box_loss", "val/cls_loss", "val/dfl_loss",
                "lr/pg0", "lr/pg1", "lr/pg2"]
        if layout == "v8-old":
            lines = [("%23s," * (len(keys) + 1) % tuple(["epoch", *keys])).rstrip(",")]
            for epoch, (tb, tc, vb, vc, m, lr) in enumerate(rows):
                vals = [tb, tc, 1.0, 0.5, 0.5, m, m / 2, vb, vc, 1.0, lr, lr, lr]
                lines.append(("%23.5g," * (len(keys) + 1) % tuple([epoch, *vals])).rstrip(","))
        else:
            lines = [",".join(["epoch", "time", *keys])]
            for epoch, (tb, tc, vb, vc, m, lr) in enumerate(rows, start=1):
                vals = [epoch, 10.0 * epoch, tb, tc, 1.0, 0.5, 0.5, m, m / 2, vb, vc, 1.0, lr, lr, lr]
                lines.append(",".join("%.6g" % v for v in vals))
    return _write(path, "\n".join(lines) + "\n")


def mlflow_run(store: Path, experiment_id: str, run_id: str, *, metrics: Mapping[str, Sequence[tuple[int, float, int]]],
               params: Mapping[str, str] = {}, tags: Mapping[str, str] = {}, run_name: str = "run",
               experiment_name: str = "exp", status: int = 3) -> Path:
    """mlflow/store/tracking/file_store.py: meta.yaml files, ``metrics/<key>`` lines ``ts value step``."""
    exp = store / experiment_id
    exp.mkdir(parents=True, exist_ok=True)
    (exp / "meta.yaml").write_text(yaml.safe_dump({
        "artifact_location": f"file://{exp}", "creation_time": 1700000000000, "experiment_id": experiment_id,
        "last_update_time": 1700000000000, "lifecycle_stage": "active", "name": experiment_name}))
    run = exp / run_id
    run.mkdir(parents=True, exist_ok=True)
    (run / "meta.yaml").write_text(yaml.safe_dump({
        "artifact_uri": f"file://{run}/artifacts", "end_time": 1700000100000, "entry_point_name": "",
        "experiment_id": experiment_id, "lifecycle_stage": "active", "run_id": run_id, "run_name": run_name,
        "run_uuid": run_id, "source_name": "", "source_type": 4, "source_version": "", "start_time": 1700000000000,
        "status": status, "tags": [], "user_id": "me"}))
    for key, points in metrics.items():
        _write(run / "metrics" / key, "".join(f"{ts} {_mlflow_value(v)} {step}\n" for ts, v, step in points))
    for key, value in params.items():
        _write(run / "params" / key, value)
    for key, value in {"mlflow.runName": run_name, **tags}.items():
        _write(run / "tags" / key, value)
    return run


def _mlflow_value(v: float) -> str:
    return "nan" if math.isnan(v) else repr(float(v))


def json_lines(path: Path, records: Sequence[Mapping[str, object]], *, sort_keys: bool = False,
               prefix: str = "", gz: bool = False) -> Path:
    """detectron2 JSONWriter (``sort_keys=True``), MMEngine ``scalars.json`` or DETR ``log.txt``: one object a line."""
    return _write(path, "".join(prefix + json.dumps(r, sort_keys=sort_keys) + "\n" for r in records), gz=gz)


def fairseq_log(path: Path, records: Sequence[tuple[str, Mapping[str, float]]]) -> Path:
    """fairseq ``--log-format json``: ``logger.info(json.dumps(stats))`` with values formatted as strings."""
    lines = []
    for tag, stats in records:
        formatted = {k: (v if k == "epoch" else f"{v:g}") for k, v in stats.items()}
        lines.append(f"2023-01-01 10:00:00 | INFO | {tag} | {json.dumps(formatted)}")
    return _write(path, "\n".join(lines) + "\n")


def tensorboard_csv(path: Path, points: Sequence[tuple[float, int, float]]) -> Path:
    """The scalars dashboard's CSV download: ``Wall time,Step,Value``."""
    return _write(path, "Wall time,Step,Value\n" + "".join(f"{w!r},{s},{v!r}\n" for w, s, v in points))


def wandb_panel_csv(path: Path, x_name: str, runs: Mapping[str, Mapping[str, Sequence[tuple[int, float]]]]) -> Path:
    """A W&B line-plot panel's CSV export: per run ``<run> - <metric>`` plus ``__MIN``/``__MAX``, all quoted."""
    columns: list[tuple[str, str]] = [(r, m) for r, metrics in runs.items() for m in metrics]
    steps = sorted({s for r, m in columns for s, _ in runs[r][m]})
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    header = [x_name]
    for r, m in columns:
        header += [f"{r} - {m}", f"{r} - {m}__MIN", f"{r} - {m}__MAX"]
    writer.writerow(header)
    for s in steps:
        row: list[object] = [s]
        for r, m in columns:
            value = dict(runs[r][m]).get(s)
            row += ["" if value is None else value] * 3
        writer.writerow(row)
    return _write(path, out.getvalue())


def wandb_history_csv(path: Path, rows: Sequence[Mapping[str, float]]) -> Path:
    """``run.history(pandas=True).to_csv(path)``: an index column, ``_runtime``, ``_step``, ``_timestamp``, metrics."""
    keys = sorted({k for row in rows for k in row})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["", *keys])
    for i, row in enumerate(rows):
        writer.writerow([i, *("" if row.get(k) is None else row[k] for k in keys)])
    return _write(path, out.getvalue())
