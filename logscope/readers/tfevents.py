"""TensorBoard event files (``events.out.tfevents.*``): every scalar, both encodings.

Each directory holding event files is a run, as in TensorBoard; a Keras
``validation/`` subfolder joins its parent run, and so does a ``train/`` beside
one, their series prefixed with the folder name (a lone ``train/`` is a run of its
own: Ultralytics names its runs ``train``, ``train2`` ...). The analysed folder's
own name, when it names a split (a ``validation/`` analysed directly), is the
split of its series whose names say none. The bytes are decoded by ``_tfscan``
(compiled) or its identical pure-Python twin ``_tfscan_py``; this module turns the
scanned points into series: restart purge, step regressions, duplicate steps,
hparams, and a warning for every file or record that could not be read in full.
docs/tensorboard.md states each rule.
"""

from __future__ import annotations

import json
import mmap
import os
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .. import roles
from ..fs import local_file
from ..model import ReadWarning, Run, Scalar, Split
from . import _tfscan_py
from .base import Column, RunSource, build_run, relative_name, run_name

NAME = "tensorboard"
FILE_MARKER = "tfevents"
#: Keras' TensorBoard callback writes one subfolder per split.
KERAS_SPLIT_DIRS: dict[str, Split] = {"train": "train", "validation": "val"}
#: Set to 1 to use the pure-Python scanner even when the compiled one is built.
PURE_PYTHON_ENV = "LOGSCOPE_PURE_PYTHON"

#: Scanner implementations by name; "c" is present when the extension is built.
SCANNERS: dict[str, ModuleType] = {"python": _tfscan_py}
try:
    from . import _tfscan  # type: ignore[attr-defined]

    SCANNERS["c"] = _tfscan
except ImportError:  # no compiler at install time: the Python twin gives identical results
    pass
#: The scanner in use: "c" unless it is missing or LOGSCOPE_PURE_PYTHON=1.
SCANNER = "c" if "c" in SCANNERS and os.environ.get(PURE_PYTHON_ENV, "") in ("", "0") else "python"

_INT64_MAX = np.iinfo(np.int64).max
_HPARAMS_START = "_hparams_/session_start_info"
_OFFSETS_SHOWN = 5
#: Files bigger than this are read a window at a time (``scan_fd``) or memory-mapped instead of read whole.
_MMAP_FROM = 1 << 20
#: ``scan_fd``'s window: small enough to stay in the CPU's cache between the copy and the scan.
_WINDOW = 1 << 18
#: Damage that needs the rest of a file to repair is repaired in ``scan_fd`` when the rest is at
#: most this big (a crashed writer's cut-off last record); otherwise the file is mapped whole.
_REST_MAX = 1 << 26


def claims(path: Path, head: bytes) -> bool:
    """Event files are recognised by name, as TensorBoard does."""
    return FILE_MARKER in path.name


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format tensorboard``: event files by name, or any file that starts
    with an intact record header (its length checksum is right), whatever its name."""
    return claims(path, head) or (
        len(head) >= 12 and _tfscan_py.masked_crc(head[:8]) == int.from_bytes(head[8:12], "little"))


def group(files: list[Path], root: Path) -> list[RunSource]:
    """One run per directory; Keras ``validation/`` (and ``train/`` beside it) join their parent."""
    dirs = {p.parent for p in files}
    by_dir: dict[Path, list[Path]] = defaultdict(list)
    for path in files:
        by_dir[_run_dir(path.parent, dirs, root)].append(path)
    return [
        RunSource(name=run_name(d, root), reader=NAME, files=tuple(sorted(fs)), root=root)
        for d, fs in sorted(by_dir.items())
    ]


def _run_dir(folder: Path, dirs: set[Path], root: Path) -> Path:
    """The run a folder of event files belongs to (its parent for a Keras split folder)."""
    if folder == root or folder.name not in KERAS_SPLIT_DIRS:
        return folder
    # A lone train/ is a run of its own (Ultralytics names its runs train, train2, ...).
    if folder.name == "train" and folder.parent / "validation" not in dirs:
        return folder
    return folder.parent


def _root_hint(source: RunSource) -> Split | None:
    """The split the analysed folder's own name says, for a run whose event files lie in it.

    No Keras folder rule applies at the root (it never joins its parent), so
    ``logscope analyze logs/fit/validation`` would read validation as training:
    the folder's name (a split word of the roles table) is the hint instead. It
    yields to the series' own names (Ultralytics' ``train/`` holds ``val/box_loss``).
    """
    base = source.root if source.root.is_dir() else source.root.parent
    if not any(path.parent == base for path in source.files):
        return None
    return roles.SPLIT_WORDS.get(base.name.lower())


def read(source: RunSource) -> Run:
    """Read every scalar of a run's event files, restarts and duplicates resolved."""
    got = _collect(source)
    columns: dict[str, Column] = {}
    for stream in got.streams:
        for name, col in _resolve(stream, got.warnings).items():
            if name in columns:
                got.warnings.append(ReadWarning(
                    stream.rels[0], "skipped",
                    f"series {name!r} is written both in the run folder and in {stream.prefix}; "
                    f"the run folder's is kept"))
                continue
            columns[name] = col
    hint = _root_hint(source)
    if hint is not None:
        columns = {n: c if c.split_hint or roles.named_split(n) else replace(c, split_hint=hint)
                   for n, c in columns.items()}
    if not columns and got.records:
        got.warnings.append(ReadWarning(
            source.name, "empty",
            f"no scalar values in {len(source.files)} event file(s) ({got.records} record(s): "
            "headers, graphs, histograms, images or text only)"))
    return build_run(name=source.name, format=NAME, columns=columns, warnings=got.warnings,
                     hparams=got.hparams, source=source.name)


