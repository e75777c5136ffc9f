"""The command line: exit codes, outputs, and messages instead of tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscope import __version__
from logscope.cli import cli


def _csv(path: Path, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture()
def logs(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    _csv(root / "good" / "training.log", ["epoch,loss,val_loss", "0,1.0,1.1", "1,0.8,0.9", "2,0.6,0.7"])
    _csv(root / "bad" / "training.log", ["epoch,loss,val_loss", "0,1.0,1.1", "1,nan,nan", "2,inf,nan"])
    return root


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_lists_analyze() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "analyze" in result.output


def test_analyze_writes_three_reports(logs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    doc = json.loads((out / "report.json").read_text())
    bad = next(r for r in doc["runs"] if r["run"] == "bad")
    assert [f["step"] for f in bad["findings"] if f["kind"] == "nan"] == [1, 1]


def test_format_option_chooses_outputs(logs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(out), "--format", "json"])
    assert result.exit_code == 0
    assert [p.name for p in out.iterdir()] == ["report.json"]


def test_unknown_format_is_a_usage_error(logs: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(tmp_path / "o"), "--format", "pdf"])
    assert result.exit_code == 2
    assert "unknown report format pdf" in result.output


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("info", 1), ("warning", 1), ("error", 1)])
def test_fail_on_sets_exit_code(logs: Path, tmp_path: Path, fail_on: str, code: int) -> None:
    result = CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(tmp_path / "o"), "--fail-on", fail_on])
    assert result.exit_code == code


def test_fail_on_not_reached_exits_zero(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    _csv(root / "good" / "training.log", ["epoch,loss", "0,1.0", "1,0.5"])
    result = CliRunner().invoke(cli, ["analyze", str(root), "-o", str(tmp_path / "o"), "--fail-on", "error"])
    assert result.exit_code == 0


def test_missing_path_exits_2_with_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / "nope"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no such file or directory" in result.output
    assert "Traceback" not in result.output


def test_nothing_readable_exits_2_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no training logs found" in result.output
    assert "notes.txt" in result.output


def test_unwritable_output_is_a_message(logs: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(blocker / "sub")])
    assert result.exit_code == 2
    assert "cannot write the report" in result.output
