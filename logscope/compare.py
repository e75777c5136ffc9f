"""Compare a candidate training against a baseline: matched metrics and changed findings.

Both sides are read and analysed as usual; then runs are grouped into
configurations (seed replicates share a group), groups and series are matched
across the sides, and each matched metric is compared on its best value, final
value and speed, with a statistical test against run-to-run noise. Findings the
candidate has and the baseline had not are regressions; findings that went away
are improvements. Everything here is data (frozen dataclasses); renderers turn a
:class:`Comparison` into text. ``docs/compare.md`` explains every number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from . import __version__
from .analyze import analyze
from .compare_stats import Curve, NoiseTest, SideMetric, curve_of, difference_test, reach_step, side_metric
from .errors import ConfigError, NoRunsFound
from .model import SEVERITY_RANK, Finding, Report, Run, Scalar, Series, SeverityName
from .roles import RoleOverrides

MatchedBy = Literal["name", "role", "user"]
GroupMatch = Literal["name", "only", "pool"]
Verdict = Literal["better", "worse", "within_noise", "unknown"]
ChangeKind = Literal["new", "gone", "earlier", "later", "more_severe", "less_severe"]
Reach = Literal["sooner", "later", "same", "never", "unknown"]
Outcome = Literal["regression", "improvement", "unchanged", "incomparable"]

#: Metric families that are not compared unless ``--match`` names them.
NOT_COMPARED = frozenset({"other", "lr", "grad_norm"})
#: Changes of a finding that make the candidate worse.
REGRESSION_CHANGES = frozenset({"new", "earlier", "more_severe"})

# A path part or word naming a replicate: seed3, seed_3, seed-3, seed=3, rep2, trial_1 ...
_SEED_RE = re.compile(r"(?<![a-z0-9])(?:seed|rep|replicate|repeat|trial)[_=\-]?\d+(?![a-z0-9])", re.IGNORECASE)
_SEPARATORS = re.compile(r"[_\-.=]{2,}")


@dataclass(frozen=True)
class MetricComparison:
    """One metric matched across the sides: both summaries, the difference and its test.

    ``difference`` is candidate minus baseline best (mean over seeds), in the
    metric's units; ``relative`` divides it by the baseline's magnitude. The
    ``verdict`` is ``better``/``worse`` only when the difference is beyond
    noise; ``gating`` metrics (validation or test ones, or training ones when a
    run has no other) are the ones whose ``worse`` counts as a regression.
    ``reach_delta`` is the candidate's step to reach ``target`` minus the
    baseline's: positive means later; ``reach`` says it in a word (``same``
    within the reach tolerance, ``never`` when fewer than half of the
    candidate's runs get there).
    """

    baseline: SideMetric
    candidate: SideMetric
    split: str
    metric: str
    direction: str
    matched_by: MatchedBy
    gating: bool
    difference: float | None
    relative: float | None
    final_difference: float | None
    test: NoiseTest
    verdict: Verdict
    target: float | None
    reach_delta: int | None
    reach: Reach

    @property
    def name(self) -> str:
        """The baseline's series name, with the candidate's when it differs."""
        b, c = self.baseline.series, self.candidate.series
        return b if b == c else f"{b} / {c}"

    @property
    def regression(self) -> bool:
        """A gating metric that got worse beyond noise."""
        return self.gating and self.verdict == "worse"

    @property
    def improvement(self) -> bool:
        """A gating metric that got better beyond noise."""
        return self.gating and self.verdict == "better"


@dataclass(frozen=True)
class FindingChange:
    """A finding that appeared, disappeared, moved or changed severity between the sides.

    ``series`` uses the baseline's names. ``baseline_runs``/``candidate_runs``
    count the runs of each side that have it; the steps are the median onsets;
    ``finding`` is a representative (the candidate's, or the baseline's when gone).
    """

    kind: str
    series: tuple[str, ...]
    change: ChangeKind
    severity: SeverityName
    baseline_runs: int
    candidate_runs: int
    baseline_step: int | None
    candidate_step: int | None
    finding: Finding

    @property
    def regression(self) -> bool:
        """New, earlier or more severe in the candidate."""
        return self.change in REGRESSION_CHANGES


@dataclass(frozen=True)
class GroupComparison:
    """One configuration (a run, or its seeds) on each side, compared.

    ``name`` is the run name with seed words removed (the baseline's when the
    groups were paired by elimination); ``matched_by`` says how: the same name,
    the ``only`` group left on each side, or ``pool`` (every run on a side).
    """

    name: str
    matched_by: GroupMatch
    baseline_runs: tuple[str, ...]
    candidate_runs: tuple[str, ...]
    metrics: tuple[MetricComparison, ...]
    findings: tuple[FindingChange, ...]
    baseline_only_series: tuple[str, ...] = ()
    candidate_only_series: tuple[str, ...] = ()
    baseline_last_step: int | None = None
    candidate_last_step: int | None = None

    @property
    def step_ratio(self) -> float | None:
        """The longer side's last step over the shorter's; large when one side logs epochs and the other steps."""
        b, c = self.baseline_last_step, self.candidate_last_step
        if b is None or c is None or min(b, c) <= 0:
            return None
        return max(b, c) / min(b, c)

    @property
    def regressions(self) -> tuple[MetricComparison | FindingChange, ...]:
        """Worse gating metrics, then findings that are new, earlier or more severe."""
        return tuple(m for m in self.metrics if m.regression) + tuple(f for f in self.findings if f.regression)

    @property
    def improvements(self) -> tuple[MetricComparison | FindingChange, ...]:
        """Better gating metrics, then findings that went away, came later or got milder."""
        return tuple(m for m in self.metrics if m.improvement) + tuple(f for f in self.findings if not f.regression)


@dataclass(frozen=True)
class Comparison:
    """The result of comparing a candidate against a baseline.

    ``baseline`` and ``candidate`` are each side's own analysis; runs that found
    no counterpart are listed in ``*_only_runs``; ``settings`` records the
    options used; the labels name the sides ("main", "this PR") in reports.
    """

    baseline: Report
    candidate: Report
    groups: tuple[GroupComparison, ...]
    baseline_only_runs: tuple[str, ...] = ()
    candidate_only_runs: tuple[str, ...] = ()
    settings: Mapping[str, Scalar] = field(default_factory=dict)
    logscope_version: str = ""
    baseline_label: str = "baseline"
    candidate_label: str = "candidate"

    @property
    def regressions(self) -> tuple[MetricComparison | FindingChange, ...]:
        """Every regression of every group, in group order."""
        return tuple(r for g in self.groups for r in g.regressions)

    @property
    def improvements(self) -> tuple[MetricComparison | FindingChange, ...]:
        """Every improvement of every group, in group order."""
        return tuple(r for g in self.groups for r in g.improvements)

    @property
    def outcome(self) -> Outcome:
        """``regression`` if anything got worse, else ``improvement``; ``incomparable``
        when no metric was compared and no finding changed, else ``unchanged``."""
        if self.regressions:
            return "regression"
        if self.improvements:
            return "improvement"
        if not any(g.metrics or g.findings for g in self.groups):
            return "incomparable"
        return "unchanged"


def compare(
    baseline: Sequence[str | Path] | str | Path,
    candidate: Sequence[str | Path] | str | Path,
    *,
    format: str | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    only: Sequence[str] | None = None,
    roles: RoleOverrides | None = None,
    follow_symlinks: bool = False,
    **options: Any,
) -> Comparison:
    """Read and analyse both sides alike, then compare them (see :func:`compare_reports` for options).

    ``format``, ``config``, ``only``, ``roles`` and ``follow_symlinks`` are :func:`~logscope.analyze`'s.
    Raises NoRunsFound naming the side when a side has nothing readable.
    """
    reports = []
    for side, paths in (("baseline", baseline), ("candidate", candidate)):
        try:
            reports.append(analyze(paths, format=format, config=config, only=only, roles=roles,
                                   follow_symlinks=follow_symlinks))
        except NoRunsFound as exc:
            raise NoRunsFound(f"{side}: {exc}") from None
    return compare_reports(reports[0], reports[1], **options)


def compare_reports(
    baseline: Report,
    candidate: Report,
    *,
    match: Mapping[str, str] | None = None,
    pool: bool = False,
    alpha: float = 0.05,
    noise_z: float = 2.0,
    smooth: float = 0.02,
    min_severity: SeverityName = "warning",
    onset_tolerance: float = 0.05,
    reach_tolerance: float = 0.1,
    baseline_label: str = "baseline",
    candidate_label: str = "candidate",
) -> Comparison:
    """Compare two analysed reports.

    ``match`` maps baseline series names to candidate series names, overriding
    automatic matching. ``pool`` treats every run on a side as a seed of one
    configuration. ``alpha`` is the significance level of the seed tests;
    ``noise_z`` the width, in noise standard deviations, of the single-seed band;
    ``smooth`` the smoothing half-life as a fraction of the baseline's step span
    (for "reaches the baseline's best"); findings below ``min_severity`` are not
    compared; an onset moves "earlier"/"later" only beyond ``onset_tolerance``
    times the longest run; "reaches the baseline's best" is the same time within
    ``reach_tolerance`` times the baseline's step to get there. The labels name the sides in reports ("main", "PR").
    Raises ConfigError for a bad option or when no run of one side can be
    matched to the other.
    """
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"alpha must be between 0 and 1, not {alpha}")
    if not noise_z > 0.0 or not min(smooth, onset_tolerance, reach_tolerance) >= 0.0:
        raise ConfigError("noise_z must be positive; smooth and the tolerances must not be negative")
    if min_severity not in SEVERITY_RANK:
        raise ConfigError(f"unknown severity {min_severity!r}; choose from: {', '.join(SEVERITY_RANK)}")
    match = dict(match or {})
    pairs, b_only, c_only = match_groups(baseline.runs, candidate.runs, pool=pool)
    if not pairs:
        raise ConfigError(
            "no baseline run matches a candidate run: baseline has "
            f"{_listing(r.name for r in baseline.runs)}, candidate has {_listing(r.name for r in candidate.runs)} "
            "(use --pool to compare all runs of each side as seeds of one configuration)"
        )
    _check_match(match, baseline.runs, candidate.runs)
    settings = dict(alpha=alpha, noise_z=noise_z, smooth=smooth, min_severity=min_severity,
                    onset_tolerance=onset_tolerance, reach_tolerance=reach_tolerance, pool=pool)
    groups = tuple(
        _compare_group(name, how, b_runs, c_runs, baseline, candidate, match, settings)
        for name, how, b_runs, c_runs in pairs
    )
    return Comparison(
        baseline=baseline,
        candidate=candidate,
        groups=groups,
        baseline_only_runs=tuple(r.name for r in b_only),
        candidate_only_runs=tuple(r.name for r in c_only),
        settings=settings,
        logscope_version=__version__,
        baseline_label=baseline_label,
        candidate_label=candidate_label,
    )


def group_key(run_name: str) -> str:
    """A run's name with replicate words removed: ``lr3e-4/seed_2`` -> ``lr3e-4``."""
    parts = []
    for part in run_name.split("/"):
        cleaned = _SEPARATORS.sub(lambda m: m.group(0)[0], _SEED_RE.sub("", part)).strip("_-.= ")
        if cleaned:
            parts.append(cleaned)
    return "/".join(parts)


