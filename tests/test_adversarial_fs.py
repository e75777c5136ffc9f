"""Adversarial file trees, made at test time: links, loops, pipes, sockets, permissions, depth, odd names.

TensorBoard's loader hangs on a FIFO named like a log, recurses past Python's limit
on 1,100-deep folders, follows symlink loops (41 copies of a run, or an exponential
walk), fails a whole log folder on one unreadable entry and on a name that is not
UTF-8. Here each entry costs at most itself and is named with the reason.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from adversarial import Expect, check_read, run_unprivileged, tree_digest, write_tree
from logscope import analyze
from logscope.cli import cli
from logscope.errors import NoRunsFound

LOG = "epoch,loss\n0,1.0\n1,0.5\n"
KEPT = {"loss": ([0, 1], [1.0, 0.5])}
NOT_FOLLOWED = "outside the analysed folder; not followed (--follow-symlinks reads it)"


# ------------------------------------------------------------------- symlinks

def test_links_out_of_the_tree_are_named_not_followed(tmp_path: Path) -> None:
    """A link to a file or folder outside the analysed folder: a `skipped` warning, nothing read
    (a log tree must not make logscope read /etc/passwd or a home folder into a report)."""
    outside = write_tree(tmp_path / "outside", {"secret/log.csv": LOG, "lone.csv": LOG})
    tree = write_tree(tmp_path / "tree", {"run/log.csv": LOG})
    (tree / "dirlink").symlink_to(outside / "secret", target_is_directory=True)
    (tree / "run" / "filelink.csv").symlink_to(outside / "lone.csv")
    (tree / "etc").symlink_to("/etc", target_is_directory=True)
    check_read(tree, Expect({"run": KEPT}, [
        ("dirlink", "skipped", "symbolic link to a folder " + NOT_FOLLOWED),
        ("etc", "skipped", "symbolic link to a folder " + NOT_FOLLOWED),
        ("run/filelink.csv", "skipped", "symbolic link to a file " + NOT_FOLLOWED),
    ]))


def test_follow_symlinks_reads_them_named_where_found(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"secret/log.csv": LOG, "lone.csv": LOG})
    tree = write_tree(tmp_path / "tree", {"run/log.csv": LOG})
    (tree / "dirlink").symlink_to(outside / "secret", target_is_directory=True)
    (tree / "other").mkdir()
    (tree / "other" / "filelink.csv").symlink_to(outside / "lone.csv")
    check_read(tree, Expect({"run": KEPT, "dirlink": KEPT, "other": KEPT}), follow_symlinks=True)


def test_links_inside_the_tree(tmp_path: Path) -> None:
    """A linked folder inside the tree is read where it really is (not twice); a linked file is read;
    a link to a hidden folder (never walked) is named."""
    tree = write_tree(tmp_path, {"real/log.csv": LOG, "files/a.csv": LOG, ".cache/run/log.csv": LOG})
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "files" / "b.csv").symlink_to(tmp_path / "files" / "a.csv")
    (tmp_path / "cached").symlink_to(tmp_path / ".cache" / "run", target_is_directory=True)
    check_read(tree, Expect({"real": KEPT, "files/a": KEPT, "files/b": KEPT},
                            [("cached", "skipped", "symbolic link to a hidden folder; not followed")]))


def test_symlink_loops_end(tmp_path: Path) -> None:
    """Links to an ancestor, to itself, and a two-link cycle: the walk ends, each loop named once."""
    tree = write_tree(tmp_path, {"run/log.csv": LOG})
    (tmp_path / "run" / "up").symlink_to("..", target_is_directory=True)
    (tmp_path / "run" / "self").symlink_to(".", target_is_directory=True)
    (tmp_path / "run" / "a.csv").symlink_to("b.csv")
    (tmp_path / "run" / "b.csv").symlink_to("a.csv")
    expect = Expect({"run": KEPT}, [("run/a.csv", "unreadable", "symbolic link loop"),
                                    ("run/b.csv", "unreadable", "symbolic link loop")])
    check_read(tree, expect)
    check_read(tree, expect, follow_symlinks=True)


def test_followed_loops_outside_end(tmp_path: Path) -> None:
    """--follow-symlinks enters each real folder once: a loop back to an ancestor and a second entry
    point to the same folder (TensorBoard's walk goes exponential here) are named, not walked."""
    outside = write_tree(tmp_path / "outside", {"x/log.csv": LOG})
    (outside / "x" / "back").symlink_to(outside, target_is_directory=True)
    (outside / "x" / "root").symlink_to(tmp_path / "tree", target_is_directory=True)
    tree = write_tree(tmp_path / "tree", {"run/log.csv": LOG})
    (tree / "l1").symlink_to(outside, target_is_directory=True)
    (tree / "l2").symlink_to(outside, target_is_directory=True)
    check_read(tree, Expect({"run": KEPT, "l1/x": KEPT}, [
        ("l1/x/back", "skipped", "symbolic link to a folder already read (a loop); not followed"),
        ("l2", "skipped", "symbolic link to a folder already read (a loop); not followed"),
    ]), follow_symlinks=True)


def test_broken_link_and_link_to_a_pipe(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"run/log.csv": LOG})
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "run" / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    (tmp_path / "run" / "pipe.csv").symlink_to(tmp_path / "pipe")
    check_read(tree, Expect({"run": KEPT}, [
        ("pipe", "unreadable", "not a regular file (a pipe, socket or device); not opened"),
        ("run/gone.csv", "unreadable", "broken symbolic link"),
        ("run/pipe.csv", "unreadable", "not a regular file (a pipe, socket or device); not opened"),
    ]))


