"""The command line's report options: --timestamp, colour and NO_COLOR, --fail-on after writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscope.cli import cli


@pytest.fixture()
def logs(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    for name, rows in {"good": ["0,1.0,1.1", "1,0.8,0.9", "2,0.6,0.7"], "bad": ["0,1.0,1.1", "1,nan,nan"]}.items():
        (root / name).mkdir(parents=True)
        (root / name / "training.log").write_text("epoch,loss,val_loss\n" + "\n".join(rows) + "\n")
    return root


def test_reports_carry_no_time_unless_asked(logs: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(a), "-q"]).exit_code == 0
    assert CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(b), "-q", "--timestamp"]).exit_code == 0
    stamped = json.loads((b / "report.json").read_text())["generated_at"]
    assert stamped.endswith(" UTC") and len(stamped) == len("2030-01-02 03:04:05 UTC")
    for name in ("report.html", "report.md", "report.json"):
        assert stamped not in (a / name).read_text()
        assert stamped in (b / name).read_text()


def test_summary_is_plain_when_not_a_terminal(logs: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(tmp_path / "o")])
    assert "\x1b[" not in result.output
    assert result.output.startswith("logscope: 1 of 2 run(s) need attention (1 error, 1 ok)")
    assert "Wrote " in result.output


def test_a_terminal_gets_colour(logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from logscope.renderers import console

    monkeypatch.setattr(console, "use_colour", lambda stream: True)  # as on a TTY without NO_COLOR
    result = CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(tmp_path / "o")])
    assert "\x1b[31merror" in result.output and "\x1b[32mok" in result.output


@pytest.mark.parametrize(("value", "expected"), [("1", False), ("", True)])
def test_no_color_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    from logscope.renderers import console

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("NO_COLOR", value)
    monkeypatch.delenv("TERM", raising=False)
    assert console.use_colour(Tty()) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("warning", 1), ("error", 1)])
def test_reports_are_written_before_a_failing_exit(logs: Path, tmp_path: Path, fail_on: str, code: int) -> None:
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(out), "--fail-on", fail_on, "-q"])
    assert result.exit_code == code
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
