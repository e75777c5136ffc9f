"""Renderers: each module's ``render(report, *, timestamp=None) -> str`` turns one Report into one format.

``timestamp`` is printed only when given (``--timestamp``), so by default the same
logs give byte-identical files.
"""

from __future__ import annotations

from typing import Protocol

from ..model import Report
from . import console, htmlreport, jsonreport, markdown


class Renderer(Protocol):
    """A report file format."""

    def __call__(self, report: Report, *, timestamp: str | None = None) -> str: ...


#: Report file formats by name, with the file each is written to.
RENDERERS: dict[str, Renderer] = {
    "html": htmlreport.render,
    "md": markdown.render,
    "json": jsonreport.render,
}
FILENAMES: dict[str, str] = {"html": "report.html", "md": "report.md", "json": "report.json"}

__all__ = ["RENDERERS", "FILENAMES", "console"]
