"""Curve plots as inline SVG (matplotlib), deterministic: fixed hash salt, no date."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..model import Finding, Series  # noqa: E402

matplotlib.rcParams["svg.hashsalt"] = "logscope"
matplotlib.rcParams["svg.fonttype"] = "none"
# Names come from logs: never interpret "$...$" in them as mathtext.
matplotlib.rcParams["text.parse_math"] = False


def series_svg(series: list[Series], findings: tuple[Finding, ...], *, title: str) -> str:
    """One chart of ``series`` sharing a step axis, with each finding's onset marked."""
    fig, ax = plt.subplots(figsize=(7.0, 3.0), dpi=100)
    try:
        for s in series:
            finite = np.isfinite(s.values)
            ax.plot(s.steps[finite], s.values[finite], linewidth=1.2, label=s.name)
        names = {s.name for s in series}
        for f in findings:
            if f.step is not None and names.intersection(f.series):
                ax.axvline(f.step, color="#d62728", linestyle="--", linewidth=1)
        ax.set_xlabel("step")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        if series:
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]
