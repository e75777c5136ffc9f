"""Every renderer: empty input, determinism, escaping, size limits, and the HTML's content."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pytest
from report_factory import PAYLOADS, every_marker_report, hostile_report, series, sweep_report

from logscope.model import Finding, ReadWarning, Report, Run
from logscope.renderers import RENDERERS, console, htmlreport, jsonreport, markdown


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_empty_report_renders(name: str) -> None:
    out = RENDERERS[name](Report(runs=(), findings=(), logscope_version="0.0.test"))
    assert out.endswith("\n")
    assert "0.0.test" in out


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_same_report_gives_identical_text(name: str) -> None:
    assert RENDERERS[name](every_marker_report()) == RENDERERS[name](every_marker_report())


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_timestamp_only_when_asked(name: str) -> None:
    report = every_marker_report()
    assert "2030-01-02 03:04:05 UTC" not in RENDERERS[name](report)
    assert "2030-01-02 03:04:05 UTC" in RENDERERS[name](report, timestamp="2030-01-02 03:04:05 UTC")


# ------------------------------------------------------------------------------ HTML


class _Scan(HTMLParser):
    """Collects every tag, attribute and script body of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _scan(html: str) -> _Scan:
    scan = _Scan()
    scan.feed(html)
    return scan


def test_html_escapes_every_log_string() -> None:
    page = htmlreport.render(hostile_report())
    scan = _scan(page)
    assert [t for t, _ in scan.tags].count("script") == 1  # only our own
    assert not [t for t, _ in scan.tags if t == "img"]
    handlers = [(t, k) for t, attrs in scan.tags for k in attrs if k.startswith("on")]
    assert handlers == []
    assert "document.body" not in "".join(scan.scripts)
    for payload in PAYLOADS[:4]:
        assert payload not in page
    assert "&lt;script&gt;document.body.setAttribute(" in page  # shown as text