# ----------------------------------------------------------- special files

def test_fifos_and_sockets_named_like_logs_are_not_opened(tmp_path: Path) -> None:
    """Opening a FIFO blocks forever (TensorBoard hangs): run in a child process with a generous
    limit, so a regression fails the test instead of hanging the suite."""
    tree = write_tree(tmp_path / "tree", {"run/log.csv": LOG})
    os.mkfifo(tree / "run" / "events.out.tfevents.1.fifo")
    os.mkfifo(tree / "run" / "metrics.csv")
    (tree / "events.out.tfevents.2.dir").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tree / "run" / "metrics.jsonl"))
        out = tmp_path / "out"
        proc = subprocess.run([sys.executable, "-m", "logscope", "analyze", str(tree), "-o", str(out),
                               "--format", "json", "-q"], capture_output=True, text=True, timeout=300)
    finally:
        sock.close()
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert [r["run"] for r in report["runs"]] == ["run"]
    assert {(w["file"], w["kind"]) for w in report["warnings"]} == {
        ("run/events.out.tfevents.1.fifo", "unreadable"), ("run/metrics.csv", "unreadable"),
        ("run/metrics.jsonl", "unreadable")}
    assert all("not a regular file" in w["message"] for w in report["warnings"])


# ------------------------------------------------------------------ permissions

def test_unreadable_file_and_folder_are_named_the_rest_is_read(tmp_path: Path) -> None:
    """Each unreadable entry is one warning (TensorBoard fails the whole log folder); the tree is
    also read-only, which is enough: logscope writes nothing into its input."""
    tree = write_tree(tmp_path / "tree", {"good/log.csv": LOG, "locked_file/log.csv": LOG,
                                          "locked_dir/run/log.csv": LOG,
                                          "tb/events.out.tfevents.1": b"\x00" * 64})
    os.chmod(tree / "locked_file" / "log.csv", 0)
    os.chmod(tree / "tb" / "events.out.tfevents.1", 0)
    os.chmod(tree / "locked_dir", 0)
    os.chmod(tree / "good" / "log.csv", 0o444)
    folders = [tree / "good", tree / "locked_file", tree / "tb", tree]
    for folder in folders:
        os.chmod(folder, 0o555)
    out = tmp_path / "out"
    try:
        proc = run_unprivileged(["-m", "logscope", "analyze", str(tree), "-o", str(out), "--format", "json", "-q"],
                                tree / "locked_file" / "log.csv")
    finally:
        for folder in [*folders, tree / "locked_dir"]:
            os.chmod(folder, 0o755)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert [r["run"] for r in report["runs"]] == ["good"]
    assert [(w["file"], w["kind"], w["message"]) for w in report["warnings"]] == [
        ("locked_dir", "unreadable", "cannot list the folder: Permission denied"),
        ("locked_file/log.csv", "unreadable", "cannot open: Permission denied"),
        ("tb/events.out.tfevents.1", "unreadable", "cannot open: Permission denied"),
    ]


def test_nothing_readable_is_exit_2_naming_the_file(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "tree", {"run/log.csv": LOG})
    os.chmod(tree / "run" / "log.csv", 0)
    proc = run_unprivileged(["-m", "logscope", "analyze", str(tree), "-o", str(tmp_path / "out")],
                            tree / "run" / "log.csv")
    assert proc.returncode == 2
    assert "run/log.csv: cannot open: Permission denied" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------ depth and names

