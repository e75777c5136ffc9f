"""The comparison's HTML, Markdown, JSON and terminal outputs."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from compare_pairs import BASELINE, DIVERGING, OVERFIT_EARLY, SLOW, write_side

from logscope.analyze import analyze_runs
from logscope.compare import Comparison, compare, compare_reports
from logscope.model import ReadWarning, Report, Run, Series
from logscope.renderers import compare_console, compare_html, compare_json, compare_markdown
from logscope.renderers.compare_html import mean_series
from logscope.renderers.markdown import MAX_CHARS

HOSTILE = "<img src=x onerror=alert(1)>|`@admin`"


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sides")
    write_side(root / "main", BASELINE, [1, 2, 3])
    write_side(root / "overfit", OVERFIT_EARLY, [11, 12, 13])
    write_side(root / "diverging", DIVERGING, [11, 12, 13])
    write_side(root / "main1", BASELINE, [1])
    write_side(root / "slow1", SLOW, [11])
    return root


@pytest.fixture(scope="module")
def overfit(sides: Path) -> Comparison:
    return compare(sides / "main", sides / "overfit", baseline_label="main", candidate_label="PR")


# ---------------------------------------------------------------- Markdown


def test_markdown_verdict_line_has_the_numbers_a_reviewer_needs(overfit: Comparison) -> None:
    md = compare_markdown.render(overfit)
    assert md.startswith("# ❌ logscope compare: PR is worse than main: ")
    m = next(m for m in overfit.groups[0].metrics if m.baseline.series == "val_loss")
    line = next(line for line in md.splitlines() if line.startswith("- 🔴 `val_loss`"))
    pct = f"{m.relative * 100:+.1f}%"
    assert re.search(r"best [0-9.]+ vs [0-9.]+ on main \(" + re.escape(pct) + r", beyond noise, p=[0-9.]+", line), line
    assert "never reaches main's best" in line
    assert "| 🔴 | `val_loss` |" in md  # the table row


def test_markdown_speaks_of_speed_when_the_best_is_unchanged(sides: Path) -> None:
    md = compare_markdown.render(compare(sides / "main1", sides / "slow1", baseline_label="main"))
    assert "No difference beyond noise" in md
    assert re.search(r"⏱️ val\\_loss: candidate reaches main's best [0-9,]+ steps later", md)
    assert "one run each side: weaker evidence than several seeds" in md


def test_markdown_escapes_names_and_labels_from_logs(tmp_path: Path) -> None:
    result = _hostile(tmp_path)
    md = compare_markdown.render(result)
    # Inside code spans text is shown literally; everywhere else it must be escaped.
    outside = re.sub(r"(`+)(?:(?!\1).)+\1", "", md)
    assert "<img" not in outside and "@admin" not in outside and "<b>" not in outside
    assert "&lt;b&gt;main&lt;/b&gt;" in md


def test_markdown_stays_under_githubs_limit_for_a_huge_sweep() -> None:
    runs_b = [_run(f"cfg{i:03d}/" + "x" * 300, 0.5, "val_loss/" + "y" * 200) for i in range(150)]
    runs_c = [_run(f"cfg{i:03d}/" + "x" * 300, 0.4, "val_loss/" + "y" * 200) for i in range(150)]
    # Reports without findings: the detectors are not what this test is about.
    result = compare_reports(Report(runs=tuple(runs_b), findings=()), Report(runs=tuple(runs_c), findings=()))
    md = compare_markdown.render(result)
    assert len(md) <= MAX_CHARS
    assert "left out to stay under GitHub's comment limit" in md


# ---------------------------------------------------------------- HTML


def test_html_overlays_both_sides_and_marks_the_regressions(sides: Path) -> None:
    result = compare(sides / "main", sides / "diverging", baseline_label="main", candidate_label="PR")
    page = compare_html.render(result)
    assert "script-src 'none'" in page and "<script" not in page
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", page, flags=re.S)
    assert len(charts) == 2  # loss and val_loss
    for svg in charts:
        assert 'class="smooth c0"' in svg and 'class="smooth c1"' in svg  # baseline and candidate lines
        assert 'class="m-edge"' in svg  # the new NaN marked where it starts
    assert "(mean of 3 runs)" in page
    assert page.count('<span class="chip error">regression</span>') >= 3


def test_html_escapes_names_and_labels_from_logs(tmp_path: Path) -> None:
    page = compare_html.render(_hostile(tmp_path))
    assert "<img" not in page
    assert "&lt;img src=x" in page


def test_mean_series_keeps_a_seed_that_blew_up_visible() -> None:
    steps = np.arange(0, 50, 10)
    a = Series("a", steps, np.array([1.0, 0.8, 0.6, 0.5, 0.4]))
    b = Series("b", steps, np.array([1.2, 1.0, np.nan, np.nan, np.nan]))
    c = Series("c", np.arange(0, 30, 5), np.array([1.0, 0.95, 0.9, 0.85, 0.8, 0.75]))
    mean = mean_series([a, c], "main")
    assert mean.steps.tolist() == [0, 5, 10, 15, 20, 25, 30, 40]
    assert mean.values[0] == pytest.approx((1.0 + 1.0) / 2)
    assert mean.values[1] == pytest.approx((0.9 + 0.95) / 2)  # a interpolated between its logged steps
    assert mean.values[-1] == pytest.approx(0.4)  # past c's last step only a counts
    poisoned = mean_series([a, b, c], "main")
    assert poisoned.values[2] == pytest.approx((0.8 + 1.0 + 0.9) / 3)
    assert np.isnan(poisoned.values[4:]).all()  # from b's first NaN on, the mean shows it
    single = mean_series([a], "main")
    assert single.name == "main" and single.values.tolist() == a.values.tolist()


# ---------------------------------------------------------------- JSON and terminal


def test_json_is_strict_versioned_and_complete(sides: Path) -> None:
    result = compare(sides / "main", sides / "diverging")
    doc = json.loads(compare_json.render(result), parse_constant=_reject)
    assert doc["format_version"] == compare_json.FORMAT_VERSION == 1
    assert doc["kind"] == "logscope-compare" and doc["outcome"] == "regression"
    assert doc["regressions"] == len(result.regressions)
    (group,) = doc["groups"]
    val = next(m for m in group["metrics"] if m["baseline_series"] == "val_loss")
    assert set(val) >= {"difference", "relative", "test", "verdict", "reach", "reach_delta", "baseline", "candidate"}
    assert val["test"]["method"] == "welch" and 0 <= val["test"]["p_value"] <= 1
    assert [r["run"] for r in val["candidate"]["runs"]] == ["seed11", "seed12", "seed13"]
    nan = [f for f in group["findings"] if f["kind"] == "nan"]
    assert nan and all(f["change"] == "new" and f["regression"] for f in nan)
    assert doc["baseline"]["format_version"] >= 1 and len(doc["candidate"]["runs"]) == 3
    assert "generated_at" not in doc
    stamped = json.loads(compare_json.render(result, timestamp="2026-01-01 00:00:00 UTC"))
    assert stamped["generated_at"] == "2026-01-01 00:00:00 UTC"


def _reject(token: str) -> None:
    raise AssertionError(f"non-strict JSON token {token}")


def test_console_summary_lists_regressions_without_control_characters(tmp_path: Path) -> None:
    text = compare_console.render(_hostile(tmp_path))
    assert text.startswith("logscope compare: ")
    assert "\x1b" not in text
    coloured = compare_console.render(_hostile(tmp_path), colour=True)
    assert "\x1b[1m" in coloured


def test_an_unused_role_override_is_a_setting_not_a_problem_reading_files() -> None:
    """As in the analysis reports (issue 6): shown apart, once when both sides have it, never under the files."""
    both = ReadWarning("(roles)", "override-unused", "pair trainscore=holdoutscore matches no series of any run")
    one = ReadWarning("(roles)", "override-unused", "role acc=val/accuracy matches no series of any run")
    skipped = ReadWarning("notes.txt", "skipped", "not a training log")
    b = replace(analyze_runs([_run("main", 0.5)]), warnings=(skipped, both))
    c = replace(analyze_runs([_run("pr", 0.2)]), warnings=(both, one))
    comparison = compare_reports(b, c, baseline_label="main", candidate_label="PR")
    md = compare_markdown.render(comparison)
    page = compare_html.render(comparison)
    term = compare_console.render(comparison)
    for text in (md, page, term):
        assert text.count("trainscore=holdoutscore") == 1, text
        assert "val/accuracy matches no series of any run (in PR only)" in text
    assert "⚙️ Unused role override: pair trainscore=holdoutscore" in md
    files = md.split("Not compared, and problems reading files</summary>")[1].split("</details>")[0]
    assert "notes.txt" in files and "(roles)" not in files and "override" not in files
    assert "Unused role overrides (2)" in page
    section = page.split('id="not-compared"')[1].split("</section>")[0]
    assert "notes.txt" in section and "(roles)" not in section and "override" not in section
    assert "  unused role override: pair trainscore=holdoutscore" in term
    alone = compare_reports(replace(b, warnings=(both,)), c, baseline_label="main", candidate_label="PR")
    assert "Not compared" not in compare_markdown.render(alone) + compare_html.render(alone)


# ---------------------------------------------------------------- helpers


def _run(name: str, level: float, series: str = "val_loss") -> Run:
    steps = np.arange(0, 60)
    values = level + np.exp(-steps / 10.0) + 0.01 * np.sin(steps)
    return Run(name, "test", (Series(series, steps, values, split="val", metric="loss"),))


def _hostile(tmp_path: Path) -> Comparison:
    b = analyze_runs([_run("main", 0.5, HOSTILE + "loss\x1b[31m")])
    c = analyze_runs([_run("pr", 0.2, HOSTILE + "loss\x1b[31m")])
    return compare_reports(b, c, baseline_label="<b>main</b>", candidate_label="@someone")


# ---------------------------------------------------------------- the documented JSON schema

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _closed(schema: object) -> object:
    """The schema with additionalProperties false wherever properties are listed (no undocumented fields)."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@pytest.mark.parametrize("candidate", ["overfit", "diverging", "main"])
def test_json_matches_the_documented_schema(sides: Path, candidate: str) -> None:
    import jsonschema

    schema = json.loads((DOCS / "compare.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(_closed(schema))
    report_validator = jsonschema.Draft202012Validator(json.loads((DOCS / "report.schema.json").read_text()))
    result = compare(sides / "main", sides / candidate)
    for stamp in (None, "2030-01-01 00:00:00 UTC"):
        doc = json.loads(compare_json.render(result, timestamp=stamp))
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
        for side in ("baseline", "candidate"):
            assert not list(report_validator.iter_errors(doc[side]))
    doc["groups"][0]["metrics"][0]["verdict"] = "fine"
    assert list(validator.iter_errors(doc))
