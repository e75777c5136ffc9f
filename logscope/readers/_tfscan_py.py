"""Pure-Python twin of the compiled ``_tfscan`` scanner: same function, same results.

Used when the C extension is not built (no compiler) or ``LOGSCOPE_PURE_PYTHON=1``.
It is a line-for-line port of ``_tfscan.c`` (the protobuf wire format walked by hand,
decoding only the fields that carry scalars), so the two can be tested for identical
output; the protobuf runtime is not used because its error behaviour on damaged
records differs from the compiled scanner's. CRC32C comes from the ``crc32c`` package.
"""

from __future__ import annotations

import re
import struct
from array import array
import mmap
from typing import Any, Union

import crc32c as _crc32c

HARDWARE_CRC = int(bool(getattr(_crc32c, "hardware_based", False)))

MAX_GROUP_DEPTH = 32
_MASK64 = 0xFFFFFFFFFFFFFFFF
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")
_HALF = struct.Struct("<e")
_NONZERO = re.compile(rb"[^\x00]")

#: What ``scan`` accepts: any bytes-like object.
Buffer = Union[bytes, bytearray, memoryview, mmap.mmap]

# Repeated numeric TensorProto fields: field number -> (slot, element width; 0 = varint).
F_FLOAT, F_DOUBLE, F_INT, F_INT64, F_BOOL, F_HALF, F_UINT32, F_UINT64 = range(8)
_FIELD_OF = {5: F_FLOAT, 6: F_DOUBLE, 7: F_INT, 10: F_INT64, 11: F_BOOL, 13: F_HALF, 16: F_UINT32, 17: F_UINT64}
_WIDTH_OF = (4, 8, 0, 0, 0, 0, 0, 0)
# dtype -> (slot, byte size of one element in tensor_content)
_DTYPES = {1: (F_FLOAT, 4), 2: (F_DOUBLE, 8), 3: (F_INT, 4), 4: (F_INT, 1), 5: (F_INT, 2), 6: (F_INT, 1),
           17: (F_INT, 2), 9: (F_INT64, 8), 10: (F_BOOL, 1), 14: (F_HALF, 2), 19: (F_HALF, 2),
           22: (F_UINT32, 4), 23: (F_UINT64, 8)}


class Malformed(Exception):
    """The record is not a valid Event (the C scanner's ``return 0``)."""


def crc32c(data: Buffer, software: bool = False) -> int:
    """Plain CRC32C of ``data`` (``software`` is accepted for parity with the C module)."""
    return _crc32c.crc32c(data)


def masked_crc(data: Buffer) -> int:
    """TFRecord's masked CRC32C of ``data``."""
    c = _crc32c.crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---------------------------------------------------------------- wire format

def rd_varint(b: bytes, p: int, end: int) -> tuple[int, int]:
    """(value, new position); Malformed if truncated or longer than ten bytes."""
    if p < end:
        c = b[p]
        if c < 0x80:
            return c, p + 1
    r = 0
    shift = 0
    while p < end:
        c = b[p]
        p += 1
        r |= (c & 0x7F) << shift
        if c < 0x80:
            return r & _MASK64, p
        shift += 7
        if shift >= 70:
            raise Malformed
    raise Malformed


def rd_key(b: bytes, p: int, end: int) -> tuple[int, int, int]:
    """(field number, wire type, new position)."""
    key, p = rd_varint(b, p, end)
    if key > 0xFFFFFFFF or (key >> 3) == 0:
        raise Malformed
    return key >> 3, key & 7, p


def rd_len(b: bytes, p: int, end: int) -> tuple[int, int]:
    """(start, end) of a length-delimited payload; its end is the new position."""
    n, p = rd_varint(b, p, end)
    if n > end - p:
        raise Malformed
    return p, p + n


def skip_field(b: bytes, p: int, end: int, fn: int, wt: int, depth: int) -> int:
    """Position after one field whose key was just read."""
    if wt == 0:
        return rd_varint(b, p, end)[1]
    if wt == 1:
        if end - p < 8:
            raise Malformed
        return p + 8
    if wt == 2:
        return rd_len(b, p, end)[1]
    if wt == 5:
        if end - p < 4:
            raise Malformed
        return p + 4
    if wt == 3:
        if depth >= MAX_GROUP_DEPTH:
            raise Malformed
        while True:
            f2, w2, p = rd_key(b, p, end)
            if w2 == 4:
                if f2 != fn:
                    raise Malformed
                return p
            p = skip_field(b, p, end, f2, w2, depth + 1)
    raise Malformed


