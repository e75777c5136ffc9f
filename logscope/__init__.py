"""logscope: audit finished machine-learning trainings from their logs."""

from __future__ import annotations

__version__ = "0.1.0"

from .analyze import analyze, analyze_runs  # noqa: E402
from .loading import load, load_frame  # noqa: E402
from .model import Finding, ReadWarning, Report, Run, Series  # noqa: E402
from .readers import read_path  # noqa: E402

__all__ = [
    "__version__",
    "analyze",
    "analyze_runs",
    "load",
    "load_frame",
    "read_path",
    "Finding",
    "ReadWarning",
    "Report",
    "Run",
    "Series",
]