def read_raw(source: RunSource) -> tuple[dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], list[ReadWarning]]:
    """Every point as written: series name -> (steps, values, wall times) in write order.

    Nothing is purged or merged (this is what tbparse returns); the file's damage
    warnings still apply.
    """
    got = _collect(source)
    out: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for stream in got.streams:
        for tag, pts in stream.tags.items():
            out.setdefault(stream.prefix + tag, (pts.steps, pts.values, pts.walls))
    return out, got.warnings


# ------------------------------------------------------------------- collecting

#: A file's record numbers for one tag as the scanner returns them (int64 bytes, or a range),
#: and the stream's record number of that file's first record.
_SeqPart = tuple[bytes | range, int]


@dataclass
class _Points:
    """One tag's points in write order across a stream's files.

    ``seqs`` (each point's record number in the stream, to order points across tags and
    find their file) is built only when a rule needs it: mostly none does, and it would
    be a quarter of the memory.
    """

    steps: np.ndarray
    values: np.ndarray
    walls: np.ndarray
    seq_parts: list[_SeqPart]
    _seqs: np.ndarray | None = None

    @property
    def seqs(self) -> np.ndarray:
        if self._seqs is None:
            cols = [np.arange(p.start, p.stop, p.step, dtype=np.int64) + base if isinstance(p, range)
                    else np.frombuffer(p, dtype=np.int64) + base for p, base in self.seq_parts]
            self._seqs = cols[0] if len(cols) == 1 else np.concatenate(cols)
        return self._seqs


@dataclass
class _Stream:
    """The event files of one folder: what TensorBoard calls a run."""

    prefix: str
    hint: Split | None
    rels: list[str] = field(default_factory=list)
    bases: list[int] = field(default_factory=list)  # first record seq of each file
    tags: dict[str, _Points] = field(default_factory=dict)
    starts: list[tuple[int, int, int, int]] = field(default_factory=list)  # (seq, step, file, offset)

    def file_of(self, seq: int) -> str:
        """The file holding record ``seq``."""
        return self.rels[max(0, int(np.searchsorted(self.bases, seq, side="right")) - 1)]


@dataclass
class _Collected:
    streams: list[_Stream]
    warnings: list[ReadWarning]
    hparams: dict[str, Scalar]
    records: int


def _rel(path: Path, base: Path) -> str:
    """``relative_name`` without resolving symlinks when ``path`` is lexically under ``base``
    (discovered paths always are; resolving costs a system call per path component)."""
    try:
        text = path.relative_to(base).as_posix()
    except ValueError:
        return relative_name(path, base)
    return text if text not in ("", ".") else relative_name(path, base)


