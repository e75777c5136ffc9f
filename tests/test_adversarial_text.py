"""Adversarial text logs (CSV, JSON, JSON lines, MLflow), made at test time: exactly what is kept and warned.

Each case is one folder; its expectation lists every run, every point and every
warning (file, kind and a phrase of the message). pandas would turn a column into
strings over one bad cell, fail a file on one ragged row, and pad a cut last row
silently; here each problem costs only the lines it touches, and is named.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from adversarial import Expect, check_read, write_tree
from logscope import analyze
from logscope.errors import NoRunsFound

NAN, INF = float("nan"), float("inf")


def rows(n: int) -> str:
    """``n`` rows of a Keras-style ``epoch,loss`` log (loss 1/(epoch+1), 4 decimals)."""
    return "".join(f"{i},{1 / (i + 1):.4f}\n" for i in range(n))


def loss_of(n: int) -> tuple[list[int], list[float]]:
    return list(range(n)), [round(1 / (i + 1), 4) for i in range(n)]


GZ_BIG = gzip.compress(("epoch,loss\n" + rows(3000)).encode(), mtime=0)
#: How many complete rows the first 4,000 bytes of GZ_BIG decompress to (computed, not assumed).
_PARTIAL = __import__("zlib").decompressobj(16 + 15).decompress(GZ_BIG[:4000]).decode()
GZ_ROWS = _PARTIAL.count("\n") - 1
ML = "mlruns/1/abc"

#: case -> (files, expectation). File names in warnings are relative to the analysed folder.
CASES: dict[str, tuple[dict[str, bytes | str], Expect]] = {
    "partial-cut-fields": (
        {"log.csv": "epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8"},
        Expect({"partial-cut-fields": {"loss": ([0, 1], [1.0, 0.9]), "val_loss": ([0, 1], [1.1, 1.0])}},
               [("partial-cut-fields/log.csv", "truncated", "line 4 is half-written (the file ends without a newline)")])),
    "partial-cut-dot": (  # "0.8123" cut to "0." parses as 0.0: it would be the best loss of the run
        {"log.csv": "epoch,loss\n0,1.0\n1,0.9\n2,0."},
        Expect({"partial-cut-dot": {"loss": ([0, 1], [1.0, 0.9])}},
               [("partial-cut-dot/log.csv", "truncated", "line 4 is half-written")])),
    "partial-cut-exponent": (  # "1e-05" cut to "1e-0" parses as 1.0
        {"log.csv": "epoch,lr\n0,1e-05\n1,1e-0"},
        Expect({"partial-cut-exponent": {"lr": ([0], [1e-05])}},
               [("partial-cut-exponent/log.csv", "truncated", "line 3 is half-written")])),
    "partial-complete-last-line": (  # a whole row without its newline (f.write("\n".join(rows))) is kept
        {"log.csv": "epoch,loss\n0,1.0\n1,0.9"},
        Expect({"partial-complete-last-line": {"loss": ([0, 1], [1.0, 0.9])}})),
    "partial-open-quote": (
        {"log.csv": 'epoch,loss,note\n0,1.0,a\n1,0.9,"unfinished'},
        Expect({"partial-open-quote": {"loss": ([0], [1.0])}},
               [("partial-open-quote/log.csv", "truncated", "line 3 is half-written"),
                ("partial-open-quote/log.csv", "bad-value", "column 'note': 1 cell(s) are not numbers (line 2: 'a')")])),
    "repeated-header": (
        {"log.csv": "epoch,loss\n0,1.0\n1,0.5\nepoch,loss\n0,2.0\n1,1.0\n"},
        Expect({"repeated-header#1": {"loss": ([0, 1], [1.0, 0.5])}, "repeated-header#2": {"loss": ([0, 1], [2.0, 1.0])}},
               [("repeated-header/log.csv", "restart", "the header is repeated at line 4"),
                ("repeated-header/log.csv", "sessions", "this is #1"),
                ("repeated-header/log.csv", "sessions", "this is #2")])),
    "resume-in-file": (  # x goes back to a later point: a resume, the later rows win
        {"log.csv": "epoch,loss\n0,1.0\n1,0.5\n2,0.4\n3,0.3\n2,0.35\n3,0.25\n4,0.2\n"},
        Expect({"resume-in-file": {"loss": ([0, 1, 2, 3, 4], [1.0, 0.5, 0.35, 0.25, 0.2])}},
               [("resume-in-file/log.csv", "restart", "2 earlier row(s) at the same or later epoch superseded")])),
    "ragged": (
        {"log.csv": "epoch,loss\n0,1.0\n1,0.5,3\n2\n3,0.2\n"},
        Expect({"ragged": {"loss": ([0, 3], [1.0, 0.2])}},
               [("ragged/log.csv", "ragged", "lines 3, 4 have 1/3 fields where the header has 2; skipped")])),
    "duplicate-steps": (
        {"log.csv": "epoch,loss\n0,1.0\n0,0.9\n1,0.5\n1,0.5\n"},
        Expect({"duplicate-steps": {"loss": ([0, 1], [0.9, 0.5])}},
               [("duplicate-steps/log.csv", "duplicate-step", "1 value(s) logged again at the same epoch")])),
    "nul-tail": (
        {"log.csv": b"epoch,loss\n0,1.0\n1,0.5\n" + bytes(100)},
        Expect({"nul-tail": {"loss": ([0, 1], [1.0, 0.5])}},
               [("nul-tail/log.csv", "truncated", "file ends in 100 NUL bytes")])),
    "nul-block": (  # a zero block cut "1,0.45\n" in two: joining the halves would invent 0.45 -> "0.4" + "5"
        {"log.csv": b"epoch,loss\n0,1.0\n1,0.4" + bytes(64) + b"5\n2,0.3\n3,0.2\n"},
        Expect({"nul-block": {"loss": ([0, 2, 3], [1.0, 0.3, 0.2])}},
               [("nul-block/log.csv", "corrupt", "line 3 holds NUL bytes")])),
    "nul-single-byte": (
        {"log.csv": b"epoch,loss\n0,1.0\n1,0.\x005\n2,0.3\n"},
        Expect({"nul-single-byte": {"loss": ([0, 2], [1.0, 0.3])}},
               [("nul-single-byte/log.csv", "corrupt", "line 3 holds NUL bytes")])),
    "latin1-header": (
        {"log.csv": b"epoch,lo\xe9ss\n0,1.0\n1,0.5\n"},
        Expect({"latin1-header": {"lo\ufffdss": ([0, 1], [1.0, 0.5])}},
               [("latin1-header/log.csv", "encoding", "1 byte sequence(s) are not UTF-8 (first at byte 8); replaced")])),
    "latin1-cell": (
        {"log.csv": b"epoch,loss\n0,1.0\n1,0.5\xb5\n2,0.25\n"},
        Expect({"latin1-cell": {"loss": ([0, 2], [1.0, 0.25])}},
               [("latin1-cell/log.csv", "encoding", "not UTF-8"),
                ("latin1-cell/log.csv", "bad-value", "column 'loss': 1 cell(s) are not numbers (line 3")])),
    "utf16-bom": ({"log.csv": "epoch,loss\n0,1.0\n1,0.5\n".encode("utf-16")},
                  Expect({"utf16-bom": {"loss": ([0, 1], [1.0, 0.5])}})),
    "utf8-bom-crlf": ({"log.csv": b"\xef\xbb\xbfepoch,loss\r\n0,1.0\r\n1,0.5\r\n"},
                      Expect({"utf8-bom-crlf": {"loss": ([0, 1], [1.0, 0.5])}})),
    "cr-only": ({"log.csv": b"epoch,loss\r0,1.0\r1,0.5\r"}, Expect({"cr-only": {"loss": ([0, 1], [1.0, 0.5])}})),
    "huge-text-field": (  # 16 MiB in one cell: Python's csv module refuses 128 KiB by default
        {"log.csv": "epoch,loss,note\n0,1.0," + "x" * (1 << 24) + "\n1,0.5,y\n"},
        Expect({"huge-text-field": {"loss": ([0, 1], [1.0, 0.5])}},
               [("huge-text-field/log.csv", "bad-value", "column 'note': 2 cell(s) are not numbers")])),
    "huge-number-field": (  # 100,001 digits: a number beyond float64 is inf, as float() and json read it
        {"log.csv": "epoch,loss\n0,1" + "0" * 100000 + "\n1,0.5\n"},
        Expect({"huge-number-field": {"loss": ([0, 1], [INF, 0.5])}})),
    "special-values": (  # missing (NA, empty) is no point; nan/inf are values; -0.0 keeps its sign
        {"log.csv": "epoch,loss\n0,nan\n1,inf\n2,-inf\n3,1e308\n4,-0.0\n5,1e400\n6,NA\n7,\n8,abc\n9,0x1p3\n"},
        Expect({"special-values": {"loss": ([0, 1, 2, 3, 4, 5], [NAN, INF, -INF, 1e308, -0.0, INF])}},
               [("special-values/log.csv", "bad-value", "column 'loss': 2 cell(s) are not numbers (line 10: 'abc', line 11: '0x1p3')")])),
    "bad-steps": (  # a step must be a finite number within 2**53
        {"log.csv": "epoch,loss\n0,1.0\n1e30,0.8\ninf,0.7\n,0.6\n2,0.5\nabc,0.4\n"},
        Expect({"bad-steps": {"loss": ([0, 2], [1.0, 0.5])}},
               [("bad-steps/log.csv", "no-step", "lines 3, 4, 5, 7 have no usable 'epoch'; skipped"),
                ("bad-steps/log.csv", "bad-value", "column 'epoch': 1 cell(s) are not numbers (line 7: 'abc')")])),
    "fractional-steps": (  # then x is the row number and every row is kept, the odd x values too
        {"log.csv": "epoch,loss\n0,1.0\n1.5,0.9\ninf,0.7\n,0.6\n2,0.5\n"},
        Expect({"fractional-steps": {"loss": ([0, 1, 2, 3, 4], [1.0, 0.9, 0.7, 0.6, 0.5]),
                                     "epoch": ([0, 1, 2, 4], [0.0, 1.5, INF, 2.0])}},
               [("fractional-steps/log.csv", "no-step", "'epoch' has fractional values; x is the row number")])),
    "header-only": ({"log.csv": "epoch,loss\n"},
                    Expect({}, [("header-only/log.csv", "empty", "no scalar values")], runs_without_series=["header-only"])),
    "gzip": ({"log.csv.gz": gzip.compress(b"epoch,loss\n0,1.0\n1,0.5\n", mtime=0)},
             Expect({"gzip": {"loss": ([0, 1], [1.0, 0.5])}})),
    "gzip-named-csv": ({"log.csv": gzip.compress(b"epoch,loss\n0,1.0\n1,0.5\n", mtime=0)},
                       Expect({"gzip-named-csv": {"loss": ([0, 1], [1.0, 0.5])}})),
    "gzip-truncated": (
        {"log.csv.gz": GZ_BIG[:4000]},
        Expect({"gzip-truncated": {"loss": loss_of(GZ_ROWS)}},
               [("gzip-truncated/log.csv.gz", "truncated", "gzip stream ends early"),
                ("gzip-truncated/log.csv.gz", "truncated", f"line {GZ_ROWS + 2} is half-written")])),
    "gzip-then-garbage": (
        {"log.csv.gz": gzip.compress(b"epoch,loss\n0,1.0\n1,0.5\n", mtime=0) + b"\x1f\x8bgarbage"},
        Expect({"gzip-then-garbage": {"loss": ([0, 1], [1.0, 0.5])}},
               [("gzip-then-garbage/log.csv.gz", "truncated", "damaged gzip data")])),
    "unclosed-quote-mid": (  # the quote does not swallow the lines after it
        {"log.csv": 'epoch,loss,note\n0,1.0,"a\n1,0.5,b\n2,0.25,c\n'},
        Expect({"unclosed-quote-mid": {"loss": ([0, 1, 2], [1.0, 0.5, 0.25])}},
               [("unclosed-quote-mid/log.csv", "bad-value", "column 'note': 3 cell(s)")])),
    "hf-truncated": (
        {"trainer_state.json": json.dumps({"global_step": 30, "log_history": [
            {"step": 10, "loss": 1.0}, {"step": 20, "loss": 0.5}, {"step": 30, "loss": 0.25}]}, indent=2)[:-40]},
        Expect({"hf-truncated": {"loss": ([10, 20], [1.0, 0.5])}},
               [("hf-truncated/trainer_state.json", "truncated", "2 log_history entries before the damage were read")])),
    "hf-nan": (  # HF writes bare NaN and Infinity (json.dumps allows them)
        {"trainer_state.json": '{"global_step": 30, "log_history": [{"step": 10, "loss": NaN}, '
                               '{"step": 20, "loss": Infinity}, {"step": 30, "loss": -Infinity}]}'},
        Expect({"hf-nan": {"loss": ([10, 20, 30], [NAN, INF, -INF])}})),
    "hf-deep": (  # json.loads raises RecursionError here, not JSONDecodeError
        {"trainer_state.json": '{"log_history": ' + "[" * 100000 + "]" * 100000 + "}"},
        Expect({}, [("hf-deep/trainer_state.json", "corrupt", "JSON nested too deeply; not read")],
               runs_without_series=["hf-deep"])),
    "hf-not-a-state": ({"trainer_state.json": "[1, 2, 3]"},
                       Expect({}, [("hf-not-a-state/trainer_state.json", "corrupt", "no log_history list")],
                              runs_without_series=["hf-not-a-state"])),
    "hf-bad-entries": (
        {"trainer_state.json": '{"global_step": 40, "log_history": [{"step": 10, "loss": 1.0}, 7, {"loss": 0.5}, '
                               '{"step": "x", "loss": 0.4}, {"step": 30, "loss": "high"}, {"step": 40, "loss": 0.1}]}'},
        Expect({"hf-bad-entries": {"loss": ([10, 40], [1.0, 0.1])}},
               [("hf-bad-entries/trainer_state.json", "no-step", "log_history entries 2, 3, 4 have no usable step"),
                ("hf-bad-entries/trainer_state.json", "bad-value", "loss (1)")])),
    "jsonl-malformed": (  # pandas.read_json(lines=True) fails the whole file on one bad line
        {"metrics.jsonl": '{"step": 1, "loss": 1.0}\n{"step": 2, "loss": \n{broken\n[1,2]\n"str"\n{"step": 3, "loss": 0.2}\n'},
        Expect({"jsonl-malformed": {"loss": ([1, 3], [1.0, 0.2])}},
               [("jsonl-malformed/metrics.jsonl", "bad-line", "lines 2, 3, 4, 5 are not a JSON object; skipped")])),
    "jsonl-deep": (
        {"metrics.jsonl": '{"step": 1, "loss": 1.0}\n' + '{"a":' * 100000 + "1" + "}" * 100000 + '\n{"step": 2, "loss": 0.5}\n'},
        Expect({"jsonl-deep": {"loss": ([1, 2], [1.0, 0.5])}},
               [("jsonl-deep/metrics.jsonl", "bad-line", "line 2 is not a JSON object")])),
    "jsonl-specials": (  # NaN/Infinity tokens, 1e400 -> inf, -0.0, a duplicate key (the last wins, as json does)
        {"metrics.jsonl": '{"step": 1, "loss": NaN}\n{"step": 2, "loss": Infinity}\n{"step": 3, "loss": 1e400}\n'
                          '{"step": 4, "loss": -0.0}\n{"step": 5, "loss": 1, "loss": 2}\n'},
        Expect({"jsonl-specials": {"loss": ([1, 2, 3, 4, 5], [NAN, INF, INF, -0.0, 2.0])}})),
    "jsonl-partial": (
        {"metrics.jsonl": '{"step": 1, "loss": 1.0}\n{"step": 2, "loss": 0.5}\n{"step": 3, "lo'},
        Expect({"jsonl-partial": {"loss": ([1, 2], [1.0, 0.5])}},
               [("jsonl-partial/metrics.jsonl", "truncated", "line 3 is half-written; dropped")])),
    "jsonl-surrogate-key": (  # a JSON escape of a lone surrogate: no UTF-8 report could hold it
        {"metrics.jsonl": '{"step": 1, "\\udcff": 1.0}\n{"step": 2, "\\udcff": 0.5}\n'},
        Expect({"jsonl-surrogate-key": {"\ufffd": ([1, 2], [1.0, 0.5])}})),
    "mlflow-malformed": (
        {"mlruns/1/meta.yaml": "name: exp\nexperiment_id: '1'\n",
         f"{ML}/meta.yaml": ": : bad yaml [\n",
         f"{ML}/metrics/loss": "1000 0.5 0\n2000 0.4 1\nbad line here extra\n3000 nan 2\n4000 abc 3\n"
                               "5000 0.1 1e30\n6000 0.3 4\n7000 0.12",
         f"{ML}/metrics/empty": "",
         f"{ML}/metrics/train/acc": "1000 0.5 0\n1000 0.6 1\n",
         f"{ML}/params/lr": "0.1"},
        Expect({f"mlflow-malformed/{ML}": {"loss": ([0, 1, 2, 4], [0.5, 0.4, NAN, 0.3]),
                                           "train/acc": ([0, 1], [0.5, 0.6])}},
               [(f"mlflow-malformed/{ML}/meta.yaml", "companion", "not valid YAML"),
                (f"mlflow-malformed/{ML}/metrics/empty", "empty", "metric file has no values"),
                (f"mlflow-malformed/{ML}/metrics/loss", "bad-line", "lines 3, 5, 6 are not 'timestamp value step'"),
                # "7000 0.12" may be "7000 0.1234 5" cut: read as it stands it would be a value at step 0
                (f"mlflow-malformed/{ML}/metrics/loss", "truncated", "line 8 is half-written; dropped")])),
    "mlflow-no-run-meta": (  # without meta.yaml the folder is not an MLflow run: named, not guessed
        {"mlruns/2/def/metrics/loss": "1000 0.5 0\n"},
        Expect({}, [("mlflow-no-run-meta/mlruns/2/def/metrics/loss", "skipped", "text in no log layout")])),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_case(tmp_path: Path, case: str) -> None:
    files, expect = CASES[case]
    write_tree(tmp_path / case, files)
    check_read(tmp_path, expect)


@pytest.mark.parametrize("case", ["header-only", "hf-deep", "hf-not-a-state", "mlflow-no-run-meta"])
def test_nothing_readable_is_exit_2_naming_the_file(tmp_path: Path, case: str) -> None:
    """A tree whose only log yields no value is 'nothing readable' (CLI exit 2), naming the file."""
    files, expect = CASES[case]
    write_tree(tmp_path / case, files)
    with pytest.raises(NoRunsFound, match=expect.warnings[0][0]):
        analyze(tmp_path)


def test_every_case_at_once_reads_the_same(tmp_path: Path) -> None:
    """All cases in one tree: each case's runs are exactly as when read alone (no case leaks into another)."""
    from logscope.readers import read_path

    for case, (files, _) in CASES.items():
        write_tree(tmp_path / case, files)
    runs, warnings = read_path(tmp_path)
    by_name = {run.name: run for run in runs}
    for case, (_, expect) in CASES.items():
        for name, series in expect.kept.items():
            assert set(s.name for s in by_name[name].series) == set(series), case
            for key, (steps, values) in series.items():
                np.testing.assert_array_equal(by_name[name].get(key).values, values)


@pytest.mark.parametrize("case", sorted(c for c, (files, _) in CASES.items() if "log.csv" in files))
def test_big_file_parser_agrees_on_every_csv_case(tmp_path: Path, case: str) -> None:
    """Logs over 16 MiB are parsed a block at a time (text.stream_table): forced here on small blocks,
    it must give the whole-file parser's table, or decline (None) and leave the file to it."""
    from test_fuzz_text import _table_view

    from logscope.readers.text import load_text, parse_table, stream_table

    path = write_tree(tmp_path, CASES[case][0]) / "log.csv"
    small = (1, 7) if path.stat().st_size < 1 << 16 else ()  # a 16 MiB line read 1 byte at a time is quadratic
    for block in (*small, 4096, 1 << 20):
        streamed = stream_table(path, "f", min_size=0, block=block, chunk_rows=3)
        if streamed is not None:
            assert _table_view(streamed) == _table_view(parse_table(load_text(path, "f"), "f")), block
