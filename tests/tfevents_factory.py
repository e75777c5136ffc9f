"""Event files for tests, written with TensorBoard's own protobufs and record writer."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8 = 1, 2, 3, 4, 5, 6
DT_INT64, DT_BOOL, DT_BFLOAT16, DT_UINT16, DT_HALF, DT_UINT32, DT_UINT64 = 9, 10, 14, 17, 19, 22, 23

#: dtype -> (numpy dtype for tensor_content, TensorProto repeated field for the value form)
DTYPES = {
    DT_FLOAT: ("<f4", "float_val"), DT_DOUBLE: ("<f8", "double_val"), DT_INT32: ("<i4", "int_val"),
    DT_UINT8: ("<u1", "int_val"), DT_INT16: ("<i2", "int_val"), DT_INT8: ("<i1", "int_val"),
    DT_INT64: ("<i8", "int64_val"), DT_BOOL: ("?", "bool_val"), DT_UINT16: ("<u2", "int_val"),
    DT_HALF: ("<f2", "half_val"), DT_UINT32: ("<u4", "uint32_val"), DT_UINT64: ("<u8", "uint64_val"),
}


def version_event(wall: float = 1.0) -> event_pb2.Event:
    """The first event every modern writer puts in a file."""
    return event_pb2.Event(wall_time=wall, file_version="brain.Event:2")


def scalar(tag: str, value: float, step: int, wall: float | None = None) -> event_pb2.Event:
    """A PyTorch / tensorboardX ``add_scalar`` event (``simple_value``)."""
    return event_pb2.Event(
        step=step, wall_time=float(step) if wall is None else wall,
        summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]),
    )


def scalar_tensor(value: float, dtype: int = DT_FLOAT, form: str = "content") -> tensor_pb2.TensorProto:
    """A rank-0 tensor holding ``value``, in ``tensor_content`` or the typed value field."""
    np_dtype, field = DTYPES[dtype]
    t = tensor_pb2.TensorProto(dtype=dtype, tensor_shape=tensor_shape_pb2.TensorShapeProto())
    arr = np.array([value], dtype=np_dtype)
    if form == "content":
        t.tensor_content = arr.tobytes()
    elif field == "half_val":
        t.half_val.append(int(arr.view("<u2")[0]))
    else:
        getattr(t, field).append(arr[0].item())
    return t


def tensor(tag: str, value: float, step: int, *, dtype: int = DT_FLOAT, form: str = "content",
           plugin: str | None = "scalars", wall: float | None = None) -> event_pb2.Event:
    """A TF2 / Keras ``tf.summary.scalar`` event (a tensor with the scalars plugin)."""
    val = summary_pb2.Summary.Value(tag=tag, tensor=scalar_tensor(value, dtype, form))
    if plugin is not None:
        val.metadata.plugin_data.plugin_name = plugin
    return event_pb2.Event(step=step, wall_time=float(step) if wall is None else wall,
                           summary=summary_pb2.Summary(value=[val]))


def histogram(tag: str, step: int) -> event_pb2.Event:
    """A legacy histogram (``add_histogram``)."""
    histo = summary_pb2.HistogramProto(min=0, max=1, num=3, sum=1.5, sum_squares=1.25,
                                       bucket_limit=[0.5, 1.0], bucket=[1, 2])
    return event_pb2.Event(step=step, wall_time=float(step),
                           summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=histo)]))


def image(tag: str, step: int, size: int = 3000) -> event_pb2.Event:
    """A legacy image summary with ``size`` bytes of (fake) PNG data."""
    img = summary_pb2.Summary.Image(height=8, width=8, colorspace=3, encoded_image_string=bytes(range(256)) * (size // 256))
    return event_pb2.Event(step=step, wall_time=float(step),
                           summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=img)]))


def text(tag: str, step: int, words: str = "hello") -> event_pb2.Event:
    """A text-plugin tensor (HF Trainer writes its arguments like this)."""
    t = tensor_pb2.TensorProto(dtype=7, string_val=[words.encode()],
                               tensor_shape=tensor_shape_pb2.TensorShapeProto())
    val = summary_pb2.Summary.Value(tag=tag, tensor=t)
    val.metadata.plugin_data.plugin_name = "text"
    return event_pb2.Event(step=step, wall_time=float(step), summary=summary_pb2.Summary(value=[val]))


def start(step: int) -> event_pb2.Event:
    """A ``SessionLog.START`` marker (torch ``SummaryWriter(purge_step=step)``)."""
    return event_pb2.Event(step=step, wall_time=float(step),
                           session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.START))


def hparams(values: dict[str, float | str | bool]) -> event_pb2.Event:
    """The hparams plugin's session-start summary (Lightning ``log_hyperparams``)."""
    data = plugin_data_pb2.HParamsPluginData(version=0)
    for key, value in values.items():
        v = data.session_start_info.hparams[key]
        if isinstance(value, bool):
            v.bool_value = value
        elif isinstance(value, str):
            v.string_value = value
        else:
            v.number_value = value
    val = summary_pb2.Summary.Value(tag="_hparams_/session_start_info")
    val.metadata.plugin_data.plugin_name = "hparams"
    val.metadata.plugin_data.content = data.SerializeToString()
    return event_pb2.Event(wall_time=0.5, summary=summary_pb2.Summary(value=[val]))


def records(events: Iterable[event_pb2.Event | bytes]) -> bytes:
    """The TFRecord bytes of ``events`` (framed by TensorBoard's RecordWriter)."""
    buf = io.BytesIO()
    writer = RecordWriter(buf)
    for ev in events:
        writer.write(ev if isinstance(ev, bytes) else ev.SerializeToString())
    return buf.getvalue()


def write(path: Path, events: Iterable[event_pb2.Event | bytes], *, version: bool = True) -> Path:
    """Write an event file (with the ``brain.Event:2`` header unless ``version`` is False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(records(([version_event()] if version else []) + list(events)))
    return path


def record_offsets(data: bytes) -> list[int]:
    """Byte offset of each record in well-formed TFRecord bytes."""
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        pos += 16 + struct.unpack_from("<Q", data, pos)[0]
    return offsets
