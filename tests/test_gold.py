"""Gold files: `logscope analyze sample_logs` gives exactly tests/gold/report.{md,json}.

Regenerate after an intended change with ``pytest tests/test_gold.py --update-gold``
and review the diff (tests/gold/README.md).
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscope import __version__
from logscope.cli import cli

GOLD = Path(__file__).resolve().parent / "gold"
VERSION_MARK = "<logscope-version>"


def _analyze(sample_logs: Path, out: Path, formats: str = "html,md,json") -> None:
    result = CliRunner().invoke(cli, ["analyze", str(sample_logs), "-o", str(out), "--format", formats, "-q"])
    assert result.exit_code == 0, result.output


def _scrub(text: str) -> str:
    """The only thing allowed to differ from the gold file: the logscope version."""
    return text.replace(f'"logscope_version": "{__version__}"', f'"logscope_version": "{VERSION_MARK}"').replace(
        f"logscope {__version__}", f"logscope {VERSION_MARK}"
    )


@pytest.fixture(scope="module")
def reports(sample_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gold")
    _analyze(sample_logs, out)
    return out


@pytest.mark.parametrize("name", ["report.md", "report.json"])
def test_matches_gold(reports: Path, name: str, update_gold: bool) -> None:
    actual = _scrub((reports / name).read_text(encoding="utf-8"))
    gold = GOLD / name
    if update_gold:
        gold.parent.mkdir(parents=True, exist_ok=True)
        gold.write_text(actual, encoding="utf-8", newline="\n")
        pytest.skip(f"rewrote {gold.relative_to(GOLD.parent.parent)}")
    assert gold.is_file(), f"{gold} is missing: run pytest tests/test_gold.py --update-gold"
    expected = gold.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                            f"gold/{name}", f"actual/{name}", n=2))
        pytest.fail(f"{name} differs from the gold file (pytest --update-gold rewrites it after review):\n"
                    f"{diff[:6000]}", pytrace=False)


def test_two_runs_give_identical_bytes(sample_logs: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _analyze(sample_logs, first)
    # A second process with another hash seed: no set or dict order may leak into the files.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "logscope", "analyze", str(sample_logs), "-o", str(second), "-q"],
                   check=True, env=env, capture_output=True, timeout=300)
    for name in ("report.html", "report.md", "report.json"):
        assert (second / name).read_bytes() == (first / name).read_bytes(), name
