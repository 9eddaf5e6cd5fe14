"""Shared fixtures: the loopback vendor simulators and paths into the repository."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from spec_validation import assert_matches_spec
from spec_validation import spec_path as _spec_path
from usage_reports._simulators import VendorSimulators

TESTS = Path(__file__).resolve().parent
REPO_ROOT = TESTS.parent


#: Which vendored spec each simulated API server answers for (storage is no vendor API).
SPEC_OF_SERVER = {"edge_impulse": "edgeimpulse", "altostrat": "altostrat", "statsig": "statsig"}
#: A request carrying none of these is a credential-free follow-up (a relative redirect), not an API call.
API_CREDENTIALS = ("x-api-key", "x-jwt-token", "authorization", "statsig-api-key")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs a subprocess for seconds; part of the default suite")
    config.addinivalue_line(
        "markers", "raw_requests: the test sends off-spec requests on purpose; skip the spec check of every request"
    )


def assert_every_api_request_matches_its_spec(sims: VendorSimulators) -> None:
    for recorded in sims.requests:
        spec = SPEC_OF_SERVER.get(recorded.server)
        if spec is None:
            continue
        if not any(recorded.header(name) for name in API_CREDENTIALS) and "jwt" not in recorded.cookies():
            continue
        assert_matches_spec(recorded, spec)


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
