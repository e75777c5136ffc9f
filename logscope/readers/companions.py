"""Files beside a log that describe its run: their values become ``Run.hparams``.

Lightning's ``hparams.yaml``, Ultralytics' ``args.yaml`` (v8) or ``opt.yaml`` and
``hyp.yaml`` (v5), Hugging Face's ``config.json`` and ``*_results.json``. Nested
keys are flattened with ``.``; lists become their JSON text; only plain scalars
are kept. YAML is read with ``yaml.safe_load`` (no code runs); Python pickles
(``training_args.bin``) are never loaded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..model import ReadWarning, Scalar
from .base import relative_name
from .text import load_text

#: Companion file name -> prefix of its keys in ``Run.hparams``.
COMPANIONS: Mapping[str, str] = {
    "hparams.yaml": "",
    "hparams.yml": "",
    "hparams.json": "",
    "args.yaml": "",
    "opt.yaml": "",
    "hyp.yaml": "hyp.",
    "config.json": "config.",
    "all_results.json": "results.",
    "train_results.json": "results.",
    "eval_results.json": "results.",
    "test_results.json": "results.",
}
#: Companions that are recognised but deliberately not read, with the reason.
NOT_READ: Mapping[str, str] = {
    "training_args.bin": "a Python pickle (loading it could run code); training arguments are taken from "
                         "trainer_state.json instead",
}
#: Longest text kept for one hyperparameter value.
MAX_VALUE_CHARS = 200


def is_companion(path: Path) -> bool:
    """True for the file names this module knows."""
    return path.name.lower() in COMPANIONS or path.name.lower() in NOT_READ


def read_companions(paths: list[Path], base: Path) -> tuple[dict[str, Scalar], list[ReadWarning]]:
    """Flattened values of every companion, first file wins on a clash; warnings for bad files."""
    params: dict[str, Scalar] = {}
    warnings: list[ReadWarning] = []
    for path in sorted(paths, key=lambda p: (len(p.parts), p.as_posix())):
        rel = relative_name(path, base)
        name = path.name.lower()
        if name in NOT_READ:
            warnings.append(ReadWarning(rel, "not-read", f"not read: {NOT_READ[name]}"))
            continue
        data, problem = _load(path, rel, warnings)
        if problem:
            warnings.append(ReadWarning(rel, "companion", f"{problem}; its parameters are not in the report"))
            continue
        if data is None:
            continue
        if not isinstance(data, Mapping):
            warnings.append(ReadWarning(rel, "companion", f"holds a {type(data).__name__}, not key: value pairs; ignored"))
            continue
        for key, value in flatten(data, COMPANIONS.get(name, "")).items():
            params.setdefault(key, value)
    return params, warnings


def _load(path: Path, rel: str, warnings: list[ReadWarning]) -> tuple[Any, str | None]:
    text = load_text(path, rel)
    warnings.extend(text.warnings)
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text.text) if text.text.strip() else None, None
        except (json.JSONDecodeError, RecursionError) as exc:
            return None, f"not valid JSON ({_json_where(exc)})"
    try:
        return yaml.safe_load(text.text), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "somewhere"
        return None, f"not valid YAML ({where}: {getattr(exc, 'problem', None) or exc})"
    except RecursionError:
        return None, "YAML nested too deeply"


def _json_where(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno} column {exc.colno}: {exc.msg}"
    return "nested too deeply"


def flatten(data: Mapping[Any, Any], prefix: str = "") -> dict[str, Scalar]:
    """Nested mappings to ``a.b.c`` keys with plain scalar values (lists as JSON text)."""
    out: dict[str, Scalar] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        else:
            out[name] = scalar(value)
    return out


def scalar(value: Any) -> Scalar:
    """A plain scalar for a hyperparameter value: numbers stay numbers, the rest becomes short text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value if not isinstance(value, str) or len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "..."
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    try:
        text = json.dumps(value, default=str, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "..."


def parse_scalar(text: str) -> Scalar:
    """A raw parameter string (MLflow ``params/``) as int, float, bool or the text itself."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return int(stripped)
    except ValueError:
        pass
    try:
        number = float(stripped)
    except ValueError:
        return scalar(stripped)
    return number if math.isfinite(number) else stripped
