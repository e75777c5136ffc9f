"""Fuzzing the text readers: valid CSV, JSON-lines, trainer_state.json and MLflow logs, mutated.

Every mutation (truncate, flip, insert, delete, overwrite, splice two files): the
reader returns runs and warnings and nothing else (no exception), every warning
names the file, every name can be written as UTF-8. For damage that adds no digit
(a truncation, or inserted bytes that cannot form a number), also: every record
that ends before the first damaged byte is kept with its exact value, and no value
is invented (each point read was written), apart from the one exception stated in
docs/formats.md: a CSV's last line cut inside a number, with no newline after it,
cannot be told from a shorter number. Settings as in test_fuzz_tfevents.py.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscope.model import Run
from logscope.readers import READERS, discover

FUZZ = settings(
    max_examples=int(os.environ.get("LOGSCOPE_FUZZ_EXAMPLES", "100")),
    derandomize=os.environ.get("LOGSCOPE_FUZZ_RANDOM", "") != "1",
    database=None, deadline=None, suppress_health_check=list(HealthCheck),
)
#: Bytes that cannot make or change a number, a line, a field, a quote-free cell or nan/inf/NA.
INERT = st.binary(min_size=1, max_size=16).map(
    lambda b: bytes(c for c in b if chr(c) not in "0123456789.+-eEnNaAiIfF,;\t| \r\n\x0b\x0c\x1c\x1d\x1e\x85\"'{}[]:\\")
).filter(bool)
FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)


@dataclass
class Log:
    """A valid log: its files, where each record ends, and the (x, value) points each record holds."""

    path: str
    content: bytes
    header_end: int
    ends: list[int]
    points: list[set[tuple[str, int, float]]]
    extra: dict[str, bytes]
    #: whether an unterminated last line's cut number may be read (the documented CSV exception)
    cut_may_parse: bool = False


def _lines(path: str, header: str, rows: list[str], points: list[set], **kw: object) -> Log:
    content = (header + "".join(rows)).encode()
    ends, pos = [], len(header.encode())
    for row in rows:
        pos += len(row.encode())
        ends.append(pos)
    return Log(path, content, len(header.encode()), ends, points, kw.pop("extra", {}), **kw)  # type: ignore[arg-type]


@st.composite
def csv_log(draw: st.DrawFn) -> Log:
    rows, points = [], []
    for epoch in range(draw(st.integers(1, 20))):
        loss, acc = draw(FINITE), draw(FINITE)
        rows.append(f"{epoch},{loss!r},{acc!r}\n")
        points.append({("loss", epoch, loss), ("acc", epoch, acc)})
    return _lines("run/log.csv", "epoch,loss,acc\n", rows, points, cut_may_parse=True)


@st.composite
def jsonl_log(draw: st.DrawFn) -> Log:
    rows, points = [], []
    for step in range(draw(st.integers(1, 20))):
        loss = draw(FINITE)
        rows.append(json.dumps({"step": step * 10, "loss": loss}) + "\n")
        points.append({("loss", step * 10, loss)})
    return _lines("run/metrics.jsonl", "", rows, points)


@st.composite
def hf_log(draw: st.DrawFn) -> Log:
    entries, points = [], []
    for step in range(1, draw(st.integers(1, 15)) + 1):
        loss = draw(FINITE)
        entries.append("    " + json.dumps({"epoch": step / 4, "loss": loss, "step": step * 5}))
        points.append({("loss", step * 5, loss), ("epoch", step * 5, step / 4)})
    head = '{\n  "global_step": %d,\n  "log_history": [\n' % (len(entries) * 5)
    rows = [e + (",\n" if i < len(entries) - 1 else "\n") for i, e in enumerate(entries)]
    log = _lines("run/trainer_state.json", head, rows, points)
    log.content += b"  ]\n}\n"
    log.ends = [e - 2 if i < len(rows) - 1 else e - 1 for i, e in enumerate(log.ends)]  # at the closing brace
    return log


@st.composite
def mlflow_log(draw: st.DrawFn) -> Log:
    rows, points = [], []
    for step in range(draw(st.integers(1, 20))):
        value = draw(FINITE)
        rows.append(f"{1700000000000 + step} {value!r} {step}\n")
        points.append({("loss", step, value)})
    return _lines("mlruns/0/r1/metrics/loss", "", rows, points,
                  extra={"mlruns/0/meta.yaml": b"name: exp\n", "mlruns/0/r1/meta.yaml": b"status: 3\n"})


LOGS: dict[str, Callable[[], st.SearchStrategy[Log]]] = {
    "csv": csv_log, "jsonl": jsonl_log, "hf": hf_log, "mlflow": mlflow_log}


def read_all(log: Log, content: bytes) -> list[Run]:
    """Discover and read ``content`` as the log's file, calling the readers directly (no safety net)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in {**log.extra, log.path: content}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        sources, warnings = discover(root)
        runs: list[Run] = []
        for source in sources:
            reader = READERS[source.reader]
            runs.extend(reader.read_runs(source) if hasattr(reader, "read_runs") else [reader.read(source)])
    for warning in [*warnings, *(w for r in runs for w in r.warnings)]:
        assert warning.file and warning.kind and warning.message
    return runs


def points_of(runs: list[Run]) -> set[tuple[str, int, float]]:
    return {(s.name, int(x), float(v)) for r in runs for s in r.series for x, v in zip(s.steps, s.values)}


def _same(a: set, b: set) -> set:
    """Points of ``a`` not in ``b`` (NaN never occurs: the logs hold finite values)."""
    return {p for p in a if p not in b}


