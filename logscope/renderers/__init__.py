"""Renderers: each module's ``render(report) -> str`` turns one Report into one format."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Report
from . import console, htmlreport, jsonreport, markdown

Renderer = Callable[[Report], str]

#: Report file formats by name, with the file each is written to.
RENDERERS: dict[str, Renderer] = {
    "html": htmlreport.render,
    "md": markdown.render,
    "json": jsonreport.render,
}
FILENAMES: dict[str, str] = {"html": "report.html", "md": "report.md", "json": "report.json"}

__all__ = ["RENDERERS", "FILENAMES", "console"]
