"""Adversarial TensorBoard event files, made at test time: what is kept and what is warned, exactly.

Every case runs with both scanners (compiled ``_tfscan`` and pure-Python
``_tfscan_py``) and states the result both must give; ``test_scanners_agree_on_every_case``
also checks the two give identical runs, bit for bit, on every case at once.
Byte offsets in the expected warnings are computed from the records written.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

import tfevents_factory as tf
from adversarial import Expect, check_read, write_tree
from logscope.readers import read_path, tfevents

PY = tfevents.SCANNERS["python"]
SCANNERS = ["c", "python"]
EV = "events.out.tfevents.1.host"

#: The base file: a version record, then N ``loss`` points at steps 0..N-1.
N = 10
VALUES = [1.0 / (i + 1) for i in range(N)]
DATA = tf.records([tf.version_event()] + [tf.scalar("loss", v, i) for i, v in enumerate(VALUES)])
OFFSETS = tf.record_offsets(DATA)
ENDS = OFFSETS[1:] + [len(DATA)]
F32 = np.float32  # simple_value is float32: expected values go through it


def loss(steps: list[int]) -> dict[str, tuple[list[int], list[float]]]:
    """The base file's ``loss`` points at ``steps``."""
    return {"loss": (steps, [float(F32(VALUES[s])) for s in steps])}


def without(k: int) -> list[int]:
    """Steps of the base file when record ``k`` (record 0 is the version) is lost."""
    return [s for s in range(N) if s != k - 1]


@pytest.fixture(params=SCANNERS)
def scanner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with each scanner; the compiled one is skipped only if it was not built."""
    if request.param not in tfevents.SCANNERS:
        pytest.skip("the compiled scanner is not built (no C compiler at install time)")
    monkeypatch.setattr(tfevents, "SCANNER", request.param)
    return request.param


def forge_length(data: bytes, k: int, length: int) -> bytes:
    """Record ``k`` declares ``length`` bytes, with a valid length checksum (a forged header)."""
    out = bytearray(data)
    header = struct.pack("<Q", length)
    out[OFFSETS[k]:OFFSETS[k] + 12] = header + struct.pack("<I", PY.masked_crc(header))
    return bytes(out)


def flip(data: bytes, bit: int) -> bytes:
    """``data`` with bit ``bit`` (0 = lowest bit of the first byte) inverted."""
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


# ------------------------------------------------------------------ truncation

def test_truncated_at_every_offset(tmp_path: Path, scanner: str) -> None:
    """Cut anywhere: every complete record is kept; a cut inside a record is one `truncated` warning
    naming the record's offset, the bytes of the unfinished write and the records kept."""
    path = tmp_path / "run" / EV
    path.parent.mkdir()
    for cut in range(len(DATA)):
        path.write_bytes(DATA[:cut])
        complete = sum(end <= cut for end in ENDS)
        if cut == 0:
            expect = Expect({}, [(EV, "empty", "empty event file (0 bytes)")], runs_without_series=["run"])
        elif complete == 0:
            expect = Expect({}, [(EV, "not-event-file", "too short to hold a record")], runs_without_series=["run"])
        elif cut in ENDS:
            expect = Expect({"run": loss(list(range(complete - 1)))} if complete > 1 else {},
                            runs_without_series=[] if complete > 1 else ["run"],
                            warnings=[] if complete > 1 else [("run", "empty", "no scalar values")])
        else:
            at = OFFSETS[complete]
            phrases = (f"at byte {at} ({cut - at} byte(s) of an unfinished write",
                       f"the {complete} record(s) before it are kept")
            expect = Expect({"run": loss(list(range(complete - 1)))} if complete > 1 else {},
                            runs_without_series=[] if complete > 1 else ["run"],
                            warnings=[(EV, "truncated", phrases)]
                            + ([] if complete > 1 else [("run", "empty", "no scalar values")]))
        _check_dir(path.parent, expect, f"cut at byte {cut}")