@st.composite
def damage(draw: st.DrawFn, size: int) -> tuple[str, int, bytes]:
    """(kind, first changed byte, new bytes or b''): the mutation to apply."""
    kind = draw(st.sampled_from(["truncate", "inert", "flip", "insert", "delete", "overwrite"]))
    at = draw(st.integers(0, max(0, size - 1)))
    if kind == "inert":
        return kind, at, draw(INERT)
    if kind in ("insert", "overwrite"):
        return kind, at, draw(st.binary(min_size=1, max_size=32))
    if kind == "flip":
        return kind, at, bytes([draw(st.integers(1, 255))])
    if kind == "delete":
        return kind, at, b"\x00" * draw(st.integers(1, 64))
    return kind, at, b""


def apply(content: bytes, kind: str, at: int, arg: bytes) -> bytes:
    if kind == "truncate":
        return content[:at]
    if kind in ("inert", "insert"):
        return content[:at] + arg + content[at:]
    if kind == "flip":
        return content[:at] + bytes([content[at] ^ arg[0]]) + content[at + 1:] if content else content
    if kind == "delete":
        return content[:at] + content[at + len(arg):]
    return content[:at] + arg + content[at + len(arg):]


@FUZZ
@given(st.sampled_from(sorted(LOGS)), st.data())
def test_mutated_text_logs(fmt: str, data: st.DataObject) -> None:
    log = data.draw(LOGS[fmt]())
    kind, at, arg = data.draw(damage(len(log.content)))
    damaged = apply(log.content, kind, at, arg)
    runs = read_all(log, damaged)
    for run in runs:
        for text in (run.name, *(s.name for s in run.series), *(w.file + w.message for w in run.warnings)):
            text.encode("utf-8")
    if kind not in ("truncate", "inert") or at < log.header_end:
        return  # arbitrary bytes can write any number: only "no exception" holds
    got = points_of(runs)
    written = set().union(*log.points)
    before = set().union(*(p for p, end in zip(log.points, log.ends) if end <= at))
    # A JSON-lines record whose x key was damaged is placed at the x before it (warning `placed`,
    # docs/formats.md), and its values may then replace that x's: only the (name, x) must survive.
    placed = any(w.kind == "placed" for r in runs for w in r.warnings)
    lost = {(n, x) for n, x, _ in before} - {(n, x) for n, x, _ in got} if placed else _same(before, got)
    assert not lost, f"lost before the damage: {lost}"
    # A damaged key renames a series but cannot change a value: compare (x, value), or, if placed, the
    # value alone among the numbers written (a damaged "step" key makes the step a value).
    pairs = {(x, v) for _, x, v in written}
    numbers = {v for *_, v in written} | {float(x) for _, x, _ in written}
    invented = {p for p in got if (p[2] not in numbers if placed else (p[1], p[2]) not in pairs)}
    if invented and log.cut_may_parse and kind == "truncate" and not damaged.endswith(b"\n"):
        last = next(i for i, end in enumerate(log.ends) if end > at)
        invented -= {(name, x, v) for name, x, v in invented if x == last}  # the documented cut-number case
    assert not invented, f"values never written: {invented}"
    if damaged == log.content:
        assert got == written


@FUZZ
@given(st.sampled_from(sorted(LOGS)), st.data())
def test_spliced_text_logs(fmt: str, data: st.DataObject) -> None:
    """Two logs of the same format cut and joined (a file overwritten in place by a shorter one)."""
    a, b = data.draw(LOGS[fmt]()), data.draw(LOGS[fmt]())
    cut_a = data.draw(st.integers(0, len(a.content)))
    cut_b = data.draw(st.integers(0, len(b.content)))
    read_all(a, a.content[:cut_a] + b.content[cut_b:])


@FUZZ
@given(st.sampled_from(["log.csv", "metrics.jsonl", "trainer_state.json", "results.csv", "metrics.csv",
                        "run.log", "x.tsv.gz"]),
       st.binary(max_size=1024))
def test_random_bytes_named_like_text_logs(name: str, content: bytes) -> None:
    read_all(Log(f"run/{name}", b"", 0, [], [], {}), content)


def _table_view(table) -> tuple:
    """What a reader sees of a table: header, line numbers, session breaks, columns, warnings."""
    warnings: list = []
    columns = []
    for i in range(len(table.header)):
        table.warnings, saved = warnings, table.warnings
        values, present = table.column(i, rel="f", name=table.header[i])
        table.warnings = saved
        columns.append((values[present].tobytes(), present.tobytes()))
    return (table.header, [int(n) for n in table.lines], list(table.breaks), columns, table.warnings, warnings)


@FUZZ
@given(csv_log(), st.data())
def test_streamed_table_equals_whole_file_table(log: Log, data: st.DataObject) -> None:
    """Big CSVs are parsed a block at a time (text.stream_table); on any damage the result must be the
    whole-file parser's, or None (the whole-file parser is then used)."""
    from logscope.readers.text import load_text, parse_table, stream_table

    kind, at, arg = data.draw(damage(len(log.content)))
    damaged = apply(log.content, kind, at, arg)
    block = data.draw(st.integers(1, 64))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        path.write_bytes(damaged)
        streamed = stream_table(path, "f", min_size=0, block=block, chunk_rows=data.draw(st.integers(1, 8)))
        if streamed is None:
            return
        assert _table_view(streamed) == _table_view(parse_table(load_text(path, "f"), "f"))
