"""Curve charts as small inline SVG, with every finding drawn where it happened.

The SVG is written by hand from numpy instead of through matplotlib's SVG
backend, for three reasons. Measured (``benchmarks/bench_render.py``, two series
of 2,000 points): matplotlib takes ~90 ms and writes ~180 KB, this takes ~2 ms
and ~22 KB, and a 2,000-run sweep must render in seconds. Colours are CSS
classes, so the charts follow the page's light and dark themes. The output is
byte-stable with no ids to salt. Round tick positions are matplotlib's, computed by
:mod:`.ticks` (its locators ported, so that matplotlib is not imported).

Each chart draws the raw values faintly and TensorBoard's smoothing
(:func:`logscope.smoothing.ema`, weight 0.6) boldly. Long series are reduced
for display only (:mod:`.downsample`), and the chart says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from markupsafe import escape

from ..model import Finding, Series
from ..smoothing import ema
from . import downsample, ticks
from .summary import format_number

#: Chart geometry in SVG user units (the chart scales to its container).
WIDTH, HEIGHT = 640, 270
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 40, 40
#: Height of the row of numbered badges above the plot (the axis title sits below it).
BADGE_Y = 11
#: Pixel columns a line is reduced to; twice the plot width keeps it sharp on HiDPI.
COLUMNS = 300
#: Below this many finite points the raw line is drawn with dots and not smoothed.
SMOOTH_MIN_POINTS = 50
#: The smoothing weight, as TensorBoard's default.
SMOOTHING = 0.6
#: Values beyond +/- this are drawn at it (and magnitudes below its inverse at that, on a log
#: scale): axis arithmetic must not overflow, and 1e100 is already "exploded" for any loss.
DISPLAY_LIMIT = 1e100
#: Metric families drawn as logged, never smoothed.
UNSMOOTHED = frozenset({"lr"})
#: A positive series whose max/min ratio reaches this is drawn on a log scale.
LOG_RATIO = 100.0


@dataclass(frozen=True)
class Marker:
    """Something a finding marks on a chart.

    ``shape`` is ``line`` (an onset), ``span`` (``step``..``end_step`` shaded),
    ``edge`` (a triangle at the top edge: a non-finite point), ``best`` (a ring
    on ``value``) or ``peak`` (a diamond on ``value``). ``number`` links it to the
    finding's number in the list under the chart.
    """

    shape: str
    number: int
    step: float
    end_step: float | None = None
    value: float | None = None
    label: str = ""


@dataclass(frozen=True)
class Chart:
    """One rendered chart and what its caption needs to say."""

    svg: str
    series: tuple[str, ...]
    log_y: bool
    points: int  # logged points of every series, non-finite ones included
    drawn: int  # points in the SVG paths (raw and smoothed lines)
    downsampled: bool  # some line was reduced for display
    few_points: bool  # some line was too short to smooth and is drawn as logged
    clipped: bool  # some value was beyond +/-DISPLAY_LIMIT and is drawn at the limit


def markers_for(findings: Sequence[tuple[int, Finding]], names: set[str]) -> list[Marker]:
    """The markers of the numbered findings that concern any series in ``names``.

    Reads only the documented evidence keys of each kind; a finding of a kind
    this module does not know is drawn as an onset line (or a span if it has an
    end) so nothing is silently left off.
    """
    out: list[Marker] = []
    for number, f in findings:
        if not names.intersection(f.series):
            continue
        ev = f.evidence
        kind = f.kind
        if kind == "nan":
            step = _num(ev.get("first_bad_step"), f.step)
            if step is not None:
                out.append(Marker("edge", number, step, label="first non-finite value"))
        elif kind == "plateau" and f.step is not None:
            end = f.end_step if f.end_step is not None else f.step
            out.append(Marker("span", number, f.step, end, label="plateau"))
        elif kind == "overfitting":
            if f.step is not None:
                out.append(Marker("line", number, f.step, label="overfitting onset"))
            # the checkpoint to restore (the best logged evaluation), else the smoothed optimum
            best_step = _num(ev.get("checkpoint_step"), _num(ev.get("best_step")))
            best_value = _num(ev.get("checkpoint_value"), _num(ev.get("best_value")))
            if best_step is not None and best_value is not None:
                out.append(Marker("best", number, best_step, value=best_value, label="best checkpoint"))
        elif kind == "spike":
            peak_step, peak_value = _num(ev.get("peak_step"), f.step), _num(ev.get("peak_value"))
            if peak_step is not None and peak_value is not None:
                out.append(Marker("peak", number, peak_step, value=peak_value, label="spike peak"))
            elif peak_step is not None:
                out.append(Marker("line", number, peak_step, label="spike"))
        elif kind == "divergence":
            if f.step is not None:
                out.append(Marker("line", number, f.step, label="divergence onset"))
            nan_step = _num(ev.get("nan_step"))
            if nan_step is not None:
                out.append(Marker("edge", number, nan_step, label="first non-finite value"))
        elif f.step is not None:
            if f.end_step is not None and f.end_step > f.step:
                out.append(Marker("span", number, f.step, f.end_step, label=kind))
            else:
                out.append(Marker("line", number, f.step, label=kind))
    return out


def chart(series: Sequence[Series], markers: Sequence[Marker], *, ylabel: str) -> Chart:
    """An SVG line chart of ``series`` on a shared step axis, with ``markers`` drawn on it."""
    lines = [_prepare(s) for s in series]
    clipped = any(ln.clipped for ln in lines)
    finite_y = [ln.y for ln in lines if ln.y.size] + [
        np.array([_clip(m.value)]) for m in markers if m.value is not None and math.isfinite(m.value)
    ]
    ys = np.concatenate(finite_y) if finite_y else np.array([0.0, 1.0])
    all_steps = [s.steps.astype(np.float64) for s in series if len(s)]
    xs = np.concatenate(all_steps) if all_steps else np.array([0.0, 1.0])
    x0, x1 = float(xs.min()), float(xs.max())
    if x1 <= x0:  # one step: widen enough to stay representable at any magnitude
        half = max(1.0, abs(x0) * 1e-6)
        x0, x1 = x0 - half, x1 + half
    y_lo, y_hi = float(ys.min()), float(ys.max())
    log_y = y_lo > 0 and math.log10(y_hi) - math.log10(y_lo) >= math.log10(LOG_RATIO)
    if log_y:
        y_lo = max(y_lo, 1 / DISPLAY_LIMIT)
    scale = _Scale(x0, x1, y_lo, y_hi, log_y)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(ylabel)} by step" xmlns="http://www.w3.org/2000/svg">'
    ]
    parts.append(_axes(scale, ylabel))
    for m in markers:
        if m.shape == "span":
            parts.append(_span(scale, m))
    drawn = 0
    points = 0
    downsampled = False
    few = False
    for i, ln in enumerate(lines):
        points += ln.points
        cls = f"c{i % 8}"
        raw_x, raw_y = ln.x, ln.y
        rx, ry = _reduce(raw_x, raw_y, ln.breaks, downsample.minmax)
        raw_drawn = sum(a.size for a in rx)
        downsampled = downsampled or raw_drawn < raw_x.size
        drawn += raw_drawn
        if raw_x.size < SMOOTH_MIN_POINTS:
            # Too few points for smoothing to mean anything: draw them as logged, with dots.
            few = few or raw_x.size > 0
            parts.append(f'<path class="solid {cls}" d="{_path(scale, rx, ry)}"/>')
            parts.append(_dots(scale, raw_x, raw_y, cls))
        elif series[i].metric in UNSMOOTHED:
            # A schedule (learning rate) is not noisy: smoothing it would only add lag.
            parts.append(f'<path class="solid {cls}" d="{_path(scale, rx, ry)}"/>')
        else:
            sx, sy = _reduce(raw_x, ema(raw_y, SMOOTHING), ln.breaks, downsample.column_means)
            drawn += sum(a.size for a in sx)
            parts.append(f'<path class="raw {cls}" d="{_path(scale, rx, ry)}"/>')
            parts.append(f'<path class="smooth {cls}" d="{_path(scale, sx, sy)}"/>')
        parts.append(_nonfinite(scale, ln.bad_steps, cls))
    for m in markers:
        if m.shape != "span":
            parts.append(_marker(scale, m))
    parts.append(_badges(scale, markers))
    parts.append("</svg>")
    return Chart(
        svg="".join(p for p in parts if p),
        series=tuple(s.name for s in series),
        log_y=log_y,
        points=points,
        drawn=drawn,
        downsampled=downsampled,
        few_points=few,
        clipped=clipped,
    )


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class _Line:
    x: np.ndarray  # finite points only
    y: np.ndarray
    breaks: np.ndarray  # indices into x where a non-finite gap splits the line
    bad_steps: np.ndarray
    points: int
    clipped: bool  # some value lay beyond DISPLAY_LIMIT and is drawn at it


def _prepare(s: Series) -> _Line:
    finite = np.isfinite(s.values)
    x = s.steps[finite].astype(np.float64)
    raw = s.values[finite].astype(np.float64)
    y = np.clip(raw, -DISPLAY_LIMIT, DISPLAY_LIMIT)
    # A gap of non-finite points starts a new piece of line.
    kept_before = np.cumsum(finite) - finite
    gap_starts = np.flatnonzero(~finite[1:] & finite[:-1]) + 1 if s.values.size > 1 else np.array([], np.int64)
    breaks = np.unique(kept_before[gap_starts]) if gap_starts.size else np.array([], np.int64)
    breaks = breaks[(breaks > 0) & (breaks < x.size)]
    return _Line(x, y, breaks, s.steps[~finite].astype(np.float64), len(s), bool(np.any(y != raw)))


def _reduce(x: np.ndarray, y: np.ndarray, breaks: np.ndarray, reducer) -> tuple[list[np.ndarray], list[np.ndarray]]:  # type: ignore[no-untyped-def]
    """Downsample each unbroken piece of a line, with columns in proportion to its length."""
    out_x: list[np.ndarray] = []
    out_y: list[np.ndarray] = []
    span = (x[-1] - x[0]) if x.size > 1 and x[-1] > x[0] else 1.0
    for px, py in zip(np.split(x, breaks), np.split(y, breaks)):
        if not px.size:
            continue
        cols = max(1, int(round(COLUMNS * ((px[-1] - px[0]) / span)))) if px.size > 1 else 1
        rx, ry = reducer(px, py, cols)
        out_x.append(rx)
        out_y.append(ry)
    return out_x, out_y


def _clip(value: float) -> float:
    return min(max(value, -DISPLAY_LIMIT), DISPLAY_LIMIT)


def _num(value: object, default: float | int | None = None) -> float | None:
    """A finite number from evidence, else ``default``."""
    if isinstance(value, bool) or value is None:
        return None if default is None else float(default)
    if isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(float(value)):
        return float(value)
    return None if default is None else float(default)


# --------------------------------------------------------------------------- drawing


#: Multiples a linear axis may step by (times a power of ten).
_STEPS = (1, 2, 2.5, 5, 10)


class _Scale:
    """Maps steps and values to SVG coordinates; owns the axis ticks."""

    def __init__(self, x0: float, x1: float, y_lo: float, y_hi: float, log_y: bool) -> None:
        self.log_y = log_y
        self.x0, self.x1 = x0, x1
        if log_y:
            self.y0, self.y1 = math.log10(y_lo), math.log10(y_hi)
            pad = max((self.y1 - self.y0) * 0.05, 1e-9)
        else:
            self.y0, self.y1 = y_lo, y_hi
            pad = (y_hi - y_lo) * 0.06 if y_hi > y_lo else max(abs(y_hi) * 0.1, 1e-12) if y_hi else 1.0
        self.y0 -= pad
        self.y1 += pad
        self.px0, self.px1 = LEFT, WIDTH - RIGHT
        self.py0, self.py1 = HEIGHT - BOTTOM, TOP

    def sx(self, x: np.ndarray | float) -> np.ndarray | float:
        return self.px0 + (np.asarray(x, dtype=np.float64) - self.x0) / (self.x1 - self.x0) * (self.px1 - self.px0)

    def sy(self, y: np.ndarray | float) -> np.ndarray | float:
        v = np.asarray(y, dtype=np.float64)
        if self.log_y:
            v = np.log10(np.clip(v, 1 / DISPLAY_LIMIT, DISPLAY_LIMIT))
        return self.py0 + (v - self.y0) / (self.y1 - self.y0) * (self.py1 - self.py0)

    def x_ticks(self) -> list[float]:
        found = ticks.max_n_ticks(self.x0, self.x1, nbins=6, steps=_STEPS, integer=True)
        return [float(t) for t in found if self.x0 <= t <= self.x1]

    def y_ticks(self) -> list[float]:
        if self.log_y:
            lo, hi = 10**self.y0, 10**self.y1
            subs = (1.0, 2.0, 5.0) if self.y1 - self.y0 <= 3 else (1.0,)
            inside = [float(t) for t in ticks.log_ticks(lo, hi, subs=subs, numticks=8) if lo <= t <= hi]
            if len(inside) > 6:  # many decades: every second (third...) power of ten
                inside = inside[:: math.ceil(len(inside) / 6)]
            return inside
        found = ticks.max_n_ticks(self.y0, self.y1, nbins=5, steps=_STEPS)
        return [float(t) for t in found if self.y0 <= t <= self.y1]


def _fmt(v: float) -> str:
    """A coordinate with one decimal, never ``-0.0``."""
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text


#: Coordinates k / 10 whose text :func:`_path` looks up instead of formatting, for k in
#: [_TEXT_LOW, _TEXT_HIGH]: the chart and a margin around it (a report writes ~360,000 of them).
_TEXT_LOW, _TEXT_HIGH = -2000, 10000
_COORD_TEXT: np.ndarray | None = None


def _coord_text() -> np.ndarray:
    """``str(k / 10 + 0.0)`` for every k in [_TEXT_LOW, _TEXT_HIGH], made on first use (~4 ms)."""
    global _COORD_TEXT
    if _COORD_TEXT is None:
        _COORD_TEXT = np.array([str(k / 10 + 0.0) for k in range(_TEXT_LOW, _TEXT_HIGH + 1)], dtype=object)
    return _COORD_TEXT


def _path(scale: _Scale, xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> str:
    out = []
    for x, y in zip(xs, ys):
        if not x.size:
            continue
        both = np.column_stack([np.asarray(scale.sx(x), dtype=np.float64),
                                np.asarray(scale.sy(y), dtype=np.float64)]).ravel()
        # np.round(v, 1) is rint(v * 10) / 10, and str() of that (+ 0.0 for -0.0) is _fmt's text
        # (the shortest round-trip repr, "5.0" for 5) while it is below 1e15. Inside the table's
        # range the text is looked up by k = rint(v * 10), ten times faster than formatting.
        tenths = np.rint(both * 10.0)
        if tenths.size and _TEXT_LOW <= float(tenths.min()) and float(tenths.max()) <= _TEXT_HIGH:
            coords = " ".join(_coord_text()[tenths.astype(np.intp) - _TEXT_LOW].tolist())
        else:
            rounded = np.round(both, 1) + 0.0
            if float(np.max(np.abs(rounded))) < 1e15:
                coords = " ".join(map(str, rounded.tolist()))
            else:
                coords = " ".join(_fmt(v) for v in rounded.tolist())
        out.append("M" + coords if x.size > 1 else f"M{coords}h0.1")
    return "".join(out)


def _axes(scale: _Scale, ylabel: str) -> str:
    parts = [f'<rect class="plotbg" x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
             f'height="{HEIGHT - TOP - BOTTOM}"/>']
    grid = []
    labels = []
    y_ticks = scale.y_ticks()
    y_labels = [_log_label(t) for t in y_ticks] if scale.log_y else _tick_labels(y_ticks)
    for t, label in zip(y_ticks, y_labels):
        y = _fmt(float(scale.sy(t)))
        grid.append(f"M{LEFT} {y}H{WIDTH - RIGHT}")
        labels.append(f'<text class="yt" x="{LEFT - 6}" y="{y}">{escape(label)}</text>')
    for t in scale.x_ticks():
        x = _fmt(float(scale.sx(t)))
        grid.append(f"M{x} {TOP}V{HEIGHT - BOTTOM}")
        labels.append(f'<text class="xt" x="{x}" y="{HEIGHT - BOTTOM + 6}">{escape(_step_label(t))}</text>')
    parts.append(f'<path class="grid" d="{"".join(grid)}"/>')
    parts.append(f'<path class="axis" d="M{LEFT} {TOP}V{HEIGHT - BOTTOM}H{WIDTH - RIGHT}"/>')
    parts.extend(labels)
    parts.append(f'<text class="xl" x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 3}">step</text>')
    scale_word = " (log scale)" if scale.log_y else ""
    parts.append(f'<text class="yl" x="{LEFT}" y="{TOP - 7}">{escape(ylabel)}{scale_word}</text>')
    return "".join(parts)


def _tick_labels(ticks: Sequence[float]) -> list[str]:
    """Labels for one axis in a single style: the fewest decimals that tell every tick apart."""
    if not ticks:
        return []
    big = max(abs(t) for t in ticks)
    nonzero = [abs(t) for t in ticks if t != 0]
    small = min(nonzero) if nonzero else 1.0
    scientific = big >= 1e6 or small < 1e-3
    for precision in range(0, 7):
        if scientific:
            labels = [_sci(t, precision) for t in ticks]
        else:
            labels = [f"{t:.{precision}f}" for t in ticks]
        close = all(abs(float(lab) - t) <= 1e-9 + abs(t) * 1e-6 for lab, t in zip(labels, ticks))
        if close and len(set(labels)) == len(labels):
            return labels
    return [format_number(t) for t in ticks]


def _log_label(v: float) -> str:
    """A log-axis tick: ``1e-5`` for far powers of ten, else the plain number."""
    exp = math.log10(v)
    if abs(exp - round(exp)) < 1e-9 and not -3 <= round(exp) <= 3:
        return f"1e{round(exp)}"
    return format_number(round(v, 12))


def _sci(value: float, precision: int) -> str:
    """``1.5e-4`` style: no ``+`` and no leading zeros in the exponent."""
    if value == 0:
        return "0"
    mantissa, exp = f"{value:.{precision}e}".split("e")
    return f"{mantissa}e{int(exp)}"


def _step_label(v: float) -> str:
    """Steps as short text: 1200, 15k, 2.5M."""
    a = abs(v)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if a >= div:
            base = 1e3 if suffix == "k" else div
            text = f"{v / base:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _span(scale: _Scale, m: Marker) -> str:
    a = float(scale.sx(min(max(m.step, scale.x0), scale.x1)))
    end = m.end_step if m.end_step is not None else m.step
    b = float(scale.sx(min(max(end, scale.x0), scale.x1)))
    width = max(b - a, 1.5)
    return (f'<rect class="m-span" x="{_fmt(a)}" y="{TOP}" width="{_fmt(width)}" '
            f'height="{HEIGHT - TOP - BOTTOM}"><title>{m.number}: {escape(m.label)}, steps '
            f'{_step_text(m.step)}–{_step_text(end)}</title></rect>')


def _marker(scale: _Scale, m: Marker) -> str:
    x = float(scale.sx(min(max(m.step, scale.x0), scale.x1)))
    title = f"<title>{m.number}: {escape(m.label)} at step {_step_text(m.step)}</title>"
    if m.shape == "line":
        return (f'<path class="m-line" d="M{_fmt(x)} {TOP}V{HEIGHT - BOTTOM}">{title}</path>')
    if m.shape == "edge":
        y = TOP + 1
        return (f'<path class="m-edge" d="M{_fmt(x - 6)} {y}h12l-6 10z">{title}</path>'
                f'<path class="m-line thin" d="M{_fmt(x)} {y + 10}V{HEIGHT - BOTTOM}"/>')
    if m.value is None:
        return ""
    y = float(scale.sy(_clip(m.value)))
    value = f"{title[:-8]} (value {escape(format_number(m.value))})</title>"
    if m.shape == "best":
        return f'<circle class="m-best" cx="{_fmt(x)}" cy="{_fmt(y)}" r="5.5">{value}</circle>'
    if m.shape == "peak":
        return (f'<path class="m-peak" d="M{_fmt(x)} {_fmt(y - 7)}l6 7-6 7-6-7z">{value}</path>')
    return ""


def _badges(scale: _Scale, markers: Sequence[Marker]) -> str:
    """A numbered circle above the plot at each finding's first marker."""
    parts = []
    seen: set[int] = set()
    placed: list[float] = []
    for m in markers:
        if m.number in seen:
            continue
        seen.add(m.number)
        x = float(scale.sx(min(max(m.step, scale.x0), scale.x1)))
        # Nudge a badge right of one it would overlap, staying inside the chart.
        while any(abs(x - p) < 16 for p in placed) and x < WIDTH - 8:
            x += 16
        x = min(x, WIDTH - 8)
        placed.append(x)
        parts.append(f'<g class="badge"><circle cx="{_fmt(x)}" cy="{BADGE_Y}" r="7.5"/>'
                     f'<text x="{_fmt(x)}" y="{BADGE_Y}">{m.number}</text></g>')
    return "".join(parts)


def _dots(scale: _Scale, x: np.ndarray, y: np.ndarray, cls: str) -> str:
    if not x.size or x.size >= SMOOTH_MIN_POINTS:
        return ""
    px, py = np.round(np.asarray(scale.sx(x)), 1), np.round(np.asarray(scale.sy(y)), 1)
    d = "".join(f"M{_fmt(a)} {_fmt(b)}h0" for a, b in zip(px.tolist(), py.tolist()))
    return f'<path class="dots {cls}" d="{d}"/>'


def _nonfinite(scale: _Scale, steps: np.ndarray, cls: str) -> str:
    """Small triangles on the top edge where a value was NaN or infinite (as TensorBoard does)."""
    if not steps.size:
        return ""
    cols = np.unique(np.round(np.asarray(scale.sx(steps)) / 3) * 3)  # one per 3 units is plenty
    d = "".join(f"M{_fmt(c - 3)} {TOP}h6l-3 5z" for c in cols.tolist())
    return f'<path class="nf {cls}" d="{d}"><title>{steps.size} non-finite point(s)</title></path>'


def _step_text(step: float) -> str:
    return str(int(step)) if float(step).is_integer() else format_number(step)
