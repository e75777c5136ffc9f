"""Reading text logs robustly: gzip, lenient decoding, delimited tables, numbers.

Every text reader goes through here so that bad input is handled one way:
gzip is recognised by its magic bytes and salvaged up to the damage; bytes that
are not UTF-8 are replaced and counted; a half-written last line is dropped;
a header repeated mid-file marks a new session; ragged rows are reported with
their line numbers; and cells are parsed one by one, so one bad cell never
turns a column into strings (``nan``/``inf`` stay non-finite values, missing
markers such as ``NA`` or an empty cell are simply absent).
"""

from __future__ import annotations

import csv
import math
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..model import ReadWarning

GZIP_MAGIC = b"\x1f\x8b"
#: Cell texts that mean "no value here" (Keras writes ``NA``; sparse CSVs leave cells empty).
MISSING = frozenset({"", "na", "n/a", "none", "null", "nil", "<na>", "#n/a"})
#: Candidate delimiters, most common first.
DELIMITERS = (",", "\t", ";", "|")
#: Line numbers listed in one warning before the rest are only counted.
MAX_LISTED = 10

# Python's csv module refuses cells over 128 KiB by default; logs with long
# array cells are legitimate, so raise the limit once.
csv.field_size_limit(1 << 24)


@dataclass(frozen=True)
class LineWarning:
    """A warning about some lines of one file, worded for any subset of them.

    A file holding several trainings is read as several runs
    (``base.session_runs``); each gets the warning only for the lines in its own
    span, so no run names another's lines. Readers turn it into a plain
    :class:`ReadWarning` (:func:`plain`) before a run is built: ``word`` may be a
    closure, which a Run sent to another process could not carry.
    """

    file: str
    kind: str
    lines: tuple[int, ...]
    # not compared: two warnings of one kind about the same lines are the same warning
    word: Callable[[list[int]], str] = field(compare=False, repr=False)

    @property
    def message(self) -> str:
        """The message about all :attr:`lines`."""
        return self.word(list(self.lines))

    def about(self, lines: Sequence[int]) -> ReadWarning:
        """The warning for ``lines`` (a subset of :attr:`lines`, in file order)."""
        return ReadWarning(self.file, self.kind, self.word(list(lines)))


def plain(warnings: Iterable[ReadWarning | LineWarning]) -> list[ReadWarning]:
    """The warnings of a file read as one run: each line warning about all its lines."""
    return [w.about(w.lines) if isinstance(w, LineWarning) else w for w in warnings]


@dataclass
class Text:
    """A file's decoded text, whether it ended with a newline, and what went wrong reading it."""

    text: str
    complete: bool
    warnings: list[ReadWarning] = field(default_factory=list)


def logical_name(path: Path) -> str:
    """The file name without a ``.gz`` suffix, lower-cased (``results.csv.gz`` -> ``results.csv``)."""
    name = path.name.lower()
    return name[:-3] if name.endswith(".gz") else name


def logical_suffix(path: Path) -> str:
    """The suffix of :func:`logical_name` (``.csv`` for ``log.csv.gz``)."""
    return Path(logical_name(path)).suffix


def sniff_head(head: bytes) -> bytes:
    """The first bytes of the content as UTF-8-ish bytes: gunzipped and UTF-16 re-encoded if needed."""
    if head.startswith(GZIP_MAGIC):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, len(head) * 8)
        except zlib.error:
            return b""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", "replace").encode("utf-8")
    return head


def head_text(head: bytes) -> str:
    """The sniffed head as text (BOM removed, undecodable bytes replaced)."""
    data = sniff_head(head)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "replace").replace("\x00", "")


def first_line(head: bytes) -> str:
    """The first non-blank line of the sniffed head, stripped."""
    for line in head_text(head).splitlines():
        if line.strip():
            return line.strip()
    return ""


def load_bytes(path: Path, rel: str) -> tuple[bytes, list[ReadWarning]]:
    """The file's content, gunzipped if it is gzip; damage ends it with a warning."""
    warnings: list[ReadWarning] = []
    try:
        data = path.read_bytes()
    except OSError as exc:
        return b"", [ReadWarning(rel, "unreadable", f"cannot read: {exc.strerror or exc}")]
    if data.startswith(GZIP_MAGIC):
        data, problem = _gunzip(data)
        if problem:
            warnings.append(ReadWarning(rel, "truncated", problem))
    return data, warnings