def _collect(source: RunSource) -> _Collected:
    base = source.root if source.root.is_dir() else source.root.parent
    by_folder: dict[Path, list[Path]] = defaultdict(list)
    for path in source.files:
        by_folder[path.parent].append(path)
    warnings: list[ReadWarning] = []
    hparams: dict[str, Scalar] = {}
    streams: list[_Stream] = []
    records = 0
    for folder, paths in sorted(by_folder.items()):
        prefix, hint = "", None
        if folder.name in KERAS_SPLIT_DIRS and _rel(folder, base) != source.name:
            prefix, hint = folder.name + "/", KERAS_SPLIT_DIRS[folder.name]
        stream = _Stream(prefix, hint)
        chunks: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray, _SeqPart]]] = defaultdict(list)
        twice: set[str] = set()  # names two raw tags of one file decode to (invalid UTF-8)
        plugins: dict[str, str] = {}
        seq0 = 0
        for path in sorted(paths):
            rel = _rel(path, base)
            result = _scan_file(path, rel, plugins, warnings)
            if result is None:
                continue
            fidx = len(stream.rels)
            stream.rels.append(rel)
            stream.bases.append(seq0)
            seen: set[str] = set()
            for name, steps, values, walls, seqs in result["tags"]:
                if name in seen:
                    twice.add(name)
                seen.add(name)
                chunks[name].append((np.frombuffer(steps, dtype=np.int64), np.frombuffer(values, dtype=np.float64),
                                     np.frombuffer(walls, dtype=np.float64), (seqs, seq0)))
            stream.starts.extend((seq + seq0, step, fidx, off) for seq, step, off in result["starts"])
            for tag, content in result["hparams"]:
                _read_hparams(tag, content, rel, hparams, warnings)
            seq0 += result["records"]
        records += seq0
        for name, parts in chunks.items():
            stream.tags[name] = _join(parts, name in twice)
        if stream.rels:
            streams.append(stream)
    return _Collected(streams, warnings, hparams, records)


def _join(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, _SeqPart]], interleaved: bool) -> _Points:
    """One tag's points from its parts in file order; ``interleaved``: two parts of one file
    (two raw tags decoded to one name) must be merged by record number."""
    if len(parts) == 1:
        steps, values, walls, seq = parts[0]
        return _Points(steps, values, walls, [seq])
    steps, values, walls = (np.concatenate(cols) for cols in list(zip(*parts))[:3])
    pts = _Points(steps, values, walls, [p[3] for p in parts])
    if interleaved:
        order = np.argsort(pts.seqs, kind="stable")
        pts = _Points(steps[order], values[order], walls[order], [], pts.seqs[order])
    return pts


