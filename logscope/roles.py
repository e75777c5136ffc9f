"""What a series means, from its name: split, metric family, direction, and twins.

Table-driven: ``SPLIT_WORDS``, ``SPLIT_PREFIXES``, ``BOOKKEEPING`` and
``METRICS`` below are the whole rule set; ``docs/formats.md`` lists them. A
name is cut into lower-case words at every character that is not a letter or
digit (``metrics/mAP50(B)`` -> ``metrics map50 b``) and matched against the
tables. The words left after removing split words form the *base*; a
validation series pairs with the training series of the same base.
:class:`RoleOverrides` (``--pair``, ``--higher-is-better``,
``--lower-is-better`` or the config file) correct the rules for one's own names.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from .errors import ConfigError
from .model import Direction, Run, Split

#: Words that name a split, wherever they appear in a series name.
SPLIT_WORDS: Mapping[str, Split] = {
    "train": "train",
    "training": "train",
    "trn": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "eval": "val",
    "evaluation": "val",
    "dev": "val",
    "holdout": "val",
    "test": "test",
    "testing": "test",
}

#: A first word that implies a split when the name has no split word.
#: Ultralytics YOLO logs its validation metrics as ``metrics/precision(B)``.
SPLIT_PREFIXES: Mapping[str, Split] = {"metrics": "val"}

#: Bookkeeping, not a training signal: a name made only of these words, or
#: containing one of the phrases in ``BOOKKEEPING_PHRASES``, is metric ``other``.
BOOKKEEPING_WORDS = frozenset({
    "epoch", "epochs", "step", "steps", "global", "iter", "iteration", "iterations", "update", "updates",
    "time", "runtime", "eta", "seconds", "sec", "s", "timestamp", "wall", "flos", "total", "samples", "num",
})
BOOKKEEPING_PHRASES = re.compile(
    r"_(runtime|per_second|samples_per_second|steps_per_second|data_time|eta_seconds|time|timestamp|"
    r"flos|total_flos|memory|mem|gb_free|n_parameters|num_parameters|loss_scale|wps|ups|wpb|bsz|pid|done)_"
)


class MetricRule(NamedTuple):
    """One row of the metric table: a family, which way is better, and its name pattern."""

    family: str
    direction: Direction
    pattern: str
    default_split: Split | None = None


#: Metric families, first match wins. ``pattern`` is searched in the name's words
#: joined by ``_`` with ``_`` at both ends (``Loss/train`` -> ``_loss_train_``).
#: ``default_split`` is the split of a name without a split word (None: training
#: for a metric, ``other`` for lr and grad_norm).
METRICS: tuple[MetricRule, ...] = (
    MetricRule("lr", "min", r"_(lr|lr\d+|lrate|learning_rate|learningrate|base_lr)_"),
    MetricRule("grad_norm", "min", r"_(grad|grads|gradient|gradients|gnorm|gradnorm|grad_norm\w*)_"),
    MetricRule("loss", "min", r"_(loss|losses|nll|xent|bce|kl|kld|cost|objective)\d*_"),
    MetricRule("perplexity", "min", r"_(perplexity|ppl)_"),
    MetricRule("map", "max", r"_(m?ap\d*[bmp]?|ap[sml])_", "val"),
    MetricRule("iou", "max", r"_(iou|miou|io_u|giou|dice|dice_coef|dice_score|jaccard)\d*_"),
    MetricRule("f1", "max", r"_(f1|fscore|f1score|f_score|f_measure|fbeta)_"),
    MetricRule("precision", "max", r"_(precision[bmp]?|prec|ppv)_"),
    MetricRule("recall", "max", r"_(recall[bmp]?|sensitivity|tpr|ar\d*|ar[sml])_"),
    MetricRule("auc", "max", r"_(auc|auroc|roc|roc_auc|aupr|pr_auc)_"),
    MetricRule("bleu", "max", r"_(bleu\d*|sacrebleu|rouge\d*|rougel|rougelsum|meteor|chrf|bertscore|cider)_"),
    # DETR's cardinality error is the mean absolute difference in predicted boxes: a count, not a rate.
    MetricRule("count", "min", r"_cardinality_"),
    MetricRule("error_rate", "min", r"_(wer|cer|ter|err|error|errors|error_rate|false_negative|false_positive|fnr|fpr)_"),
    MetricRule("accuracy", "max", r"_(acc|accuracy|acc\d+|top\d+|top\d+_acc|categorical_accuracy|exact_match)_"),
    MetricRule("reward", "max", r"_(reward|rewards|return|returns)_"),
    MetricRule("loss", "min", r"_(mse|mae|rmse|msle|huber|ce)_"),
)

#: Families that are not judged as training signals (never paired, split ``other`` by default).
AUXILIARY = frozenset({"other", "lr", "grad_norm"})
#: Words ignored when matching twins: Lightning ``train_loss_epoch`` pairs with ``val_loss``.
PAIR_IGNORE = frozenset({"epoch", "step", "avg", "metrics"})

_WORD_RE = re.compile(r"[a-z0-9]+")


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


def named_split(name: str) -> Split | None:
    """The split ``name`` itself says (its first split word, else a first word of ``SPLIT_PREFIXES``), or None."""
    ws = words(name)
    for w in ws:
        if w in SPLIT_WORDS:
            return SPLIT_WORDS[w]
    return SPLIT_PREFIXES.get(ws[0]) if ws else None


# Cached: a sweep repeats the same few names in every run, and a name costs ~16 regex searches.
@functools.lru_cache(maxsize=8192)
def infer(name: str, *, split_hint: Split | None = None) -> Role:
    """Infer split, metric family, direction and pairing base for ``name``.

    ``split_hint`` comes from where the series was found (a Keras ``validation/``
    folder) and wins over the name. A loss or metric with no split word is taken
    as training (Keras ``loss``/``val_loss``, HF ``loss``/``eval_loss``), except
    for families with their own default (mAP is measured on validation data).
    """
    ws = words(name)
    split: Split | None = split_hint
    rest: list[str] = []
    for w in ws:
        if w in SPLIT_WORDS:
            split = split or SPLIT_WORDS[w]
        else:
            rest.append(w)
    rule = _metric(rest)
    if split is None and ws and ws[0] in SPLIT_PREFIXES:
        split = SPLIT_PREFIXES[ws[0]]
    if split is None:
        if rule is None:
            split = "other"
        else:
            split = rule.default_split or ("other" if rule.family in AUXILIARY else "train")
    family, direction = (rule.family, rule.direction) if rule else ("other", "min")
    base_words = [w for w in rest if w not in PAIR_IGNORE] or rest
    return Role(split=split, metric=family, direction=direction, base="_".join(base_words))


def _metric(ws: list[str]) -> MetricRule | None:
    if not ws or all(w in BOOKKEEPING_WORDS or w.isdigit() for w in ws):
        return None
    joined = "_" + "_".join(ws) + "_"
    if BOOKKEEPING_PHRASES.search(joined):
        return None
    for rule in METRICS:
        if re.search(rule.pattern, joined):
            return rule
    return None


def pair(roles: Mapping[str, Role], counts: Mapping[str, int] | None = None) -> tuple[tuple[str, str], ...]:
    """(train name, held-out name) twins of the same metric and base.

    Each validation series pairs with the training series of the same base; if
    none has it, with the training series whose base is the longest tail of its
    own (HF ``eval_g0_loss`` -> ``loss``). A test series pairs the same way when
    no validation series has its base (DETR logs its held-out set as ``test_``).
    Among several training candidates, a single point (HF's final run-average
    ``train_loss``) loses to a curve, a per-step name (Lightning ``loss_step``)
    to the rest, then the one logged about as often as the held-out series wins.
    """
    counts = counts or {}
    trains: dict[str, list[str]] = {}
    for name, role in roles.items():
        if role.split == "train" and role.metric not in AUXILIARY:
            trains.setdefault(role.base, []).append(name)
    val_bases = {r.base for r in roles.values() if r.split == "val" and r.metric not in AUXILIARY}
    out: list[tuple[str, str]] = []
    for name, role in sorted(roles.items()):
        if role.metric in AUXILIARY or role.split not in ("val", "test"):
            continue
        if role.split == "test" and role.base in val_bases:
            continue
        candidates = _twins(role, trains, roles)
        if candidates:
            target = counts.get(name, 0)
            best = min(candidates, key=lambda n: (
                counts.get(n, 2) < 2 <= max(counts.get(c, 2) for c in candidates),
                "step" in words(n),
                abs(counts.get(n, 0) - target),
                len(n),
                n,
            ))
            out.append((best, name))
    return tuple(out)


def _twins(role: Role, trains: Mapping[str, list[str]], roles: Mapping[str, Role]) -> list[str]:
    parts = role.base.split("_")
    for start in range(len(parts)):
        base = "_".join(parts[start:])
        found = [n for n in trains.get(base, []) if roles[n].metric == role.metric]
        if found:
            return found
    return []


def infer_all(names: Iterable[str], split_hints: Mapping[str, Split] | None = None) -> dict[str, Role]:
    """Roles for many names at once (see :func:`infer`)."""
    hints = split_hints or {}
    return {n: infer(n, split_hint=hints.get(n)) for n in names}


@dataclass(frozen=True)
class RoleOverrides:
    """The user's corrections to the inferred roles.

    ``pairs`` are (train, val) series names that are twins, replacing any inferred
    twin of that val series; ``higher_is_better``/``lower_is_better`` are series
    names or shell-style patterns (``*f1*``) whose direction is set.
    """

    pairs: tuple[tuple[str, str], ...] = ()
    higher_is_better: tuple[str, ...] = ()
    lower_is_better: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        both = set(self.higher_is_better) & set(self.lower_is_better)
        if both:
            raise ConfigError(f"{', '.join(sorted(both))} cannot be both higher- and lower-is-better")
        for train, val in self.pairs:
            if not train or not val or train == val:
                raise ConfigError(f"bad pair {train}={val}: give two different series names, TRAIN=VAL")

    def __bool__(self) -> bool:
        return bool(self.pairs or self.higher_is_better or self.lower_is_better)

    @classmethod
    def parse(cls, pairs: Sequence[str] = (), higher: Sequence[str] = (), lower: Sequence[str] = ()) -> RoleOverrides:
        """From ``TRAIN=VAL`` strings and name lists (CLI or config); ConfigError on bad syntax."""
        parsed = []
        for text in pairs:
            if not isinstance(text, str) or text.count("=") != 1:
                raise ConfigError(f"bad pair {text!r}: write it as TRAIN=VAL, e.g. train_loss=val_loss")
            train, val = (p.strip() for p in text.split("="))
            parsed.append((train, val))
        for group in (higher, lower):
            for item in group:
                if not isinstance(item, str) or not item.strip():
                    raise ConfigError(f"bad series name {item!r} in higher/lower-is-better")
        return cls(tuple(parsed), tuple(h.strip() for h in higher), tuple(lo.strip() for lo in lower))

    def merged(self, other: RoleOverrides) -> RoleOverrides:
        """These overrides plus ``other``'s (``other`` wins for a val series named in both)."""
        vals = {v for _, v in other.pairs}
        return RoleOverrides(
            pairs=tuple(p for p in self.pairs if p[1] not in vals) + other.pairs,
            higher_is_better=tuple(dict.fromkeys(
                [h for h in self.higher_is_better if h not in other.lower_is_better] + list(other.higher_is_better))),
            lower_is_better=tuple(dict.fromkeys(
                [lo for lo in self.lower_is_better if lo not in other.higher_is_better] + list(other.lower_is_better))),
        )

    def direction_for(self, name: str) -> Direction | None:
        """The direction the user set for series ``name``; exact names beat patterns."""
        if name in self.higher_is_better:
            return "max"
        if name in self.lower_is_better:
            return "min"
        if any(fnmatch.fnmatchcase(name, p) for p in self.higher_is_better):
            return "max"
        if any(fnmatch.fnmatchcase(name, p) for p in self.lower_is_better):
            return "min"
        return None

    def apply(self, run: Run) -> Run:
        """``run`` with these overrides applied to its series' directions, splits and pairs."""
        if not self:
            return run
        names = {s.name for s in run.series}
        forced = [(t, v) for t, v in self.pairs if t in names and v in names]
        splits = {t: "train" for t, _ in forced} | {v: "val" for _, v in forced}
        series = []
        for s in run.series:
            direction = self.direction_for(s.name) or s.direction
            split = splits.get(s.name, s.split)
            if direction != s.direction or split != s.split:
                s = replace(s, direction=direction, split=split)
            series.append(s)
        forced_vals = {v for _, v in forced}
        pairs = tuple(sorted({p for p in run.pairs if p[1] not in forced_vals} | set(forced), key=lambda p: (p[1], p[0])))
        return replace(run, series=tuple(series), pairs=pairs)

    def unused(self, runs: Sequence[Run]) -> list[str]:
        """Overrides that matched no series of any run, as the user wrote them."""
        names = {s.name for r in runs for s in r.series}
        out = [f"pair {t}={v}" for t, v in self.pairs
               if not any(r.get(t) is not None and r.get(v) is not None for r in runs)]
        for flag, patterns in (("higher-is-better", self.higher_is_better), ("lower-is-better", self.lower_is_better)):
            out += [f"{flag} {p}" for p in patterns
                    if p not in names and not any(fnmatch.fnmatchcase(n, p) for n in names)]
        return out