def load_text(path: Path, rel: str) -> Text:
    """Decode a text log leniently: UTF-8 (BOM or not), UTF-16 with a BOM, else UTF-8 with replacement."""
    data, warnings = load_bytes(path, rel)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", "replace")
    else:
        stripped = data.rstrip(b"\x00")
        if len(stripped) < len(data):
            warnings.append(ReadWarning(
                rel, "truncated", f"file ends in {len(data) - len(stripped)} NUL bytes (a crash while writing); ignored"))
            data = stripped
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = data.decode("utf-8", "replace")
            bad = text.count("\ufffd")
            warnings.append(ReadWarning(
                rel, "encoding", f"{bad} byte sequence(s) are not UTF-8 (first at byte {exc.start}); replaced"))
    if "\x00" in text:
        text = _drop_nul_lines(text, rel, warnings)
    return Text(text=text, complete=text.endswith(("\n", "\r")) or not text, warnings=warnings)


def _drop_nul_lines(text: str, rel: str, warnings: list[ReadWarning]) -> str:
    """Blank out the lines holding NUL bytes (line numbers stay), with a warning.

    NULs inside a text log are a zero-filled block: a crash while appending, then
    more lines written. Removing just the NULs would join the halves of the lines
    they cut into invented numbers, so those lines are dropped whole.
    """
    parts = text.splitlines(keepends=True)
    bad: list[int] = []
    for i, part in enumerate(parts):
        if "\x00" in part:
            bad.append(i + 1)
            content = part.splitlines()[0] if part.splitlines() else ""
            parts[i] = part[len(content):]  # keep only the line break
    warnings.append(ReadWarning(
        rel, "corrupt", f"{line_list(bad)} {agree(bad, 'holds', 'hold')} NUL bytes (a zero-filled block "
                        f"left by a crash while writing); dropped"))
    return "".join(parts)


def _gunzip(data: bytes) -> tuple[bytes, str | None]:
    """Decompress every gzip member; on damage keep what came before it."""
    out: list[bytes] = []
    rest = data
    while rest.startswith(GZIP_MAGIC):
        dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out.append(dec.decompress(rest))
        except zlib.error as exc:
            return b"".join(out), f"damaged gzip data ({exc}); read what came before the damage"
        if not dec.eof:
            return b"".join(out), "gzip stream ends early (truncated file); read what came before the cut"
        rest = dec.unused_data
    return b"".join(out), None


def to_float(cell: str) -> float | None:
    """A cell as a number: None if missing or not a number; ``nan``/``inf`` stay non-finite."""
    text = cell.strip().strip('"').strip()
    if text.lower() in MISSING:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def is_missing(cell: str) -> bool:
    """True for the cell texts that mean "no value" (``NA``, empty, ``null`` ...)."""
    return cell.strip().strip('"').strip().lower() in MISSING


def sniff_delimiter(line: str) -> str | None:
    """The delimiter that splits a header line into the most fields, or None for one field."""
    counts = {d: len(next(csv.reader([line], delimiter=d))) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 1 else None


def split_header(line: str, delimiter: str | None = None) -> list[str]:
    """Header cells of a delimited line, stripped of spaces and quotes."""
    delimiter = delimiter or sniff_delimiter(line)
    if delimiter is None:
        return [line.strip()]
    cells = [c.strip() for c in next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))]
    while len(cells) > 1 and cells[-1] == "":
        cells.pop()
    return cells


