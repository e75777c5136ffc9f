"""Rendering cost: one chart (hand-written SVG vs matplotlib's SVG backend), and whole sweeps.

Run from the repository root: ``python benchmarks/bench_render.py``. Not run by pytest.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from report_factory import every_marker_report, series, sweep_report  # noqa: E402

from logscope.model import Report, Run  # noqa: E402
from logscope.renderers import htmlreport, jsonreport, markdown, plots  # noqa: E402


def _best_of(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def matplotlib_svg(members: list, n: int) -> str:  # type: ignore[type-arg]
    """The same chart through matplotlib's SVG backend (raw + smoothed lines per series)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from logscope.smoothing import ema

    matplotlib.rcParams["svg.hashsalt"] = "logscope"
    fig, ax = plt.subplots(figsize=(6.4, 2.7), dpi=100)
    for s in members:
        ax.plot(s.steps, s.values, alpha=0.3, linewidth=1)
        ax.plot(s.steps, ema(s.values, 0.6), linewidth=2)
    ax.set_xlabel("step")
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def main() -> None:
    rng = np.random.default_rng(0)
    for n in (200, 2_000, 100_000, 1_000_000):
        steps = np.arange(n)
        train = series("loss", steps, np.exp(-steps / (n / 5)) + 0.1 + rng.normal(0, 0.02, n))
        val = series("val_loss", steps, np.exp(-steps / (n / 5)) + 0.2 + rng.normal(0, 0.02, n), "val")
        ours = _best_of(lambda: plots.chart([train, val], [], ylabel="loss"), 3)
        size = len(plots.chart([train, val], [], ylabel="loss").svg)
        line = f"{n:>9,} points x2: hand-written SVG {ours * 1e3:7.1f} ms, {size / 1e3:6.1f} KB"
        if n <= 100_000:
            mpl = _best_of(lambda: matplotlib_svg([train, val], n), 3)
            mpl_size = len(matplotlib_svg([train, val], n))
            line += f" | matplotlib {mpl * 1e3:7.1f} ms, {mpl_size / 1e3:7.1f} KB"
        print(line)
    for n in (6, 200, 2_000):
        report = sweep_report(n, points=2_000)
        t_html = _best_of(lambda: htmlreport.render(report), 1)
        t_md = _best_of(lambda: markdown.render(report), 1)
        t_json = _best_of(lambda: jsonreport.render(report), 1)
        html = htmlreport.render(report)
        print(f"sweep of {n:>5} runs x 2 series x 2,000 points: html {t_html:5.2f} s ({len(html) / 1e6:.2f} MB), "
              f"md {t_md:5.2f} s, json {t_json:5.2f} s")
    report = every_marker_report()
    print(f"every-marker report: {len(htmlreport.render(report)) / 1e3:.0f} KB html")
    big = Report(runs=(Run("big", "tensorboard", (series("loss", np.arange(1_000_000),
                                                         rng.random(1_000_000) + 0.1),)),), findings=())
    t = _best_of(lambda: htmlreport.render(big), 1)
    print(f"one run of 1,000,000 points: html {t:.2f} s, {len(htmlreport.render(big)) / 1e3:.0f} KB")


if __name__ == "__main__":
    main()
