"""TensorBoard event files (``events.out.tfevents.*``): every scalar, both encodings.

Each directory holding event files is a run, as in TensorBoard; Keras' ``train/``
and ``validation/`` subfolders join their parent run, their series prefixed with
the folder name. Records are read with the TFRecord framing checked (both masked
CRC32Cs); a damaged or truncated record ends that file with a warning, keeping
every record before it.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from pathlib import Path

import crc32c
import numpy as np
from tensorboard.compat.proto import event_pb2
from google.protobuf.message import DecodeError

from ..model import ReadWarning, Run, Split
from .base import Column, RunSource, build_run, relative_name, run_name

NAME = "tensorboard"
FILE_MARKER = "tfevents"
#: Keras' TensorBoard callback writes one subfolder per split.
KERAS_SPLIT_DIRS: dict[str, Split] = {"train": "train", "validation": "val"}

_HEADER = struct.Struct("<QI")
_CRC = struct.Struct("<I")
_MASK_DELTA = 0xA282EAD8


def claims(path: Path, head: bytes) -> bool:
    """Event files are recognised by name, as TensorBoard does."""
    return FILE_MARKER in path.name


def group(files: list[Path], root: Path) -> list[RunSource]:
    """One run per directory; Keras ``train/``/``validation/`` folders join their parent."""
    by_dir: dict[Path, list[Path]] = defaultdict(list)
    for path in files:
        parent = path.parent
        if parent.name in KERAS_SPLIT_DIRS and parent != root:
            parent = parent.parent
        by_dir[parent].append(path)
    return [
        RunSource(name=run_name(d, root), reader=NAME, files=tuple(sorted(fs)), root=root)
        for d, fs in sorted(by_dir.items())
    ]


def masked_crc(data: bytes) -> int:
    """TFRecord's masked CRC32C of ``data``."""
    crc = crc32c.crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def iter_records(data: bytes, file: str, warnings: list[ReadWarning]):
    """Yield each record payload of a TFRecord byte string; stop with a warning at damage."""
    pos, size = 0, len(data)
    while pos < size:
        if size - pos < _HEADER.size:
            warnings.append(ReadWarning(file, "truncated", f"file ends inside a record header at byte {pos}"))
            return
        length, length_crc = _HEADER.unpack_from(data, pos)
        if masked_crc(data[pos : pos + 8]) != length_crc:
            warnings.append(ReadWarning(file, "crc", f"bad length checksum at byte {pos}; rest of file skipped"))
            return
        start = pos + _HEADER.size
        end = start + length
        if end + _CRC.size > size:
            warnings.append(ReadWarning(file, "truncated", f"file ends inside the record at byte {pos}"))
            return
        payload = data[start:end]
        if masked_crc(payload) != _CRC.unpack_from(data, end)[0]:
            warnings.append(ReadWarning(file, "crc", f"bad data checksum in the record at byte {pos}; rest of file skipped"))
            return
        yield payload
        pos = end + _CRC.size


def read(source: RunSource) -> Run:
    """Read every scalar of a run's event files, in file-name order."""
    base = source.root if source.root.is_dir() else source.root.parent
    warnings: list[ReadWarning] = []
    points: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    hints: dict[str, Split] = {}
    for path in source.files:
        prefix, hint = "", None
        if path.parent.name in KERAS_SPLIT_DIRS and relative_name(path.parent, base) != source.name:
            prefix, hint = path.parent.name + "/", KERAS_SPLIT_DIRS[path.parent.name]
        rel = relative_name(path, base)
        try:
            data = path.read_bytes()
        except OSError as exc:
            warnings.append(ReadWarning(rel, "unreadable", f"cannot read: {exc.strerror or exc}"))
            continue
        if data.startswith(b"version https://git-lfs"):
            warnings.append(ReadWarning(rel, "lfs-pointer", "Git LFS pointer: fetch the real file with git lfs pull"))
            continue
        if not data:
            warnings.append(ReadWarning(rel, "empty", "empty event file"))
            continue
        _read_file(data, rel, prefix, hint, points, hints, warnings)
    columns = {}
    for tag, pts in points.items():
        arr = np.array(pts, dtype=np.float64)
        steps = arr[:, 0].astype(np.int64)
        # Duplicate steps: the last write wins (a stable sort keeps write order).
        order = np.argsort(steps, kind="stable")
        steps, values, walls = steps[order], arr[order, 1], arr[order, 2]
        keep = np.append(steps[1:] != steps[:-1], True)
        columns[tag] = Column(steps[keep], values[keep], walls[keep], hints.get(tag))
    return build_run(name=source.name, format=NAME, columns=columns, warnings=warnings, source=source.name)


def _read_file(data, rel, prefix, hint, points, hints, warnings) -> None:
    plugins: dict[str, str] = {}
    for payload in iter_records(data, rel, warnings):
        try:
            event = event_pb2.Event.FromString(payload)
        except DecodeError:
            warnings.append(ReadWarning(rel, "corrupt", "a record is not a valid Event; skipped"))
            continue
        if not event.HasField("summary"):
            continue
        for value in event.summary.value:
            kind = value.WhichOneof("value")
            if value.metadata.plugin_data.plugin_name:
                plugins.setdefault(value.tag, value.metadata.plugin_data.plugin_name)
            if kind == "simple_value":
                number = float(value.simple_value)
            elif kind == "tensor" and plugins.get(value.tag) == "scalars":
                number = _tensor_scalar(value.tensor)
                if number is None:
                    continue
            else:
                continue
            tag = prefix + value.tag
            if hint:
                hints[tag] = hint
            points[tag].append((event.step, number, event.wall_time))


def _tensor_scalar(tensor) -> float | None:
    dtypes = {1: "<f4", 2: "<f8", 3: "<i4", 9: "<i8", 19: "<f2"}
    if tensor.dtype not in dtypes:
        return None
    if tensor.tensor_content:
        arr = np.frombuffer(tensor.tensor_content, dtype=dtypes[tensor.dtype])
        return float(arr[0]) if arr.size else None
    for field in ("float_val", "double_val", "int_val", "int64_val"):
        vals = getattr(tensor, field)
        if len(vals):
            return float(vals[0])
    if len(tensor.half_val):
        return float(np.array([tensor.half_val[0]], dtype=np.uint16).view(np.float16)[0])
    return None