def match_groups(
    baseline: Sequence[Run], candidate: Sequence[Run], *, pool: bool = False
) -> tuple[list[tuple[str, GroupMatch, tuple[Run, ...], tuple[Run, ...]]], list[Run], list[Run]]:
    """Pair the configurations of both sides.

    Runs are grouped by :func:`group_key`; groups with the same key pair up, and
    if exactly one group is left on each side those two pair too. Returns the
    pairs (name, how, baseline runs, candidate runs) and the runs left over.
    """
    if pool:
        if baseline and candidate:
            return [("", "pool", tuple(baseline), tuple(candidate))], [], []
        return [], list(baseline), list(candidate)
    b_groups = _groups(baseline)
    c_groups = _groups(candidate)
    pairs: list[tuple[str, GroupMatch, tuple[Run, ...], tuple[Run, ...]]] = []
    for key in sorted(set(b_groups) & set(c_groups)):
        pairs.append((key, "name", b_groups.pop(key), c_groups.pop(key)))
    if len(b_groups) == 1 and len(c_groups) == 1:
        (b_key, b_runs), (_, c_runs) = b_groups.popitem(), c_groups.popitem()
        pairs.append((b_key, "only", b_runs, c_runs))
    b_left = [r for runs in b_groups.values() for r in runs]
    c_left = [r for runs in c_groups.values() for r in runs]
    return pairs, b_left, c_left


