"""Which OpenAPI document describes Edge Impulse's white-label usage-report lifecycle.

specs/edgeimpulse.yaml, once ``nox -s update_specs`` has vendored the lifecycle
operations into it; until then the reduced upstream copy of the vendor's
document in ../shared/upstream (same operations, same schemas). When the
vendored spec carries them, this module is no longer needed: use "edgeimpulse".
"""

from __future__ import annotations

from pathlib import Path

from openapi_spec_validator.readers import read_from_filename
from spec_validation import spec_path

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "upstream" / "edgeimpulse-usage-lifecycle.yaml"
CREATE_PATH = "/api/organizations/{organizationId}/whitelabel/organizations/{innerOrganizationId}/usage/reports"


def edge_impulse_document() -> str | Path:
    """ "edgeimpulse" when the vendored spec has the create operation, else the upstream reduced document."""
    vendored, _ = read_from_filename(str(spec_path("edgeimpulse")))
    if "post" in vendored["paths"].get(CREATE_PATH, {}):
        return "edgeimpulse"
    if not UPSTREAM.is_file():
        raise FileNotFoundError(f"neither specs/edgeimpulse.yaml nor {UPSTREAM} holds the lifecycle operations")
    return UPSTREAM
