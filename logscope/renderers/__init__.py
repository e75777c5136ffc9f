"""Renderers: each module's ``render(report, *, timestamp=None) -> str`` turns one Report into one format.

``timestamp`` is printed only when given (``--timestamp``), so by default the same
logs give byte-identical files.
"""

from __future__ import annotations

from typing import Protocol

from ..model import Report
from . import console

# Each format's module is imported when a report is first rendered in it: the HTML page
# needs Jinja2, and a run of `logscope analyze --format md,json` should not pay for it.


def _html(report: Report, *, timestamp: str | None = None) -> str:
    from . import htmlreport

    return htmlreport.render(report, timestamp=timestamp)


def _markdown(report: Report, *, timestamp: str | None = None) -> str:
    from . import markdown

    return markdown.render(report, timestamp=timestamp)


def _json(report: Report, *, timestamp: str | None = None) -> str:
    from . import jsonreport

    return jsonreport.render(report, timestamp=timestamp)


class Renderer(Protocol):
    """A report file format."""

    def __call__(self, report: Report, *, timestamp: str | None = None) -> str: ...


#: Report file formats by name, with the file each is written to.
RENDERERS: dict[str, Renderer] = {
    "html": _html,
    "md": _markdown,
    "json": _json,
}
FILENAMES: dict[str, str] = {"html": "report.html", "md": "report.md", "json": "report.json"}

__all__ = ["RENDERERS", "FILENAMES", "console"]
