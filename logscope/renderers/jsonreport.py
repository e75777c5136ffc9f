"""The versioned JSON report: strict JSON, sorted and stable, no NaN tokens.

Non-finite numbers in evidence are written as the strings ``"NaN"``, ``"inf"``,
``"-inf"`` so the file stays strict JSON. See ``docs/json-report.md``.
"""

from __future__ import annotations

import math
from typing import Any

from ..model import Finding, ReadWarning, Report, Run, Scalar
from . import fastjson
from .summary import Best, files_not_read, status_counts, summarize

FORMAT_VERSION = 1


def render(report: Report, *, timestamp: str | None = None) -> str:
    """The report as JSON text (UTF-8 safe, 2-space indent, trailing newline)."""
    return fastjson.dumps(to_dict(report, timestamp=timestamp)) + "\n"  # json.dumps(indent=2, ...)'s text, faster


def to_dict(report: Report, *, timestamp: str | None = None) -> dict[str, Any]:
    """The JSON document as plain Python data (``docs/report.schema.json`` describes it)."""
    summaries = summarize(report)
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "logscope_version": report.logscope_version,
    }
    if timestamp is not None:
        doc["generated_at"] = timestamp
    doc["summary"] = {
        "runs": len(report.runs),
        "findings": len(report.findings),
        "worst": report.worst,
        "status_counts": status_counts(summaries),
        # an unused role override is listed in warnings but is no file: not counted here
        "files_not_read": len(files_not_read(report)),
    }
    doc["config"] = {
        name: {k: scalar(v) for k, v in sorted(params.items())} for name, params in sorted(report.config.items())
    }
    doc["runs"] = [
        _run(s.run, report.findings_for(s.run.name), s.status, s.best) for s in summaries
    ]
    doc["warnings"] = [_warning(w) for w in report.warnings]
    return doc


def _best(best: Best | None) -> dict[str, Any] | None:
    if best is None:
        return None
    return {
        "series": best.series,
        "split": best.split,
        "direction": best.direction,
        "value": scalar(best.value),
        "step": best.step,
        "last_step": best.last_step,
        "steps_since_best": best.steps_since,
    }


def _run(run: Run, findings: tuple[Finding, ...], status: str = "ok", best: Best | None = None) -> dict[str, Any]:
    return {
        "run": run.name,
        "format": run.format,
        "status": status,
        "best": _best(best),
        "hparams": {k: scalar(v) for k, v in sorted(run.hparams.items())},
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
        "findings": [finding_dict(f) for f in findings],
        "warnings": [_warning(w) for w in run.warnings],
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    """A finding as in the report's ``findings`` (without its run); ``compare.json`` reuses it."""
    return {
        "kind": f.kind,
        "severity": f.severity,
        "series": list(f.series),
        "step": f.step,
        "end_step": f.end_step,
        "evidence": {k: scalar(v) for k, v in sorted(f.evidence.items())},
        "message": f.message,
        "fixes": list(f.fixes),
    }


def _warning(w: ReadWarning) -> dict[str, str]:
    return {"file": w.file, "kind": w.kind, "message": w.message}


def scalar(value: Scalar | Any) -> Scalar:
    """A value as strict JSON: non-finite floats as "NaN"/"inf"/"-inf", numpy numbers as Python ones."""
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