# ---------------------------------------------------------------------- tags

class _Entry:
    __slots__ = ("key", "name", "plugin", "is_scalars", "bad_utf8", "from_dict", "steps", "vals", "walls", "seqs")

    def __init__(self, key: bytes, name: str, bad: bool) -> None:
        self.key = key
        self.name = name
        self.plugin: str | None = None
        self.is_scalars = False
        self.bad_utf8 = bad
        self.from_dict = False
        self.steps = array("q")
        self.vals = array("d")
        self.walls = array("d")
        self.seqs = array("q")

    def set_plugin(self, plugin: str | None) -> None:
        self.plugin = plugin
        self.is_scalars = plugin == "scalars"


def decode_utf8(raw: bytes) -> tuple[str, bool]:
    """(text, was invalid): invalid UTF-8 is decoded with U+FFFD, as the C scanner does."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True


class _Scan:
    def __init__(self, buf: Buffer, plugins: dict[str, str]) -> None:
        self.b = bytes(buf) if not isinstance(buf, bytes) else buf
        self.plugins = plugins
        self.entries: dict[bytes, _Entry] = {}
        self.order: list[_Entry] = []
        self.pend: list[tuple[_Entry, float]] = []
        self.undo: list[_Entry] = []
        self.hp: list[tuple[bytes, bytes]] = []
        self.hp_committed = 0
        self.nonscalar = 0
        self.nonscalar_pending = 0
        self.starts: list[tuple[int, int, int]] = []
        self.file_version: str | None = None

    def lookup(self, key: bytes) -> _Entry:
        e = self.entries.get(key)
        if e is None:
            name, bad = decode_utf8(key)
            e = _Entry(key, name, bad)
            known = self.plugins.get(name)
            if known is not None:
                e.set_plugin(known)
                e.from_dict = True
            self.entries[key] = e
        return e

    # ------------------------------------------------------------- tensors

    def parse_dim(self, p: int, end: int, t: dict[str, Any]) -> None:
        b = self.b
        size = 0
        while p < end:
            fn, wt, p = rd_key(b, p, end)
            if fn == 1 and wt == 0:
                v, p = rd_varint(b, p, end)
                size = v - (1 << 64) if v >= 1 << 63 else v
            else:
                p = skip_field(b, p, end, fn, wt, 0)
        if size != 1:
            t["bad_shape"] = True

    def parse_shape(self, p: int, end: int, t: dict[str, Any]) -> None:
        b = self.b
        while p < end:
            fn, wt, p = rd_key(b, p, end)
            if fn == 2 and wt == 2:
                s, p = rd_len(b, p, end)
                self.parse_dim(s, p, t)
            else:
                p = skip_field(b, p, end, fn, wt, 0)

    def rd_repeated(self, p: int, end: int, wt: int, width: int, t: dict[str, Any], f: int) -> int:
        """New position, or -1 for a wrong wire type (an unknown field)."""
        b = self.b
        count, first = t["count"], t["first"]
        if wt == 2:
            s, e = rd_len(b, p, end)
            if width:
                n = e - s
                if n % width:
                    raise Malformed
                if n:
                    if count[f] == 0:
                        first[f] = (_U32 if width == 4 else _U64).unpack_from(b, s)[0]
                    count[f] += n // width
            else:
                while s < e:
                    v, s = rd_varint(b, s, e)
                    if count[f] == 0:
                        first[f] = v
                    count[f] += 1
            return e
        if width == 4 and wt == 5:
            if end - p < 4:
                raise Malformed
            if count[f] == 0:
                first[f] = _U32.unpack_from(b, p)[0]
            count[f] += 1
            return p + 4
        if width == 8 and wt == 1:
            if end - p < 8:
                raise Malformed
            if count[f] == 0:
                first[f] = _U64.unpack_from(b, p)[0]
            count[f] += 1
            return p + 8
        if width == 0 and wt == 0:
            v, p = rd_varint(b, p, end)
            if count[f] == 0:
                first[f] = v
            count[f] += 1
            return p
        return -1

    def parse_tensor(self, p: int, end: int, t: dict[str, Any]) -> None:
        b = self.b
        while p < end:
            fn, wt, p = rd_key(b, p, end)
            if fn == 1 and wt == 0:
                v, p = rd_varint(b, p, end)
                v &= 0xFFFFFFFF
                t["dtype"] = v - (1 << 32) if v >= 1 << 31 else v
                continue
            if fn == 2 and wt == 2:
                s, p = rd_len(b, p, end)
                self.parse_shape(s, p, t)
                continue
            if fn == 4 and wt == 2:
                s, p = rd_len(b, p, end)
                t["content"] = (s, p)
                continue
            f = _FIELD_OF.get(fn)
            if f is not None:
                r = self.rd_repeated(p, end, wt, _WIDTH_OF[f], t, f)
                if r >= 0:
                    p = r
                    continue
            p = skip_field(b, p, end, fn, wt, 0)

    def tensor_value(self, t: dict[str, Any]) -> float | None:
        """The one number a rank-0 (or all-ones shape) real tensor holds, else None."""
        dtype = t["dtype"]
        if dtype not in _DTYPES:
            return None
        f, size = _DTYPES[dtype]
        if t["bad_shape"]:
            return None
        cs, ce = t["content"]
        if ce > cs:
            if ce - cs != size:
                return None
            bits = int.from_bytes(self.b[cs:ce], "little")
        else:
            if t["count"][f] > 1:
                return None
            bits = t["first"][f] if t["count"][f] else 0
        if dtype == 1:
            return _F32.unpack(_U32.pack(bits & 0xFFFFFFFF))[0]
        if dtype == 2:
            return _F64.unpack(_U64.pack(bits & _MASK64))[0]
        if dtype == 3:
            v = bits & 0xFFFFFFFF
            return float(v - (1 << 32) if v >= 1 << 31 else v)
        if dtype == 4:
            return float(bits & 0xFF)
        if dtype == 5:
            v = bits & 0xFFFF
            return float(v - (1 << 16) if v >= 1 << 15 else v)
        if dtype == 6:
            v = bits & 0xFF
            return float(v - (1 << 8) if v >= 1 << 7 else v)
        if dtype == 17:
            return float(bits & 0xFFFF)
        if dtype == 9:
            v = bits & _MASK64
            return float(v - (1 << 64) if v >= 1 << 63 else v)
        if dtype == 10:
            return 1.0 if bits else 0.0
        if dtype == 14:
            return _F32.unpack(_U32.pack((bits & 0xFFFF) << 16))[0]
        if dtype == 19:
            return _HALF.unpack((bits & 0xFFFF).to_bytes(2, "little"))[0]
        if dtype == 22:
            return float(bits & 0xFFFFFFFF)
        return float(bits & _MASK64)  # 23, uint64

    # -------------------------------------------------------------- events

    def parse_plugin_data(self, p: int, end: int, m: dict[str, tuple[int, int]]) -> None:
        b = self.b
        while p < end:
            fn, wt, p = rd_key(b, p, end)
            if fn == 1 and wt == 2:
                s, p = rd_len(b, p, end)
                m["name"] = (s, p)
            elif fn == 2 and wt == 2:
                s, p = rd_len(b, p, end)
                m["content"] = (s, p)
            else:
                p = skip_field(b, p, end, fn, wt, 0)

    def parse_metadata(self, p: int, end: int, m: dict[str, tuple[int, int]]) -> None:
        b = self.b
        while p < end:
            fn, wt, p = rd_key(b, p, end)
            if fn == 1 and wt == 2:
                s, p = rd_len(b, p, end)
                self.parse_plugin_data(s, p, m)
            else:
                p = skip_field(b, p, end, fn, wt, 0)

    def parse_value(self, p: int, end: int) -> None:
        b = self.b
        tag = node = (0, 0)
        meta: dict[str, tuple[int, int]] = {"name": (0, 0), "content": (0, 0)}
        has_meta = False
        kind = 0
        fval = 0.0
        t: dict[str, Any] = {}
        while p < end:
            fn, wt, p = rd_key(b, p, end)
            if fn == 1 and wt == 2:
                tag = rd_len(b, p, end)
                p = tag[1]
            elif fn == 2 and wt == 5:
                if end - p < 4:
                    raise Malformed
                fval = _F32.unpack_from(b, p)[0]
                p += 4
                kind = 2
            elif fn == 8 and wt == 2:
                s, p = rd_len(b, p, end)
                if kind != 8:
                    t = _new_tensor()
                kind = 8
                self.parse_tensor(s, p, t)
            elif 3 <= fn <= 6 and wt == 2:
                p = rd_len(b, p, end)[1]
                kind = fn
            elif fn == 7 and wt == 2:
                node = rd_len(b, p, end)
                p = node[1]
            elif fn == 9 and wt == 2:
                s, p = rd_len(b, p, end)
                self.parse_metadata(s, p, meta)
                has_meta = True
            else:
                p = skip_field(b, p, end, fn, wt, 0)
        if has_meta:
            e = self.lookup(b[tag[0]:tag[1]])
            ns, ne = meta["name"]
            if e.plugin is None:
                e.set_plugin(decode_utf8(b[ns:ne])[0])
                self.undo.append(e)
            if b[ns:ne] == b"hparams":
                cs, ce = meta["content"]
                self.hp.append((b[tag[0]:tag[1]], b[cs:ce]))
        if kind == 2 or kind == 8:
            v = fval
            if kind == 8 and tag[1] == tag[0]:
                tag = node
            e = self.lookup(b[tag[0]:tag[1]])
            if kind == 8:
                if not e.is_scalars:
                    return
                tv = self.tensor_value(t)
                if tv is None:
                    self.nonscalar_pending += 1
                    return
                v = tv
            self.pend.append((e, v))

    def parse_summary(self, p: int, end: int) -> None:
        b = self.b
        while p < end:
            fn, wt, p = rd_key(b, p, end)
            if fn == 1 and wt == 2:
                s, p = rd_len(b, p, end)
                self.parse_value(s, p)
            else:
                p = skip_field(b, p, end, fn, wt, 0)

    def parse_session_log(self, p: int, end: int, status: int) -> int:
        b = self.b
        while p < end:
            fn, wt, p = rd_key(b, p, end)
            if fn == 1 and wt == 0:
                v, p = rd_varint(b, p, end)
                v &= 0xFFFFFFFF
                status = v - (1 << 32) if v >= 1 << 31 else v
            else:
                p = skip_field(b, p, end, fn, wt, 0)
        return status

    def fast_simple(self, p: int, end: int, seq: int) -> bool:
        """The canonical PyTorch ``add_scalar`` record, decoded directly (as in the C scanner)."""
        b = self.b
        wall = 0.0
        step = 0
        if p < end and b[p] == 0x09:
            if end - p < 9:
                return False
            wall = _F64.unpack_from(b, p + 1)[0]
            p += 9
        if p < end and b[p] == 0x10:
            try:
                step, p = rd_varint(b, p + 1, end)
            except Malformed:
                return False
            if step >= 1 << 63:
                step -= 1 << 64
        if end - p < 11 or b[p] != 0x2A or b[p + 2] != 0x0A or b[p + 4] != 0x0A:
            return False
        l1, l2, l3 = b[p + 1], b[p + 3], b[p + 5]
        if l1 >= 0x80 or l2 != l1 - 2 or l3 >= 0x80 or l3 + 7 != l2 or end - p != l1 + 2 or b[p + 6 + l3] != 0x15:
            return False
        e = self.lookup(b[p + 6:p + 6 + l3])
        if not e.steps:
            self.order.append(e)
        e.steps.append(step)
        e.vals.append(_F32.unpack_from(b, p + 7 + l3)[0])
        e.walls.append(wall)
        e.seqs.append(seq)
        return True

    def parse_event(self, p: int, end: int, seq: int, offset: int) -> bool:
        """Decode one Event; False (nothing of it kept) if it is malformed."""
        b = self.b
        wall = 0.0
        step = 0
        what = 0
        status = 0
        fv = (0, 0)
        spans: list[tuple[int, int]] = []
        self.pend = []
        self.undo = []
        del self.hp[self.hp_committed:]
        self.nonscalar_pending = 0
        try:
            while p < end:
                fn, wt, p = rd_key(b, p, end)
                if fn == 1 and wt == 1:
                    if end - p < 8:
                        raise Malformed
                    wall = _F64.unpack_from(b, p)[0]
                    p += 8
                elif fn == 2 and wt == 0:
                    v, p = rd_varint(b, p, end)
                    step = v - (1 << 64) if v >= 1 << 63 else v
                elif 3 <= fn <= 9 and wt == 2:
                    s, p = rd_len(b, p, end)
                    if fn == 5:
                        if what != 5:
                            spans = []
                        spans.append((s, p))
                    elif fn == 7:
                        if what != 7:
                            status = 0
                        status = self.parse_session_log(s, p, status)
                    elif fn == 3:
                        fv = (s, p)
                    what = fn
                else:
                    p = skip_field(b, p, end, fn, wt, 0)
            if what == 5:
                for s, e in spans:
                    self.parse_summary(s, e)
        except Malformed:
            for ent in self.undo:
                ent.set_plugin(None)
            del self.hp[self.hp_committed:]
            return False
        if what == 5:
            for ent, v in self.pend:
                if not ent.steps:
                    self.order.append(ent)
                ent.steps.append(step)
                ent.vals.append(v)
                ent.walls.append(wall)
                ent.seqs.append(seq)
            self.hp_committed = len(self.hp)
            self.nonscalar += self.nonscalar_pending
        elif what == 7 and status == 1:
            self.starts.append((seq, step, offset))
        elif what == 3 and self.file_version is None:
            self.file_version = decode_utf8(b[fv[0]:fv[1]])[0]
        return True


def _new_tensor() -> dict[str, Any]:
    return {"dtype": 0, "bad_shape": False, "content": (0, 0), "count": [0] * 8, "first": [0] * 8}


# ------------------------------------------------------------------- framing

def record_at(b: bytes, size: int, pos: int) -> bool:
    """Is there a whole record, both CRCs good, at ``pos``?"""
    if size - pos < 16:
        return False
    length = _U64.unpack_from(b, pos)[0]
    if masked_crc(b[pos:pos + 8]) != _U32.unpack_from(b, pos + 8)[0]:
        return False
    if length > size - pos - 16:
        return False
    return masked_crc(b[pos + 12:pos + 12 + length]) == _U32.unpack_from(b, pos + 12 + length)[0]


def resync(b: bytes, size: int, start: int) -> int:
    """First offset >= ``start`` holding a whole valid record, or -1 (zero runs skipped)."""
    q = start
    while q + 16 <= size:
        if b[q] == 0:
            m = _NONZERO.search(b, q)
            z = m.start() if m else size
            if z - q >= 12:
                q = z - 11
                if q + 16 > size:
                    break
        if record_at(b, size, q):
            return q
        q += 1
    return -1


def _seqs(seqs: array) -> bytes | range:
    """A tag's record numbers as the C scanner returns them: a range when they are one
    with a step of at least 1 (a single point: step 1), else int64 bytes."""
    step = seqs[1] - seqs[0] if len(seqs) > 1 else 1
    if step >= 1:
        r = range(seqs[0], seqs[0] + len(seqs) * step, step)
        if array("q", r) == seqs:
            return r
    return seqs.tobytes()


def scan(buf: Buffer, plugins: dict[str, str]) -> dict[str, Any]:
    """Same contract as the compiled ``_tfscan.scan`` (see its docstring)."""
    s = _Scan(buf, plugins)
    b = s.b
    size = len(b)
    damage: list[tuple[str, int, int]] = []
    pos = 0
    seq = 0
    u64, u32 = _U64.unpack_from, _U32.unpack_from
    while pos < size:
        if size - pos < 12:
            damage.append(("truncated", pos, size - pos))
            break
        length = u64(b, pos)[0]
        if masked_crc(b[pos:pos + 8]) != u32(b, pos + 8)[0]:
            nxt = resync(b, size, pos + 1)
            damage.append(("length-crc", pos, nxt))
            if nxt < 0:
                break
            pos = nxt
            continue
        if length > size - pos - 16:
            nxt = resync(b, size, pos + 1)
            if nxt < 0:
                damage.append(("truncated", pos, size - pos))
                break
            damage.append(("length", pos, nxt))
            pos = nxt
            continue
        data = pos + 12
        if masked_crc(b[data:data + length]) != u32(b, data + length)[0]:
            damage.append(("data-crc", pos, length))
            pos += 16 + length
            continue
        if not s.fast_simple(data, data + length, seq) and not s.parse_event(data, data + length, seq, pos):
            damage.append(("corrupt", pos, length))
        seq += 1
        pos += 16 + length
    tags = [(e.name, e.steps.tobytes(), e.vals.tobytes(), e.walls.tobytes(), _seqs(e.seqs)) for e in s.order]
    hparams = [(decode_utf8(t)[0], c) for t, c in s.hp[:s.hp_committed]]
    for e in s.entries.values():
        if e.plugin is not None and not e.from_dict:
            plugins.setdefault(e.name, e.plugin)
    return {
        "tags": tags,
        "starts": s.starts,
        "file_version": s.file_version,
        "hparams": hparams,
        "damage": damage,
        "records": seq,
        "nonscalar": s.nonscalar,
        "bad_utf8": sum(e.bad_utf8 for e in s.order),
    }