def _check_dir(folder: Path, expect: Expect, what: str) -> None:
    """``check_read`` on ``folder``, saying which input failed."""
    try:
        check_read(folder, expect)
    except AssertionError as exc:
        raise AssertionError(f"{what}: {exc}") from None


# ------------------------------------------------------------------- bit flips

@pytest.mark.parametrize("k", [0, 5, N])
def test_every_single_bit_flip_loses_exactly_that_record(tmp_path: Path, scanner: str, k: int) -> None:
    """Flip any one bit of record k (header, length checksum, payload or data checksum): that record,
    and only it, is lost, with one `crc` warning at its offset (both checksums catch every 1-bit error)."""
    path = tmp_path / "run" / EV
    path.parent.mkdir()
    lost_step = without(k)
    for bit in range(OFFSETS[k] * 8, ENDS[k] * 8):
        path.write_bytes(flip(DATA, bit))
        _check_dir(path.parent, Expect({"run": loss(lost_step)}, [(EV, "crc", f"at byte {OFFSETS[k]}")]),
                   f"bit {bit} (record {k})")


def test_bad_data_checksum_skips_one_record(tmp_path: Path, scanner: str) -> None:
    data = bytearray(DATA)
    data[ENDS[4] - 4:ENDS[4]] = b"\x00\x00\x00\x00"
    write_tree(tmp_path, {f"run/{EV}": bytes(data)})
    check_read(tmp_path, Expect({"run": loss(without(4))},
                                [(f"run/{EV}", "crc", f"1 record(s) with a bad data checksum skipped, at byte {OFFSETS[4]}")]))


def test_bad_length_checksum_resumes_at_next_record(tmp_path: Path, scanner: str) -> None:
    data = bytearray(DATA)
    data[OFFSETS[4] + 8:OFFSETS[4] + 12] = b"\xff\xff\xff\xff"
    write_tree(tmp_path, {f"run/{EV}": bytes(data)})
    check_read(tmp_path, Expect({"run": loss(without(4))}, [(
        f"run/{EV}", "crc",
        f"bad record-length checksum at byte {OFFSETS[4]}; reading resumed at the next intact record, "
        f"byte {OFFSETS[5]} ({OFFSETS[5] - OFFSETS[4]} byte(s) skipped)")]))


@pytest.mark.parametrize("length", [2**31, 2**40, 2**63, 2**64 - 1])
def test_forged_huge_length_is_never_allocated(tmp_path: Path, scanner: str, length: int) -> None:
    """A length with a valid checksum but past the end of the file (TensorBoard: MemoryError or
    OverflowError; its data server aborts): skipped, reading resumes at the next record."""
    write_tree(tmp_path, {f"run/{EV}": forge_length(DATA, 4, length)})
    check_read(tmp_path, Expect({"run": loss(without(4))}, [(
        f"run/{EV}", "crc",
        f"a record length that runs past the end of the file at byte {OFFSETS[4]}; "
        f"reading resumed at the next intact record, byte {OFFSETS[5]}")]))


@pytest.mark.parametrize("length", [2**40, 2**64 - 1])
def test_forged_length_in_the_last_record_is_a_truncated_end(tmp_path: Path, scanner: str, length: int) -> None:
    write_tree(tmp_path, {f"run/{EV}": forge_length(DATA, N, length)})
    check_read(tmp_path, Expect({"run": loss(without(N))}, [(
        f"run/{EV}", "truncated", f"ends inside a record at byte {OFFSETS[N]}")]))


# -------------------------------------------------------------- not event files

def _random_bytes(n: int, seed: int = 8) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