@dataclass
class Table:
    """A delimited file as header plus rows of string cells, with line numbers.

    ``rows`` holds only rows with as many cells as the header; ``breaks`` are the
    row indices where a repeated header started a new session.
    """

    header: list[str]
    rows: list[list[str]]
    lines: list[int] | np.ndarray
    breaks: list[int]
    #: Line warnings (:class:`LineWarning`) go to the training of their lines; :func:`plain` words them whole.
    warnings: list[ReadWarning | LineWarning]
    #: Columns already parsed by :func:`stream_table` (which keeps no cells; ``rows`` is empty then):
    #: (values, present mask, first bad cells, count of bad cells) per column.
    parsed: list[tuple[np.ndarray, np.ndarray, list[tuple[int, str]], int]] | None = None

    def column(self, index: int, *, rel: str, name: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Column ``index`` as (float64 values, present mask); bad cells are absent, with a warning."""
        if self.parsed is not None:
            values, present, bad, count = self.parsed[index]
            if count:
                self.warnings.append(_bad_cells(rel, name or self.header[index], bad, count))
            return values, present
        return parse_column([row[index] for row in self.rows], self.lines, rel=rel,
                            name=name or self.header[index], warnings=self.warnings)


def parse_column(cells: list[str], lines: list[int], *, rel: str, name: str,
                 warnings: list[ReadWarning] | list[ReadWarning | LineWarning]) -> tuple[np.ndarray, np.ndarray]:
    """Cells to (float64 values, present mask), counting cells that are neither numbers nor missing."""
    try:
        # Fast path: numpy parses a clean column (incl. nan/inf) in one call.
        values = np.array(cells, dtype=np.float64)
        return values, np.ones(len(cells), dtype=bool)
    except ValueError:
        pass
    values = np.full(len(cells), np.nan)
    present = np.zeros(len(cells), dtype=bool)
    bad: list[tuple[int, str]] = []
    for i, cell in enumerate(cells):
        number = to_float(cell)
        if number is not None:
            values[i] = number
            present[i] = True
        elif not is_missing(cell):
            bad.append((lines[i], cell.strip()))
    if bad:
        warnings.append(_bad_cells(rel, name, bad, len(bad)))
    return values, present


def _parse_cells(cells: list[str], lines: list[int]) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]], int]:
    """:func:`parse_column` without the warning: (values, present, first bad cells, bad count)."""
    bad: list[ReadWarning] = []
    values, present = parse_column(cells, lines, rel="", name="", warnings=bad)
    if not bad:
        return values, present, [], 0
    items = [(lines[i], cells[i].strip()) for i in np.flatnonzero(~present) if not is_missing(cells[i])]
    return values, present, items[:3], len(items)


def _bad_cells(rel: str, name: str, first: list[tuple[int, str]], count: int) -> ReadWarning:
    shown = ", ".join(f"line {n}: {_short(text)!r}" for n, text in first[:3])
    more = f" and {count - 3} more" if count > 3 else ""
    return ReadWarning(rel, "bad-value",
                       f"column {name!r}: {count} cell(s) are not numbers ({shown}{more}); read as missing")


def not_numbers_message(items: list[tuple[int, str]], where: list[int], *, most: int | None = None) -> str:
    """The bad-value message for the (line or entry, key) ``items`` at ``where``: each key with its
    count, sorted by key, at most ``most`` keys."""
    keep = set(where)
    counts: dict[str, int] = {}
    for at, key in items:
        if at in keep:
            counts[key] = counts.get(key, 0) + 1
    listed = ", ".join(f"{k} ({n})" for k, n in sorted(counts.items())[:most])
    return f"values that are not numbers were ignored: {listed}"


def describe_lines(items: list[tuple[int, str]]) -> str:
    """``line 4: 'abc', line 9: 'x' and 3 more`` for a warning message."""
    shown = ", ".join(f"line {n}: {_short(text)!r}" for n, text in items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def line_list(numbers: list[int], word: str = "line") -> str:
    """``lines 3, 7, 9`` (the first few, then a count) for a warning message."""
    shown = ", ".join(str(n) for n in numbers[:MAX_LISTED])
    more = f" and {len(numbers) - MAX_LISTED} more" if len(numbers) > MAX_LISTED else ""
    return f"{word} {shown}{more}" if len(numbers) == 1 else f"{plural(word)} {shown}{more}"


def agree(numbers: list[int], singular: str, plural_form: str) -> str:
    """``singular`` for one item, else ``plural_form`` (``has``/``have``, ``is``/``are``)."""
    return singular if len(numbers) == 1 else plural_form


#: Largest step logscope accepts: beyond 2**53 a float64 no longer holds every whole number.
MAX_STEP = 2.0**53


def usable_steps(values: np.ndarray) -> np.ndarray:
    """Mask of values that can be steps: finite whole numbers within +/-2**53."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (np.abs(values) <= MAX_STEP) & (values == np.round(values))


def plural(word: str) -> str:
    """``line`` -> ``lines``, ``entry`` -> ``entries``."""
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_table(text: Text, rel: str, *, delimiter: str | None = None) -> Table:
    """Split a delimited log into header and rows, reporting every line it cannot use."""
    warnings: list[ReadWarning | LineWarning] = list(text.warnings)
    lines = text.text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return Table(header=[], rows=[], lines=[], breaks=[], warnings=warnings)
    rules = _Rows(lines[first], delimiter, rel, warnings)
    last_index = max(i for i, line in enumerate(lines) if line.strip())
    for index in range(first + 1, len(lines)):
        line = lines[index]
        if line.strip():
            rules.add(line, index + 1, last=index == last_index and not text.complete)
    rules.finish()
    return Table(header=rules.header, rows=rules.rows, lines=rules.numbers, breaks=rules.breaks, warnings=warnings)


class _Rows:
    """The rules for the non-blank lines after a table's header, fed in file order.

    A repeated header starts a session; a last line cut short by a crash (the
    file ends without a newline) is dropped; rows whose field count differs from
    the header's are skipped; :meth:`finish` adds one warning per kind of problem.
    Accepted rows go to ``rows``, or to ``sink`` (which may take them away).
    """

    def __init__(self, header_line: str, delimiter: str | None, rel: str,
                 warnings: list[ReadWarning | LineWarning]) -> None:
        self.delimiter = delimiter or sniff_delimiter(header_line) or ","
        self.header = split_header(header_line, self.delimiter)
        self.lowered = [h.lower() for h in self.header]
        self.width = len(self.header)
        self.rel, self.warnings = rel, warnings
        self.rows: list[list[str]] = []
        self.numbers: list[int] = []
        self.breaks: list[int] = []
        self.repeated: list[int] = []
        self.ragged: list[tuple[int, int]] = []
        self.accepted = 0  # rows accepted so far, wherever they went

    def add(self, line: str, lineno: int, *, last: bool = False) -> None:
        """Apply the rules to one non-blank line; ``last``: the file's last line, with no newline after it."""
        # Unquoted lines (nearly all) split as csv would; a quoted line gets the csv module, one line at
        # a time so that an unclosed quote cannot swallow the lines after it.
        row = line.split(self.delimiter) if '"' not in line else next(csv.reader([line], delimiter=self.delimiter))
        cells = list(map(str.strip, row))
        width = self.width
        if len(cells) == width + 1 and cells[-1] == "":
            cells.pop()  # a trailing delimiter
        if cells[0].lower() == self.lowered[0] and [c.lower() for c in cells] == self.lowered:
            self.repeated.append(lineno)
            self.breaks.append(self.accepted)
            return
        if last and (len(cells) != width or any(to_float(c) is None and not is_missing(c) for c in cells)
                     or _CUT_NUMBER.search(cells[-1]) is not None):
            self.warnings.append(LineWarning(
                self.rel, "truncated", (lineno,),
                lambda lines: f"line {lines[0]} is half-written (the file ends without a newline); dropped"))
            return
        if len(cells) != width:
            self.ragged.append((lineno, len(cells)))
            return
        self.rows.append(cells)
        self.numbers.append(lineno)
        self.accepted += 1

    def finish(self) -> None:
        """Add the warnings about repeated headers and ragged rows."""
        repeated, ragged, width = self.repeated, self.ragged, self.width
        if repeated:
            # Why the file is cut into trainings: a plain warning, so each training's run carries it.
            self.warnings.append(ReadWarning(
                self.rel, "restart", f"the header is repeated at {line_list(repeated)}; each repeat starts a new session"))
        if ragged:
            fields = dict(ragged)

            def word(lines: list[int]) -> str:
                counts = "/".join(map(str, sorted({fields[n] for n in lines})))
                return (f"{line_list(lines)} {agree(lines, 'has', 'have')} {counts} fields where the header has "
                        f"{width}; skipped")

            self.warnings.append(LineWarning(self.rel, "ragged", tuple(fields), word))


#: Files from this size on are parsed by :func:`stream_table` (a block at a time).
STREAM_FROM = 16 << 20
#: Bytes read per block, and rows turned into float columns at a time, when streaming.
STREAM_BLOCK = 8 << 20
STREAM_ROWS = 65_536


def stream_table(path: Path, rel: str, *, min_size: int = STREAM_FROM, block: int = STREAM_BLOCK,
                 chunk_rows: int = STREAM_ROWS) -> Table | None:
    """``parse_table(load_text(path, rel), rel)`` for a big plain UTF-8 file, in bounded memory.

    The file is read a block of whole lines at a time, and every ``chunk_rows``
    accepted rows are turned into float columns, so neither the text nor its
    cells are ever held whole; the table has ``parsed`` columns and no ``rows``.
    Returns None (read the file whole instead, with every repair and warning of
    :func:`load_text`) for a file under ``min_size`` or one that is not plain
    UTF-8 text: gzip, UTF-16, NUL bytes or bytes that are not UTF-8.
    """
    try:
        opener = path.open("rb") if not isinstance(path, Path) else open(path, "rb")
        with opener as fh:
            start = fh.read(4)
            if (len(start) < 4 or start.startswith((GZIP_MAGIC, b"\xff\xfe", b"\xfe\xff"))
                    or _size(fh) < min_size):
                return None
            fh.seek(0)
            return _stream(fh, rel, block, chunk_rows)
    except OSError:
        return None  # the whole-file reader says what went wrong


def _size(fh: object) -> int:
    fh.seek(0, 2)  # type: ignore[attr-defined]
    return int(fh.tell())  # type: ignore[attr-defined]


def _stream(fh: object, rel: str, block: int, chunk_rows: int) -> Table | None:
    warnings: list[ReadWarning | LineWarning] = []
    rules: _Rows | None = None
    held: tuple[str, int] | None = None  # the latest data line: it may be the last, cut-short one
    parts: list[list[tuple[np.ndarray, np.ndarray, list[tuple[int, str]], int]]] = []
    numbers: list[np.ndarray] = []
    lineno = 0
    pending = b""
    ending = ""
    first = True
    while True:
        data = fh.read(block)  # type: ignore[attr-defined]
        buf = pending + data
        cut = len(buf) if not data else buf.rfind(b"\n") + 1
        piece, pending = buf[:cut], buf[cut:]
        if first and piece:
            piece = piece[3:] if piece.startswith(b"\xef\xbb\xbf") else piece
            first = False
        if b"\x00" in piece:
            return None
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            return None
        ending = text[-1] if text else ending
        for line in text.splitlines():
            lineno += 1
            if not line.strip():
                continue
            if rules is None:
                rules = _Rows(line, None, rel, warnings)
                continue
            if held is not None:
                rules.add(*held)
            held = (line, lineno)
        if rules is not None and len(rules.rows) >= chunk_rows:
            _flush(rules, parts, numbers)
        if not data:
            break
    if rules is None:
        return Table(header=[], rows=[], lines=[], breaks=[], warnings=warnings)
    if held is not None:
        rules.add(*held, last=ending not in ("\n", "\r"))
    rules.finish()
    _flush(rules, parts, numbers)
    columns = []
    for j in range(rules.width):
        pieces = [part[j] for part in parts]
        for part in parts:
            part[j] = None  # type: ignore[call-overload]  # each block's column is freed once joined
        bad = [item for piece in pieces for item in piece[2]][:3]
        columns.append((_concat([p[0] for p in pieces], np.float64), _concat([p[1] for p in pieces], np.bool_),
                        bad, sum(p[3] for p in pieces)))
    return Table(header=rules.header, rows=[], lines=_concat(numbers, np.int64), breaks=rules.breaks,
                 warnings=warnings, parsed=columns)


def _flush(rules: _Rows, parts: list[list[tuple[np.ndarray, np.ndarray, list[tuple[int, str]], int]]],
           numbers: list[np.ndarray]) -> None:
    """Turn the rows gathered so far into float columns and let the cells go."""
    if not rules.rows:
        return
    parts.append([_parse_cells([row[j] for row in rules.rows], rules.numbers) for j in range(rules.width)])
    numbers.append(np.asarray(rules.numbers, dtype=np.int64))
    rules.rows, rules.numbers = [], []


def _concat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.empty(0, dtype=dtype)


def integral(values: np.ndarray) -> bool:
    """True if every value is a finite whole number (usable as a step)."""
    return bool(values.size == 0 or np.all(usable_steps(values)))


def finite_or_none(value: float | None) -> float | None:
    """``value`` if it is a finite number, else None."""
    return value if value is not None and math.isfinite(value) else None


#: A run of NUL bytes this long in a text log is a zero-filled block (a crash while appending),
#: not binary content.
_ZERO_BLOCK = re.compile(rb"\x00{8,}")
#: Control bytes other than whitespace and ESC (ANSI colours): with NULs, the mark of binary data.
_CONTROL = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]")

