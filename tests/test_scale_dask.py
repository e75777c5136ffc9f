"""Issue 7: the per-run work on a Dask cluster gives the same reports, byte for byte, as one process."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscope.cli import cli
from logscope.pipeline import WHOLE_UP_TO
from logscope.renderers import FILENAMES
from scale_sweep import write_sweep

distributed = pytest.importorskip("dask.distributed")

pytestmark = [
    # Dask's own shutdown chatter (closed comms, a worker still stopping) is not ours.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning:distributed.*"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILENAMES.values()}


def test_dask_cluster_reports_equal_the_local_ones(tmp_path: Path) -> None:
    sweep = write_sweep(tmp_path / "sweep", runs=WHOLE_UP_TO + 6, epochs=60)
    runner = CliRunner()
    local = runner.invoke(cli, ["analyze", str(sweep), "-o", str(tmp_path / "local"), "-q", "-j", "1"])
    assert local.exit_code == 0, local.output
    expected = _files(tmp_path / "local")

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    try:
        remote = runner.invoke(cli, ["analyze", str(sweep), "-o", str(tmp_path / "scheduler"), "-q",
                                     "--scheduler", cluster.scheduler_address])
        assert remote.exit_code == 0, remote.output
        assert _files(tmp_path / "scheduler") == expected
    finally:
        cluster.close()

    own = runner.invoke(cli, ["analyze", str(sweep), "-o", str(tmp_path / "own"), "-q", "--executor", "dask",
                              "-j", "2"])
    assert own.exit_code == 0, own.output
    assert _files(tmp_path / "own") == expected


def test_unreachable_scheduler_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("logscope.execute.CONNECT_TIMEOUT", "1s")
    sweep = write_sweep(tmp_path / "sweep", runs=2, epochs=20)
    result = CliRunner().invoke(cli, ["analyze", str(sweep), "-o", str(tmp_path / "r"),
                                      "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
