"""Issue 7 on the command line: a progress bar on a terminal only, and a clean Ctrl-C."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from scale_sweep import write_sweep

pty = pytest.importorskip("pty")
LOGSCOPE = [sys.executable, "-m", "logscope"]


def _read_until(fd: int, marker: bytes, proc: subprocess.Popen[bytes], limit: int = 400) -> bytes:
    """What the terminal shows until ``marker`` appears (or the process ends); ``limit`` one-second waits."""
    seen = b""
    for _ in range(limit):
        if marker in seen or proc.poll() is not None:
            break
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


def _drain(fd: int) -> bytes:
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            return out
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return out
        if not chunk:
            return out
        out += chunk


@pytest.fixture(scope="module")
def big_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough runs that the analysis is still going when the test presses Ctrl-C."""
    return write_sweep(tmp_path_factory.mktemp("big") / "sweep", runs=150, epochs=600)


def test_progress_bar_on_a_terminal_and_nothing_on_a_pipe(tmp_path: Path) -> None:
    sweep = write_sweep(tmp_path / "sweep", runs=6, epochs=40)
    piped = subprocess.run([*LOGSCOPE, "analyze", str(sweep), "-o", str(tmp_path / "a"), "-q", "-j", "2"],
                           capture_output=True, check=False)
    assert piped.returncode == 0
    assert piped.stderr == b""
    master, slave = pty.openpty()
    proc = subprocess.Popen([*LOGSCOPE, "analyze", str(sweep), "-o", str(tmp_path / "b"), "-q", "-j", "2"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    try:
        assert proc.wait(timeout=300) == 0
        shown = _drain(master)
    finally:
        os.close(master)
    assert b"Analysing runs" in shown and b"6/6" in shown
    assert (tmp_path / "a" / "report.html").read_bytes() == (tmp_path / "b" / "report.html").read_bytes()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_cleanly_and_writes_no_report(big_sweep: Path, tmp_path: Path, jobs: str) -> None:
    out = tmp_path / "report"
    master, slave = pty.openpty()
    proc = subprocess.Popen([*LOGSCOPE, "analyze", str(big_sweep), "-o", str(out), "-j", jobs],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    try:
        shown = _read_until(master, b"Analysing runs", proc)
        assert b"Analysing runs" in shown, shown
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=120)
        shown += _drain(master)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, shown
    assert b"logscope: interrupted; no report written" in shown
    assert b"Traceback" not in shown and b"Aborted" not in shown
    assert stdout == b""
    assert not out.exists() or list(out.iterdir()) == []