NOT_EVENT_FILES: dict[str, tuple[bytes, str, str]] = {
    "zero-byte": (b"", "empty", "empty event file (0 bytes)"),
    "random-bytes": (_random_bytes(5000), "not-event-file", "no valid record at byte 0"),
    "short": (b"\x01\x02\x03", "not-event-file", "too short to hold a record"),
    "gzip": (b"\x1f\x8b\x08\x00" + _random_bytes(100), "not-event-file", "gzip-compressed"),
    "lfs-pointer": (b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n", "lfs-pointer", "git lfs pull"),
    "zeros": (bytes(4096), "not-event-file", "not a TensorBoard event file"),
    "text": (b"step,loss\n0,1\n", "not-event-file", "not a TensorBoard event file"),
}


@pytest.mark.parametrize("case", sorted(NOT_EVENT_FILES))
def test_not_an_event_file_beside_a_good_one(tmp_path: Path, scanner: str, case: str) -> None:
    """A file named like an event file that is not one: named with the reason; the good file is read."""
    content, kind, phrase = NOT_EVENT_FILES[case]
    bad = "events.out.tfevents.0.bad"
    write_tree(tmp_path, {f"run/{bad}": content, f"run/{EV}": DATA})
    check_read(tmp_path, Expect({"run": loss(list(range(N)))}, [(f"run/{bad}", kind, phrase)]))


@pytest.mark.parametrize("case", sorted(NOT_EVENT_FILES))
def test_not_an_event_file_alone_is_nothing_readable(tmp_path: Path, scanner: str, case: str) -> None:
    """Alone it is a run without series when read, and "nothing readable" (exit 2) for analyze."""
    from logscope import analyze
    from logscope.errors import NoRunsFound

    content, kind, phrase = NOT_EVENT_FILES[case]
    write_tree(tmp_path, {f"run/{EV}": content})
    check_read(tmp_path, Expect({}, [(f"run/{EV}", kind, phrase)], runs_without_series=["run"]))
    with pytest.raises(NoRunsFound, match=f"run/{EV}"):
        analyze(tmp_path)


# ------------------------------------------------------------- record contents

def test_invalid_utf8_tag_is_kept_with_replacement(tmp_path: Path, scanner: str) -> None:
    """TensorBoard's loader raises DecodeError for the whole run; here the points are kept."""
    bad = [tf.scalar("lossX", float(i), i).SerializeToString().replace(b"lossX", b"loss\xff") for i in range(5)]
    write_tree(tmp_path, {f"run/{EV}": tf.records([tf.version_event(), *bad, tf.scalar("acc", 0.5, 4)])})
    check_read(tmp_path, Expect(
        {"run": {"loss\ufffd": ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4]), "acc": ([4], [0.5])}},
        [(f"run/{EV}", "encoding", "1 tag name(s) are not valid UTF-8; shown with U+FFFD")]))


def test_valid_frame_around_garbage_payload_is_skipped(tmp_path: Path, scanner: str) -> None:
    """A record whose checksums are right but whose payload is not an Event (TensorBoard: DecodeError)."""
    garbage = b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"  # a field whose length varint overflows
    data = tf.records([tf.version_event(), tf.scalar("loss", 1.0, 0), garbage, tf.scalar("loss", 0.5, 1)])
    offset = tf.record_offsets(data)[2]
    write_tree(tmp_path, {f"run/{EV}": data})
    check_read(tmp_path, Expect({"run": {"loss": ([0, 1], [1.0, 0.5])}},
                                [(f"run/{EV}", "corrupt", f"not valid Events; skipped, at byte {offset}")]))


RESTART_FIRST = [tf.scalar("loss", 1.0, i) for i in range(100)]
RESTART_SECOND = [tf.scalar("loss", 2.0, i) for i in range(50, 100)]
RESTARTED = {"run": {"loss": (list(range(100)), [1.0] * 50 + [2.0] * 50)}}


