"""Series preparation the detectors share: finite points, orientation, blocks.

Every detector looks at a series the same way: finite points only (non-finite
ones are the ``nan`` detector's business, a loss of exactly 0 the ``suspicious``
detector's), oriented so that *up is bad* (log of
a positive loss, minus a higher-is-better metric), and aggregated into at most
``max_blocks`` block medians so that trend tests stay cheap on a million points
and the strong short-range autocorrelation of logged curves is averaged out.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .. import roles
from ..model import Finding, Run, Series
from ._stats import median, robust_sigma

#: Default number of blocks a long series is aggregated into.
MAX_BLOCKS = 400

#: Metric families that are judged (everything else is bookkeeping or a hyperparameter).
NOT_JUDGED = frozenset({"other", "lr", "grad_norm"})

#: Metric families whose values are fractions in [0, 1] (or percentages in [0, 100]).
FRACTIONS = frozenset({"accuracy", "precision", "recall", "f1", "auc", "iou", "map", "error_rate"})

#: Fractions that cannot leave [0, 1] (an error rate such as WER can exceed 1).
BOUNDED = FRACTIONS - {"error_rate"}


@dataclass(frozen=True, eq=False)
class Prepared:
    """A series ready for the statistics: finite points and block medians.

    ``steps``/``values`` are the finite points; ``y`` is their oriented
    transform (up is bad); ``bx``/``by`` are block-median steps and oriented
    values; ``bstart`` the index of each block's first point; ``sigma`` the
    robust noise of ``by``; ``log`` whether ``y`` is log(values); ``sign`` is
    +1 for lower-is-better and -1 for higher-is-better.
    """

    series: Series
    steps: np.ndarray
    values: np.ndarray
    y: np.ndarray
    bx: np.ndarray
    by: np.ndarray
    bstart: np.ndarray
    sigma: float
    log: bool
    sign: int

    @property
    def n(self) -> int:
        """Number of finite points."""
        return int(self.steps.size)

    @property
    def nb(self) -> int:
        """Number of blocks."""
        return int(self.bx.size)

    def raw(self, oriented: float) -> float:
        """The series value for an oriented value (undo log and sign)."""
        v = float(oriented) * self.sign
        return float(np.exp(v)) if self.log else v

    def block_step(self, i: int) -> int:
        """The logged step at which block ``i`` starts (an index into ``bx``)."""
        return int(self.steps[int(self.bstart[min(max(i, 0), self.nb - 1)])])

    def block_end_step(self, i: int) -> int:
        """The last logged step of block ``i``."""
        i = min(max(i, 0), self.nb - 1)
        end = int(self.bstart[i + 1]) - 1 if i + 1 < self.nb else self.n - 1
        return int(self.steps[end])


_CACHE: "weakref.WeakKeyDictionary[Series, dict[int, Prepared]]" = weakref.WeakKeyDictionary()


def clear_cache() -> None:
    """Forget every prepared series. A Prepared holds its series, so a weak key alone never
    frees an entry: :func:`~logscope.detectors.run_detectors` calls this after each run."""
    _CACHE.clear()
    _PICKS.clear()


#: judged/headline/pairs of recent runs, by id(run), with a weak reference that proves the id
#: still names that run: the detectors ask for them nine times a run, and each answer parses
#: every series name.
_PICKS: dict[tuple[str, int], tuple[weakref.ref[Run], list]] = {}  # type: ignore[type-arg]


def _picked(kind: str, run: Run, pick: Callable[[Run], list]) -> list:  # type: ignore[type-arg]
    """``pick(run)``, remembered for the run (a fresh list each time: callers may change it)."""
    key = (kind, id(run))
    hit = _PICKS.get(key)
    if hit is not None and hit[0]() is run:
        return list(hit[1])
    found = pick(run)
    if len(_PICKS) > 64:  # detectors called one by one, without run_detectors clearing the cache
        _PICKS.clear()
    _PICKS[key] = (weakref.ref(run), found)
    return list(found)


#: Words of an adversarial (GAN) loss: its rises and falls are the game, not progress.
ADVERSARIAL = frozenset({"gen", "generator", "disc", "discriminator", "critic", "adv", "adversarial", "g", "d"})

#: Words a total (not component) loss may have besides "loss" and its split.
TOTAL_WORDS = frozenset({"loss", "total", "overall", "sum", "all", "epoch", "step", "avg", "mean", "objective"})


def judged(run: Run) -> list[Series]:
    """The run's loss and metric series, without lr, grad norm, bookkeeping and adversarial losses."""
    return _picked("judged", run, _judged)


def _judged(run: Run) -> list[Series]:
    return [s for s in run.series if s.metric not in NOT_JUDGED and not _adversarial(s)]


def _adversarial(series: Series) -> bool:
    return series.metric == "loss" and bool(ADVERSARIAL & set(roles.words(series.name)))


def is_total(series: Series) -> bool:
    """Whether a loss is a run's total loss (``loss``, ``train/total_loss``), not one of its terms."""
    rest = [w for w in roles.words(series.name) if w not in roles.SPLIT_WORDS]
    return series.metric == "loss" and set(rest) <= TOTAL_WORDS


def headline(run: Run) -> list[Series]:
    """The judged series that speak for the run's progress (see :func:`_headline`)."""
    return _picked("headline", run, _headline)


def _headline(run: Run) -> list[Series]:
    """The judged series that speak for the run's progress.

    A loss term (``loss_box_reg``, ``train/cls_loss``) is left out when a total
    loss of the same split is logged: terms of a sum trade off against each
    other (detectron2's box-regression loss rises early by design). Metrics are
    left out when a loss of the same split is logged.
    """
    series = judged(run)
    totals = {s.split for s in series if is_total(s)}
    losses = {s.split for s in series if s.metric == "loss"}
    out = []
    for s in series:
        if s.metric == "loss":
            if is_total(s) or s.split not in totals:
                out.append(s)
        elif s.split not in losses:
            out.append(s)
    return out


