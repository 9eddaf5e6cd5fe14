"""Schemathesis drives every operation of each vendored spec against the live simulators, in-process.

Positive and negative data, undeclared methods (TRACE, OPTIONS, QUERY...),
missing credentials: the simulators must never answer 5xx or drop the
connection, must refuse what the spec forbids with a 4xx, must accept what it
allows, must refuse an undeclared method with 405 and Allow, and every
documented answer must match its media type and schema. Deterministic
(a fixed seed, no example database), offline (loopback only).

Two departures from schemathesis' defaults, each because of the vendor's
document, not of the simulators:

- Edge Impulse documents only its success answers (200, 302), so the check
  that every status code is documented is off for it; a 401/403/404 there is
  what the real API sends.
- Statsig documents 400 "Data is not available" for well-formed requests it
  cannot answer (a range in the future, past year 9999, start not before end),
  so a 400 counts as accepting valid data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from spec_validation import loopback_spec_dict
from usage_reports.testing import (
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_EDGE_IMPULSE_JWT,
    SANDBOX_STATSIG_CONSOLE_KEY,
    VendorSimulators,
)

AnyCase = schemathesis.Case[Any]  # generic over the operation type, which these tests never look into

#: Enough to reach every branch of these small operations in well under the test's budget.
MAX_EXAMPLES = 20


def _schema(source: str | Path, project: dict[str, Any]) -> schemathesis.BaseSchema:
    """The spec with its server reduced to the base path (see spec_validation), and a fixed configuration."""
    config = {
        "seed": 20261101,
        "cache": {"enabled": False},
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none", "deterministic": True},
        "phases": {"stateful": {"enabled": False}},
        **project,
    }
    return schemathesis.openapi.from_dict(loopback_spec_dict(source), config=schemathesis.Config.from_dict(config))


EDGE_IMPULSE = _schema(
    "edgeimpulse",
    {
        "auth": {
            "openapi": {
                "ApiKeyAuthentication": {"api_key": SANDBOX_EDGE_IMPULSE_API_KEY},
                "JWTAuthentication": {"api_key": SANDBOX_EDGE_IMPULSE_JWT},
                "JWTHttpHeaderAuthentication": {"api_key": SANDBOX_EDGE_IMPULSE_JWT},
            }
        },
        "checks": {"status_code_conformance": {"enabled": False}},
    },
)
ALTOSTRAT = _schema("altostrat", {"auth": {"openapi": {"bearerAuth": {"bearer": SANDBOX_ALTOSTRAT_TOKEN}}}})
STATSIG = _schema(
    "statsig",
    {
        "auth": {"openapi": {"STATSIG-API-KEY": {"api_key": SANDBOX_STATSIG_CONSOLE_KEY}}},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "429"]}
        },
    },
)


@pytest.fixture(scope="module")
def sims() -> Iterator[VendorSimulators]:
    with VendorSimulators() as started:
        yield started


@EDGE_IMPULSE.parametrize()
def test_edge_impulse_simulator_conforms_to_its_spec(case: AnyCase, sims: VendorSimulators) -> None:
    case.call_and_validate(base_url=sims.edge_impulse_url)


@ALTOSTRAT.parametrize()
def test_altostrat_simulator_conforms_to_its_spec(case: AnyCase, sims: VendorSimulators) -> None:
    case.call_and_validate(base_url=sims.altostrat_url)


@STATSIG.parametrize()
def test_statsig_simulator_conforms_to_its_spec(case: AnyCase, sims: VendorSimulators) -> None:
    case.call_and_validate(base_url=sims.statsig_url)
