"""The two scanners (compiled ``_tfscan``, pure-Python ``_tfscan_py``) agree exactly.

On valid streams both also agree with an oracle built on the protobuf runtime and
TensorBoard's EventAccumulator rules; on damaged streams (bytes flipped, records cut,
payloads mangled and re-framed with valid checksums) the two agree with each other.
"""

from __future__ import annotations

import shutil
import struct
import sysconfig
from collections import defaultdict

import crc32c
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import event_pb2
from tensorboard.util.tensor_util import make_ndarray

import tfevents_factory as tf
from logscope.readers import tfevents

PY = tfevents.SCANNERS["python"]
C = tfevents.SCANNERS.get("c")
needs_c = pytest.mark.skipif(C is None, reason="the compiled scanner is not built (no C compiler at install time)")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TAGS = st.sampled_from(["loss", "val/loss", "lr", "acc", "", "ü/ß", "x" * 40])
STEPS = st.one_of(st.integers(0, 1000), st.integers(-(2**63), 2**63 - 1))
FLOATS = st.floats(width=32, allow_nan=True, allow_infinity=True)
REAL_DTYPES = [d for d in tf.DTYPES if d != tf.DT_BOOL]


@st.composite
def events(draw: st.DrawFn) -> event_pb2.Event:
    """One event of the kinds real writers produce."""
    kind = draw(st.sampled_from(["simple", "simple", "tensor", "tensor", "nometa", "hist", "image", "text",
                                 "start", "hparams", "version"]))
    tag, step = draw(TAGS), draw(STEPS)
    wall = draw(st.floats(allow_nan=True, allow_infinity=True))
    if kind == "simple":
        ev = tf.scalar(tag, draw(FLOATS), step)
    elif kind in ("tensor", "nometa"):
        dtype = draw(st.sampled_from(REAL_DTYPES))
        info = np.iinfo(tf.DTYPES[dtype][0]) if np.dtype(tf.DTYPES[dtype][0]).kind in "iu" else None
        width = {tf.DT_HALF: 16, tf.DT_FLOAT: 32}.get(dtype, 64)
        value = draw(st.integers(int(info.min), int(info.max))) if info else draw(st.floats(width=width))
        ev = tf.tensor(tag, value, step, dtype=dtype, form=draw(st.sampled_from(["content", "value"])),
                       plugin="scalars" if kind == "tensor" else None)
    elif kind == "hist":
        ev = tf.histogram(tag, step)
    elif kind == "image":
        ev = tf.image(tag, step, size=300)
    elif kind == "text":
        ev = tf.text(tag, step)
    elif kind == "start":
        ev = tf.start(step)
    elif kind == "hparams":
        ev = tf.hparams({"lr": draw(st.floats(allow_nan=False))})
    else:
        ev = tf.version_event()
    ev.wall_time = wall
    return ev


def oracle(evs: list[event_pb2.Event]) -> dict[str, list[tuple[int, float, float, int]]]:
    """Points by tag: protobuf, EventAccumulator's rules (first metadata per tag), make_ndarray."""
    plugins: dict[str, str] = {}
    points: dict[str, list[tuple[int, float, float, int]]] = defaultdict(list)
    for seq, ev in enumerate(evs):
        if ev.WhichOneof("what") != "summary":
            continue
        for v in ev.summary.value:
            if v.HasField("metadata") and v.tag not in plugins:
                plugins[v.tag] = v.metadata.plugin_data.plugin_name
            kind = v.WhichOneof("value")
            if kind == "simple_value":
                points[v.tag].append((ev.step, v.simple_value, ev.wall_time, seq))
            elif kind == "tensor":
                tag = v.tag or v.node_name
                if plugins.get(tag) == "scalars" and v.tensor.dtype in tf.DTYPES:  # real numbers only
                    arr = _ndarray(v.tensor)
                    if arr.size == 1:
                        points[tag].append((ev.step, float(arr.reshape(())), ev.wall_time, seq))
    return points