def match_series(
    baseline: Sequence[Series],
    candidate: Sequence[Series],
    match: Mapping[str, str] | None = None,
    *,
    twins: tuple[Sequence[tuple[str, str]], Sequence[tuple[str, str]]] = ((), ()),
) -> tuple[list[tuple[str, str, MatchedBy]], list[str], list[str]]:
    """Pair series names across the sides: ``match`` first, then equal names, then roles.

    A role (split and metric family, other than ``other``) pairs two series when
    it is held by exactly one unpaired series on each side. Then the training
    twins (``twins``: each side's (train, val) pairs) of paired validation series
    pair up, and roles are tried once more. Returns the pairs (baseline name,
    candidate name, how) and the names left on each side.
    """
    b_names = {s.name: s for s in baseline}
    c_names = {s.name: s for s in candidate}
    pairs: list[tuple[str, str, MatchedBy]] = []

    def take(b: str, c: str, how: MatchedBy) -> None:
        pairs.append((b, c, how))
        del b_names[b], c_names[c]

    for b, c in (match or {}).items():
        if b in b_names and c in c_names:
            take(b, c, "user")
    for name in sorted(set(b_names) & set(c_names)):
        take(name, name, "name")
    _match_roles(b_names, c_names, take)
    b_train = {val: train for train, val in twins[0]}
    c_train = {val: train for train, val in twins[1]}
    for b, c, _ in list(pairs):
        bt, ct = b_train.get(b), c_train.get(c)
        if bt is not None and ct is not None and bt in b_names and ct in c_names:
            take(bt, ct, "role")
    _match_roles(b_names, c_names, take)
    pairs.sort(key=lambda p: (p[0], p[1]))
    return pairs, sorted(b_names), sorted(c_names)


