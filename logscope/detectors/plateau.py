"""Plateaus: stretches without progress, classified stuck, mid-run or converged.

Method (docs/detectors.md has the long form): on the oriented block medians
(log of a positive loss, minus a higher-is-better metric) smoothed by a
rolling median, candidate stretches are where the running best improves by
less than a practical band (``band`` relative, widened to ``z_threshold``
standard errors of the smoothed level) for at least ``min_share`` of the run.
A candidate is a plateau when it is also flat in the other direction (no bump
wider than two bands), its Theil-Sen line falls by less than half a band, and either a Mann-Kendall test (autocorrelation
corrected) finds no significant improving trend in it (p >= ``alpha``) or an
equivalence test on its Theil-Sen slope (autocorrelation-widened interval)
shows with p < ``alpha`` that the loss improved by less than the band. A plateau from the start is
*stuck*; one followed by clear progress is *mid_run* (the LR series tells
whether a drop ended it). Series whose noise band would exceed 50% are not
judged. Separately, the *converged* step is where the rest
of the run gained less than ``converged_fraction`` of the total improvement
and less than ``converged_gain`` relative; when the noise hides gains of that
size on the smoothed curve, an exponential decay fitted to a loss places the
step if it fits and its 95% interval is within ``FIT_HALF_WIDTH`` of the run.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..model import Finding, Run, Series, SeverityName
from ..smoothing import rolling_median
from ._evidence import lr_drop
from ._series import Prepared, by_metric, fmt, headline, is_total, pairs, prepare, run_span, step_text, value_at
from ._stats import ar1, mann_kendall, median, norm_sf, theil_sen


def detect(
    run: Run,
    *,
    band: float = 0.03,
    z_threshold: float = 3.0,
    min_share: float = 0.15,
    alpha: float = 0.05,
    stuck_gain: float = 0.1,
    converged_fraction: float = 0.05,
    converged_gain: float = 0.05,
    converged_min_share: float = 0.15,
    min_points: int = 8,
) -> list[Finding]:
    """Stuck and mid-run plateaus of every loss, and the converged tail of the main one.

    ``band``: relative change (0.03 = 3%) below which a stretch counts as flat
    (for metrics, that share of the series' range); ``z_threshold``: the band
    is at least this many standard errors of the smoothed level; ``min_share``:
    shortest plateau as a share of the run; ``alpha``: significance of the
    equivalence test; ``stuck_gain``: a plateau is stuck when the loss had
    improved by less than this (relative) before it; ``converged_fraction``:
    share of the total improvement below which the rest of the run counts as
    converged; ``converged_gain``: and the relative improvement (losses) it must
    also stay under; ``converged_min_share``: shortest converged tail reported;
    ``min_points``: shorter series are not judged.
    """
    first, last = run_span(run)
    length = max(last - first, 1)
    candidates = [s for s in headline(run) if s.metric == "loss"] or headline(run)
    found: list[Finding] = []
    for series in sorted(candidates, key=lambda s: (s.split != "train", s.name)):
        p = prepare(series)
        if p.nb < min_points or not np.any(p.values):
            continue  # too short, or exactly 0 throughout (the suspicious detector's business)
        found.extend(_plateaus(run, p, length=length, band=band, z_threshold=z_threshold, min_share=min_share,
                               alpha=alpha, stuck_gain=stuck_gain))
    found = _merge_overlapping(found)
    main = _main_series(run, candidates)
    if main is not None:
        p = prepare(main)
        if p.nb >= min_points:
            conv = _converged(run, p, length=length, band=band, z_threshold=z_threshold,
                              fraction=converged_fraction, max_gain=converged_gain, min_share=converged_min_share)
            if conv is not None:
                found.append(conv)
    return found


def _merge_overlapping(findings: list[Finding]) -> list[Finding]:
    """One finding per plateau seen on several series: same phase, spans overlapping by half the shorter."""
    out: list[Finding] = []
    for f in findings:
        for i, g in enumerate(out):
            if g.evidence.get("phase") != f.evidence.get("phase"):
                continue
            a0, a1, b0, b1 = g.step or 0, g.end_step or 0, f.step or 0, f.end_step or 0
            overlap = min(a1, b1) - max(a0, b0)
            if overlap >= 0.5 * max(min(a1 - a0, b1 - b0), 1):
                out[i] = replace(g, series=g.series + tuple(x for x in f.series if x not in g.series))
                break
        else:
            out.append(f)
    return out


def _main_series(run: Run, candidates: list[Series]) -> Series | None:
    """The validation twin of the first loss pair, else the first training loss."""
    for _, val in pairs(run):
        if val in candidates:
            return val
    for s in candidates:
        if s.split == "train":
            return s
    return candidates[0] if candidates else None


def _smooth(p: Prepared, band: float, z_threshold: float) -> tuple[np.ndarray, float, float]:
    """Smoothed level, its standard error, and the practical flatness band."""
    w = max(3, p.nb // 20)
    z = rolling_median(p.by, w)
    se = 1.2533 * p.sigma / np.sqrt(w)  # standard error of a median of w points
    if p.log:
        practical = float(np.log1p(band))
    else:
        practical = band * max(float(z.max() - z.min()), 1e-12)
    return z, se, max(practical, z_threshold * se)


#: Widest band (relative, or share of the range for metrics) a plateau may be judged with.
MAX_BAND = 0.5


def _plateaus(run: Run, p: Prepared, *, length: int, band: float, z_threshold: float, min_share: float,
              alpha: float, stuck_gain: float) -> list[Finding]:
    z, _, width = _smooth(p, band, z_threshold)
    r = np.minimum.accumulate(z)
    nb = p.nb
    spread = max(float(z.max() - z.min()), 1e-12)
    if width > (float(np.log1p(MAX_BAND)) if p.log else MAX_BAND * spread):
        return []  # so noisy that "flat within the noise" says nothing
    stuck_width = max(width, float(np.log1p(stuck_gain)) if p.log else stuck_gain * spread)
    out: list[Finding] = []
    # Stuck: from the first block, the running best stays within stuck_gain of the starting level
    # (the first raw point counts too: a loss that fell before the second log line was not stuck).
    j = _last_within(r, max(float(z[0]), float(median(p.by[:2]))) - stuck_width)
    i = 0
    fits: dict[tuple[int, int], tuple[tuple[float, float, float], float]] = {}
    seg = _accept(p, z, 0, j, stuck_width, alpha=alpha, min_len=min_share * length, fits=fits)
    practical = float(np.log1p(stuck_gain)) if p.log else stuck_gain * spread
    if seg is not None and _equivalence(p.bx[: j + 1], p.by[: j + 1], practical, *fits[0, j]) >= alpha:
        seg = None  # a warning needs more than "no significant trend": confidently within stuck_gain
    if seg is not None:
        out.append(_stuck(run, p, z, 0, j, seg, length=length, width=stuck_width))
        i = j + 1
    # Mid-run: after real progress, a stretch within the band, then clear progress again soon after.
    segments: list[tuple[int, int]] = []
    stride = max(1, nb // 100)
    # The scan below tries a start i every `stride` blocks; the cheap conditions (the stretch
    # reaches the end, too little progress before it, too short, no clear progress after it)
    # are computed for every start at once, so only the few starts that pass them pay a loop
    # iteration and the statistical tests of _accept.
    ends = _last_within_all(r, r - width)
    begin = _block_steps(p, np.arange(nb))
    finish = _block_end_steps(p, ends)
    cheap = ((ends < nb - 1) & ~((z[0] - r) < stuck_width) & ~(ends - np.arange(nb) + 1 < 4)
             & ~(finish - begin < min_share * length) & ~(_gains_after(p, r, ends, begin, finish, length) < 2 * width))
    while i < nb - 2:
        ahead = np.flatnonzero(cheap[i: nb - 2: stride])
        if ahead.size == 0:
            break
        i += int(ahead[0]) * stride
        j = int(ends[i])
        if _accept(p, z, i, j, width, alpha=alpha, min_len=min_share * length) is None:
            i += stride
            continue
        if segments and segments[-1][1] == i - 1 and abs(float(median(z[segments[-1][0]: i])) - float(r[i])) < width:
            segments[-1] = (segments[-1][0], j)  # the running best drifted by noise: one plateau, not two
        else:
            segments.append((i, j))
        i = j + 1
    for a, b in segments:
        # the plateau starts where the curve has reached its level (within half a band), not
        # where the running best first came within a band of it
        level = float(median(z[a: b + 1]))
        a = a + int(np.argmax(z[a: b + 1] <= level + 0.5 * width))
        seg = _accept(p, z, a, b, width, alpha=alpha, min_len=0.0)
        if seg is not None:
            out.append(_mid_run(run, p, z, r, a, b, seg, length=length, width=width))
    return out


def _last_within(r: np.ndarray, level: float) -> int:
    """The last index whose running best ``r`` (non-increasing) is still above ``level``."""
    return int(np.searchsorted(-r, -level, side="left")) - 1


def _last_within_all(r: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """:func:`_last_within` for every level at once."""
    return np.searchsorted(-r, -levels, side="left").astype(np.int64) - 1


def _block_steps(p: Prepared, i: np.ndarray) -> np.ndarray:
    """:meth:`Prepared.block_step` of every block index in ``i``."""
    return p.steps[p.bstart[np.minimum(np.maximum(i, 0), p.nb - 1)]]


def _block_end_steps(p: Prepared, i: np.ndarray) -> np.ndarray:
    """:meth:`Prepared.block_end_step` of every block index in ``i``."""
    i = np.minimum(np.maximum(i, 0), p.nb - 1)
    ends = np.append(p.bstart[1:] - 1, p.n - 1)
    return p.steps[ends[i]]


def _gains_after(p: Prepared, r: np.ndarray, j: np.ndarray, begin: np.ndarray, finish: np.ndarray,
                 length: int) -> np.ndarray:
    """:func:`_gain_after` for every stretch (from step ``begin`` to block j, which ends at step ``finish``)."""
    horizon = finish + np.maximum(0.5 * (finish - begin), 0.05 * length)
    k = np.minimum(np.searchsorted(p.bx, horizon, side="right") - 1, p.nb - 1)
    return r[np.minimum(np.maximum(j, 0), p.nb - 1)] - r[np.minimum(np.maximum(np.maximum(k, j), 0), p.nb - 1)]


def _accept(p: Prepared, z: np.ndarray, i: int, j: int, width: float, *, alpha: float,
            min_len: float, fits: dict[tuple[int, int], tuple[tuple[float, float, float], float]] | None = None,
            ) -> tuple[float, float] | None:
    """(trend p, equivalence p) when blocks i..j form a plateau of at least ``min_len`` steps, else None.

    ``fits``, if given, receives the Theil-Sen fit and lag-1 autocorrelation of blocks i..j.
    """
    if j - i + 1 < 4 or p.block_end_step(j) - p.block_step(i) < min_len:
        return None
    lo, hi = np.quantile(z[i: j + 1], [0.05, 0.95])
    if hi - lo > 2 * width:
        return None  # a bump (warm-up, spike cluster), not a flat stretch
    fit = theil_sen(p.bx[i: j + 1], p.by[i: j + 1])
    if -fit[0] * float(p.bx[j] - p.bx[i]) > 0.5 * width:
        return None  # a steady slow decline that only just stayed inside the band, not a flat stretch
    trend = mann_kendall(p.by[i: j + 1])
    if trend.p_up < alpha:
        return None  # getting worse is not a plateau (overfitting, divergence)
    p_trend = trend.p_down
    if fits is not None:
        fits[i, j] = (fit, trend.phi)
    p_flat = _equivalence(p.bx[i: j + 1], p.by[i: j + 1], width, fit, trend.phi)
    if p_trend < alpha and p_flat >= alpha:
        return None  # significantly improving, and not confidently by less than the band
    return p_trend, p_flat


def _gain_after(p: Prepared, r: np.ndarray, i: int, j: int, length: int) -> float:
    """Improvement of the running best within half the plateau's length (at least 5% of the run) after it."""
    horizon = p.block_end_step(j) + max(0.5 * (p.block_end_step(j) - p.block_step(i)), 0.05 * length)
    k = min(int(np.searchsorted(p.bx, horizon, side="right")) - 1, p.nb - 1)
    return float(r[j] - r[max(k, j)])


def _equivalence(x: np.ndarray, y: np.ndarray, width: float, fit: tuple[float, float, float] | None = None,
                 phi: float | None = None) -> float:
    """p-value of the hypothesis that the series improved by at least ``width`` across x.

    One-sided test on the Theil-Sen slope: its 95% interval, widened by
    sqrt((1 + phi) / (1 - phi)) for AR(1) noise, gives a standard error; a
    small p-value means the improvement was confidently smaller than ``width``.
    ``fit`` and ``phi``, when the caller has them, are ``theil_sen(x, y)`` and ``ar1(y)``.
    """
    span = float(x[-1] - x[0])
    if span <= 0:
        return 1.0
    slope, low, high = fit if fit is not None else theil_sen(x, y)
    phi = ar1(y) if phi is None else phi
    se = max((high - low) / (2 * 1.96), 1e-300) * np.sqrt((1 + phi) / (1 - phi))
    margin = width / span + slope  # tolerated improvement rate minus the estimated one (slope < 0 improves)
    if se <= 1e-299:
        return 0.0 if margin > 0 else 1.0
    return norm_sf(margin / se)


def _stuck(run: Run, p: Prepared, z: np.ndarray, i: int, j: int, seg: tuple[float, float], *, length: int,
           width: float) -> Finding:
    start, end = p.block_step(i), p.block_end_step(j)
    p_trend, p_flat = seg
    level = p.raw(float(median(z[i: j + 1])))
    share = 100 * (end - start) / length
    series = p.series
    chance = _chance_classes(level) if p.log and is_total(series) else None
    evidence: dict[str, float | int | str | bool | None] = {
        "phase": "stuck",
        "p_value": p_trend,
        "equivalence_p_value": p_flat,
        "level": level,
        "share_of_run": share / 100,
        "band": width,
        "chance_classes": chance,
    }
    note = f", about ln({chance}) = {fmt(float(np.log(chance)))}, a uniform guess over {chance} classes" if chance else ""
    whole = " for the whole run" if j >= p.nb - 1 else f" until step {step_text(end)}"
    message = (f"{series.name} was stuck from the start{whole} ({fmt(share, 3)}% of the run) at {fmt(level)}{note} "
               f"({_flat_text(p_trend, p_flat, width, p.log)}).")
    return Finding("plateau", "warning", run.name, (series.name,), start, end, message, evidence,
                   _stuck_fixes(run, start, chance))


def _mid_run(run: Run, p: Prepared, z: np.ndarray, r: np.ndarray, i: int, j: int, seg: tuple[float, float], *,
             length: int, width: float) -> Finding:
    start, end = p.block_step(i), p.block_end_step(j)
    p_trend, p_flat = seg
    level = p.raw(float(median(z[i: j + 1])))
    share = 100 * (end - start) / length
    series = p.series
    after_gain = _gain_after(p, r, i, j, length)
    drop = lr_drop(run, int(end - 0.05 * length), int(end + 0.05 * length))
    evidence: dict[str, float | int | str | bool | None] = {
        "phase": "mid_run",
        "p_value": p_trend,
        "equivalence_p_value": p_flat,
        "level": level,
        "share_of_run": share / 100,
        "band": width,
        "gain_after": float(np.expm1(after_gain)) if p.log else after_gain,
        **drop,
    }
    by_lr = drop.get("ended_by_lr_drop") is True
    how = (f", when the learning rate dropped from {fmt(float(drop['lr_before'] or 0), 3)} to "
           f"{fmt(float(drop['lr_after'] or 0), 3)}"
           if by_lr else " on its own" if drop.get("ended_by_lr_drop") is False else "")
    message = (f"{series.name} stalled at {fmt(level)} from step {step_text(start)} to {step_text(end)} ({fmt(share, 3)}% of the run) "
               f"before improving again{how} ({_flat_text(p_trend, p_flat, width, p.log)}).")
    severity: SeverityName = "info" if by_lr or share < 20 else "warning"
    return Finding("plateau", severity, run.name, (series.name,), start, end, message, evidence,
                   _mid_fixes(start, end, by_lr))


def _flat_text(p_trend: float, p_flat: float, width: float, log: bool) -> str:
    """Which test showed the stretch flat, with its p-value."""
    if p_flat < p_trend:
        size = f"{fmt(100 * float(np.expm1(width)), 2)}%" if log else fmt(width, 2)
        return f"it changed by less than {size} across it, equivalence p={p_flat:.2g}"
    return f"no significant improving trend, p={p_trend:.2g}"


def _chance_classes(level: float) -> int | None:
    """k when ``level`` is within 1% of ln(k), for k in 2..20, 100 or 1000 (a uniform guess over k classes).

    Larger k are left out: ln(k) for neighbouring k are closer than the
    tolerance, so any level would match some k.
    """
    for k in (*range(2, 21), 100, 1000):
        if abs(level - np.log(k)) <= 0.01 * np.log(k):
            return k
    return None


def _stuck_fixes(run: Run, start: int, chance: int | None) -> tuple[str, ...]:
    lr = by_metric(run, "lr")
    at = value_at(lr, start) if lr is not None else None
    raise_lr = (f"raise the learning rate (it was {fmt(at, 3)}) and check that the optimizer really updates the weights"
                if at is not None else "raise the learning rate and check that the optimizer really updates the weights")
    labels = "check the data pipeline and the labels (shuffled or constant labels, constant inputs, wrong target column)"
    init = "check the initialisation (dead ReLUs, weights too small or too large) and the normalisation layers"
    if chance:
        return (f"check the labels and the loss wiring first: the loss sits at chance level for {chance} classes",
                labels, raise_lr, init)
    return (raise_lr, init, labels)


def _mid_fixes(start: int, end: int, by_lr: bool) -> tuple[str, ...]:
    if by_lr:
        return (f"drop the learning rate earlier: the plateau from step {step_text(start)} ended only when it fell at step ~{step_text(end)}; "
                "a plateau-triggered schedule (ReduceLROnPlateau) would have cut it short",
                "check the initialisation and the data pipeline if plateaus recur")
    return ("raise the learning rate or change the schedule (warm restarts, one-cycle) to leave the plateau sooner",
            "check the initialisation and the normalisation layers",
            "check the data pipeline and the labels")


def _converged(run: Run, p: Prepared, *, length: int, band: float, z_threshold: float, fraction: float,
               max_gain: float, min_share: float) -> Finding | None:
    z, se, width = _smooth(p, band, z_threshold)
    nb = p.nb
    # a heavier smoother for the tail level: the tail is flat, and the step found depends on its noise
    w = max(3, nb // 10)
    zc = rolling_median(p.by, w)
    se = 1.2533 * p.sigma / np.sqrt(w)
    tail = max(2, nb // 20)
    z_end = float(median(zc[-tail:]))
    total = float(z[0] - z_end)
    # "ended worse than its best" compares like with like: the end level is read on the heavy
    # smoother, so the best is too (the light smoother's minimum over a long flat tail is a noise dip)
    if total <= width or z_end > float(zc.min()) + width:
        return None  # never improved (stuck) or ended worse than its best (overfitting, divergence)
    threshold = min(fraction * total, float(np.log1p(max_gain)) if p.log else np.inf)
    fit: tuple[int, float, float, float] | None = None
    if 2 * se > threshold:
        # the noise hides gains of that size on the smoothed curve; a decay model fitted to the whole
        # curve may still place the step, when it fits and its confidence interval is narrow
        fit = _fitted_convergence(p, fraction=fraction, max_gain=max_gain, length=length) if p.log else None
        if fit is None:
            return None  # convergence cannot be told
        conv, remaining, total, _ = fit
    else:
        still = np.flatnonzero(zc - z_end >= threshold)
        conv = int(still[-1]) + 1 if still.size else 0
        remaining = float(zc[conv]) - z_end if conv < nb else 0.0
    if conv >= nb:
        return None
    step = p.block_step(conv)
    last = int(p.steps[-1])
    share = (last - step) / length
    if share < min_share:
        return None
    trend = mann_kendall(p.by[conv:])
    gained = float(np.expm1(remaining)) if p.log else remaining
    series = p.series
    pct = fmt(100 * share, 3)
    size = f"{fmt(100 * abs(gained), 2)}%" if p.log else fmt(abs(gained), 3)
    effect = f"improved it by only {size}" if gained >= 0 else f"left it {size} worse"
    how = (f"; from an exponential decay fitted to the noisy curve, step known within ±{fmt(100 * fit[3], 2)}% "
           "of the run" if fit is not None else "")
    message = (f"{series.name} converged by step {step_text(step)}: the remaining {pct}% of the run ({step_text(last - step)} steps) "
               f"{effect} ({fmt(100 * remaining / total, 2)}% of its total improvement; remaining "
               f"trend p={trend.p_down:.2g}{how}).")
    evidence: dict[str, float | int | str | bool | None] = {
        "phase": "converged",
        "p_value": trend.p_down,
        "level": p.raw(z_end),
        "share_of_run": share,
        "saved_steps": last - step,
        "gain_after": gained,
        "fraction": fraction,
    }
    if fit is not None:
        evidence["fit_half_width"] = fit[3]
    fixes = (f"stop at about step {step_text(step)} (about {pct}% fewer steps) or spend the compute on a larger model or more data",
             f"use early stopping on {series.name} so later runs stop by themselves")
    return Finding("plateau", "info", run.name, (series.name,), step, last, message, evidence, fixes)


#: Decay times (shares of the run) the fitted model tries.
FIT_TAUS = np.geomspace(0.003, 3.0, 120)

#: The fitted converged step is reported only when its 95% interval is at most this share of the run either side.
FIT_HALF_WIDTH = 0.05

#: ... and the fit's residual variance is at most this many times the series' noise variance (it fits).
FIT_LACK = 2.0


def _fitted_convergence(p: Prepared, *, fraction: float, max_gain: float,
                        length: int) -> tuple[int, float, float, float] | None:
    """Converged block from ``floor + A exp(-t / tau)`` fitted to a noisy loss, or None.

    For each decay time tau on a grid, floor and A are least squares in loss
    units weighted by 1/loss (relative errors, as the log scale sees them);
    the best tau is the one with the least squared log residual. The step is
    where the fitted curve's remaining gain falls to the converged threshold;
    its 95% interval spans the steps of every tau whose residual sum is within
    3.84 residual variances (inflated by (1 + phi) / (1 - phi) for AR(1)
    residuals) of the best: the profile-likelihood interval. None when the
    model does not fit (residual variance over ``FIT_LACK`` noise variances),
    the interval is wider than ``FIT_HALF_WIDTH`` of the run either side, or no
    decay to a positive floor fits. Returns (block, remaining log gain, total
    log gain, interval half-width as a share of the run).
    """
    x, y = p.bx, p.by
    span = float(x[-1] - x[0])
    if span <= 0 or x.size < 8:
        return None
    t = (x - x[0]) / span
    loss = np.exp(y)
    w = 1.0 / loss  # weights: residual / loss is a relative error
    e = np.exp(-t[None, :] / FIT_TAUS[:, None])
    s11, s1y = float(np.dot(w, w)), float(w.sum())  # sums of w^2 and of w^2 * loss
    s1e, see, sey = e @ (w * w), (e * e) @ (w * w), e @ w
    det = s11 * see - s1e * s1e
    ok = det > 1e-12 * s11 * see
    det = np.where(ok, det, 1.0)
    floor = (see * s1y - s1e * sey) / det
    amp = (s11 * sey - s1e * s1y) / det
    ok &= (floor > 0) & (amp > 0)
    if not ok.any():
        return None
    curve = floor[:, None] + amp[:, None] * e
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = y[None, :] - np.log(np.where(curve > 0, curve, np.nan))
    rss = np.where(ok, np.sum(resid * resid, axis=1), np.inf)
    rss = np.where(np.isfinite(rss), rss, np.inf)
    k = int(np.argmin(rss))
    if not np.isfinite(rss[k]):
        return None
    s2 = float(rss[k]) / max(t.size - 3, 1)
    if s2 > FIT_LACK * p.sigma ** 2:
        return None  # the decay model does not describe this curve
    phi = ar1(resid[k])
    near = np.flatnonzero(rss - rss[k] <= 3.84 * s2 * (1 + phi) / (1 - phi))
    end = floor[near] + amp[near] * np.exp(-1.0 / FIT_TAUS[near])
    total = np.log((floor[near] + amp[near]) / end)
    threshold = np.minimum(fraction * total, float(np.log1p(max_gain)))
    ratio = (end * np.exp(threshold) - floor[near]) / amp[near]  # exp(-c / tau) at the converged c
    c = np.clip(-FIT_TAUS[near] * np.log(np.clip(ratio, 1e-300, 1.0)), 0.0, 1.0)
    half = 0.5 * float(c.max() - c.min()) * span / length
    if half > FIT_HALF_WIDTH:
        return None  # the noise leaves the step too uncertain
    best = int(np.flatnonzero(near == k)[0])
    conv = min(int(np.searchsorted(t, c[best])), p.nb - 1)
    level = float(np.log(floor[k] + amp[k] * e[k, conv]))
    return conv, level - float(np.log(end[best])), float(total[best]), half
