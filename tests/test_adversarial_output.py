"""Output safety: hostile names stay text in every output, reports go only where asked, whole or not at all.

Run and series names come from folder names, CSV headers, event-file tags, W&B and
MLflow run names: all attacker-controlled when the logs are. These tests write such
logs at test time, run the CLI, and check the html, md, json and terminal outputs
at the text level (the browser test of the HTML report is tests/test_browser.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

import tfevents_factory as tf
from adversarial import tree_digest, write_tree
from logscope.cli import cli

#: Names that would be markup, script, a link, a path or a terminal command if not escaped.
PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    "</script><script>alert(3)</script>",
    "a|b`c*d_e[f](javascript:alert(4))",
    "<!-- x --><style>body{display:none}</style>",
    "{{7*7}}${7*7}",
    "new\nline <b>bold</b>",
    "../../../../tmp/evil",
    "esc\x1b]0;pwned\x07\x1b[31mred",
    "long-" + "x" * 1200,
]
#: Fragments that must never appear raw in the HTML report, nor in the HTML a Markdown viewer makes.
LIVE = ["<img", "<svg onload", "<script>alert", "<style>body", "<b>bold", "href=\"javascript", "onerror=alert(1)>",
        "<!-- x"]


def _folder_name(payload: str) -> str:
    """A payload as one folder name: no '/', at most 200 characters, not hidden (no leading dot)."""
    return "run " + payload.replace("/", "_")[:200]


def hostile_tree(root: Path) -> dict[str, str]:
    """Runs and series named by the payloads in every place a name comes from; returns run names."""
    runs = {}
    for i, payload in enumerate(PAYLOADS):
        folder = _folder_name(payload)
        # Event-file tags carry the payload as is; the run is named by its folder.
        tf.write(root / "tb" / folder / "events.out.tfevents.1",
                 [tf.scalar(payload, 1.0 / (s + 1), s) for s in range(30)]
                 + [tf.scalar("loss", float("nan") if s == 20 + i else 1.0 / (s + 1), s) for s in range(30)])
        runs[f"tb/{folder}"] = payload
    header = ",".join(['"' + p.replace('"', '""') + '"' for p in PAYLOADS if "\n" not in p])
    body = "".join(f"{s}," + ",".join(f"{1 / (s + 1):.4f}" for p in PAYLOADS if "\n" not in p) + "\n"
                   for s in range(30))
    write_tree(root, {"csv/metrics.csv": "step," + header + "\n" + body})
    # W&B panel export: run names come from the column headers, MLflow: from a tag file.
    wandb_runs = [*PAYLOADS[:4], "../../../evil", PAYLOADS[-1]]  # the last: a run name of 1,205 characters
    wandb = "Step," + ",".join(f'"{p.replace(chr(34), "")} - loss"' for p in wandb_runs) + "\n"
    wandb += "".join(f"{s}," + ",".join(["0.5"] * 6) + "\n" for s in range(5))
    write_tree(root, {"wandb/panel.csv": wandb,
                      "mlruns/0/meta.yaml": "name: exp\n",
                      "mlruns/0/r1/meta.yaml": "run_name: ../../../evil\nstatus: 3\n",
                      "mlruns/0/r1/metrics/loss": "1 0.5 0\n2 0.4 1\n",
                      "mlruns/0/r1/tags/mlflow.runName": PAYLOADS[0]})
    return runs


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The hostile tree analysed once by the CLI: its folders, outputs and terminal text."""
    base = tmp_path_factory.mktemp("hostile")
    tree = base / "tree"
    runs = hostile_tree(tree)
    before = tree_digest(tree)
    result = CliRunner().invoke(cli, ["analyze", str(tree), "-o", str(base / "out")], env={"NO_COLOR": "1"})
    return {"base": base, "tree": tree, "runs": runs, "before": before, "result": result,
            "out": {name: (base / "out" / name).read_text(encoding="utf-8")
                    for name in ("report.html", "report.md", "report.json")}}


def test_cli_succeeds_and_writes_only_the_three_reports(hostile: dict) -> None:
    base: Path = hostile["base"]
    assert hostile["result"].exit_code == 0, hostile["result"].output
    assert sorted(p.name for p in (base / "out").iterdir()) == ["report.html", "report.json", "report.md"]
    assert sorted(p.name for p in base.iterdir()) == ["out", "tree"]  # nothing beside them ("../evil")
    assert not list(hostile["tree"].parent.parent.glob("evil*"))
    assert not Path("/tmp/evil").exists() and not Path("/tmp/evil - loss").exists()
    assert tree_digest(hostile["tree"]) == hostile["before"]  # the input is never modified