def _match_roles(b_names: Mapping[str, Series], c_names: Mapping[str, Series], take: Any) -> None:
    """Pair the series whose role is held by exactly one unpaired series on each side."""
    b_roles = _by_role(b_names.values())
    c_roles = _by_role(c_names.values())
    for role in sorted(set(b_roles) & set(c_roles)):
        if len(b_roles[role]) == 1 and len(c_roles[role]) == 1:
            take(b_roles[role][0], c_roles[role][0], "role")


def _groups(runs: Sequence[Run]) -> dict[str, tuple[Run, ...]]:
    out: dict[str, list[Run]] = {}
    for run in runs:
        out.setdefault(group_key(run.name), []).append(run)
    return {k: tuple(v) for k, v in out.items()}


def _by_role(series: Sequence[Series] | Any) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for s in series:
        if s.metric != "other":
            out.setdefault((s.split, s.metric), []).append(s.name)
    return out


def _union_series(runs: Sequence[Run]) -> list[Series]:
    """One representative series per name over the runs (the first run that has it)."""
    seen: dict[str, Series] = {}
    for run in runs:
        for s in run.series:
            seen.setdefault(s.name, s)
    return [seen[k] for k in sorted(seen)]


def _union_pairs(runs: Sequence[Run]) -> list[tuple[str, str]]:
    """The (train, val) twins of the runs, each once, in first-seen order."""
    return list(dict.fromkeys(p for run in runs for p in run.pairs))


def _check_match(match: Mapping[str, str], baseline: Sequence[Run], candidate: Sequence[Run]) -> None:
    b_all = {s.name for r in baseline for s in r.series}
    c_all = {s.name for r in candidate for s in r.series}
    for b, c in match.items():
        for side, name, names in (("baseline", b, b_all), ("candidate", c, c_all)):
            if name not in names:
                raise ConfigError(f"--match {b}={c}: no series {name!r} in the {side} (it has {_listing(names)})")