def _scan_file(path: Path, rel: str, plugins: dict[str, str], warnings: list[ReadWarning]) -> dict[str, Any] | None:
    """Scan one event file; None (with a warning) if it holds no event records at all."""
    scanner = SCANNERS[SCANNER]
    try:
        # A remote (fsspec) file is copied to a local temporary file first, so it is mapped like a local one.
        with local_file(path) as local, open(local, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            buf: Any = fh.read() if size <= _MMAP_FROM else None
            head = buf[:64] if buf is not None else fh.read(64)
            if not head:
                warnings.append(ReadWarning(rel, "empty", "empty event file (0 bytes): the writer never flushed"))
                return None
            if head.startswith(b"version https://git-lfs"):
                warnings.append(ReadWarning(rel, "lfs-pointer", "Git LFS pointer: fetch the real file with git lfs pull"))
                return None
            if head.startswith(b"\x1f\x8b"):
                warnings.append(ReadWarning(rel, "not-event-file",
                                            "gzip-compressed, not an event file: decompress it first (gunzip)"))
                return None
            # Big files are read a window at a time into one small reused buffer (no copy of
            # the file in memory, no page mapping), or mapped when damage needs the whole file.
            scan_fd = getattr(scanner, "scan_fd", None)
            result = scan_fd(fh.fileno(), plugins, _WINDOW, _REST_MAX) if buf is None and scan_fd is not None else None
            if result is None:
                if buf is None:
                    try:
                        buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                    except (OSError, ValueError):  # a file system without mmap
                        fh.seek(0)
                        buf = fh.read()
                try:
                    result = scanner.scan(buf, plugins)
                finally:
                    if isinstance(buf, mmap.mmap):
                        buf.close()
    except OSError as exc:
        warnings.append(ReadWarning(rel, "unreadable", f"cannot read: {exc.strerror or exc}"))
        return None
    _damage_warnings(rel, size, head, result, warnings)
    if result["records"] == 0:
        return None
    return result


def _offsets(offsets: list[int]) -> str:
    shown = ", ".join(str(o) for o in offsets[:_OFFSETS_SHOWN])
    return shown + (f" and {len(offsets) - _OFFSETS_SHOWN} more" if len(offsets) > _OFFSETS_SHOWN else "")


def _damage_warnings(rel: str, size: int, head: bytes, result: dict[str, Any], warnings: list[ReadWarning]) -> None:
    """Warnings, one per kind of damage, naming the byte offsets."""
    damage: list[tuple[str, int, int]] = result["damage"]
    records = result["records"]
    if records == 0 and damage and damage[0][0] in ("length-crc", "truncated") and damage[0][1] == 0:
        what = "too short to hold a record" if damage[0][0] == "truncated" else "no valid record at byte 0"
        warnings.append(ReadWarning(rel, "not-event-file",
                                    f"not a TensorBoard event file: {what} (starts with {head[:16]!r})"))
        return
    by_kind: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for kind, offset, extra in damage:
        by_kind[kind].append((offset, extra))
    for offset, left in by_kind.get("truncated", []):
        warnings.append(ReadWarning(
            rel, "truncated",
            f"the file ends inside a record at byte {offset} ({left} byte(s) of an unfinished write, "
            f"from a crashed or still-running writer); the {records} record(s) before it are kept"))
    for offset, nxt in by_kind.get("length-crc", []) + by_kind.get("length", []):
        cause = "bad record-length checksum" if (offset, nxt) in by_kind.get("length-crc", []) else \
            "a record length that runs past the end of the file"
        if nxt < 0:
            msg = f"{cause} at byte {offset}; no intact record after it ({size - offset} byte(s) skipped)"
        else:
            msg = (f"{cause} at byte {offset}; reading resumed at the next intact record, byte {nxt} "
                   f"({nxt - offset} byte(s) skipped)")
        warnings.append(ReadWarning(rel, "crc", msg))
    bad = [o for o, _ in by_kind.get("data-crc", [])]
    if bad:
        warnings.append(ReadWarning(
            rel, "crc", f"{len(bad)} record(s) with a bad data checksum skipped, at byte {_offsets(bad)}"))
    corrupt = [o for o, _ in by_kind.get("corrupt", [])]
    if corrupt:
        warnings.append(ReadWarning(
            rel, "corrupt",
            f"{len(corrupt)} record(s) pass their checksums but are not valid Events; skipped, at byte {_offsets(corrupt)}"))
    if result["bad_utf8"]:
        warnings.append(ReadWarning(
            rel, "encoding", f"{result['bad_utf8']} tag name(s) are not valid UTF-8; shown with U+FFFD"))
    if result["nonscalar"]:
        warnings.append(ReadWarning(
            rel, "skipped",
            f"{result['nonscalar']} value(s) of the scalars plugin are not one real number "
            "(a vector, string or complex tensor); skipped"))


def _read_hparams(tag: str, content: bytes, rel: str, out: dict[str, Scalar], warnings: list[ReadWarning]) -> None:
    """The hparams plugin's session values (first file wins on a clash)."""
    if tag != _HPARAMS_START:
        return
    # Decoded with the tensorboard protobufs: this is rare, small and not on the hot path.
    from google.protobuf.json_format import MessageToDict
    from google.protobuf.message import DecodeError
    from tensorboard.plugins.hparams import plugin_data_pb2

    try:
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
    except DecodeError:
        warnings.append(ReadWarning(rel, "corrupt", f"hparams plugin data in {tag!r} cannot be decoded; skipped"))
        return
    for key, value in sorted(data.session_start_info.hparams.items()):
        kind = value.WhichOneof("kind")
        item: Scalar
        if kind == "number_value":
            num = value.number_value
            item = int(num) if num.is_integer() and abs(num) < 2**53 else num
        elif kind == "string_value":
            item = value.string_value
        elif kind == "bool_value":
            item = value.bool_value
        elif kind in ("list_value", "struct_value"):
            item = json.dumps(MessageToDict(value), sort_keys=True)
        else:
            item = None
        out.setdefault(key, item)


# -------------------------------------------------------------------- resolving

def _resolve(stream: _Stream, warnings: list[ReadWarning]) -> dict[str, Column]:
    """Columns of a stream: restart purge, then step regressions, then duplicate steps."""
    columns: dict[str, Column] = {}
    start_drops: dict[int, int] = defaultdict(int)  # START index -> points purged
    regressions: list[tuple[int, str, int, int]] = []  # (seq, tag, from step, to step)
    regressed = 0
    regressed_tags = 0
    dups: dict[str, tuple[int, int, int]] = {}  # tag -> (differing drops, all drops, first seq)
    starts = sorted(stream.starts)
    for tag, pts in stream.tags.items():
        steps, values, walls = pts.steps, pts.values, pts.walls
        kept: np.ndarray | None = None  # indices of the points still kept (None: all); seqs only when needed
        keep = _start_purge(pts, starts, start_drops)
        if keep is not None:
            kept = np.flatnonzero(keep)
            steps, values, walls = steps[kept], values[kept], walls[kept]
        # One vectorised pass for the usual case, steps strictly increasing: nothing to resolve.
        # (Compared, not subtracted: a difference of two int64 steps can overflow.)
        if steps.size > 1 and not (steps[1:] > steps[:-1]).all():
            back = np.flatnonzero(steps[1:] < steps[:-1]) + 1
            if back.size:
                keep = _superseded(steps, back)
                seq = pts.seqs[back[0] if kept is None else kept[back[0]]]
                regressions.append((int(seq), tag, int(steps[back[0] - 1]), int(steps[back[0]])))
                regressed += int((~keep).sum())
                regressed_tags += 1
                kept = np.flatnonzero(keep) if kept is None else kept[keep]
                steps, values, walls = steps[keep], values[keep], walls[keep]
            if steps.size > 1 and np.any(steps[1:] == steps[:-1]):
                steps, values, walls, (dropped, differing, first) = _last_per_step(steps, values, walls)
                if differing:
                    seq = pts.seqs[first if kept is None else kept[first]]
                    dups[tag] = (differing, dropped, int(seq))
        columns[stream.prefix + tag] = Column(steps, values, walls, stream.hint)
    for k, purged in sorted(start_drops.items()):
        seq, step, fidx, offset = starts[k]
        warnings.append(ReadWarning(
            stream.rels[fidx], "restart",
            f"SessionLog.START (a restarted training) at step {step}, byte {offset}: {purged} earlier point(s) "
            f"at step {step} or later superseded, as TensorBoard does"))
    if regressions:
        seq, tag, old, new = min(regressions)
        warnings.append(ReadWarning(
            stream.file_of(seq), "restart",
            f"steps go back without a SessionLog.START (a resumed training) in {regressed_tags} tag(s), first "
            f"{tag!r} from step {old} to {new}; the later write wins: {regressed} earlier point(s) at a step "
            f"the training went back to or beyond superseded"))
    if dups:
        differing = sum(d[0] for d in dups.values())
        worst = max(dups, key=lambda t: (dups[t][0], t))
        first_seq = min(d[2] for d in dups.values())
        warnings.append(ReadWarning(
            stream.file_of(first_seq), "duplicate-step",
            f"{differing} value(s) in {len(dups)} tag(s) were written at a step that has a later value "
            f"(most: {stream.prefix + worst!r}, {dups[worst][0]} of them); the last write of each step is kept, "
            f"as TensorBoard's data server does (per-batch logging at an epoch step, or a step logged twice)"))
    return columns


def _start_purge(pts: _Points, starts: list[tuple[int, int, int, int]], drops: dict[int, int]) -> np.ndarray | None:
    """Mask of points no SessionLog.START purges (None: all kept); counts each START's purge.

    TensorBoard's rule: a START at step s drops every earlier point with step >= s.
    """
    if not starts:
        return None
    keep = np.ones(pts.steps.shape, dtype=bool)
    for k, (seq, step, _, _) in enumerate(starts):
        hit = keep & (pts.seqs < seq) & (pts.steps >= step)
        n = int(hit.sum())
        if n:
            drops[k] += n
            keep &= ~hit
    return None if keep.all() else keep


def _superseded(steps: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Mask of points kept when every step regression supersedes earlier points at or after it.

    ``back`` indexes the points whose step is below their predecessor's. A point is
    dropped if a later regression lands at or before its step (the later write wins).
    """
    n = steps.size
    reg = np.full(n, _INT64_MAX, dtype=np.int64)
    reg[back] = steps[back]
    has = np.zeros(n, dtype=bool)
    has[back] = True
    later_min = np.minimum.accumulate(reg[::-1])[::-1]  # min regression step at index >= i
    later_has = np.logical_or.accumulate(has[::-1])[::-1]
    later_min = np.append(later_min[1:], _INT64_MAX)
    later_has = np.append(later_has[1:], False)
    return ~(later_has & (steps >= later_min))


def _last_per_step(steps: np.ndarray, values: np.ndarray, walls: np.ndarray):
    """One point per step (steps sorted, write order within a step): the step's last write.

    Returns the kept steps, values and walls, and (values dropped, values dropped that
    differ from the kept one, index of the first differing drop or -1).
    """
    last = np.flatnonzero(np.append(steps[1:] != steps[:-1], True))
    group_last = np.repeat(last, np.diff(np.append(-1, last)))
    dropped = np.ones(steps.size, dtype=bool)
    dropped[last] = False
    kept_value = values[group_last]
    differs = dropped & (values != kept_value) & ~(np.isnan(values) & np.isnan(kept_value))
    where = np.flatnonzero(differs)
    first = int(where[0]) if where.size else -1
    return steps[last], values[last], walls[last], (int(dropped.sum()), int(where.size), first)