@pytest.mark.parametrize("files", ["one", "two"])
def test_restart_with_sessionlog_start(tmp_path: Path, scanner: str, files: str) -> None:
    """SessionLog.START at 50 drops the earlier points at 50 or later, within a file or across files
    (tbparse keeps all 150 when the restart is in a new file)."""
    if files == "one":
        tf.write(tmp_path / "run" / EV, RESTART_FIRST + [tf.start(50)] + RESTART_SECOND)
        where, byte = EV, tf.record_offsets(tf.records([tf.version_event()] + RESTART_FIRST + [tf.start(50)]))[-1]
    else:
        tf.write(tmp_path / "run" / "events.out.tfevents.1", RESTART_FIRST)
        tf.write(tmp_path / "run" / "events.out.tfevents.2", [tf.start(50)] + RESTART_SECOND)
        where, byte = "events.out.tfevents.2", tf.record_offsets(tf.records([tf.version_event(), tf.start(50)]))[-1]
    check_read(tmp_path, Expect(RESTARTED, [(
        f"run/{where}", "restart", f"SessionLog.START (a restarted training) at step 50, byte {byte}: "
                                   "50 earlier point(s) at step 50 or later superseded")]))


@pytest.mark.parametrize("files", ["one", "two"])
def test_restart_without_sessionlog(tmp_path: Path, scanner: str, files: str) -> None:
    """PyTorch resumes write no START; the later write wins (TensorBoard's loader keeps both: a zig-zag)."""
    if files == "one":
        tf.write(tmp_path / "run" / EV, RESTART_FIRST + RESTART_SECOND)
        where = EV
    else:
        tf.write(tmp_path / "run" / "events.out.tfevents.1", RESTART_FIRST)
        tf.write(tmp_path / "run" / "events.out.tfevents.2", RESTART_SECOND)
        where = "events.out.tfevents.2"
    check_read(tmp_path, Expect(RESTARTED, [(
        f"run/{where}", "restart", "steps go back without a SessionLog.START (a resumed training) in 1 tag(s), "
                                   "first 'loss' from step 99 to 50; the later write wins: 50 earlier point(s)")]))


def test_duplicate_steps_keep_the_last_write(tmp_path: Path, scanner: str) -> None:
    tf.write(tmp_path / "run" / EV, [tf.scalar("loss", float(j), i) for i in range(20) for j in range(3)]
             + [tf.scalar("same", 1.0, i) for i in range(20) for _ in range(3)])
    check_read(tmp_path, Expect(
        {"run": {"loss": (list(range(20)), [2.0] * 20), "same": (list(range(20)), [1.0] * 20)}},
        [(f"run/{EV}", "duplicate-step", "40 value(s) in 1 tag(s) were written at a step that has a later value")]))


def test_one_thousand_writes_at_step_zero(tmp_path: Path, scanner: str) -> None:
    tf.write(tmp_path / "run" / EV, [tf.scalar("loss", float(j), 0) for j in range(1000)])
    check_read(tmp_path, Expect({"run": {"loss": ([0], [999.0])}},
                                [(f"run/{EV}", "duplicate-step", "999 value(s) in 1 tag(s)")]))


def test_special_values_are_kept_exactly(tmp_path: Path, scanner: str) -> None:
    """NaN, infinities, 1e308, -0.0, the float32 extremes and subnormals are evidence: kept bit for bit."""
    simple = [np.nan, np.inf, -np.inf, -0.0, 3.4028234663852886e38, 1e-45, 0.0]
    double = [1e308, -1e308, 5e-324, -0.0, np.nan, 1.7976931348623157e308]
    events = [tf.scalar("f32", v, i) for i, v in enumerate(simple)]
    events += [tf.tensor("f64", v, i, dtype=tf.DT_DOUBLE) for i, v in enumerate(double)]
    tf.write(tmp_path / "run" / EV, events)
    check_read(tmp_path, Expect({"run": {
        "f32": (list(range(len(simple))), [float(F32(v)) for v in simple]),
        "f64": (list(range(len(double))), double),
    }}))


def test_nan_and_infinite_wall_times_keep_their_points(tmp_path: Path, scanner: str) -> None:
    """rustboard marks a file with a NaN wall time dead; here only the time is unknown."""
    walls = [np.nan, 1.0, np.inf, -np.inf, 1e300, -5.0]
    tf.write(tmp_path / "run" / EV, [tf.scalar("loss", float(i), i, wall=w) for i, w in enumerate(walls)])
    runs, _ = check_read(tmp_path, Expect({"run": {"loss": (list(range(6)), [0, 1, 2, 3, 4, 5])}}))
    np.testing.assert_array_equal(runs[0].series[0].wall_times, walls)


