"""JSON-lines logs: detectron2 ``metrics.json``, MMEngine ``vis_data/scalars.json``, DETR ``log.txt``, fairseq.

One JSON object per line. The x axis is the first of ``iteration``
(detectron2), ``iter`` (MMEngine), ``step``, ``global_step``, ``num_updates``
(fairseq) or ``epoch`` (DETR) that the file's records use; a record without
it (an MMEngine validation record, whose ``step`` counts epochs) is placed at
the x of the record before it. fairseq's ``--log-format json`` lines carry a
log prefix (``... | INFO | train_inner | {...}``) and numbers as strings; both
are read. Nested objects become ``a/b`` names; a list of numbers becomes one
series per element (the 12 COCO numbers DETR logs as ``test_coco_eval_bbox``
are named ``AP``, ``AP50`` ...). A malformed line is skipped and named by
its line number; a half-written last line is dropped with a warning.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..model import ReadWarning, Run
from .base import RunSource, Sheet, file_runs, relative_name, session_runs, split_sessions
from .text import (MAX_STEP, LineWarning, agree, first_line, line_list, load_text, logical_name, looks_text,
                   not_numbers_message)

NAME = "jsonl"
#: Keys that can be the x axis, most specific first.
X_KEYS = ("iteration", "iter", "step", "global_step", "num_updates", "epoch")
#: x-like keys that are never series (``epoch`` is kept as a series when it is not the x).
X_ONLY = frozenset({"iteration", "iter", "step", "global_step", "num_updates"})
#: pycocotools' 12 summary numbers, in the order COCOeval.stats holds them.
COCO_STATS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")
KNOWN_NAMES = frozenset({"metrics.json", "scalars.json", "log.txt", "log.jsonl", "metrics.jsonl"})


def claims(path: Path, head: bytes) -> bool:
    """The first line is a JSON object (perhaps after a ``... | `` log prefix)."""
    if not looks_text(path, head):
        return False
    if not head:
        return logical_name(path) in KNOWN_NAMES
    line = first_line(head)
    payload, _ = split_prefix(line)
    if payload is None:
        return False
    try:
        return isinstance(json.loads(payload), dict)
    except (json.JSONDecodeError, RecursionError):
        # A first line longer than the sniffed head: accept a JSON-object start with a quoted key.
        return len(line) >= 1000 and payload.startswith('{"')


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format jsonl``: any text file."""
    return looks_text(path, head)


def group(files: list[Path], root: Path) -> list[RunSource]:
    """Each file is a run named after its folder (or the file, if the folder holds several)."""
    return file_runs(files, root, NAME)


def split_prefix(line: str) -> tuple[str | None, str]:
    """(JSON text, log tag) of a line: the whole line, or what follows a fairseq-style ``|`` prefix."""
    stripped = line.strip()
    if stripped.startswith("{"):
        return stripped, ""
    brace = stripped.find("{")
    if brace > 0 and "|" in stripped[:brace]:
        fields = [f.strip() for f in stripped[:brace].split("|") if f.strip()]
        return stripped[brace:], fields[-1] if fields else ""
    return None, ""


def flatten_record(record: Mapping[str, Any], prefix: str = "") -> tuple[dict[str, float], list[str]]:
    """Numeric values of a record under flat names, and the keys whose values are not numbers."""
    out: dict[str, float] = {}
    skipped: list[str] = []
    for key, value in record.items():
        name = f"{prefix}{key}" if prefix else key
        kind = type(value)
        if kind is float or kind is int:  # the common case first: isinstance on ABCs is slow
            out[name] = float(value)
        elif isinstance(value, Mapping):
            inner, bad = flatten_record(value, name + "/")
            out.update(inner)
            skipped += bad
        elif isinstance(value, list):
            if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
                labels = COCO_STATS if len(value) == len(COCO_STATS) and "coco_eval" in key else range(len(value))
                out.update({f"{name}/{label}": float(v) for label, v in zip(labels, value)})
            else:
                skipped.append(name)
        else:
            number = _number(value)
            if number is None:
                skipped.append(name)
            else:
                out[name] = number
    return out, skipped


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def read(source: RunSource) -> Run:
    """The last session of the file (see :func:`read_runs`)."""
    return read_runs(source)[-1]