def assert_scans_like_the_oracle(evs: list) -> None:
    """Both scanners give, per tag, exactly the points the protobuf oracle decodes from ``evs``."""
    result = scan_both(tf.records(evs))
    got, want = as_points(result), oracle(evs)
    assert sorted(got) == sorted(want)
    for tag, pts in want.items():
        for col, w in zip(got[tag], zip(*pts)):
            np.testing.assert_array_equal(col, np.array(w))


def _ndarray(t) -> np.ndarray:
    """TensorBoard's make_ndarray, plus the uint32/uint64 value fields it does not read."""
    if t.tensor_content or t.dtype not in (tf.DT_UINT32, tf.DT_UINT64):
        return make_ndarray(t)
    vals = list(t.uint32_val if t.dtype == tf.DT_UINT32 else t.uint64_val)
    return np.array(vals or [0], dtype=np.float64)


def as_points(result: dict) -> dict[str, tuple[np.ndarray, ...]]:
    return {name: tuple(np.array(b, dtype=d) if isinstance(b, range) else np.frombuffer(b, dtype=d)
                        for b, d in zip(cols, ("<i8", "<f8", "<f8", "<i8")))
            for name, *cols in result["tags"]}


def frame(payload: bytes) -> bytes:
    head = struct.pack("<Q", len(payload))
    return head + struct.pack("<I", PY.masked_crc(head)) + payload + struct.pack("<I", PY.masked_crc(payload))


def scan_both(data: bytes) -> dict:
    p1: dict[str, str] = {}
    a = PY.scan(data, p1)
    if C is not None:
        p2: dict[str, str] = {}
        b = C.scan(data, p2)
        assert a == b
        assert p1 == p2
    return a


def test_the_compiled_scanner_is_built_where_a_compiler_exists() -> None:
    """A silent fallback in CI would leave the C path untested."""
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}): logscope uses the pure-Python scanner")
    assert C is not None, (f"{cc} is present but logscope/readers/_tfscan was not built; "
                           "reinstall with pip install -e . and read the build output")


@needs_c
@SETTINGS
@given(st.binary(max_size=300))
def test_crc32c_hardware_table_and_reference_agree(data: bytes) -> None:
    assert C.crc32c(data) == C.crc32c(data, True) == crc32c.crc32c(data)
    assert C.masked_crc(data) == PY.masked_crc(data)


@SETTINGS
@given(st.lists(events(), max_size=25))
def test_valid_streams_match_the_protobuf_oracle(evs: list[event_pb2.Event]) -> None:
    evs = [tf.version_event(), *evs]
    result = scan_both(tf.records(evs))
    assert result["damage"] == [] and result["records"] == len(evs)
    got = as_points(result)
    want = oracle(evs)
    assert list(got) == sorted(want, key=lambda t: min(p[3] for p in want[t]))
    for tag, pts in want.items():
        steps, values, walls, seqs = (np.array(col) for col in zip(*pts))
        np.testing.assert_array_equal(got[tag][0], steps)
        np.testing.assert_array_equal(got[tag][1], values)
        np.testing.assert_array_equal(got[tag][2], walls)
        np.testing.assert_array_equal(got[tag][3], seqs)
    starts = [(seq, ev.step) for seq, ev in enumerate(evs)
              if ev.WhichOneof("what") == "session_log" and ev.session_log.status == 1]
    assert [(s, st_) for s, st_, _ in result["starts"]] == starts


@SETTINGS
@given(st.lists(events(), min_size=1, max_size=12), st.data())
def test_mangled_payloads_with_valid_checksums_scan_identically(evs: list[event_pb2.Event], data: st.DataObject) -> None:
    payloads = [ev.SerializeToString() for ev in evs]
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(payloads) - 1))
        p = bytearray(payloads[i])
        op = data.draw(st.sampled_from(["flip", "cut", "insert", "set"]))
        at = data.draw(st.integers(0, len(p)))
        if op == "flip" and p:
            p[min(at, len(p) - 1)] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "cut":
            del p[at:]
        elif op == "insert":
            p[at:at] = data.draw(st.binary(min_size=1, max_size=6))
        elif p:
            p[min(at, len(p) - 1)] = data.draw(st.integers(0, 255))
        payloads[i] = bytes(p)
    result = scan_both(b"".join(frame(p) for p in payloads))
    assert result["records"] == len(payloads)
    assert all(kind == "corrupt" for kind, _, _ in result["damage"])


