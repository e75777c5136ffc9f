"""What a series means, from its name: split, metric family, direction, and twins.

Table-driven: ``SPLIT_WORDS`` and ``METRICS`` below are the whole rule set, and
``docs/formats.md`` lists them. A name is split into lower-case words at ``/``,
``_``, ``-``, ``.``, spaces and brackets; the split word (if any) is removed to
form the *base* name, and a validation series pairs with the training series of
the same base.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import Direction, Split

#: Words that name a split, wherever they appear in a series name.
SPLIT_WORDS: Mapping[str, Split] = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "eval": "val",
    "evaluation": "val",
    "dev": "val",
    "test": "test",
    "testing": "test",
}

#: Metric families: (family, direction, words that identify it). First match wins,
#: so more specific families come first.
METRICS: tuple[tuple[str, Direction, tuple[str, ...]], ...] = (
    ("lr", "min", ("lr", "learning", "learningrate")),
    ("grad_norm", "min", ("gradnorm", "grad", "gradient")),
    ("perplexity", "min", ("perplexity", "ppl")),
    ("map", "max", ("map", "map50", "map5095", "ap", "ap50", "ap75")),
    ("iou", "max", ("iou", "miou", "dice", "jaccard")),
    ("f1", "max", ("f1", "fscore", "f1score")),
    ("precision", "max", ("precision", "prec")),
    ("recall", "max", ("recall", "sensitivity")),
    ("auc", "max", ("auc", "auroc", "roc")),
    ("bleu", "max", ("bleu", "rouge", "rouge1", "rouge2", "rougel", "meteor", "chrf")),
    ("error_rate", "min", ("wer", "cer", "error", "err")),
    ("accuracy", "max", ("acc", "accuracy", "top1", "top5", "categoricalaccuracy")),
    ("loss", "min", ("loss", "nll", "xent", "ce", "mse", "mae", "rmse", "objective")),
)

#: Names that are bookkeeping, not training signals.
META_WORDS = frozenset({"epoch", "step", "time", "runtime", "eta", "seconds", "samples", "flos"})

_WORD_RE = re.compile(r"[a-z0-9]+")
_COMPACT = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True)
class Role:
    """The inferred meaning of one series name."""

    split: Split
    metric: str
    direction: Direction
    base: str


def words(name: str) -> list[str]:
    """Lower-case alphanumeric words of a series name (``metrics/mAP50(B)`` -> metrics, map50, b)."""
    return _WORD_RE.findall(name.lower())


def infer(name: str, *, split_hint: Split | None = None) -> Role:
    """Infer split, metric family, direction and pairing base for ``name``.

    ``split_hint`` comes from where the series was found (a Keras ``validation/``
    folder) and wins over the name. A loss or metric with no split word is taken
    as training (Keras ``loss``/``val_loss``, HF ``loss``/``eval_loss``).
    """
    ws = words(name)
    split: Split | None = split_hint
    rest: list[str] = []
    for w in ws:
        if w in SPLIT_WORDS:
            split = split or SPLIT_WORDS[w]
        else:
            rest.append(w)
    metric, direction = _metric(rest)
    if split is None:
        split = "train" if metric not in ("other", "lr", "grad_norm") else "other"
    base_words = [w for w in rest if w not in ("epoch", "metrics")] or rest
    if split_hint is not None and base_words and base_words[0] in ("epoch",):
        base_words = base_words[1:]
    return Role(split=split, metric=metric, direction=direction, base="_".join(base_words))


def _metric(ws: list[str]) -> tuple[str, Direction]:
    if ws and all(w in META_WORDS for w in ws):
        return "other", "min"
    compact = "".join(ws)
    for family, direction, keys in METRICS:
        for w in ws:
            if w in keys:
                return family, direction
        if any(len(k) > 3 and k in compact for k in keys):
            return family, direction
    return "other", "min"


def pair(roles: Mapping[str, Role]) -> tuple[tuple[str, str], ...]:
    """(train name, val name) twins: same base and metric, one train and one val.

    When several training series share a base (a Lightning ``loss_step`` and
    ``loss_epoch``), the epoch-level one is preferred because it lives on the same
    cadence as validation.
    """
    out: list[tuple[str, str]] = []
    trains: dict[str, list[str]] = {}
    for name, role in roles.items():
        if role.split == "train" and role.metric not in ("other", "lr", "grad_norm"):
            trains.setdefault(_pair_key(role.base), []).append(name)
    for name, role in sorted(roles.items()):
        if role.split != "val" or role.metric in ("other", "lr", "grad_norm"):
            continue
        candidates = trains.get(_pair_key(role.base), [])
        if candidates:
            best = sorted(candidates, key=lambda n: ("step" in words(n), len(n), n))[0]
            out.append((best, name))
    return tuple(out)


def _pair_key(base: str) -> str:
    parts = [p for p in base.split("_") if p not in ("epoch", "step", "avg", "mean")]
    return "_".join(parts) or base


def infer_all(names: Iterable[str], split_hints: Mapping[str, Split] | None = None) -> dict[str, Role]:
    """Roles for many names at once (see :func:`infer`)."""
    hints = split_hints or {}
    return {n: infer(n, split_hint=hints.get(n)) for n in names}