def read_runs(source: RunSource) -> list[Run]:
    """Every session of the file; records are placed at their x and resumes resolved."""
    path = source.files[0]
    rel = relative_name(path, source.base)
    text = load_text(path, rel)
    # Line warnings: a file holding several trainings gives each run those about its own lines.
    warnings: list[ReadWarning | LineWarning] = list(text.warnings)
    records: list[tuple[int, dict[str, float]]] = []
    bad: list[int] = []
    not_numbers: list[tuple[int, str]] = []  # (line, key) of each value that is not a number
    lines = text.text.splitlines()
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        payload, tag = split_prefix(line)
        try:
            record = json.loads(payload) if payload is not None else None
        except (json.JSONDecodeError, RecursionError):
            record = None
        if not isinstance(record, dict):
            if index == last and not text.complete:
                warnings.append(LineWarning(rel, "truncated", (index + 1,),
                                            lambda lines: f"line {lines[0]} is half-written; dropped"))
            else:
                bad.append(index + 1)
            continue
        values, skipped = flatten_record(record)
        not_numbers += [(index + 1, key) for key in skipped]
        if tag:
            values = _alias_updates(values, tag)
        records.append((index + 1, values))
    if bad:
        warnings.append(LineWarning(rel, "bad-line", tuple(bad),
                                    lambda lines: f"{line_list(lines)} {agree(lines, 'is', 'are')} not a JSON object; skipped"))
    if not_numbers:
        warnings.append(LineWarning(rel, "bad-value", tuple(dict.fromkeys(n for n, _ in not_numbers)),
                                    lambda lines: not_numbers_message(not_numbers, lines, most=10)))
    sheet, x_key = _sheet(records, rel, warnings)
    return session_runs(split_sessions(sheet), name=source.name, format=NAME, file=rel, x_name=x_key,
                        warnings=warnings, source=rel)


def _alias_updates(values: dict[str, float], tag: str) -> dict[str, float]:
    """fairseq epoch lines count updates as ``<tag>_num_updates``; use it as ``num_updates``."""
    key = f"{tag}_num_updates"
    if "num_updates" not in values and key in values:
        values = dict(values)
        values["num_updates"] = values.pop(key)
    return values


def _sheet(records: list[tuple[int, dict[str, float]]], rel: str,
           warnings: list[ReadWarning | LineWarning]) -> tuple[Sheet, str]:
    counts = dict.fromkeys(X_KEYS, 0)
    for _, record in records:
        for key in X_KEYS:
            if key in record:
                counts[key] += 1
    x_key = next((k for k in X_KEYS if counts[k] * 2 >= len(records) and counts[k]), None)
    x_key = x_key or next((k for k in X_KEYS if counts[k]), "line")
    steps: list[float] = []
    lines: list[int] = []
    cells: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
    placed: list[int] = []
    orphans: list[int] = []
    previous: float | None = None
    for lineno, values in records:
        x = values.get(x_key) if x_key != "line" else float(len(steps))
        if x is None or not (math.isfinite(x) and abs(x) <= MAX_STEP and x == round(x)):
            if previous is None:
                orphans.append(lineno)
                continue
            x = previous
            placed.append(lineno)
        previous = x
        row = len(steps)
        steps.append(x)
        lines.append(lineno)
        for key, value in values.items():
            if key == x_key or key in X_ONLY:
                continue
            rows_of, values_of = cells[key]
            rows_of.append(row)
            values_of.append(value)
    if placed:
        warnings.append(LineWarning(
            rel, "placed", tuple(placed),
            lambda lines: f"{line_list(lines)} {agree(lines, 'has', 'have')} no {x_key!r}; placed at the {x_key} "
                          f"of the record before"))
    if orphans:
        warnings.append(LineWarning(
            rel, "no-step", tuple(orphans),
            lambda lines: f"{line_list(lines)} {agree(lines, 'has', 'have')} no usable {x_key!r} and nothing before; "
                          f"skipped"))
    if x_key == "line" and records:
        warnings.append(ReadWarning(rel, "no-step", f"no {'/'.join(X_KEYS)} key; x is the record number from 0"))
    sheet = Sheet(
        file=rel, x_name=x_key, steps=np.asarray(steps, dtype=np.float64), lines=np.asarray(lines, dtype=np.int64),
        cells={k: (np.asarray(r, dtype=np.int64), np.asarray(v, dtype=np.float64)) for k, (r, v) in cells.items()},
    )
    return sheet, x_key