def test_html_is_self_contained_and_locked_down() -> None:
    page = htmlreport.render(every_marker_report())
    scan = _scan(page)
    for tag, attrs in scan.tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            assert value is None or value.startswith("#"), (tag, key, value)
        assert tag not in ("link", "iframe", "object", "embed", "img")
    assert "@import" not in page and "url(" not in page
    csp = next(a["content"] for t, a in scan.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in (csp or "")
    script = "".join(scan.scripts)
    assert htmlreport._csp_hash(script) in (csp or "")
    assert "innerHTML" not in script


def test_html_draws_every_marker_kind() -> None:
    page = htmlreport.render(every_marker_report())
    for cls in ("m-line", "m-span", "m-edge", "m-best", "m-peak"):
        assert f'class="{cls}' in page, cls
    assert 'class="nf ' in page  # non-finite points on the top edge
    assert "(log scale)" in page  # the diverging loss spans decades


def test_html_top_table_has_status_best_and_hparams() -> None:
    page = htmlreport.render(every_marker_report())
    table = page[page.index('<table id="runs">') : page.index("</table>")]
    rows = re.findall(r'<tr data-status="(\w+)">\s*<td class="run"><a href="#run-\d+"><code>([^<]+)</code>', table)
    assert rows == [("error", "diverging"), ("warning", "overfit"), ("warning", "plateau"), ("ok", "healthy")]
    assert "<code>lr</code>" in table and "<code>batch</code>" in table
    assert "steps since best" in table


def test_html_best_value_and_steps_since_best() -> None:
    report = every_marker_report()
    run = next(r for r in report.runs if r.name == "overfit")
    val = run.get("loss/val")
    assert val is not None
    best = int(np.argmin(val.values))
    page = htmlreport.render(report)
    assert f"at step {best}, {199 - best} steps before the end" in page


def test_html_downsamples_a_million_points_and_says_so() -> None:
    steps = np.arange(1_000_000)
    values = np.exp(-steps / 1e5) + 0.1 + np.random.default_rng(0).normal(0, 0.001, steps.size)
    values[654_321] = 50.0
    run = Run("big", "tensorboard", (series("loss", steps, values),))
    page = htmlreport.render(Report(runs=(run,), findings=(), logscope_version="0"))
    assert len(page) < 200_000
    assert "1,000,000 logged points, reduced to" in page
    assert "(log scale)" in page  # only the 50.0 spike makes the range span decades: it was kept


def test_html_sweep_shows_details_for_flagged_runs_only() -> None:
    report = sweep_report(400)
    page = htmlreport.render(report)
    sections = re.findall(r'<section class="run" id="run-\d+"', page)
    assert len(sections) == htmlreport.MAX_DETAILED_RUNS
    assert page.count('<tr data-status="') == 400
    assert "This sweep has 400 runs" in page
    assert "<code>seed</code>" in page and "Same in every run: <code>opt</code>" in page


def test_html_renders_unknown_finding_kinds() -> None:
    report = every_marker_report()
    extra = Finding("suspicious", "info", "healthy", ("val_loss",), 3, 6, "odd.", {"x": 1.5}, ())
    page = htmlreport.render(Report(report.runs, report.findings + (extra,), logscope_version="0"))
    assert "suspicious" in page and '<rect class="m-span"' in page


# -------------------------------------------------------------------------- Markdown


def test_markdown_neutralises_log_strings() -> None:
    md = markdown.render(hostile_report())
    # <summary> lines are raw HTML (no Markdown there): names in them are entity-escaped.
    summaries = re.findall(r"<summary>(.*)</summary>", md)
    assert summaries and all(re.fullmatch(r"[^<>]*(<code>[^<>]*</code>)?[^<>]*", s) for s in summaries)
    # Code spans show their text literally; everything outside them must be inert.
    outside = re.sub(r"<summary>.*</summary>", "", md)
    outside = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", outside)
    assert "<script" not in outside and "<img" not in outside and "<svg" not in outside
    assert not re.search(r"(?<!\\)\]\(javascript:", outside)  # brackets are escaped: no link
    assert "@octocat" not in outside  # a zero-width space breaks the mention
    assert "http://evil" not in outside
    for line in md.splitlines():
        if line.startswith("| run"):
            columns = line.count("|")
        elif line.startswith("| "):
            # an unescaped pipe in a name would add a column
            assert len(re.findall(r"(?<!\\)\|", line)) == columns, line


def test_markdown_code_spans_survive_backticks() -> None:
    assert markdown.code("a`b") == "``a`b``"
    assert markdown.code("`x") == "`` `x ``"
    assert markdown.code("a|b", table=True) == "`a\\|b`"


def test_markdown_stays_under_githubs_limit() -> None:
    md = markdown.render(sweep_report(3000))
    assert len(md) <= markdown.MAX_CHARS
    assert "more run(s) not listed" in md
    rows = [line for line in md.splitlines() if line.startswith("| `sweep/")]
    assert rows and all("🟠 warning" in row for row in rows)  # worst first: the healthy runs are the ones cut
    assert re.search(r"_\d+ more run\(s\) not listed \(\d+ warning, 2700 ok\)", md)


def test_markdown_lists_findings_with_evidence_and_fixes() -> None:
    md = markdown.render(every_marker_report())
    assert "**error** · **divergence** on `loss` at steps 1,800–2,600" in md
    assert "evidence: growth = 5.2, nan\\_step = 2605" in md
    assert "what to try: (1) lower the learning rate" in md


# ------------------------------------------------------------------------------ JSON


def test_json_has_status_and_best_per_run() -> None:
    doc = json.loads(jsonreport.render(every_marker_report()))
    runs = {r["run"]: r for r in doc["runs"]}
    assert runs["diverging"]["status"] == "error"
    assert runs["healthy"]["status"] == "ok"
    assert runs["healthy"]["best"] == {"series": "val_loss", "split": "val", "direction": "min",
                                       "value": pytest.approx(0.11),
                                       "step": 10, "last_step": 10, "steps_since_best": 0}
    assert doc["summary"]["status_counts"] == {"error": 1, "warning": 2, "ok": 1}
    assert "generated_at" not in doc


def test_json_keeps_strict_json_with_non_finite_evidence() -> None:
    report = every_marker_report()
    extra = Finding("nan", "error", "healthy", ("loss",), 1, 1, "x", {"value": float("nan"), "big": float("inf")}, ())
    text = jsonreport.render(Report(report.runs, report.findings + (extra,), logscope_version="0"))
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict token {c}"))
    healthy = next(r for r in doc["runs"] if r["run"] == "healthy")
    assert healthy["findings"][0]["evidence"] == {"big": "inf", "value": "NaN"}


# -------------------------------------------------------------------------- terminal


def test_console_plain_has_no_escape_codes_and_strips_control_characters() -> None:
    report = hostile_report()
    run = report.runs[0]
    evil = Run("evil\x1b[2J\rname", run.format, run.series)
    out = console.render(Report(runs=(evil,), findings=(), logscope_version="0"))
    assert "\x1b" not in out and "\r" not in out
    assert "evil?[2J?name" in out


def test_console_colour_marks_statuses() -> None:
    out = console.render(every_marker_report(), colour=True)
    assert "\x1b[31merror" in out and "\x1b[32mok" in out


def test_console_summarises_large_sweeps() -> None:
    out = console.render(sweep_report(500))
    assert out.splitlines()[0].startswith("logscope: 50 of 500 run(s) need attention")
    assert "475 more run(s) not listed (25 warning, 450 ok)" in out
    assert len(out.splitlines()) < 120


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [({}, True, True), ({}, False, False), ({"NO_COLOR": "1"}, True, False), ({"NO_COLOR": ""}, True, True),
     ({"TERM": "dumb"}, True, False)],
)
def test_use_colour(env: dict[str, str], tty: bool, expected: bool) -> None:
    class Stream:
        def isatty(self) -> bool:
            return tty

    assert console.use_colour(Stream(), env) is expected  # type: ignore[arg-type]


