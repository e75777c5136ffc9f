"""Issue 7: PATH as an fsspec URL reads the same runs and gives the same reports as a local path.

The S3 test runs moto's S3 server on 127.0.0.1, started by the test: no traffic leaves the machine.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import logscope
from logscope.cli import cli
from logscope.errors import ConfigError, NoRunsFound
from logscope.fs import as_path, is_remote, local_file
from logscope.renderers import FILENAMES, RENDERERS
from scale_sweep import copy_tree, write_sweep

fsspec = pytest.importorskip("fsspec")
pytest.importorskip("upath")


def _rendered(report: logscope.Report) -> dict[str, str]:
    return {name: render(report) for name, render in RENDERERS.items()}


@pytest.fixture()
def memfs():  # type: ignore[no-untyped-def]
    fs = fsspec.filesystem("memory")
    yield fs
    for top in ("/logs", "/one"):
        if fs.exists(top):
            fs.rm(top, recursive=True)


def _mixed_tree(tmp_path: Path, sample_logs: Path) -> Path:
    """The sample logs (TensorBoard, CSV, HF, Lightning) plus a damaged event file and an empty CSV."""
    root = tmp_path / "logs"
    shutil.copytree(sample_logs, root)
    (root / "broken").mkdir()
    (root / "broken" / "events.out.tfevents.1.host").write_bytes(b"\x00" * 5 + b"not a record")
    (root / "empty").mkdir()
    (root / "empty" / "metrics.csv").write_text("")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "training.log").write_text("epoch,loss\n0,1\n")
    return root


def test_memory_url_reads_like_the_local_tree(tmp_path: Path, sample_logs: Path, memfs) -> None:  # type: ignore[no-untyped-def]
    local = _mixed_tree(tmp_path, sample_logs)
    copy_tree(local, memfs, "/logs")
    remote = logscope.analyze("memory://logs")
    assert _rendered(remote) == _rendered(logscope.analyze(local))
    assert {w.file for w in remote.warnings} >= {"broken/events.out.tfevents.1.host"}


def test_memory_url_to_one_file(tmp_path: Path, sample_logs: Path, memfs) -> None:  # type: ignore[no-untyped-def]
    log = next(sample_logs.rglob("training.log"))
    memfs.pipe(f"/one/{log.parent.name}/training.log", log.read_bytes())  # a run is named after its folder
    assert _rendered(logscope.analyze(f"memory://one/{log.parent.name}/training.log")) == _rendered(
        logscope.analyze(log))


def test_corpus_through_memory_url(corpus: Path, memfs) -> None:  # type: ignore[no-untyped-def]
    part = [corpus / "mlflow", corpus / "tensorboard"]
    for folder in part:
        copy_tree(folder, memfs, f"/logs/{folder.name}")
    remote = logscope.analyze([f"memory://logs/{folder.name}" for folder in part])
    assert _rendered(remote) == _rendered(logscope.analyze(part))


def test_file_url_is_a_local_path(tmp_path: Path, sample_logs: Path) -> None:
    url = sample_logs.resolve().as_uri()
    path = as_path(url)
    assert isinstance(path, Path) and not is_remote(path)
    with local_file(path) as same:
        assert same == path
    result = CliRunner().invoke(cli, ["analyze", url, "-o", str(tmp_path / "r"), "-q", "-j", "1"])
    assert result.exit_code == 0, result.output


def test_remote_file_is_fetched_to_a_temporary_copy(memfs) -> None:  # type: ignore[no-untyped-def]
    memfs.pipe("/one/events.out.tfevents.1.h", b"abc" * 1000)
    with local_file(as_path("memory://one/events.out.tfevents.1.h")) as copy:
        assert copy.read_bytes() == b"abc" * 1000
    assert not copy.exists()


def test_bad_urls_are_usage_errors(tmp_path: Path, memfs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoRunsFound, match="no such file"):
        logscope.analyze("memory://logs/nothing-here")
    with pytest.raises(ConfigError):
        as_path("nosuchprotocol://bucket/x")
    result = CliRunner().invoke(cli, ["analyze", "nosuchprotocol://bucket/x", "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "nosuchprotocol://bucket/x" in result.output and "Traceback" not in result.output


@pytest.fixture()
def s3_endpoint(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """moto's S3 server on 127.0.0.1 (a free port), with s3fs pointed at it."""
    server_module = pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": url})
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    try:
        yield url
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        server.stop()


def test_s3_bucket_on_a_local_endpoint(tmp_path: Path, sample_logs: Path, s3_endpoint: str) -> None:
    import s3fs

    local = _mixed_tree(tmp_path, sample_logs)
    write_sweep(local / "sweep", runs=8, epochs=30)
    fs = s3fs.S3FileSystem(endpoint_url=s3_endpoint)
    fs.mkdir("logs")
    copy_tree(local, fs, "logs/run-logs")
    runner = CliRunner()
    for target, jobs in ((str(local), "1"), ("s3://logs/run-logs", "2")):
        result = runner.invoke(cli, ["analyze", target, "-o", str(tmp_path / f"out-{jobs}"), "-q", "-j", jobs])
        assert result.exit_code == 0, result.output
    for name in FILENAMES.values():
        assert (tmp_path / "out-1" / name).read_bytes() == (tmp_path / "out-2" / name).read_bytes(), name
