"""The Jinja2 environment of the HTML pages, made on first use.

Jinja2 is imported and each template compiled (about 0.05 CPU s for ``report.html.j2``)
only when an HTML page is rendered, so ``--format md,json`` never imports Jinja2.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING

from .summary import format_number, format_scalar

if TYPE_CHECKING:
    import jinja2

@functools.cache
def environment() -> jinja2.Environment:
    """The one Jinja2 environment both HTML pages render with (autoescaping; missing names are errors)."""
    import jinja2  # here: a report without HTML does not need it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("logscope.renderers", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["num"] = format_number
    env.filters["scalar"] = format_scalar
    env.filters["count"] = _count
    return env


def _count(n: int) -> str:
    return f"{int(n):,}"


def source(name: str) -> str:
    """The text of ``templates/<name>``."""
    return resources.files("logscope.renderers").joinpath("templates", name).read_text(encoding="utf-8")


@functools.cache
def template(name: str) -> jinja2.Template:
    """The template ``templates/<name>``, compiled once per process."""
    return environment().get_template(name)