def test_html_compares_a_sweep_on_its_shared_headline_series() -> None:
    report = sweep_report(30)
    page = htmlreport.render(report)
    section = page[page.index('id="compare-title"') : page.index("</section>", page.index('id="compare-title"'))]
    assert "8 of the 30 runs judged by <code>val_loss</code>: the best." in section
    assert section.count("<li><i class=") == htmlreport.MAX_COMPARED
    assert "<code>sweep/run00000</code>" in section  # the lowest val_loss of the sweep


def test_html_does_not_compare_unrelated_runs() -> None:
    assert 'id="compare-title"' not in htmlreport.render(every_marker_report())


@pytest.mark.parametrize("make", [every_marker_report, hostile_report, lambda: sweep_report(3000)],
                         ids=["every-marker", "hostile", "sweep"])
def test_markdown_renders_to_plain_safe_html(make) -> None:  # type: ignore[no-untyped-def]
    """A CommonMark parser with GitHub's tables gives only plain tags, no attributes, one row per listed run."""
    from markdown_it import MarkdownIt

    report = make()
    md = markdown.render(report)
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    scan = _scan(html)
    allowed = {"h2", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "details", "summary", "ol", "ul",
               "li", "strong", "em", "sub"}
    assert {t for t, _ in scan.tags} <= allowed
    assert [(t, a) for t, a in scan.tags if a] == []  # no href, src, on* or style anywhere
    rows = html[html.index("<tbody>") : html.index("</tbody>")].split("<tr>")[1:]
    assert rows and all(row.count("<td>") == 5 for row in rows)
    assert len(rows) == len(report.runs) or "more run(s) not listed" in md


def _with_unused_override(*files: ReadWarning) -> Report:
    report = every_marker_report()
    unused = ReadWarning("(roles)", "override-unused", "pair trainscore=holdoutscore matches no series of any run")
    return replace(report, warnings=(*files, unused))


def test_an_unused_role_override_is_shown_but_not_counted_as_a_file_not_read() -> None:
    """A configuration warning, not a file: in every format, apart from the files not read (issue 6)."""
    skipped = ReadWarning("notes.txt", "skipped", "not a training log")
    for report, files in ((_with_unused_override(skipped), 1), (_with_unused_override(), 0)):
        doc = json.loads(jsonreport.render(report))
        assert doc["summary"]["files_not_read"] == files
        assert [w["kind"] for w in doc["warnings"]][-1] == "override-unused"
        for text in (console.render(report), markdown.render(report), htmlreport.render(report)):
            assert "trainscore=holdoutscore" in text  # still visible
            assert "role override" in text
            assert "2 file" not in text and ("file(s) not read" in text or "files not read" in text.lower()
                                             or "file not read" in text) == bool(files)
        term = console.render(report)
        assert not any("not read" in line and "trainscore" in line for line in term.splitlines())
        md = markdown.render(report)
        files_block = md.split("file(s) not read</summary>")[-1].split("</details>")[0] if files else ""
        assert "trainscore" not in files_block
        page = htmlreport.render(report)
        section = page.split('id="files-not-read"')[-1].split("</section>")[0] if files else ""
        assert "trainscore" not in section