def _compare_group(
    name: str,
    how: GroupMatch,
    b_runs: tuple[Run, ...],
    c_runs: tuple[Run, ...],
    baseline: Report,
    candidate: Report,
    match: Mapping[str, str],
    settings: Mapping[str, Any],
) -> GroupComparison:
    b_union, c_union = _union_series(b_runs), _union_series(c_runs)
    twins = (_union_pairs(b_runs), _union_pairs(c_runs))
    pairs, b_left, c_left = match_series(b_union, c_union, match, twins=twins)
    b_rep = {s.name: s for s in b_union}
    c_rep = {s.name: s for s in c_union}
    compared = [(b, c, by) for b, c, by in pairs if by == "user" or b_rep[b].metric not in NOT_COMPARED]
    has_eval = any(b_rep[b].split in ("val", "test") for b, _, _ in compared)
    metrics = []
    for b, c, by in compared:
        rep = b_rep[b]
        gating = rep.split in ("val", "test") if has_eval else rep.split == "train"
        metrics.append(_compare_metric(b, c, by, rep, b_runs, c_runs, gating, settings))
    rename = {c: b for b, c, _ in pairs}
    changes = _finding_changes(b_runs, c_runs, baseline, candidate, rename, settings)
    return GroupComparison(
        name=name,
        matched_by=how,
        baseline_runs=tuple(r.name for r in b_runs),
        candidate_runs=tuple(r.name for r in c_runs),
        metrics=tuple(metrics),
        findings=changes,
        baseline_only_series=tuple(n for n in b_left if b_rep[n].metric not in NOT_COMPARED),
        candidate_only_series=tuple(n for n in c_left if c_rep[n].metric not in NOT_COMPARED),
        baseline_last_step=_last_step(b_runs),
        candidate_last_step=_last_step(c_runs),
    )


def _last_step(runs: Sequence[Run]) -> int | None:
    ends = [int(s.steps[-1]) for r in runs for s in r.series if len(s)]
    return max(ends) if ends else None


def _compare_metric(
    b_name: str,
    c_name: str,
    matched_by: MatchedBy,
    rep: Series,
    b_runs: tuple[Run, ...],
    c_runs: tuple[Run, ...],
    gating: bool,
    settings: Mapping[str, Any],
) -> MetricComparison:
    direction = rep.direction
    b_series = [(r.name, s) for r in b_runs if (s := r.get(b_name)) is not None]
    c_series = [(r.name, s) for r in c_runs if (s := r.get(c_name)) is not None]
    steps = [s.steps for _, s in b_series if len(s)]
    span = float(max(a[-1] for a in steps) - min(a[0] for a in steps)) if steps else 0.0
    half_life = settings["smooth"] * span
    b_curves = [curve_of(run, s, direction, half_life) for run, s in b_series]
    c_curves = [curve_of(run, s, direction, half_life) for run, s in c_series]
    target = _target(b_curves, direction)
    b_side = _with_reach(b_name, b_curves, b_series, target, direction, half_life)
    c_side = _with_reach(c_name, c_curves, c_series, target, direction, half_life)
    test = difference_test(b_side, c_side, alpha=settings["alpha"], noise_z=settings["noise_z"])
    difference = relative = final_difference = None
    if b_side.best is not None and c_side.best is not None:
        difference = c_side.best - b_side.best
        relative = difference / abs(b_side.best) if b_side.best != 0 else None
    if b_side.final is not None and c_side.final is not None:
        final_difference = c_side.final - b_side.final
    verdict: Verdict = "unknown"
    if difference is not None and test.beyond_noise is not None:
        sign = 1.0 if direction == "min" else -1.0
        if not test.beyond_noise or difference == 0:
            verdict = "within_noise"
        else:
            verdict = "worse" if sign * difference > 0 else "better"
    reach_delta = None
    reach: Reach = "unknown"
    if b_side.reach_step is not None and c_side.runs:
        if c_side.reached * 2 < c_side.runs:
            reach = "never"
        elif c_side.reach_step is not None:
            reach_delta = c_side.reach_step - b_side.reach_step
            if abs(reach_delta) <= settings["reach_tolerance"] * b_side.reach_step:
                reach = "same"
            else:
                reach = "later" if reach_delta > 0 else "sooner"
    return MetricComparison(
        baseline=b_side,
        candidate=c_side,
        split=rep.split,
        metric=rep.metric,
        direction=direction,
        matched_by=matched_by,
        gating=gating,
        difference=difference,
        relative=relative,
        final_difference=final_difference,
        test=test,
        verdict=verdict,
        target=target,
        reach_delta=reach_delta,
        reach=reach,
    )


def _target(curves: Sequence[Curve], direction: str) -> float | None:
    """The baseline's best smoothed value, loosened by its noise: what "reaching main's best" means."""
    usable = [c for c in curves if c.smoothed_best is not None]
    if not usable:
        return None
    best = float(np.mean([c.smoothed_best for c in usable]))
    noises = [c.noise for c in usable if c.noise is not None]
    tolerance = float(np.sqrt(np.mean(np.square(noises)))) if noises else 0.0
    return best + tolerance if direction == "min" else best - tolerance