def test_json_report_is_strict_and_holds_every_name_exactly(hostile: dict) -> None:
    def no_constants(token: str) -> None:
        raise AssertionError(f"non-standard JSON token {token}")

    report = json.loads(hostile["out"]["report.json"], parse_constant=no_constants)
    names = {r["run"] for r in report["runs"]}
    assert any(len(name) > 1000 for name in names)
    for folder, payload in hostile["runs"].items():
        assert folder.replace("\x1b", "\u241b").replace("\x07", "\u2407") in names
    series = {s["name"] if isinstance(s, dict) else s for r in report["runs"] for s in r["series"]}
    expected = {p.replace("\x1b", "\u241b").replace("\x07", "\u2407") for p in PAYLOADS}
    assert expected <= series, expected - series


def test_html_report_shows_names_only_escaped(hostile: dict) -> None:
    html: str = hostile["out"]["report.html"]
    for fragment in LIVE:
        assert fragment not in html, fragment
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the name is shown, as text
    assert "\x1b" not in html and "\x07" not in html


def test_markdown_report_renders_no_markup_from_names(hostile: dict) -> None:
    """Rendered as a Markdown viewer would (raw HTML allowed, as GitHub allows some), no name
    becomes a tag or a link; and no name breaks out of its table row."""
    md: str = hostile["out"]["report.md"]
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    for fragment in LIVE:
        assert fragment not in rendered, fragment
    assert "\x1b" not in md
    for line in md.splitlines():
        assert not line.startswith(("line <b>", "../", "<b>")), line  # a newline in a name did not split a row


def test_terminal_summary_carries_no_control_sequences(hostile: dict) -> None:
    output: str = hostile["result"].output
    assert "\x1b" not in output and "\x07" not in output  # NO_COLOR, and names cannot inject any
    assert "tb/run <img src=x onerror=alert(1)>" in output


def test_report_written_inside_the_analysed_folder_is_not_read_back(tmp_path: Path) -> None:
    """`logscope analyze .` (the reports land in ./logscope-report): the next run must not read them."""
    write_tree(tmp_path, {"run/log.csv": "epoch,loss\n0,1.0\n1,0.5\n2,0.4\n"})
    first = CliRunner().invoke(cli, ["analyze", str(tmp_path), "-o", str(tmp_path / "logscope-report"), "-q"])
    assert first.exit_code == 0, first.output
    reports = {p.name: p.read_bytes() for p in (tmp_path / "logscope-report").iterdir()}
    again = CliRunner().invoke(cli, ["analyze", str(tmp_path), "-o", str(tmp_path / "logscope-report"), "-q"])
    assert again.exit_code == 0, again.output
    assert {p.name: p.read_bytes() for p in (tmp_path / "logscope-report").iterdir()} == reports


def test_a_link_planted_in_the_output_folder_is_replaced_not_written_through(tmp_path: Path) -> None:
    """Reports are renamed into place: a symlink named report.html is replaced, its target untouched."""
    write_tree(tmp_path, {"logs/run/log.csv": "epoch,loss\n0,1.0\n1,0.5\n"})
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.html").symlink_to(victim)
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / "logs"), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "out" / "report.html").is_symlink()


def test_a_failed_write_leaves_the_previous_reports_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reports are all written to temporary files first and renamed only when all are on disk: a
    full disk while writing the second leaves all three earlier reports as they were, no temporary file
    behind, and exit code 2."""
    write_tree(tmp_path, {"logs/run/log.csv": "epoch,loss\n0,1.0\n1,0.5\n"})
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["analyze", str(tmp_path / "logs"), "-o", str(out), "-q"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    write_tree(tmp_path, {"logs/run/log.csv": "epoch,loss\n0,1.0\n1,0.5\n2,0.1\n"})
    real_fsync, calls = os.fsync, []

    def full_disk(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / "logs"), "-o", str(out), "-q"])
    assert result.exit_code == 2
    assert "No space left on device" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # same files, same bytes, no .tmp


def test_output_path_that_is_a_file_is_exit_2(tmp_path: Path) -> None:
    write_tree(tmp_path, {"logs/run/log.csv": "epoch,loss\n0,1.0\n1,0.5\n", "out": "a file"})
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / "logs"), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 2
    assert "cannot write the report" in result.output and "Traceback" not in result.output
