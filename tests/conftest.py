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
