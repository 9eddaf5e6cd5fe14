"""Shared fixtures: the loopback vendor simulators and paths into the repository."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from spec_validation import spec_path as _spec_path
from usage_reports._simulators import VendorSimulators

TESTS = Path(__file__).resolve().parent
REPO_ROOT = TESTS.parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs a subprocess for seconds; part of the default suite")


@pytest.fixture
def simulators() -> Iterator[VendorSimulators]:
    """All four vendor servers on fresh loopback ports (starting them takes milliseconds)."""
    with VendorSimulators() as sims:
        yield sims


@pytest.fixture(scope="session")
def http_client() -> Iterator[httpx.Client]:
    """One plain HTTP client for the session (creating one costs ~40 ms of TLS setup)."""
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def spec_path() -> Callable[[str], Path]:
    """``spec_path("statsig")`` -> the vendored specs/statsig.yaml."""
    return _spec_path