def test_extreme_steps_are_kept(tmp_path: Path, scanner: str) -> None:
    steps = [-(2**63), -1, 0, 2**53 + 1, 2**63 - 1]
    tf.write(tmp_path / "run" / EV, [tf.scalar("loss", float(i), s) for i, s in enumerate(steps)])
    check_read(tmp_path, Expect({"run": {"loss": (steps, [0, 1, 2, 3, 4])}}))


def test_zero_filled_tail_and_hole(tmp_path: Path, scanner: str) -> None:
    """A pre-allocated file never written to the end, and a zero block in the middle (a crash)."""
    hole = DATA[:OFFSETS[3]] + bytes(ENDS[5] - OFFSETS[3]) + DATA[ENDS[5]:]
    write_tree(tmp_path, {f"tail/{EV}": DATA + bytes(8192), f"hole/{EV}": hole})
    check_read(tmp_path, Expect(
        {"tail": loss(list(range(N))), "hole": loss([s for s in range(N) if s not in (2, 3, 4)])},
        [(f"tail/{EV}", "crc", f"at byte {len(DATA)}; no intact record after it (8192 byte(s) skipped)"),
         (f"hole/{EV}", "crc", f"at byte {OFFSETS[3]}; reading resumed at the next intact record, byte {ENDS[5]}")]))


# ---------------------------------------------------------- both scanners agree

def _every_case(root: Path) -> None:
    """Write one folder per damaged file of this module (and a few more), for the agreement test."""
    files: dict[str, bytes] = {}
    for cut in range(0, len(DATA), 7):
        files[f"cut{cut}/{EV}"] = DATA[:cut]
    for bit in range(0, len(DATA) * 8, 13):
        files[f"flip{bit}/{EV}"] = flip(DATA, bit)
    for length in (2**31, 2**40, 2**64 - 1):
        files[f"forged{length}/{EV}"] = forge_length(DATA, 4, length)
    for name, (content, _, _) in NOT_EVENT_FILES.items():
        files[f"not-{name}/{EV}"] = content
    write_tree(root, files)
    tf.write(root / "restart" / EV, RESTART_FIRST + [tf.start(50)] + RESTART_SECOND)
    tf.write(root / "resume" / EV, RESTART_FIRST + RESTART_SECOND)
    tf.write(root / "special" / EV, [tf.scalar("x", v, i, wall=v) for i, v in enumerate([np.nan, np.inf, -0.0])])


def test_scanners_agree_on_every_case(tmp_path: Path) -> None:
    if "c" not in tfevents.SCANNERS:
        pytest.skip("the compiled scanner is not built (no C compiler at install time)")
    _every_case(tmp_path)
    results: dict[str, list] = {}
    # c: whole files; c-window: every file read through a 64-byte window (scan_fd), damage
    # repaired in the window or (rest_max 0) by scanning the file whole after all.
    variants = {"c": ("c", 1 << 20, 64, 1 << 26), "c-window": ("c", 0, 64, 1 << 26),
                "c-window-whole": ("c", 0, 64, 0), "python": ("python", 1 << 20, 64, 1 << 26)}
    with pytest.MonkeyPatch.context() as mp:
        for variant, (name, mmap_from, window, rest_max) in variants.items():
            mp.setattr(tfevents, "SCANNER", name)
            mp.setattr(tfevents, "_MMAP_FROM", mmap_from)
            mp.setattr(tfevents, "_WINDOW", window)
            mp.setattr(tfevents, "_REST_MAX", rest_max)
            runs, warnings = read_path(tmp_path)
            results[variant] = [(r.name, [(s.name, s.steps.tobytes(), s.values.tobytes(), s.wall_times.tobytes())
                                          for s in r.series], r.warnings) for r in runs] + [warnings]
    assert len(results["c"]) > 100
    assert results["c"] == results["c-window"] == results["c-window-whole"] == results["python"]