def _deep(root: Path, depth: int) -> Path:
    folder = root
    for _ in range(depth):  # one mkdir at a time: os.makedirs itself recurses
        folder = folder / "d"
        folder.mkdir()
    return folder


def _remove_deep(root: Path, leaf: Path) -> None:
    """Delete a deep chain bottom-up: shutil.rmtree (and so pytest's clean-up of old temporary
    folders, in every later session) recurses and fails on 1,000-deep folders."""
    for path in leaf.iterdir():
        path.unlink()
    folder = leaf
    while folder != root:
        folder.rmdir()
        folder = folder.parent


def test_one_thousand_deep_folders(tmp_path: Path) -> None:
    """TensorBoard's loader and tbparse raise RecursionError at depth 1,100."""
    leaf = _deep(tmp_path, 1000)
    try:
        (leaf / "log.csv").write_text(LOG)
        check_read(tmp_path, Expect({"/".join(["d"] * 1000): KEPT}))
    finally:
        _remove_deep(tmp_path, leaf)
    assert not any(tmp_path.iterdir())


ODD_NAMES = [
    "new\nline", "tab\there", "-rf", " spaced ", "quote\"'`", "<script>alert(1)</script>", "日本語",
    "rtl\u202eoverride", "x" * 255, "semi;colon&amp", "100%", "$(touch pwned)", "a\\b",
]


def test_odd_folder_names_are_run_names(tmp_path: Path) -> None:
    files = {f"{name}/log.csv": LOG for name in ODD_NAMES}
    check_read(write_tree(tmp_path, files), Expect({name: KEPT for name in ODD_NAMES}))
    assert not (tmp_path / "pwned").exists()


def test_names_that_are_not_utf8_or_hold_control_characters(tmp_path: Path) -> None:
    """A folder name with bytes that are not UTF-8 (TensorBoard: UnicodeEncodeError) or an ESC:
    the run is read, its name shows U+FFFD and ␛, and every report can be written."""
    bad = os.fsencode(tmp_path) + b"/bad\xff\xfename"
    os.mkdir(bad)
    Path(os.fsdecode(bad), "log.csv").write_text(LOG)
    write_tree(tmp_path, {"esc\x1b[31mred/log.csv": LOG})
    check_read(tmp_path, Expect({"bad\ufffd\ufffdname": KEPT, "esc\u241b[31mred": KEPT}))
    report = analyze(tmp_path)
    from logscope.renderers import RENDERERS

    for render in RENDERERS.values():
        text = render(report, timestamp=None)
        text.encode("utf-8")  # a lone surrogate would raise here
        assert "\x1b" not in text


def test_input_tree_is_not_modified(tmp_path: Path) -> None:
    """Hash every entry (mode, size, mtime, content or link target) before and after a CLI run."""
    tree = write_tree(tmp_path / "tree", {"run/log.csv": LOG, "tb/events.out.tfevents.1": b"junk" * 10,
                                          "hf/trainer_state.json": '{"log_history": [{"step": 1, "loss": 1}]}',
                                          "notes.txt": "hello\n"})
    (tree / "link").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(tree / "fifo")
    before = tree_digest(tree)
    result = CliRunner().invoke(cli, ["analyze", str(tree), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    assert tree_digest(tree) == before


def test_missing_path_is_exit_2(tmp_path: Path) -> None:
    with pytest.raises(NoRunsFound, match="no such file or directory"):
        analyze(tmp_path / "absent")


def test_compare_follows_links_out_only_when_asked(tmp_path: Path) -> None:
    """`logscope compare` keeps the same policy: a side made only of a link out of it is nothing
    readable (exit 2, the link named) unless --follow-symlinks."""
    write_tree(tmp_path, {"outside/run/log.csv": LOG, "cand/run/log.csv": LOG})
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "run").symlink_to(tmp_path / "outside" / "run", target_is_directory=True)
    args = ["compare", str(tmp_path / "base"), str(tmp_path / "cand"), "-o", str(tmp_path / "out"), "-q"]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2
    assert "baseline: no training logs found" in refused.output and "run: symbolic link to a folder" in refused.output
    followed = CliRunner().invoke(cli, [*args, "--follow-symlinks"])
    assert followed.exit_code == 0, followed.output
    assert json.loads((tmp_path / "out" / "compare.json").read_text())["outcome"] == "unchanged"
