"""The precompiled HTML templates (logscope/renderers/templating.py) are current, and a stale one is never used.

Regenerate them after editing a template or upgrading Jinja2:
``python -m logscope.renderers.templating``.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from report_factory import every_marker_report

from logscope.renderers import htmlreport, templating


@pytest.mark.parametrize("name", sorted(templating.MODULES))
def test_precompiled_module_is_what_jinja_generates(name: str) -> None:
    module = importlib.import_module(f"logscope.renderers.{templating.MODULES[name]}")
    if module.JINJA2_VERSION != jinja2.__version__:
        pytest.skip(f"generated with Jinja2 {module.JINJA2_VERSION}, this is {jinja2.__version__} (compiled at run time)")
    path = module.__file__
    assert path is not None
    with open(path, encoding="utf-8") as fh:
        shipped = fh.read()
    assert shipped == templating.generate(name), "run: python -m logscope.renderers.templating"


def test_precompiled_template_is_used_and_renders_as_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    assert str(templating.template("report.html.j2").filename).endswith("_report_html_j2.py")
    report = every_marker_report()
    from_module = htmlreport.render(report)
    compiled = templating.environment().get_template("report.html.j2")
    assert str(compiled.filename).endswith("report.html.j2")
    monkeypatch.setattr(templating, "template", lambda name: compiled)
    assert htmlreport.render(report) == from_module


def test_stale_module_falls_back_to_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("logscope.renderers._report_html_j2")
    monkeypatch.setattr(module, "SOURCE_SHA256", "0" * 64)
    templating.template.cache_clear()
    try:
        assert str(templating.template("report.html.j2").filename).endswith("templates/report.html.j2")
    finally:
        templating.template.cache_clear()


def test_analyze_without_html_does_not_import_jinja(tmp_path: Path) -> None:
    code = ("import sys\nfrom logscope.cli import main\nsys.argv = ['logscope', 'analyze', 'sample_logs', '-o', "
            f"{str(tmp_path)!r}, '--format', 'md,json', '-q', '-j', '1']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('jinja2', 'scipy', 'pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_import_logscope_imports_no_heavy_library() -> None:
    code = ("import sys, logscope, logscope.cli; "
            "print(sorted(m for m in ('jinja2', 'scipy', 'pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
