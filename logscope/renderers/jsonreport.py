"""The versioned JSON report: strict JSON, sorted and stable, no NaN tokens.

Non-finite numbers in evidence are written as the strings ``"NaN"``, ``"inf"``,
``"-inf"`` so the file stays strict JSON. See ``docs/json-report.md``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..model import Finding, ReadWarning, Report, Run, Scalar

FORMAT_VERSION = 1


def render(report: Report) -> str:
    """The report as JSON text (UTF-8 safe, 2-space indent, trailing newline)."""
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_dict(report: Report) -> dict[str, Any]:
    """The JSON document as plain Python data."""
    return {
        "format_version": FORMAT_VERSION,
        "logscope_version": report.logscope_version,
        "runs": [_run(run, report.findings_for(run.name)) for run in report.runs],
        "warnings": [_warning(w) for w in report.warnings],
    }


def _run(run: Run, findings: tuple[Finding, ...]) -> dict[str, Any]:
    return {
        "run": run.name,
        "format": run.format,
        "hparams": {k: _scalar(v) for k, v in sorted(run.hparams.items())},
        "series": [
            {
                "name": s.name,
                "split": s.split,
                "metric": s.metric,
                "direction": s.direction,
                "points": len(s),
                "first_step": int(s.steps[0]) if len(s) else None,
                "last_step": int(s.steps[-1]) if len(s) else None,
            }
            for s in run.series
        ],
        "pairs": [{"train": t, "val": v} for t, v in run.pairs],
        "findings": [_finding(f) for f in findings],
        "warnings": [_warning(w) for w in run.warnings],
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "severity": f.severity,
        "series": list(f.series),
        "step": f.step,
        "end_step": f.end_step,
        "evidence": {k: _scalar(v) for k, v in sorted(f.evidence.items())},
        "message": f.message,
        "fixes": list(f.fixes),
    }


def _warning(w: ReadWarning) -> dict[str, str]:
    return {"file": w.file, "kind": w.kind, "message": w.message}


def _scalar(value: Scalar | Any) -> Scalar:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) or hasattr(value, "__float__"):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return number
    return str(value)
