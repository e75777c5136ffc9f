"""Proof that logscope reads TensorBoard files exactly: the same tags, steps and values as tbparse.

For every TensorBoard run in ../shared/corpus and for generated runs (TensorBoard's own
protobufs and record writer), logscope's raw points equal tbparse's rows exactly. The
series logscope analyses differ from them only by the documented policies
(docs/tensorboard.md): a restart supersedes earlier points, and a step keeps its last
write. Those are checked against a plain loop written from the documentation.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np
import pytest

import tfevents_factory as tf
from logscope.readers import discover, read_source, tfevents

tbparse = pytest.importorskip("tbparse")


@functools.lru_cache(maxsize=None)
def tbparse_points(run_dir: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Series name -> (steps, values) from tbparse's scalars and scalar tensors (read once per folder)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tbparse/pandas deprecations are not under test
        reader = tbparse.SummaryReader(str(run_dir), extra_columns={"dir_name"})
        frames = [reader.scalars, reader.tensors]
    out: dict[str, tuple[list[int], list[float]]] = {}
    for df in frames:
        if df.empty:
            continue
        for dir_name, tag, step, value in zip(df["dir_name"], df["tag"], df["step"], df["value"]):
            arr = np.asarray(value, dtype=object)
            if arr.size != 1:  # a tensor of another plugin (a TF2 histogram): not a scalar
                continue
            prefix = f"{dir_name}/" if dir_name in tfevents.KERAS_SPLIT_DIRS else ""
            steps, values = out.setdefault(prefix + tag, ([], []))
            steps.append(int(step))
            values.append(float(arr.reshape(-1)[0]))
    return {k: (np.array(s, dtype=np.int64), np.array(v, dtype=np.float64)) for k, (s, v) in out.items()}


def sorted_pairs(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points ordered by (step, value) with NaN last: tbparse's row order within a step is not stable."""
    order = np.lexsort((np.nan_to_num(values, nan=np.inf), np.isnan(values), steps))
    return steps[order], values[order]


def reference_series(steps: np.ndarray, values: np.ndarray, starts: list[tuple[int, int]],
                     seqs: np.ndarray) -> tuple[list[int], list[float]]:
    """The documented policy as a plain loop over points in write order.

    1. A SessionLog.START at step s drops earlier points with step >= s.
    2. When a tag's step goes back to s, earlier points with step >= s are dropped.
    3. Of several points at one step, the last written is kept.
    """
    points = list(zip(seqs.tolist(), steps.tolist(), values.tolist()))
    alive = [True] * len(points)
    for start_seq, start_step in starts:
        for k, (seq, step, _) in enumerate(points):
            if alive[k] and seq < start_seq and step >= start_step:
                alive[k] = False
    survivors = [p for p, a in zip(points, alive) if a]
    out: list[tuple[int, float]] = []
    prev: int | None = None
    for _, step, value in survivors:  # 2: a step regression supersedes
        if prev is not None and step < prev:
            out = [(s, v) for s, v in out if s < step]
        out.append((step, value))
        prev = step
    last: dict[int, float] = {}
    for step, value in out:
        last[step] = value
    return sorted(last), [last[s] for s in sorted(last)]


def check_run_dir(run_dir: Path) -> None:
    sources, _ = discover(run_dir, format="tensorboard")
    theirs = tbparse_points(run_dir)
    ours: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    resolved = {}
    for source in sources:
        raw, _ = tfevents.read_raw(source)
        ours.update({name: (s, v) for name, (s, v, _) in raw.items()})
        for run in read_source(source):
            resolved.update({s.name: s for s in run.series})
        got = tfevents._collect(source)
        for stream in got.streams:
            starts = sorted((seq, step) for seq, step, _, _ in stream.starts)
            for tag, pts in stream.tags.items():
                want_steps, want_values = reference_series(pts.steps, pts.values, starts, pts.seqs)
                series = resolved[stream.prefix + tag]
                np.testing.assert_array_equal(series.steps, want_steps, err_msg=f"{run_dir.name}: {tag}")
                np.testing.assert_array_equal(series.values, want_values, err_msg=f"{run_dir.name}: {tag}")
    assert sorted(ours) == sorted(theirs), run_dir.name
    for name in theirs:
        a = sorted_pairs(*ours[name])
        b = sorted_pairs(*theirs[name])
        np.testing.assert_array_equal(a[0], b[0], err_msg=f"{run_dir.name}: {name} steps")
        np.testing.assert_array_equal(a[1], b[1], err_msg=f"{run_dir.name}: {name} values")