def prepare(series: Series, *, max_blocks: int = MAX_BLOCKS) -> Prepared:
    """Finite points, oriented values and block medians of ``series`` (cached per series)."""
    per = _CACHE.setdefault(series, {})
    if max_blocks in per:
        return per[max_blocks]
    ok = np.isfinite(series.values)
    if series.metric == "loss":
        ok &= series.values != 0  # a loss of exactly 0 is a fact for the suspicious detector, not a level
    steps = series.steps[ok].astype(np.int64)
    values = series.values[ok].astype(np.float64)
    sign = -1 if series.direction == "max" else 1
    use_log = bool(sign == 1 and values.size > 0 and np.all(values > 0) and series.metric not in FRACTIONS)
    y = np.log(values) if use_log else values * sign
    bx, by, bstart = blocks(steps.astype(np.float64), y, max_blocks)
    prepared = Prepared(series, steps, values, y, bx, by, bstart, robust_sigma(by), use_log, sign)
    per[max_blocks] = prepared
    return prepared


def blocks(x: np.ndarray, y: np.ndarray, max_blocks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median step and median value of consecutive blocks of equal point count.

    Series of at most ``max_blocks`` points are returned as they are (one
    point per block). Otherwise block size m = ceil(n / max_blocks); the last
    block may be shorter.
    """
    n = x.size
    if n <= max_blocks:
        return x.copy(), y.copy(), np.arange(n)
    m = -(-n // max_blocks)
    nb = -(-n // m)
    full = n // m  # blocks of m points; a last, shorter one has the n - full * m others
    bx = _row_medians(x[: full * m].reshape(full, m), ordered=bool(np.all(x[1:] >= x[:-1])))
    by = _row_medians(y[: full * m].reshape(full, m), ordered=False)
    if full < nb:
        bx = np.append(bx, median(x[full * m:]))
        by = np.append(by, median(y[full * m:]))
    return bx, by, np.arange(nb) * m


def _row_medians(mat: np.ndarray, *, ordered: bool) -> np.ndarray:
    """``np.median(mat, axis=1)``, bit for bit, with one partition (none if every row is ``ordered``).

    np.median's row means of the middle value(s) start from +0.0, hence the 0.0 + below.
    """
    if not np.isfinite(mat).all():
        return np.median(mat, axis=1)
    m = mat.shape[1]
    k = m // 2
    part = mat if ordered else np.partition(mat, k if m % 2 else [k - 1, k], axis=1)
    if m % 2:
        return part[:, k] + 0.0
    return (0.0 + part[:, k - 1] + part[:, k]) / 2


def run_span(run: Run) -> tuple[int, int]:
    """First and last logged step over all of the run's series (0, 0 if empty)."""
    firsts = [int(s.steps[0]) for s in run.series if len(s)]
    lasts = [int(s.steps[-1]) for s in run.series if len(s)]
    if not firsts:
        return 0, 0
    return min(firsts), max(lasts)


def by_metric(run: Run, metric: str) -> Series | None:
    """The run's series of metric family ``metric`` with the most points (train split first)."""
    found = [s for s in run.series if s.metric == metric and np.isfinite(s.values).sum() >= 2]
    if not found:
        return None
    return sorted(found, key=lambda s: (s.split != "train", -len(s), s.name))[0]


def value_at(series: Series, step: float) -> float | None:
    """The last finite value of ``series`` at or before ``step`` (the first one if none is before)."""
    ok = np.isfinite(series.values)
    steps, values = series.steps[ok], series.values[ok]
    if steps.size == 0:
        return None
    i = int(np.searchsorted(steps, step, side="right")) - 1
    return float(values[max(i, 0)])


def fmt(value: float | int | None, digits: int = 4) -> str:
    """A number for a message: 4 significant digits, integers as integers."""
    if value is None:
        return "n/a"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if not np.isfinite(value):
        return str(value)
    return f"{value:.{digits}g}"


def step_text(step: float | int) -> str:
    """A step number or step count for a message, with thousands separators like the headline: 1,520."""
    return f"{int(step):,}"


def merge(findings: Sequence[Finding], tolerance: float) -> list[Finding]:
    """Merge findings of the same kind whose onsets are within ``tolerance`` steps.

    The first finding of each group (callers order them by preference) keeps
    its message and evidence and gains the other findings' series names, so one
    event seen on several series (loss and accuracy) is reported once.
    """
    out: list[Finding] = []
    for f in findings:
        for i, g in enumerate(out):
            if (
                g.kind == f.kind
                and g.step is not None
                and f.step is not None
                and abs(g.step - f.step) <= tolerance
            ):
                names = g.series + tuple(s for s in f.series if s not in g.series)
                out[i] = replace(g, series=names)
                break
        else:
            out.append(f)
    return out


def pairs(run: Run) -> list[tuple[Series, Series]]:
    """The run's (train, validation) twins whose validation side is a headline series, losses first."""
    return _picked("pairs", run, _pairs)


def _pairs(run: Run) -> list[tuple[Series, Series]]:
    """The run's (train, validation) twins whose validation side is a headline series, losses first."""
    keep = {id(s) for s in headline(run)}
    found = []
    for train_name, val_name in run.pairs:
        train, val = run.get(train_name), run.get(val_name)
        if train is not None and val is not None and id(val) in keep:
            found.append((train, val))
    return sorted(found, key=lambda p: (p[1].metric != "loss", p[1].name))
