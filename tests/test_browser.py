"""A real browser opens report.html from disk: it renders, has a dark theme, and runs no payload.

Uses Debian's ``chromium`` headless (``.ci/run`` installs it with apt-get when it is
missing). ``--dump-dom`` gives the document after every script has run, so a payload
that executed would show as a ``data-pwned`` attribute on ``<body>``; a control page
proves that the check sees one when it happens. Screenshots are checked to be far
from blank; set ``LOGSCOPE_SCREENSHOTS=DIR`` to keep them for a look.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

from logscope.cli import cli

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((path for path in map(shutil.which, BROWSERS) if path), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no chromium on PATH; .ci/run installs it with `apt-get install chromium` (Debian) when it can",
)

# Run names are folder names, so no "/" in them; tag names may hold anything.
RUN_PAYLOADS = (
    "<img src=x onerror=document.body.dataset.pwned=1>",
    "\"><svg onload=document.body.dataset.pwned=2>",
    "' autofocus onfocus='document.body.dataset.pwned=3' x='",
)
TAG_PAYLOADS = (
    "<script>document.body.dataset.pwned=4</script>",
    "</title><script>document.body.dataset.pwned=5</script>",
    "<svg><script>document.body.dataset.pwned=6</script></svg>",
    "x\" onload=\"document.body.dataset.pwned=7",
)


def _chromium(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run headless chromium once with a throw-away profile (CI runs as root, often without HOME)."""
    assert BROWSER is not None
    with tempfile.TemporaryDirectory(prefix="logscope-chromium-") as profile:
        cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--hide-scrollbars", "--no-first-run", "--disable-extensions", "--disable-background-networking",
               "--mute-audio", f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def _dump_dom(page: Path) -> str:
    result = _chromium("--dump-dom", page.resolve().as_uri())
    assert result.returncode == 0 and "<html" in result.stdout, result.stderr[-2000:]
    return result.stdout


def _screenshot(page: Path, png: Path, width: int, height: int, *extra: str) -> np.ndarray:
    from PIL import Image

    result = _chromium(f"--window-size={width},{height}", f"--screenshot={png}", *extra, page.resolve().as_uri())
    assert png.is_file(), result.stderr[-2000:]
    keep = os.environ.get("LOGSCOPE_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)
    with Image.open(png) as image:
        return np.asarray(image.convert("RGB"))


def _write_tfevents(path: Path, scalars: dict[str, list[float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer = RecordWriter(fh)
        writer.write(event_pb2.Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString())
        for tag, values in scalars.items():
            for step, value in enumerate(values):
                summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
                writer.write(event_pb2.Event(wall_time=1.7e9 + step, step=step, summary=summary).SerializeToString())


def _hostile_logs(root: Path) -> Path:
    """Keras CSV and TensorBoard runs whose folder and tag names carry script and attribute payloads."""
    steps = np.arange(60)
    loss = (np.exp(-steps / 15) + 0.1).tolist()
    for i, run in enumerate(RUN_PAYLOADS):
        folder = root / f"run{i} {run}"
        folder.mkdir(parents=True)
        with (folder / "training.log").open("w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["epoch", "loss", "val_loss", f"{TAG_PAYLOADS[i]}_loss"])
            for step, value in zip(steps, loss):
                out.writerow([step, value, value + 0.1, "nan" if step > 40 else value])
    _write_tfevents(root / f"tb {RUN_PAYLOADS[0]}" / "events.out.tfevents.1700000000.host.1.0",
                    {f"{tag}/loss": loss for tag in TAG_PAYLOADS} | {"train/loss": loss})
    return root


class _Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(tag, name) for name, _ in attrs]


def test_payloads_in_log_names_do_not_run(tmp_path: Path) -> None:
    logs = _hostile_logs(tmp_path / "logs")
    result = CliRunner().invoke(cli, ["analyze", str(logs), "-o", str(tmp_path / "out"), "--format", "html", "-q"])
    assert result.exit_code == 0, result.output
    page = tmp_path / "out" / "report.html"
    html = page.read_text(encoding="utf-8")
    assert "dataset.pwned=4" in html and "nan" in html  # the payloads were read and reported, as text

    dom = _dump_dom(page)
    assert re.search(r'<html lang="en" class="js">', dom), "the report's own script did not run"
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None and "pwned" not in body.group(0), body
    scan = _Attrs()
    scan.feed(dom)
    assert not [(t, a) for t, a in scan.found if a.startswith("on") or a == "autofocus"]
    assert not [t for t, _ in scan.found if t in ("img", "iframe")]
    assert "<title>logscope report:" in dom


def test_control_page_shows_the_check_would_catch_a_payload(tmp_path: Path) -> None:
    page = tmp_path / "control.html"
    page.write_text(f"<!DOCTYPE html><html><body>{RUN_PAYLOADS[1]}{TAG_PAYLOADS[0]}</body></html>", encoding="utf-8")
    body = re.search(r"<body[^>]*>", _dump_dom(page))
    assert body is not None and 'data-pwned="' in body.group(0)


@pytest.fixture(scope="module")
def sample_page(sample_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser")
    result = CliRunner().invoke(cli, ["analyze", str(sample_logs), "-o", str(out), "--format", "html", "-q"])
    assert result.exit_code == 0, result.output
    return out / "report.html"


def _not_blank(pixels: np.ndarray) -> None:
    grey = pixels.mean(axis=2)
    colours = np.unique(pixels.reshape(-1, 3), axis=0).shape[0]
    assert colours > 200, f"only {colours} colours: the page looks blank"
    assert grey.std() > 10, "almost no contrast: the page looks blank"


@pytest.mark.parametrize(
    ("name", "width", "dark"),
    [("desktop-light", 1280, False), ("desktop-dark", 1280, True), ("phone-light", 390, False)],
)
def test_screenshot_is_not_blank(sample_page: Path, tmp_path: Path, name: str, width: int, dark: bool) -> None:
    extra = ("--force-dark-mode", "--blink-settings=preferredColorScheme=0") if dark else ()
    pixels = _screenshot(sample_page, tmp_path / f"report-{name}.png", width, 2400, *extra)
    assert pixels.shape[1] == width
    _not_blank(pixels)
    background = np.median(pixels[:, :, :].reshape(-1, 3), axis=0).mean()
    assert (background < 60) if dark else (background > 200), f"{name}: median colour {background}"
