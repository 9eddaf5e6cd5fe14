"""The spec validation helper accepts what the vendors' specs allow and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
import spec_validation
import yaml
from spec_validation import assert_matches_spec, loopback_spec_dict, spec_path
from usage_reports.testing import RecordedRequest

EI_DOWNLOAD = "/v1/api/organizations/1/whitelabel/organizations/2/usage/reports/3/download"
STATSIG_REPORT = "/console/v1/project/usage_billing/report"


def recorded(target: str, *headers: tuple[str, str], server: str = "test") -> RecordedRequest:
    path, _, query = target.partition("?")
    return RecordedRequest(
        server=server,
        method="GET",
        target=target,
        path=path,
        query=query,
        headers=(("Host", "127.0.0.1:8080"), *headers),
        host="127.0.0.1:8080",
    )


@pytest.mark.parametrize(
    "credential",
    [("x-api-key", "k"), ("X-JWT-Token", "t"), ("Cookie", "other=1; jwt=t")],
    ids=["api-key-header", "jwt-header", "jwt-cookie"],
)
def test_edge_impulse_download_with_any_documented_credential_matches(credential: tuple[str, str]) -> None:
    assert_matches_spec(recorded(EI_DOWNLOAD, credential), "edgeimpulse")


def test_edge_impulse_download_without_credential_is_rejected() -> None:
    with pytest.raises(AssertionError, match=r"[Ss]ecurity"):
        assert_matches_spec(recorded(EI_DOWNLOAD), "edgeimpulse")


def test_an_oauth2_alternative_does_not_let_a_request_without_credential_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openapi-core lets OAuth2 pass unchecked; the seed lists it, so the helper must drop it, not trust it."""
    spec = yaml.safe_load(spec_path("edgeimpulse").read_text(encoding="utf-8"))
    spec["security"].append({"OAuth2": []})
    spec["components"]["securitySchemes"]["OAuth2"] = {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "/v1/oauth/token", "scopes": {}}},
    }
    (tmp_path / "edgeimpulse.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    monkeypatch.setattr(spec_validation, "SPECS", tmp_path)
    spec_validation.loopback_spec.cache_clear()
    try:
        assert_matches_spec(recorded(EI_DOWNLOAD, ("x-api-key", "k")), "edgeimpulse")
        with pytest.raises(AssertionError, match=r"[Ss]ecurity"):
            assert_matches_spec(recorded(EI_DOWNLOAD), "edgeimpulse")
    finally:
        spec_validation.loopback_spec.cache_clear()


def test_edge_impulse_path_without_the_v1_base_path_is_rejected() -> None:
    with pytest.raises(AssertionError, match="ServerNotFound"):
        assert_matches_spec(recorded(EI_DOWNLOAD.removeprefix("/v1"), ("x-api-key", "k")), "edgeimpulse")


def test_edge_impulse_non_integer_id_is_rejected() -> None:
    with pytest.raises(AssertionError, match="organizationId"):
        assert_matches_spec(recorded(EI_DOWNLOAD.replace("/1/", "/one/"), ("x-api-key", "k")), "edgeimpulse")


def test_altostrat_export_with_bearer_token_matches() -> None:
    target = "/workspaces/ws_a1b2/organizations/usage.pdf"
    assert_matches_spec(recorded(target, ("Authorization", "Bearer t")), "altostrat")


@pytest.mark.parametrize("authorization", [None, "Basic dTpw", "t"], ids=["missing", "basic", "no-scheme"])
def test_altostrat_export_without_bearer_token_is_rejected(authorization: str | None) -> None:
    headers = () if authorization is None else (("Authorization", authorization),)
    with pytest.raises(AssertionError, match=r"SecurityValidationError: .*bearerAuth"):
        assert_matches_spec(recorded("/workspaces/ws_a1b2/organizations/usage.pdf", *headers), "altostrat")


def test_statsig_report_with_console_key_and_valid_range_matches() -> None:
    assert_matches_spec(recorded(f"{STATSIG_REPORT}?start=0&end=86400000", ("STATSIG-API-KEY", "k")), "statsig")


@pytest.mark.parametrize(
    "query",
    ["end=0", "end=-5", "end=abc", "start=1", "start=-1&end=5"],
    ids=["end-zero", "end-negative", "end-not-int", "end-missing", "start-negative"],
)
def test_statsig_report_with_invalid_range_is_rejected(query: str) -> None:
    with pytest.raises(AssertionError, match=r"end|start"):
        assert_matches_spec(recorded(f"{STATSIG_REPORT}?{query}", ("STATSIG-API-KEY", "k")), "statsig")


def test_statsig_report_without_console_key_is_rejected() -> None:
    with pytest.raises(AssertionError, match=r"[Ss]ecurity"):
        assert_matches_spec(recorded(f"{STATSIG_REPORT}?end=5"), "statsig")


def test_unknown_operation_is_rejected() -> None:
    with pytest.raises(AssertionError, match="PathNotFound"):
        assert_matches_spec(
            recorded("/console/v1/project/usage_billing/other?end=5", ("STATSIG-API-KEY", "k")), "statsig"
        )


def test_loopback_copy_keeps_operations_and_only_swaps_servers_and_uncheckable_security() -> None:
    spec = loopback_spec_dict("edgeimpulse")
    assert spec["servers"] == [{"url": "/v1"}]
    assert {name for requirement in spec["security"] for name in requirement} == {
        "ApiKeyAuthentication",
        "JWTAuthentication",
        "JWTHttpHeaderAuthentication",
    }
    vendored = yaml.safe_load(spec_path("edgeimpulse").read_text(encoding="utf-8"))
    assert spec["paths"] == vendored["paths"]  # every operation, untouched
    assert loopback_spec_dict("statsig")["servers"] == [{"url": "/"}]