#: The end of a number cut while being written that still parses: "0.5" cut to "0.", "1e-05"
#: to "1e-0" (= 1.0). Python, numpy and C print exponents with at least two digits.
_CUT_NUMBER = re.compile(r"(?:\d\.|\d[eE][+-]?\d?)$")

#: Suffixes (after removing ``.gz``) of files that may hold a text log.
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".log", ".dat", ".json", ".jsonl", ".ndjson", ""})


def looks_text(path: Path, head: bytes) -> bool:
    """A file with a text-log suffix whose (decompressed) start has no NUL bytes."""
    if logical_suffix(path) not in TEXT_SUFFIXES:
        return False
    data = sniff_head(head)
    body = _ZERO_BLOCK.sub(b"", data.rstrip(b"\x00")[:4096])
    return not _binary(body) and (bool(data) or not head)


def _binary(body: bytes) -> bool:
    """Binary data (or UTF-16 without a BOM), not a text log with a few damaged bytes.

    A text log has no NUL byte; once one is there, the file is binary only if NULs, other
    control bytes and invalid UTF-8 make up more than an eighth of it (random bytes: about
    two thirds; a log with a burst of garbage written into it: a few percent).
    """
    nuls = body.count(0)
    if not nuls:
        return False
    text = body.decode("utf-8", "replace")
    bad = nuls + len(_CONTROL.findall(body)) + text.count("\ufffd")
    return bad * 8 > len(text)
