"""Shared fixtures: paths to the bundled sample logs and the shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = ROOT / "sample_logs"
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def sample_logs() -> Path:
    """The committed sample logs made by sample_logs/generate.py."""
    return SAMPLE_LOGS


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus of real runs (beside the project); skip if it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-gold`` rewrites tests/gold/ from the current output (see tests/gold/README.md)."""
    parser.addoption("--update-gold", action="store_true", default=False,
                     help="rewrite the gold report files in tests/gold/ instead of comparing against them")


@pytest.fixture(scope="session")
def update_gold(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the gold files instead of checking them."""
    return bool(request.config.getoption("--update-gold"))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session):
    """Let pytest's clean-up of old temporary folders delete 1,000-deep trees.

    shutil.rmtree recurses once per level, so a deep tree left in /tmp/pytest-of-<user> by an
    earlier, interrupted session (tests/test_adversarial_fs.py builds 1,000 levels) fails every
    later session at exit with RecursionError. The limit is raised only while pytest cleans up.
    """
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)
