"""Jinja2 is imported only to render an HTML page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


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
