"""report.json always matches the JSON Schema in docs/, and the schema lists every field written."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_factory import every_marker_report, hostile_report, sweep_report

import logscope
from logscope.model import Report
from logscope.renderers import jsonreport

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "report.schema.json"


def _closed(schema: Any) -> Any:
    """The schema with additionalProperties false wherever properties are listed (no undocumented fields)."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(_closed(copy.deepcopy(schema)))


def _check(validator: jsonschema.Draft202012Validator, report: Report, **kw: Any) -> dict[str, Any]:
    doc = json.loads(jsonreport.render(report, **kw))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    return doc


@pytest.mark.parametrize(
    "report",
    [Report(runs=(), findings=(), logscope_version="0"), every_marker_report(), hostile_report(), sweep_report(30)],
    ids=["empty", "every-marker", "hostile", "sweep"],
)
def test_hand_made_reports_match_the_schema(validator: jsonschema.Draft202012Validator, report: Report) -> None:
    _check(validator, report)
    _check(validator, report, timestamp="2030-01-01 00:00:00 UTC")


def test_schema_rejects_a_wrong_document(validator: jsonschema.Draft202012Validator) -> None:
    doc = json.loads(jsonreport.render(every_marker_report()))
    doc["runs"][0]["status"] = "fine"
    doc["runs"][0]["findings"][0]["evidence"]["x"] = [1, 2]
    doc["surprise"] = 1
    paths = {tuple(e.path) for e in validator.iter_errors(doc)}
    assert ("runs", 0, "status") in paths
    assert ("runs", 0, "findings", 0, "evidence", "x") in paths
    assert () in paths  # the undocumented top-level field


def test_sample_logs_report_matches_the_schema(validator: jsonschema.Draft202012Validator, sample_logs: Path) -> None:
    if not any(p.is_file() and p.name != "generate.py" for p in sample_logs.rglob("*")):
        pytest.skip("sample_logs/ holds no logs yet (run sample_logs/generate.py)")
    _check(validator, logscope.analyze(sample_logs))


def test_corpus_report_matches_the_schema(validator: jsonschema.Draft202012Validator, corpus: Path) -> None:
    # Two quick folders of real runs: Keras CSVs and MLflow stores (which carry params).
    doc = _check(validator, logscope.analyze([corpus / "keras_csv", corpus / "mlflow"]))
    assert doc["summary"]["runs"] == len(doc["runs"]) > 10
    assert any(run["hparams"] for run in doc["runs"])


def _excerpt_of(shown: Any, real: Any, at: str = "") -> None:
    """Assert ``shown`` is an excerpt of ``real``: objects with the same keys in the same order, lists
    a subsequence, strings equal or cut at "...", numbers of the same JSON type (values may drift)."""
    if isinstance(shown, dict):
        assert isinstance(real, dict) and list(shown) == list(real), f"{at}: keys {list(shown)} != {list(real)}"
        for key in shown:
            _excerpt_of(shown[key], real[key], f"{at}.{key}")
    elif isinstance(shown, list):
        assert isinstance(real, list), at
        rest = iter(enumerate(real))
        for item in shown:
            assert any(_is_excerpt(item, candidate, f"{at}[{i}]") for i, candidate in rest), \
                f"{at}: {str(item)[:160]} ... is not in the report (in this order)"
    elif isinstance(shown, str) and shown.endswith("..."):
        assert isinstance(real, str) and real.startswith(shown[:-3]), f"{at}: {real!r} does not start {shown[:-3]!r}"
    elif isinstance(shown, (bool, str)) or shown is None:
        assert shown == real, f"{at}: {shown!r} != {real!r}"
    else:
        assert type(shown) is type(real), f"{at}: {shown!r} is a {type(shown).__name__}, the report has {real!r}"


def _is_excerpt(shown: Any, real: Any, at: str) -> bool:
    try:
        _excerpt_of(shown, real, at)
    except AssertionError:
        return False
    return True


def test_json_report_doc_example_is_an_excerpt_of_the_sample_report(
        validator: jsonschema.Draft202012Validator, sample_logs: Path) -> None:
    """docs/json-report.md's example must stay what the code writes for sample_logs/ (fields, order,
    words), and be a valid report itself."""
    text = (SCHEMA_PATH.parent / "json-report.md").read_text(encoding="utf-8")
    (block,) = [part.split("```", 1)[0] for part in text.split("```json\n")[1:]]
    shown = json.loads(block)
    assert not list(validator.iter_errors(shown))
    _excerpt_of(shown, json.loads(jsonreport.render(logscope.analyze(sample_logs))))


def test_schema_allows_one_spelling_of_a_nan_findings_first_bad_value(validator: jsonschema.Draft202012Validator) -> None:
    doc = json.loads(jsonreport.render(every_marker_report()))
    evidence = doc["runs"][0]["findings"][0]["evidence"]
    for word, ok in (("NaN", True), ("inf", True), ("-inf", True), ("+inf", False), ("Infinity", False)):
        evidence["first_bad_value"] = word
        valid = not any(validator.iter_errors(doc))
        assert valid == ok, word
