"""The generated clients send spec-conforming requests and hand back report bytes unchanged.

Every request goes over real loopback HTTP to the vendor simulators; what the
simulators recorded is validated against the vendored spec.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from spec_validation import assert_matches_spec
from usage_reports.testing import (
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_EDGE_IMPULSE_JWT,
    SANDBOX_STATSIG_CONSOLE_KEY,
    Reply,
    VendorSimulators,
)
from usage_reports_clients import altostrat as altostrat_client
from usage_reports_clients import edgeimpulse as edgeimpulse_client
from usage_reports_clients import statsig as statsig_client
from usage_reports_clients.altostrat.api.organizations import (
    get_workspaces_workspace_id_organizations_usage_pdf as altostrat_usage_pdf,
)
from usage_reports_clients.altostrat.types import File as AltostratFile
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_download_organization_usage_report as ei_download,
)
from usage_reports_clients.statsig.api.usage import get_console_v1_project_usage_billing_report as statsig_report
from usage_reports_clients.statsig.models import GetConsoleV1ProjectUsageBillingReportResponse401
from usage_reports_clients.statsig.types import File as StatsigFile

DAY_MS = 86_400_000
NON_UTF8_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\xff\x80 binary\n%%EOF\n"
NON_UTF8_CSV = (
    b"\xff\xfeDate,Event Type,Name,Sources,Daily Billable Events,Project\n"
    b'2026-11-01,log_event,caf\xe9_latin1,"server,client",12,Proj\xe9t\n'
)


def _assert_not_utf8(data: bytes) -> None:
    with pytest.raises(UnicodeDecodeError, match="can't decode byte"):
        data.decode("utf-8")


# --- Edge Impulse ---------------------------------------------------------------


def test_edge_impulse_api_key_request_matches_spec_and_returns_302_with_readable_location(
    simulators: VendorSimulators,
) -> None:
    client = edgeimpulse_client.AuthenticatedClient(
        base_url=simulators.edge_impulse_url,
        token=SANDBOX_EDGE_IMPULSE_API_KEY,
        prefix="",
        auth_header_name="x-api-key",
    )
    with client:
        response = ei_download.sync_detailed(11, 22, 33, client=client)

    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{simulators.storage_url}/reports/11-22-33.csv?")
    assert "X-Amz-Signature=" in location
    (sent,) = simulators.requests_to("edge_impulse")
    assert sent.header("x-api-key") == SANDBOX_EDGE_IMPULSE_API_KEY
    assert_matches_spec(sent, "edgeimpulse")
    assert simulators.requests_to("storage") == [], "redirects must stay off in the generated client"


def test_edge_impulse_request_kwargs_with_jwt_cookie_match_spec_and_location_serves_the_csv(
    simulators: VendorSimulators,
) -> None:
    kwargs = ei_download.request_kwargs(organization_id=1, inner_organization_id=2, report_id=3)
    with httpx.Client(base_url=simulators.edge_impulse_url, cookies={"jwt": SANDBOX_EDGE_IMPULSE_JWT}) as http:
        response = http.request(**kwargs)
    assert response.status_code == 302
    assert_matches_spec(simulators.requests_to("edge_impulse")[0], "edgeimpulse")

    parsed = ei_download.parse_response(client=edgeimpulse_client.Client(base_url="unused"), response=response)
    with httpx.Client() as storage:  # a fresh client: no Edge Impulse credential on the way to storage
        csv_response = storage.get(parsed.headers["location"])
    assert csv_response.status_code == 200
    assert csv_response.content == simulators.report_bytes(3)
    assert csv_response.content.startswith(b"date,organization_id,metric,value\n")


def test_edge_impulse_request_without_credential_gets_401_json(simulators: VendorSimulators) -> None:
    with edgeimpulse_client.Client(base_url=simulators.edge_impulse_url) as client:
        response = ei_download.sync_detailed(1, 2, 3, client=client)
    assert response.status_code == 401
    assert json.loads(response.content)["success"] is False
    with pytest.raises(AssertionError, match=r"SecurityValidationError"):
        assert_matches_spec(simulators.requests_to("edge_impulse")[0], "edgeimpulse")


# --- Altostrat --------------------------------------------------------------------


def _altostrat_client(simulators: VendorSimulators) -> altostrat_client.AuthenticatedClient:
    return altostrat_client.AuthenticatedClient(base_url=simulators.altostrat_url, token=SANDBOX_ALTOSTRAT_TOKEN)


def test_altostrat_bearer_request_matches_spec_and_pdf_arrives_byte_exact(simulators: VendorSimulators) -> None:
    with _altostrat_client(simulators) as client:
        response = altostrat_usage_pdf.sync_detailed("ws_a1b2c3d4e5f6g7h8", client=client)

    expected = simulators.altostrat.report_bytes("ws_a1b2c3d4e5f6g7h8")
    assert response.status_code == 200
    assert isinstance(response.parsed, AltostratFile)
    assert response.parsed.payload.read() == expected
    assert response.content == expected
    _assert_not_utf8(expected)
    (sent,) = simulators.requests_to("altostrat")
    assert sent.header("Authorization") == f"Bearer {SANDBOX_ALTOSTRAT_TOKEN}"
    assert_matches_spec(sent, "altostrat")


def test_altostrat_scripted_non_utf8_pdf_arrives_byte_exact(simulators: VendorSimulators) -> None:
    _assert_not_utf8(NON_UTF8_PDF)
    simulators.queue("altostrat", Reply(headers=(("Content-Type", "application/pdf"),), body=NON_UTF8_PDF))
    with _altostrat_client(simulators) as client:
        response = altostrat_usage_pdf.sync_detailed("ws_x", client=client)
    assert isinstance(response.parsed, AltostratFile)
    assert response.parsed.payload.read() == NON_UTF8_PDF


@pytest.mark.raw_requests
def test_altostrat_dot_segment_workspace_id_escapes_the_operation_path(simulators: VendorSimulators) -> None:
    """Pinned generator behaviour (NOTES): "..", passed through, lets httpx drop the workspaces segment."""
    with _altostrat_client(simulators) as client:
        response = altostrat_usage_pdf.sync_detailed("..", client=client)
    assert response.status_code == 404
    (sent,) = simulators.requests_to("altostrat")
    assert sent.path == "/organizations/usage.pdf"
    with pytest.raises(AssertionError, match="PathNotFound"):
        assert_matches_spec(sent, "altostrat")


# --- Statsig -----------------------------------------------------------------------


def _statsig_client(
    simulators: VendorSimulators, key: str = SANDBOX_STATSIG_CONSOLE_KEY
) -> statsig_client.AuthenticatedClient:
    return statsig_client.AuthenticatedClient(
        base_url=simulators.statsig_url, token=key, prefix="", auth_header_name="STATSIG-API-KEY"
    )


def test_statsig_console_key_request_matches_spec_and_csv_arrives_byte_exact(simulators: VendorSimulators) -> None:
    start, end = 20_000 * DAY_MS, 20_003 * DAY_MS
    with _statsig_client(simulators) as client:
        response = statsig_report.sync_detailed(client=client, start=start, end=end)

    assert response.status_code == 200
    assert isinstance(response.parsed, StatsigFile)
    assert response.parsed.payload.read() == simulators.statsig.report_bytes(start, end)
    (sent,) = simulators.requests_to("statsig")
    assert sent.header("STATSIG-API-KEY") == SANDBOX_STATSIG_CONSOLE_KEY
    assert_matches_spec(sent, "statsig")


def test_statsig_request_kwargs_carry_query_and_optional_header_that_match_spec(simulators: VendorSimulators) -> None:
    kwargs = statsig_report.request_kwargs(start=0, end=DAY_MS, x_respect_review_settings="true")
    with httpx.Client(
        base_url=simulators.statsig_url, headers={"STATSIG-API-KEY": SANDBOX_STATSIG_CONSOLE_KEY}
    ) as http:
        response = http.request(**kwargs)
    assert response.status_code == 200
    (sent,) = simulators.requests_to("statsig")
    assert sent.query == f"start=0&end={DAY_MS}"
    assert sent.header("x-respect-review-settings") == "true"
    assert_matches_spec(sent, "statsig")


def test_statsig_scripted_non_utf8_csv_arrives_byte_exact(simulators: VendorSimulators) -> None:
    _assert_not_utf8(NON_UTF8_CSV)
    simulators.queue("statsig", Reply(headers=(("Content-Type", "text/csv"),), body=NON_UTF8_CSV))
    with _statsig_client(simulators) as client:
        response = statsig_report.sync_detailed(client=client, end=DAY_MS)
    assert isinstance(response.parsed, StatsigFile)
    assert response.parsed.payload.read() == NON_UTF8_CSV
    assert response.content == NON_UTF8_CSV


@pytest.mark.raw_requests
def test_statsig_generated_client_sends_end_zero_unvalidated_and_spec_rejects_it(simulators: VendorSimulators) -> None:
    """Pinned generator behaviour (NOTES): constraints are not enforced client-side; the facade must."""
    with _statsig_client(simulators) as client:
        response = statsig_report.sync_detailed(client=client, end=0)
    assert response.status_code == 400
    (sent,) = simulators.requests_to("statsig")
    with pytest.raises(AssertionError, match="end"):
        assert_matches_spec(sent, "statsig")


def test_statsig_401_parses_and_echoes_the_sent_key(simulators: VendorSimulators) -> None:
    with _statsig_client(simulators, key="console-wrong") as client:
        response = statsig_report.sync_detailed(client=client, end=DAY_MS)
    assert response.status_code == 401
    assert isinstance(response.parsed, GetConsoleV1ProjectUsageBillingReportResponse401)
    assert response.parsed.message.endswith("Key: console-wrong")


# --- Stamps ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("package", "spec_name"),
    [(edgeimpulse_client, "edgeimpulse"), (altostrat_client, "altostrat"), (statsig_client, "statsig")],
    ids=["edgeimpulse", "altostrat", "statsig"],
)
def test_generated_package_stamp_matches_spec_sha256_and_provenance(
    package: ModuleType, spec_name: str, repo_root: Path
) -> None:
    stamp = __import__(f"{package.__name__}.codegen_stamp", fromlist=["SPEC_SHA256"])
    spec = repo_root / "specs" / f"{spec_name}.yaml"
    actual = hashlib.sha256(spec.read_bytes()).hexdigest()
    provenance = json.loads((repo_root / "specs" / "provenance.json").read_text(encoding="utf-8"))
    assert f"specs/{spec_name}.yaml" == stamp.SPEC
    assert actual == stamp.SPEC_SHA256
    assert provenance["specs"][spec_name]["sha256"] == actual
    assert provenance["specs"][spec_name]["package"] == package.__name__


def test_installed_distribution_adds_only_the_project_owned_top_level_packages() -> None:
    """The wheel must not install generic top-level names (``statsig_client``) that could collide with a user's."""
    files = importlib.metadata.files("usage-reports") or []
    python_files = [f for f in files if f.suffix == ".py"]
    if not python_files:
        pytest.skip("usage-reports is installed in editable mode here; nox's tests session installs the wheel")
    top_level = {f.parts[0] for f in python_files}
    assert top_level == {"usage_reports", "usage_reports_clients"}
    installed = {".".join(f.with_suffix("").parts[:2]) for f in python_files if f.parts[0] == "usage_reports_clients"}
    assert {
        "usage_reports_clients.edgeimpulse",
        "usage_reports_clients.altostrat",
        "usage_reports_clients.statsig",
    } <= installed