@SETTINGS
@given(st.lists(events(), min_size=1, max_size=12), st.data())
def test_damaged_files_scan_identically(evs: list[event_pb2.Event], data: st.DataObject) -> None:
    raw = bytearray(tf.records([tf.version_event(), *evs]))
    for _ in range(data.draw(st.integers(1, 3))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert", "delete", "zeros"]))
        at = data.draw(st.integers(0, len(raw)))
        if op == "flip" and raw:
            raw[min(at, len(raw) - 1)] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "cut":
            del raw[at:]
        elif op == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=40))
        elif op == "delete":
            del raw[at:at + data.draw(st.integers(1, 40))]
        else:
            raw[at:at] = bytes(data.draw(st.integers(1, 100)))
    scan_both(bytes(raw))


def test_plugin_memory_is_shared_across_files_through_the_dict() -> None:
    first = tf.records([tf.tensor("loss", 1.0, 0)])
    later = tf.records([tf.tensor("loss", 2.0, 1, plugin=None)])
    for scanner in [PY] + ([C] if C else []):
        plugins: dict[str, str] = {}
        scanner.scan(first, plugins)
        assert plugins == {"loss": "scalars"}
        assert [t[0] for t in scanner.scan(later, plugins)["tags"]] == ["loss"]
        assert scanner.scan(later, {})["tags"] == []


def test_invalid_utf8_tags_are_replaced_and_counted() -> None:
    ev = tf.scalar("placeholder", 1.0, 0).SerializeToString().replace(b"placeholder", b"bad\xff\xfename!!")
    result = scan_both(tf.records([ev]))
    assert [t[0] for t in result["tags"]] == ["bad\ufffd\ufffdname!!"]
    assert result["bad_utf8"] == 1


def test_a_long_nul_tail_is_skipped_quickly_by_both() -> None:
    data = tf.records([tf.version_event(), *[tf.scalar("loss", 1.0, i) for i in range(10)]]) + bytes(1 << 20)
    result = scan_both(data)
    assert result["records"] == 11
    assert result["damage"] == [("length-crc", len(data) - (1 << 20), -1)]


def test_record_numbers_are_a_range_while_they_are_one() -> None:
    """A writer cycling through its tags gives each tag evenly spaced record numbers: both
    scanners return them as a range (no column), and as int64 bytes from the first gap."""
    evs = [tf.version_event()] + [tf.scalar(tag, float(i), i) for i in range(50) for tag in ("a", "b")]
    evs.insert(60, tf.histogram("h", 0))  # "a" and "b" are no longer evenly spaced after it
    result = scan_both(tf.records(evs + [tf.scalar("c", 1.0, 0)]))
    seqs = {name: s for name, _, _, _, s in result["tags"]}
    assert seqs["c"] == range(102, 103)
    for tag, first in (("a", 1), ("b", 2)):
        assert isinstance(seqs[tag], bytes)
        want = [first + 2 * i for i in range(50)]
        want = [s if s < 60 else s + 1 for s in want]
        assert np.frombuffer(seqs[tag], dtype="<i8").tolist() == want
    regular = scan_both(tf.records([tf.scalar("a", 1.0, i) for i in range(5)]))
    assert regular["tags"][0][4] == range(5)
    # The same tag twice in one event: equal record numbers are no range.
    twice = event_pb2.Event(step=0)
    twice.summary.value.add(tag="a", simple_value=1.0)
    twice.summary.value.add(tag="a", simple_value=2.0)
    assert scan_both(tf.records([twice]))["tags"][0][4] == np.array([0, 0], dtype="<i8").tobytes()


