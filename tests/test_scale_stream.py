"""Issue 7: big wide logs are parsed a block at a time, into exactly the table the whole-file parser makes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logscope
from logscope.readers import tabular
from logscope.readers.text import load_text, parse_table, stream_table

cells = st.one_of(
    st.integers(-5, 10_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(lambda v: f"{v:.5g}"),
    st.sampled_from(["", "NA", "nan", "inf", "abc", "1.", "2e", '"3"', " 4 ", "step", "loss"]),
)
row = st.lists(cells, min_size=1, max_size=5)
lines = st.lists(st.one_of(row.map(",".join), st.just(""), st.just("step,loss,acc"), st.just("  "),
                           st.just('"a,b",1,2')), max_size=40)


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.header == b.header
    assert list(a.lines) == list(b.lines)
    assert a.breaks == b.breaks
    for j in range(len(a.header)):
        va, pa = a.column(j, rel="f.csv")
        vb, pb = b.column(j, rel="f.csv")
        np.testing.assert_array_equal(va, vb)
        np.testing.assert_array_equal(pa, pb)
    assert a.warnings == b.warnings


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=lines, ending=st.sampled_from(["\n", "\r\n", ""]), block=st.integers(1, 64), chunk=st.integers(1, 5),
       bom=st.booleans())
def test_streamed_table_equals_the_whole_file_table(tmp_path: Path, body: list[str], ending: str, block: int,
                                                    chunk: int, bom: bool) -> None:
    path = tmp_path / "f.csv"
    text = ending.join(["step,loss,acc", *body]) + (ending if body else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    streamed = stream_table(path, "f.csv", min_size=0, block=block, chunk_rows=chunk)
    assert streamed is not None
    _same(streamed, parse_table(load_text(path, "f.csv"), "f.csv"))


def test_files_that_need_repairs_are_read_whole(tmp_path: Path) -> None:
    import gzip

    for name, data in (("nul.csv", b"step,loss\n1,2\n\x00\x00\x003,4\n"), ("latin.csv", b"step,loss\n1,2\xe9\n"),
                       ("utf16.csv", "step,loss\n1,2\n".encode("utf-16")),
                       ("z.csv.gz", gzip.compress(b"step,loss\n1,2\n"))):
        (tmp_path / name).write_bytes(data)
        assert stream_table(tmp_path / name, name, min_size=0) is None
    (tmp_path / "small.csv").write_text("step,loss\n1,2\n")
    assert stream_table(tmp_path / "small.csv", "small.csv") is None  # under STREAM_FROM: read whole


def test_a_big_lightning_log_reads_the_same_streamed_or_whole(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run = tmp_path / "lightning_logs" / "version_0"
    run.mkdir(parents=True)
    rng = np.random.default_rng(0)
    rows = [f"{i},{v:.6f},{'' if i % 7 else w}" for i, (v, w) in enumerate(zip(rng.random(3000), rng.random(3000)))]
    rows[100] = "100,oops,0.5"
    (run / "metrics.csv").write_text("step,train_loss,val_loss\n" + "\n".join(rows) + "\n1,0.5,0.4\n2,0.")
    (run / "hparams.yaml").write_text("lr: 0.01\n")
    whole = logscope.load(tmp_path)
    monkeypatch.setattr("logscope.readers.text.STREAM_FROM", 0)
    monkeypatch.setattr("logscope.readers.text.STREAM_BLOCK", 4096)
    monkeypatch.setattr("logscope.readers.text.STREAM_ROWS", 500)
    monkeypatch.setattr(tabular, "stream_table", _spy(tabular.stream_table))
    streamed = logscope.load(tmp_path)
    assert _spy.calls and _spy.results[-1] is not None
    assert [r.warnings for r in streamed] == [r.warnings for r in whole]
    assert [r.name for r in streamed] == [r.name for r in whole]
    for a, b in zip(streamed, whole):
        for sa, sb in zip(a.series, b.series):
            assert sa.name == sb.name
            np.testing.assert_array_equal(sa.steps, sb.steps)
            np.testing.assert_array_equal(sa.values, sb.values)


def _spy(fn):  # type: ignore[no-untyped-def]
    from logscope.readers import text

    def wrapped(path, rel, **kw):  # type: ignore[no-untyped-def]
        kw.setdefault("min_size", text.STREAM_FROM)
        kw.setdefault("block", text.STREAM_BLOCK)
        kw.setdefault("chunk_rows", text.STREAM_ROWS)
        result = fn(path, rel, **kw)
        _spy.calls.append(path)  # type: ignore[attr-defined]
        _spy.results.append(result)  # type: ignore[attr-defined]
        return result

    return wrapped


_spy.calls = []  # type: ignore[attr-defined]
_spy.results = []  # type: ignore[attr-defined]
