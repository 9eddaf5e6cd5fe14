"""The generated clients send spec-conforming requests and hand back report bytes unchanged.

Every request goes over real loopback HTTP to the vendor simulators; what the
simulators recorded is validated against the vendored spec.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import pkgutil
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

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
    whitelabel_admin_create_organization_usage_report as ei_create_report,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_delete_organization_usage_report as ei_delete_report,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_download_organization_usage_report as ei_download,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_get_organization_usage_report as ei_get_report,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_get_organization_usage_reports as ei_list_reports,
)
from usage_reports_clients.edgeimpulse.api.organizations import whitelabel_admin_get_organizations as ei_organizations
from usage_reports_clients.edgeimpulse.models import (
    AdminGetOrganizationsResponse,
    AdminGetReportResponse,
    AdminGetReportsResponse,
    GenericApiResponse,
    Report,
    StartJobResponse,
)
from usage_reports_clients.statsig.api.usage import get_console_v1_project_usage_billing_report as statsig_report
from usage_reports_clients.statsig.models import GetConsoleV1ProjectUsageBillingReportResponse401
from usage_reports_clients.statsig.types import File as StatsigFile

DAY_MS = 86_400_000
LIFECYCLE_MODULES = (
    "whitelabel_admin_get_organizations",
    "whitelabel_admin_get_organization_usage_reports",
    "whitelabel_admin_create_organization_usage_report",
    "whitelabel_admin_get_organization_usage_report",
    "whitelabel_admin_delete_organization_usage_report",
)
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


# --- Edge Impulse: the white-label usage-report lifecycle --------------------------

REPORT_JSON = {
    "id": 7,
    "created": "2026-11-02T03:04:05Z",
    "jobId": 4242,
    "jobFinished": True,
    "jobFinishedSuccessful": False,
    "reportStartDate": "2026-10-01T00:00:00+00:00",
    "reportEndDate": "2026-11-01T00:00:00+00:00",
}


def _json_reply(body: object) -> Reply:
    return Reply(headers=(("Content-Type", "application/json"),), body=json.dumps(body).encode())


def _send(simulators: VendorSimulators, kwargs: dict[str, Any]) -> httpx.Response:
    """What a caller with its own httpx client does: the generated request arguments, its own credential."""
    with httpx.Client(
        base_url=simulators.edge_impulse_url, headers={"x-api-key": SANDBOX_EDGE_IMPULSE_API_KEY}
    ) as http:
        return http.request(**kwargs)


def _unused_client() -> edgeimpulse_client.Client:
    return edgeimpulse_client.Client(base_url="unused")


def test_edge_impulse_list_organizations_pages_with_limit_offset_and_parses_total(
    simulators: VendorSimulators,
) -> None:
    organization = {"id": 2, "name": "Tenant", "created": "2026-01-02T00:00:00Z", "privateProjectCount": 0}
    simulators.queue("edge_impulse", _json_reply({"success": True, "organizations": [organization], "total": 3}))

    kwargs = ei_organizations.request_kwargs(1, limit=1, offset=2)
    response = _send(simulators, kwargs)
    parsed = ei_organizations.parse_response(client=_unused_client(), response=response).parsed

    assert isinstance(parsed, AdminGetOrganizationsResponse)
    assert (parsed.total, [o.id for o in parsed.organizations]) == (3, [2])
    (sent,) = simulators.requests_to("edge_impulse")
    assert (sent.method, sent.path, sent.query) == (
        "GET",
        "/v1/api/organizations/1/whitelabel/organizations",
        "limit=1&offset=2",
    )
    assert_matches_spec(sent, "edgeimpulse")


def test_edge_impulse_list_reports_parses_reports_and_total_count(simulators: VendorSimulators) -> None:
    simulators.queue("edge_impulse", _json_reply({"success": True, "reports": [REPORT_JSON], "totalCount": 1}))

    response = _send(simulators, ei_list_reports.request_kwargs(1, 2, limit=50, offset=0))
    parsed = ei_list_reports.parse_response(client=_unused_client(), response=response).parsed

    assert isinstance(parsed, AdminGetReportsResponse)
    assert parsed.total_count == 1
    [report] = parsed.reports
    assert isinstance(report, Report)
    assert (report.job_id, report.job_finished, report.job_finished_successful) == (4242, True, False)
    assert report.report_start_date == datetime(2026, 10, 1, tzinfo=UTC)
    assert report.report_end_date == datetime(2026, 11, 1, tzinfo=UTC)
    assert_matches_spec(simulators.requests_to("edge_impulse")[0], "edgeimpulse")


def test_edge_impulse_create_report_sends_the_period_as_query_and_answers_a_job_id(
    simulators: VendorSimulators,
) -> None:
    simulators.queue("edge_impulse", _json_reply({"success": True, "id": 4242}))
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)

    kwargs = ei_create_report.request_kwargs(1, 2, start_date=start, end_date=end)
    response = _send(simulators, kwargs)
    parsed = ei_create_report.parse_response(client=_unused_client(), response=response).parsed

    assert isinstance(parsed, StartJobResponse)
    assert parsed.id == 4242  # the JOB id, not a report id
    (sent,) = simulators.requests_to("edge_impulse")
    assert sent.method == "POST"
    assert sent.path == "/v1/api/organizations/1/whitelabel/organizations/2/usage/reports"
    assert sent.query == "startDate=2026-10-01T00%3A00%3A00%2B00%3A00&endDate=2026-11-01T00%3A00%3A00%2B00%3A00"
    assert_matches_spec(sent, "edgeimpulse")


def test_edge_impulse_get_and_delete_report_parse_their_answers(simulators: VendorSimulators) -> None:
    simulators.queue(
        "edge_impulse", _json_reply({"success": True, "report": REPORT_JSON}), _json_reply({"success": True})
    )

    got = ei_get_report.parse_response(
        client=_unused_client(), response=_send(simulators, ei_get_report.request_kwargs(1, 2, 7))
    ).parsed
    deleted = ei_delete_report.parse_response(
        client=_unused_client(), response=_send(simulators, ei_delete_report.request_kwargs(1, 2, 7))
    ).parsed

    assert isinstance(got, AdminGetReportResponse)
    assert got.report.id == 7
    assert isinstance(deleted, GenericApiResponse)
    assert deleted.success is True
    assert [(r.method, r.path) for r in simulators.requests_to("edge_impulse")] == [
        ("GET", "/v1/api/organizations/1/whitelabel/organizations/2/usage/reports/7"),
        ("DELETE", "/v1/api/organizations/1/whitelabel/organizations/2/usage/reports/7"),
    ]
    for sent in simulators.requests_to("edge_impulse"):
        assert_matches_spec(sent, "edgeimpulse")


def test_every_generated_endpoint_module_has_public_request_kwargs_and_parse_response() -> None:
    """The facade builds requests and parses answers through these two, never through private names."""
    modules = [
        importlib.import_module(info.name)
        for package in (edgeimpulse_client, altostrat_client, statsig_client)
        for info in pkgutil.walk_packages(
            importlib.import_module(f"{package.__name__}.api").__path__, f"{package.__name__}.api."
        )
        if not info.ispkg
    ]
    names = {module.__name__.rsplit(".", 1)[-1] for module in modules}
    assert set(LIFECYCLE_MODULES) <= names
    assert "whitelabel_admin_download_organization_usage_report" in names
    for module in modules:
        assert callable(getattr(module, "request_kwargs", None)), module.__name__
        assert callable(getattr(module, "parse_response", None)), module.__name__


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