def test_the_predicted_tag_shortcut_decodes_like_the_general_path() -> None:
    """The compiled scanner checks a record against the bytes its predicted tag wrote last
    time; records that look alike but are not (a same-length tag, extra fields, no wall
    time, a step of 0, a multi-byte step, a node name) must decode as the oracle says."""
    evs = [tf.version_event()]
    for i in range(40):
        for tag in ("loss_a", "loss_b", "acc"):
            ev = tf.scalar(tag, float(i) / 3, [0, 5, 300, 2**20, 2**40][i % 5])
            if i % 7 == 3:
                ev.ClearField("wall_time")
            if i % 11 == 5 and tag == "loss_b":
                ev.summary.value[0].node_name = "n"  # an extra field inside the value
            if i % 13 == 6 and tag == "acc":
                ev.summary.value.add(tag="loss_a", simple_value=9.0)  # two values in one event
            evs.append(ev)
        if i % 9 == 4:
            evs.append(tf.scalar("loss_c", 1.0, i))  # same length as loss_a, never predicted
    assert_scans_like_the_oracle(evs)


@needs_c
@SETTINGS
@given(st.lists(events(), min_size=1, max_size=15), st.data())
def test_reading_a_file_a_window_at_a_time_scans_identically(tmp_path_factory: pytest.TempPathFactory,
                                                             evs: list[event_pb2.Event], data: st.DataObject) -> None:
    """scan_fd (the file read through a small reused window) equals scan of the whole file,
    damaged or not, whatever the window; with too little allowance to read the rest of a
    damaged file it returns None and leaves the plugins alone."""
    raw = bytearray(tf.records([tf.version_event(), *evs]))
    for _ in range(data.draw(st.integers(0, 2))):
        if not raw:
            break
        at = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["flip", "cut", "zeros"]))
        if op == "flip":
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "cut":
            del raw[at:]
        else:
            raw[at:at] = bytes(data.draw(st.integers(1, 40)))
    path = tmp_path_factory.mktemp("fd") / "events.out.tfevents.1"
    path.write_bytes(bytes(raw))
    want_plugins: dict[str, str] = {}
    want = C.scan(bytes(raw), want_plugins)
    window = data.draw(st.sampled_from([1, 16, 37, 100, 4096]))
    rest_max = data.draw(st.sampled_from([0, 50, 1 << 26]))
    with open(path, "rb") as fh:
        fh.read(7)  # the descriptor's position does not matter
        plugins: dict[str, str] = {}
        got = C.scan_fd(fh.fileno(), plugins, window, rest_max)
    if got is None:
        assert rest_max < len(raw) and plugins == {}
        assert any(kind in ("length-crc", "length", "truncated") for kind, _, _ in want["damage"])
    else:
        assert got == want
        assert plugins == want_plugins


@pytest.mark.parametrize("dtype", REAL_DTYPES)
@pytest.mark.parametrize("form", ["content", "value"])
def test_tensor_records_like_the_last_one_decode_like_the_general_path(dtype: int, form: str) -> None:
    """The compiled scanner reads a tag's record as its last one with only the number changed
    when every other byte is the same. Tensors of every dtype and form, metadata on the first
    event only (TF1) or on all, and records that differ elsewhere (another dtype, a shape,
    the other form) must decode as the oracle says."""
    np_dtype = np.dtype(tf.DTYPES[dtype][0])
    pick = (lambda i: int(np.iinfo(np_dtype).max) - i % 7 if np_dtype.kind in "iu" and i % 5 == 0
            else (i % 9) * (1 if np_dtype.kind == "u" else -1) if np_dtype.kind in "iu" else (i - 17) / 3)
    evs = [tf.version_event()]
    for i in range(60):
        for k, tag in enumerate(("a", "b/loss", "c" * 20)):
            ev = tf.tensor(tag, pick(i), i * 3, dtype=dtype, form=form,
                           plugin="scalars" if i == 0 or k == 0 else None)
            if i % 17 == 9:
                ev.summary.value[0].tensor.tensor_shape.dim.add(size=1)  # same number, one more byte
            if i % 19 == 11 and tag == "a":  # another dtype, once
                other = tf.DT_DOUBLE if dtype != tf.DT_DOUBLE else tf.DT_FLOAT
                ev = tf.tensor(tag, 2.5, i * 3, dtype=other, form=form, plugin=None)
            if i % 23 == 13 and tag == "b/loss":  # the other form, once
                ev = tf.tensor(tag, pick(i), i * 3, dtype=dtype, form="value" if form == "content" else "content",
                               plugin=None)
            evs.append(ev)
    assert_scans_like_the_oracle(evs)
