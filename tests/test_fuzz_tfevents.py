"""Fuzzing the TensorBoard reader: valid event files, mutated (truncated, bit-flipped, spliced).

For every mutated file, with both scanners: the reader returns data plus warnings
and nothing else (no exception), the two scanners agree exactly, every record that
ends before the first damaged byte is kept with its exact value, and no point is
invented (every point read is one that was written). Hypothesis runs a bounded,
derandomized number of examples in CI; ``LOGSCOPE_FUZZ_EXAMPLES`` raises the count
and ``LOGSCOPE_FUZZ_RANDOM=1`` draws fresh examples (see docs/reliability.md).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tfevents_factory as tf
from logscope.readers import tfevents
from logscope.readers.base import RunSource

FUZZ = settings(
    max_examples=int(os.environ.get("LOGSCOPE_FUZZ_EXAMPLES", "150")),
    derandomize=os.environ.get("LOGSCOPE_FUZZ_RANDOM", "") != "1",
    database=None, deadline=None, suppress_health_check=list(HealthCheck),
)
SCANNERS = [name for name in ("c", "python") if name in tfevents.SCANNERS]
TAGS = ["loss", "val/loss", "lr", "acc"]


@st.composite
def event_file(draw: st.DrawFn) -> tuple[bytes, list[int], dict[int, tuple[str, int, float]]]:
    """A valid event file whose steps only rise; returns (bytes, record end offsets, point by record)."""
    events = [tf.version_event()]
    points: dict[int, tuple[str, int, float]] = {}
    for step in range(draw(st.integers(1, 25))):
        tag = draw(st.sampled_from(TAGS))
        if draw(st.booleans()):
            value = float(np.float32(draw(st.floats(width=32))))
            events.append(tf.scalar(tag, value, step, wall=draw(st.floats())))
        else:
            value = draw(st.floats())
            events.append(tf.tensor(tag, value, step, dtype=tf.DT_DOUBLE))
        points[len(events) - 1] = (tag, step, value)
        if draw(st.integers(0, 5)) == 0:
            events.append(tf.histogram("weights", step))
    data = tf.records(events)
    offsets = tf.record_offsets(data)
    return data, [*offsets[1:], len(data)], points


@st.composite
def mutation(draw: st.DrawFn, size: int) -> tuple[str, int, bytes | int]:
    """(kind, first byte changed, argument): truncate, flip bits, insert bytes, delete a range."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "overwrite"]))
    at = draw(st.integers(0, max(0, size - 1)))
    if kind == "truncate":
        return kind, at, 0
    if kind == "flip":
        return kind, at, draw(st.integers(1, 255))
    if kind == "delete":
        return kind, at, draw(st.integers(1, max(1, size - at)))
    return kind, at, draw(st.binary(min_size=1, max_size=64))


def mutate(data: bytes, kind: str, at: int, arg: bytes | int) -> bytes:
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ int(arg)]) + data[at + 1:]
    if kind == "delete":
        return data[:at] + data[at + int(arg):]
    if kind == "insert":
        return data[:at] + bytes(arg) + data[at:]
    return data[:at] + bytes(arg) + data[at + len(bytes(arg)):]  # overwrite


def read_file(data: bytes) -> dict[str, tuple]:
    """Read ``data`` as a run's only event file with each scanner; assert they agree; return one result."""
    results = {}
    original = tfevents.SCANNER
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.out.tfevents.1.fuzz"
        path.write_bytes(data)
        source = RunSource(name="run", reader=tfevents.NAME, files=(path,), root=Path(tmp))
        try:
            for name in SCANNERS:
                tfevents.SCANNER = name
                run = tfevents.read(source)  # directly: an exception here fails the test
                results[name] = ({s.name: (s.steps.tobytes(), s.values.tobytes(), s.wall_times.tobytes())
                                  for s in run.series}, run.warnings)
        finally:
            tfevents.SCANNER = original
    first = results[SCANNERS[0]]
    for name in SCANNERS[1:]:
        assert results[name] == first, f"scanners {SCANNERS[0]} and {name} disagree"
    return first


@FUZZ
@given(st.data())
def test_mutated_event_files(data: st.DataObject) -> None:
    original, ends, points = data.draw(event_file())
    kind, at, arg = data.draw(mutation(len(original)))
    damaged = mutate(original, kind, at, arg)
    series, warnings = read_file(damaged)
    assert all(w.file and w.kind and w.message for w in warnings)
    got = {(name, int(step), float(v).hex())
           for name, (steps, values, _) in series.items()
           for step, v in zip(np.frombuffer(steps, np.int64), np.frombuffer(values, np.float64))}
    written = {(tag, step, float(v).hex()) for tag, step, v in points.values()}
    # Nothing invented: random bytes passing two CRC32C checks is a 2**-64 event.
    assert got <= written, got - written
    # Every record that ends before the first changed byte is kept, value for value.
    before = {(tag, step, float(v).hex()) for k, (tag, step, v) in points.items() if ends[k] <= at}
    assert before <= got, before - got
    if damaged == original:
        assert got == written and not warnings


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_named_like_an_event_file(data: bytes) -> None:
    """Any bytes at all: data (here none) plus warnings, never an exception."""
    series, warnings = read_file(data)
    assert series == {} and warnings


@FUZZ
@given(st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=8))
def test_valid_frames_around_arbitrary_payloads(payloads: list[bytes]) -> None:
    """Records with correct checksums but arbitrary payloads (TensorBoard: DecodeError for the run)."""
    series, warnings = read_file(tf.records([tf.version_event(), *payloads, tf.scalar("loss", 0.5, 7)]))
    steps, values, _ = series["loss"]  # the last write; a payload that decodes to a point may come before
    assert np.frombuffer(steps, np.int64)[-1] == 7 and np.frombuffer(values, np.float64)[-1] == 0.5


def test_fuzz_settings_are_deterministic_in_ci() -> None:
    if os.environ.get("LOGSCOPE_FUZZ_RANDOM") == "1":
        pytest.skip("a random campaign was asked for")
    assert FUZZ.derandomize and FUZZ.database is None
