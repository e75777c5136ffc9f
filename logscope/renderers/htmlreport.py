"""One self-contained HTML file: summary table, curve plots and findings per run.

Every string from a log goes through Jinja2's autoescaping; plots are inline SVG
whose text is escaped by matplotlib. No network: no CDN, fonts or remote scripts.
"""

from __future__ import annotations

from collections import defaultdict

import jinja2
from markupsafe import Markup

from ..model import SEVERITY_RANK, Report, Run, Series
from .plots import series_svg

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("logscope.renderers", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def render(report: Report) -> str:
    """The report as one HTML document."""
    runs = []
    for run in report.runs:
        findings = report.findings_for(run.name)
        worst = max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__) if findings else "ok"
        runs.append({"run": run, "findings": findings, "worst": worst, "plots": _plots(run, report)})
    return _ENV.get_template("report.html.j2").render(report=report, runs=runs)


def _plots(run: Run, report: Report) -> list[Markup]:
    """One chart per metric family that has a loss or metric in it."""
    families: dict[str, list[Series]] = defaultdict(list)
    for s in run.series:
        if len(s) and s.metric != "other":
            families[s.metric].append(s)
    findings = report.findings_for(run.name)
    return [
        Markup(series_svg(group, findings, title=f"{run.name}: {family}"))  # noqa: S704 - matplotlib escapes text
        for family, group in sorted(families.items())
    ]
