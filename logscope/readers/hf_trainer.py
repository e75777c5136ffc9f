"""Hugging Face ``Trainer`` state: ``trainer_state.json`` in the output folder and each ``checkpoint-N/``.

``log_history`` mixes three kinds of entries: training logs (``loss``,
``learning_rate``, ``grad_norm``), evaluation logs (``eval_loss``,
``eval_<metric>``, or ``eval_<set>_loss`` for several eval sets) and one final
summary (``train_loss``, ``train_runtime``, ``total_flos``). The x axis is
``step``; the fractional ``epoch`` is kept as the series ``epoch``; the final
summary and the state's own fields (``best_metric``, ``logging_steps`` ...)
go to the run's hyperparameters as ``summary.*`` and ``trainer.*``. Every
checkpoint holds a copy of the log: the output folder is one run and the most
complete copy (highest ``global_step``) is read. Bare ``NaN``/``Infinity``
tokens stay non-finite values; a file cut while being written is salvaged up
to the damage. A finite ``loss`` beside a NaN or inf ``grad_norm`` is named
(``nan-filtered``): the Trainer's default ``logging_nan_inf_filter`` logs a
window average in place of a non-finite loss.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..model import ReadWarning, Run, Scalar
from .base import RunSource, Sheet, build_run, relative_name, run_name, session_runs, split_sessions
from .companions import flatten, scalar
from .text import (LineWarning, agree, head_text, line_list, load_text, logical_name, looks_text,
                   not_numbers_message, usable_steps)

NAME = "hf-trainer"
FILE_NAME = "trainer_state.json"
_CHECKPOINT_RE = re.compile(r"^checkpoint-\d+$")
#: Keys of the final summary entry of ``log_history``.
SUMMARY_KEYS = frozenset({"train_runtime", "total_flos", "train_samples_per_second", "train_steps_per_second"})


def claims(path: Path, head: bytes) -> bool:
    """``trainer_state.json`` by name, or any JSON file whose start has a ``log_history`` key."""
    if not looks_text(path, head):
        return False
    if logical_name(path) == FILE_NAME:
        return True
    text = head_text(head).lstrip()
    return text.startswith("{") and '"log_history"' in text


def accepts(path: Path, head: bytes) -> bool:
    """With ``--input-format hf-trainer``: any JSON text file."""
    return looks_text(path, head) and head_text(head).lstrip().startswith("{")


def output_dir(path: Path) -> Path:
    """The Trainer output folder of a state file (the parent of ``checkpoint-N/``)."""
    return path.parent.parent if _CHECKPOINT_RE.match(path.parent.name) else path.parent


def group(files: list[Path], root: Path) -> list[RunSource]:
    """One run per output folder, holding its own state file and every checkpoint's copy."""
    by_dir: dict[Path, list[Path]] = defaultdict(list)
    for path in files:
        by_dir[output_dir(path)].append(path)
    return [RunSource(name=run_name(d, root), reader=NAME, files=tuple(sorted(fs)), root=root)
            for d, fs in sorted(by_dir.items())]


def read(source: RunSource) -> Run:
    """The run from the most complete copy of the state (see :func:`read_runs`)."""
    return read_runs(source)[-1]


def read_runs(source: RunSource) -> list[Run]:
    """Load every copy, read the most complete one, name the others in warnings."""
    warnings: list[ReadWarning | LineWarning] = []
    loaded: list[tuple[tuple[int, int, int], Path, Mapping[str, Any]]] = []
    for path in source.files:
        rel = relative_name(path, source.base)
        state = _load(path, rel, warnings)
        if state is None:
            continue
        history = state.get("log_history")
        rank = (_int(state.get("global_step")), len(history) if isinstance(history, list) else 0,
                int(output_dir(path) == path.parent))
        loaded.append((rank, path, state))
    if not loaded:
        return [build_run(name=source.name, format=NAME, columns={}, warnings=warnings, source=source.name)]
    loaded.sort(key=lambda item: item[0])
    rank, path, state = loaded[-1]
    rel = relative_name(path, source.base)
    for other_rank, other, _ in loaded[:-1]:
        warnings.append(ReadWarning(
            relative_name(other, source.base), "superseded",
            f"a copy of the training log (global_step {other_rank[0]}); the most complete copy, {rel}, was read"))
    sheet, hparams = _sheet(state, rel, warnings)
    return session_runs(split_sessions(sheet), name=source.name, format=NAME, file=rel, x_name="step",
                        row_word="log_history entry", warnings=warnings, hparams=hparams, source=rel)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _load(path: Path, rel: str, warnings: list[ReadWarning | LineWarning]) -> Mapping[str, Any] | None:
    text = load_text(path, rel)
    warnings.extend(text.warnings)
    if not text.text.strip():
        warnings.append(ReadWarning(rel, "empty", "empty file"))
        return None
    try:
        state = json.loads(text.text)
    except RecursionError:
        warnings.append(ReadWarning(rel, "corrupt", "JSON nested too deeply; not read"))
        return None
    except json.JSONDecodeError as exc:
        entries = salvage_history(text.text)
        warnings.append(ReadWarning(
            rel, "truncated",
            f"not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}; cut while being written?); "
            f"{len(entries)} log_history entries before the damage were read"))
        return {"log_history": entries} if entries else None
    if not isinstance(state, Mapping) or not isinstance(state.get("log_history"), list):
        warnings.append(ReadWarning(rel, "corrupt", "no log_history list: not a Trainer state file"))
        return None
    return state