@pytest.fixture(params=["c", "python"], autouse=True)
def scanner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.param not in tfevents.SCANNERS:
        pytest.skip("the compiled scanner is not built")
    monkeypatch.setattr(tfevents, "SCANNER", request.param)


def corpus_runs() -> list[Path]:
    from conftest import CORPUS

    base = CORPUS / "tensorboard"
    return sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


@pytest.mark.parametrize("run_dir", corpus_runs(), ids=lambda p: p.name)
def test_corpus_runs_equal_tbparse(run_dir: Path) -> None:
    check_run_dir(run_dir)


def test_the_corpus_is_present_for_the_proof(corpus: Path) -> None:
    assert len(corpus_runs()) >= 10


def generated(root: Path) -> list[Path]:
    """Runs of every shape the reader handles, small enough to keep the test fast."""
    rng = np.random.default_rng(3)
    torch = root / "torch"
    events = []
    for step in range(300):
        events += [tf.scalar("train/loss", float(rng.normal()), step), tf.scalar("lr", 1e-3 * 0.99**step, step)]
        if step % 50 == 0:
            events += [tf.histogram("weights", step), tf.image("samples", step, size=600)]
    tf.write(torch / "events.out.tfevents.1.h.1.0", events)

    keras = root / "keras"
    for split in ("train", "validation"):
        evs = [tf.tensor("epoch_loss", float(rng.random()), e) for e in range(20)]
        evs += [tf.tensor("epoch_acc", float(rng.random()), e, form="value") for e in range(20)]
        evs += [tf.tensor("epoch_f64", float(rng.random()), e, dtype=tf.DT_DOUBLE) for e in range(20)]
        tf.write(keras / split / "events.out.tfevents.1.h.1.0.v2", evs)
    tf.write(keras / "events.out.tfevents.1.h.1.0.v2", [tf.hparams({"lr": 0.01})])

    lightning = root / "lightning"
    tf.write(lightning / "events.out.tfevents.1.h.1.0",
             [tf.hparams({"lr": 0.1}), tf.scalar("hp_metric", -1.0, 0)] + [tf.scalar("train_loss", 1 / (i + 1), i) for i in range(50)]
             + [tf.scalar("val_loss", 0.5, 49), tf.text("notes", 0)])
    tf.write(lightning / "events.out.tfevents.2.h.1.1", [tf.scalar("hp_metric", -1.0, 0), tf.scalar("val_loss", 0.4, 49)])

    restart = root / "restart"
    tf.write(restart / "events.out.tfevents.1.h.1.0", [tf.scalar("loss", float(i), i) for i in range(100)])
    tf.write(restart / "events.out.tfevents.2.h.1.1", [tf.start(50)] + [tf.scalar("loss", 2.0 * i, i) for i in range(50, 150)])

    resume = root / "resume"
    tf.write(resume / "events.out.tfevents.1.h.1.0", [tf.scalar("loss", float(i), i) for i in range(100)])
    tf.write(resume / "events.out.tfevents.2.h.1.1", [tf.scalar("loss", 2.0 * i, i) for i in range(60, 150)])

    yolo = root / "yolo"
    tf.write(yolo / "events.out.tfevents.1.h.1.0",
             [tf.scalar("train/box_loss", float(rng.random()), epoch) for epoch in range(10) for _ in range(30)]
             + [tf.scalar("metrics/mAP50", float(rng.random()), epoch) for epoch in range(10)])

    crashed = root / "crashed"
    data = tf.records([tf.version_event()] + [tf.scalar("loss", float(i), i) for i in range(200)])
    crashed.mkdir()
    (crashed / "events.out.tfevents.1.h.1.0").write_bytes(data[:-7])
    return [torch, keras, lightning, restart, resume, yolo, crashed]


def test_generated_runs_equal_tbparse(tmp_path: Path) -> None:
    for run_dir in generated(tmp_path):
        check_run_dir(run_dir)


def test_policy_differences_are_real_on_the_generated_runs(tmp_path: Path) -> None:
    """The raw points keep what tbparse keeps; the analysed series apply the policies."""
    dirs = {p.name: p for p in generated(tmp_path)}
    expect = {"restart": (200, 150), "resume": (190, 150), "yolo": (310, 20)}
    for name, (raw_points, series_points) in expect.items():
        (source,), _ = discover(dirs[name], format="tensorboard")
        raw, _ = tfevents.read_raw(source)
        (run,) = read_source(source)
        assert sum(len(v[0]) for v in raw.values()) == raw_points
        assert sum(len(s) for s in run.series) == series_points
        assert {w.kind for w in run.warnings} == ({"duplicate-step"} if name == "yolo" else {"restart"})
