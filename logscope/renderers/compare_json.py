"""The versioned JSON of a comparison: strict JSON, stable order, no NaN tokens.

Its own ``format_version`` (:data:`FORMAT_VERSION`), independent of the analysis
report's; the fields are documented in ``docs/compare.md``. Each side's full
analysis is embedded in the analysis report's own JSON shape.
"""

from __future__ import annotations

import json
from typing import Any

from ..compare import Comparison, FindingChange, GroupComparison, MetricComparison
from ..compare_stats import Curve, SideMetric
from . import jsonreport

FORMAT_VERSION = 1
#: The value of the document's ``kind`` field, telling it apart from an analysis report.
KIND = "logscope-compare"


def render(comparison: Comparison, *, timestamp: str | None = None) -> str:
    """The comparison as JSON text (UTF-8 safe, 2-space indent, trailing newline)."""
    return json.dumps(to_dict(comparison, timestamp=timestamp), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_dict(comparison: Comparison, *, timestamp: str | None = None) -> dict[str, Any]:
    """The JSON document as plain Python data; ``generated_at`` only when ``timestamp`` is given."""
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "kind": KIND,
        "logscope_version": comparison.logscope_version,
        "outcome": comparison.outcome,
        "regressions": len(comparison.regressions),
        "improvements": len(comparison.improvements),
        "labels": {"baseline": comparison.baseline_label, "candidate": comparison.candidate_label},
        "settings": {k: _num(v) for k, v in sorted(comparison.settings.items())},
        "groups": [_group(g) for g in comparison.groups],
        "baseline_only_runs": list(comparison.baseline_only_runs),
        "candidate_only_runs": list(comparison.candidate_only_runs),
        # Reuse the analysis report's JSON so each side reads exactly like `logscope analyze` output.
        "baseline": jsonreport.to_dict(comparison.baseline),
        "candidate": jsonreport.to_dict(comparison.candidate),
    }
    if timestamp is not None:
        doc["generated_at"] = timestamp
    return doc


def _group(g: GroupComparison) -> dict[str, Any]:
    return {
        "name": g.name,
        "matched_by": g.matched_by,
        "baseline_runs": list(g.baseline_runs),
        "candidate_runs": list(g.candidate_runs),
        "regressions": len(g.regressions),
        "improvements": len(g.improvements),
        "metrics": [_metric(m) for m in g.metrics],
        "findings": [_change(f) for f in g.findings],
        "baseline_only_series": list(g.baseline_only_series),
        "candidate_only_series": list(g.candidate_only_series),
        "baseline_last_step": g.baseline_last_step,
        "candidate_last_step": g.candidate_last_step,
    }


def _metric(m: MetricComparison) -> dict[str, Any]:
    return {
        "baseline_series": m.baseline.series,
        "candidate_series": m.candidate.series,
        "split": m.split,
        "metric": m.metric,
        "direction": m.direction,
        "matched_by": m.matched_by,
        "gating": m.gating,
        "verdict": m.verdict,
        "regression": m.regression,
        "improvement": m.improvement,
        "difference": _num(m.difference),
        "relative": _num(m.relative),
        "final_difference": _num(m.final_difference),
        "test": {
            "method": m.test.method,
            "p_value": _num(m.test.p_value),
            "statistic": _num(m.test.statistic),
            "beyond_noise": m.test.beyond_noise,
        },
        "target": _num(m.target),
        "reach_delta": m.reach_delta,
        "reach": m.reach,
        "baseline": _side(m.baseline),
        "candidate": _side(m.candidate),
    }


def _side(s: SideMetric) -> dict[str, Any]:
    return {
        "series": s.series,
        "best": _num(s.best),
        "best_sd": _num(s.best_sd),
        "best_step": s.best_step,
        "final": _num(s.final),
        "final_step": s.final_step,
        "noise": _num(s.noise),
        "reach_step": s.reach_step,
        "reached": s.reached,
        "runs": [_curve(c, r) for c, r in zip(s.curves, s.reach_steps, strict=True)],
    }


def _curve(c: Curve, reach: int | None) -> dict[str, Any]:
    return {
        "run": c.run,
        "points": c.points,
        "last_step": c.last_step,
        "best": _num(c.best),
        "best_step": c.best_step,
        "final": _num(c.final),
        "final_step": c.final_step,
        "noise": _num(c.noise),
        "smoothed_best": _num(c.smoothed_best),
        "reach_step": reach,
    }


def _change(f: FindingChange) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "series": list(f.series),
        "change": f.change,
        "regression": f.regression,
        "severity": f.severity,
        "baseline_runs": f.baseline_runs,
        "candidate_runs": f.candidate_runs,
        "baseline_step": f.baseline_step,
        "candidate_step": f.candidate_step,
        "finding": {"run": f.finding.run, **jsonreport.finding_dict(f.finding)},
    }


def _num(value: Any) -> Any:
    """Numbers as in the analysis JSON: non-finite floats become "NaN"/"inf"/"-inf"."""
    return jsonreport.scalar(value)