def salvage_history(text: str) -> list[Any]:
    """The complete ``log_history`` entries of a cut-off state file, in order."""
    match = re.search(r'"log_history"\s*:\s*\[', text)
    if not match:
        return []
    decoder = json.JSONDecoder()
    pos, entries = match.end(), []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        try:
            entry, pos = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError):
            return entries
        entries.append(entry)


def _sheet(state: Mapping[str, Any], rel: str,
           warnings: list[ReadWarning | LineWarning]) -> tuple[Sheet, dict[str, Scalar]]:
    """log_history entries as rows at their ``step``; the summary entry and state fields as hparams.

    Warnings about entries are line warnings (an entry's number is its line), so a
    log holding several trainings gives each run those about its own entries.
    """
    hparams: dict[str, Scalar] = {
        k: v for k, v in flatten({k: v for k, v in state.items() if k != "log_history"}, "trainer.").items()}
    steps: list[float] = []
    entries: list[int] = []
    cells: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
    no_step: list[int] = []
    not_numbers: list[tuple[int, str]] = []  # (entry number, key) of each value that is not a number
    for index, entry in enumerate(state["log_history"]):
        if not isinstance(entry, Mapping):
            no_step.append(index)
            continue
        step = entry.get("step")
        if isinstance(step, bool) or not isinstance(step, (int, float)) or not usable_steps(np.array([float(step)]))[0]:
            no_step.append(index)
            continue
        if SUMMARY_KEYS & entry.keys():
            hparams.update({f"summary.{k}": scalar(v) for k, v in entry.items() if k != "step"})
            continue
        row = len(steps)
        steps.append(float(step))
        entries.append(index + 1)
        for key, value in entry.items():
            if key == "step":
                continue
            number = _number(value)
            if number is None:
                not_numbers.append((index + 1, key))
                continue
            cells[key][0].append(row)
            cells[key][1].append(number)
    if no_step:
        warnings.append(LineWarning(
            rel, "no-step", tuple(i + 1 for i in no_step),
            lambda some: f"log_history {line_list(some, 'entry')} {agree(some, 'has', 'have')} no usable step; skipped"))
    if not_numbers:
        warnings.append(LineWarning(rel, "bad-value", tuple(dict.fromkeys(n for n, _ in not_numbers)),
                                    lambda some: not_numbers_message(not_numbers, some)))
    filtered = {entries[row]: int(steps[row]) for row in _nan_filtered_rows(cells)}  # entry number: step
    if filtered:
        warnings.append(LineWarning(rel, "nan-filtered", tuple(filtered),
                                    lambda some: _nan_filtered([filtered[n] for n in some])))
    sheet = Sheet(
        file=rel, x_name="step", steps=np.asarray(steps, dtype=np.float64),
        lines=np.asarray(entries, dtype=np.int64), row_word="log_history entry",
        cells={k: (np.asarray(r, dtype=np.int64), np.asarray(v, dtype=np.float64)) for k, (r, v) in cells.items()},
    )
    return sheet, hparams


def _nan_filtered_rows(cells: Mapping[str, tuple[list[int], list[float]]]) -> list[int]:
    """Rows of entries whose ``loss`` is finite and ``grad_norm`` is not: the sign of the NaN/inf filter.

    The filter touches only the logged loss; grad_norm, logged in the same entry, is the raw value.
    """
    if "loss" not in cells or "grad_norm" not in cells:
        return []
    loss = dict(zip(*cells["loss"]))
    return [row for row, norm in zip(*cells["grad_norm"])
            if not np.isfinite(norm) and row in loss and np.isfinite(loss[row])]


def _nan_filtered(steps: list[int]) -> str:
    """The nan-filtered message for the entries logged at ``steps``."""
    where = f"step {steps[0]}" if len(steps) == 1 else f"steps {steps[0]} to {steps[-1]}"
    return (f"loss is finite where grad_norm is NaN or inf ({len(steps)} log_history "
            f"{agree(steps, 'entry', 'entries')}, {where}): the Trainer's logging_nan_inf_filter (on by default) "
            f"logs the window's average loss in place of a NaN or inf one, 0 when the whole window was, so this loss "
            f"may hide a divergence (an fp16 loss-scale overflow also gives an occasional inf grad_norm)")


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