def _with_reach(
    name: str,
    curves: list[Curve],
    series: list[tuple[str, Series]],
    target: float | None,
    direction: str,
    half_life: float,
) -> SideMetric:
    reached = tuple(
        None if target is None else reach_step(s, target, direction, half_life) for _, s in series
    )
    return side_metric(name, tuple(curves), reached)


def _finding_changes(
    b_runs: tuple[Run, ...],
    c_runs: tuple[Run, ...],
    baseline: Report,
    candidate: Report,
    rename: Mapping[str, str],
    settings: Mapping[str, Any],
) -> tuple[FindingChange, ...]:
    floor = SEVERITY_RANK[settings["min_severity"]]
    b_found = _onsets(b_runs, baseline, {}, floor)
    c_found = _onsets(c_runs, candidate, rename, floor)
    last = [int(s.steps[-1]) for r in (*b_runs, *c_runs) for s in r.series if len(s)]
    tolerance = settings["onset_tolerance"] * (max(last) if last else 0)
    out = []
    for key in sorted(set(b_found) | set(c_found)):
        b, c = b_found.get(key, {}), c_found.get(key, {})
        b_step, c_step = _median_step(b), _median_step(c)
        b_sev, c_sev = _worst(b), _worst(c)
        change: ChangeKind | None = None
        if c and not b:
            change = "new"
        elif b and not c:
            change = "gone"
        elif SEVERITY_RANK[c_sev] > SEVERITY_RANK[b_sev]:
            change = "more_severe"
        elif SEVERITY_RANK[c_sev] < SEVERITY_RANK[b_sev]:
            change = "less_severe"
        elif b_step is not None and c_step is not None and abs(c_step - b_step) > tolerance:
            change = "earlier" if c_step < b_step else "later"
        if change is None:
            continue
        side = c if c else b
        representative = min((f for f in side.values()), key=lambda f: (f.step is None, f.step or 0, f.run))
        out.append(
            FindingChange(
                kind=key[0],
                series=key[1],
                change=change,
                severity=c_sev if c else b_sev,
                baseline_runs=len(b),
                candidate_runs=len(c),
                baseline_step=b_step,
                candidate_step=c_step,
                finding=representative,
            )
        )
    out.sort(key=lambda f: (not f.regression, -SEVERITY_RANK[f.severity], f.kind, f.series))
    return tuple(out)


def _onsets(
    runs: tuple[Run, ...], report: Report, rename: Mapping[str, str], floor: int
) -> dict[tuple[str, tuple[str, ...]], dict[str, Finding]]:
    """For each (kind, series) key, each run's earliest finding of it at or above ``floor``."""
    out: dict[tuple[str, tuple[str, ...]], dict[str, Finding]] = {}
    for run in runs:
        for f in report.findings_for(run.name):
            if SEVERITY_RANK[f.severity] < floor:
                continue
            key = (f.kind, tuple(rename.get(s, s) for s in f.series))
            per_run = out.setdefault(key, {})
            old = per_run.get(run.name)
            if old is None or _earlier(f, old):
                per_run[run.name] = f
    return out


def _earlier(a: Finding, b: Finding) -> bool:
    if SEVERITY_RANK[a.severity] != SEVERITY_RANK[b.severity]:
        return SEVERITY_RANK[a.severity] > SEVERITY_RANK[b.severity]
    return a.step is not None and (b.step is None or a.step < b.step)


def _median_step(found: Mapping[str, Finding]) -> int | None:
    steps = [f.step for f in found.values() if f.step is not None]
    return int(np.median(steps)) if steps else None


def _worst(found: Mapping[str, Finding]) -> SeverityName:
    return max((f.severity for f in found.values()), key=SEVERITY_RANK.__getitem__, default="info")


def _listing(names: Any, limit: int = 5) -> str:
    items = sorted(set(names))
    if not items:
        return "none"
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


__all__ = [
    "Comparison",
    "FindingChange",
    "GroupComparison",
    "MetricComparison",
    "compare",
    "compare_reports",
    "group_key",
    "match_groups",
    "match_series",
]
