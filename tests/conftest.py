"""Shared fixtures: the loopback vendor simulators and paths into the repository."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cli_runner
import httpx
import pytest
from spec_validation import assert_matches_spec
from spec_validation import spec_path as _spec_path
from usage_reports.testing import STORAGE, VendorSimulators

TESTS = Path(__file__).resolve().parent
REPO_ROOT = TESTS.parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs a subprocess for seconds; part of the default suite")
    config.addinivalue_line(
        "markers", "raw_requests: the test sends off-spec requests on purpose; skip the spec check of every request"
    )


def assert_every_api_request_matches_its_spec(sims: VendorSimulators) -> None:
    """Each request to a vendor that carries one of its credentials must be one its vendored spec allows.

    A request carrying none is a credential-free follow-up (a relative redirect), not an API call.
    """
    for recorded in sims.requests:
        if recorded.server == STORAGE:
            continue
        vendor = sims.vendor(recorded.server)
        cookies = recorded.cookies()
        if not any(recorded.header(name) for name in vendor.credential_headers) and not any(
            name in cookies for name in vendor.credential_cookies
        ):
            continue
        assert_matches_spec(recorded, vendor.spec)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which client a facade test drives: each test taking it runs through UsageReports and AsyncUsageReports."""
    value: str = request.param
    return value


@pytest.fixture
def simulators(request: pytest.FixtureRequest) -> Iterator[VendorSimulators]:
    """All four vendor servers on fresh loopback ports (starting them takes milliseconds).

    Afterwards, every API request the test caused is validated against its
    vendored spec (unless the test is marked ``raw_requests``).
    """
    with VendorSimulators() as sims:
        yield sims
        if request.node.get_closest_marker("raw_requests") is None:
            assert_every_api_request_matches_its_spec(sims)


@pytest.fixture
def vendor_env(simulators: VendorSimulators) -> dict[str, str]:
    """Everything a real user sets, pointed at the simulators."""
    return cli_runner.vendor_environment(simulators)


@pytest.fixture
def run(tmp_path: Path, vendor_env: dict[str, str]) -> cli_runner.Run:
    """`usage-reports ARGS...` in tmp_path, with the simulators' environment (plus `env=` changes)."""
    return cli_runner.runner(tmp_path, vendor_env)


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
