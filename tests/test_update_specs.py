"""update_specs against a loopback "vendor": what is written, what is refused, what is reported.

Every test works on a copy of specs/, generated/, tools/ and pyproject.toml
in a temporary folder, so the repository's own files are never touched.
"""

from __future__ import annotations

import copy
import functools
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import spec_source, spec_update
from tools.spec_diff import SpecError, diff_documents, load_facade_usage, validate_document
from tools.spec_source import Source, read_source, serialise

REPO = Path(__file__).resolve().parent.parent
STATSIG_PATH = "/console/v1/project/usage_billing/report"
#: The vendor's whole published document (a public mirror), with its two stray control characters.
FIXTURES = Path(__file__).parent / "fixtures" / "upstream"
EDGE_IMPULSE_UPSTREAM = FIXTURES / "edge-impulse-openapi.yml.gz"
EDGE_IMPULSE_UPSTREAM_SHA256 = "a300e4286f6b6b57c586e5f0c9fb478ca43c3ada00d887cce04b5c4c41bb9035"
EI_W = "/api/organizations/{organizationId}/whitelabel/organizations"
EI_R = EI_W + "/{innerOrganizationId}/usage/reports"
EI_DOWNLOAD = EI_R + "/{reportId}/download"
LIFECYCLE = {
    "whitelabelAdminGetOrganizations": ("get", EI_W),
    "whitelabelAdminGetOrganizationUsageReports": ("get", EI_R),
    "whitelabelAdminCreateOrganizationUsageReport": ("post", EI_R),
    "whitelabelAdminGetOrganizationUsageReport": ("get", EI_R + "/{reportId}"),
    "whitelabelAdminDeleteOrganizationUsageReport": ("delete", EI_R + "/{reportId}"),
}


class Vendor:
    """A loopback HTTP server; tests set ``routes[path] = (status, content type, body, extra headers)``."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, content_type, body, headers = routes.get(self.path, (404, "text/plain", b"not found", {}))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def serve_json(self, path: str, document: Any, headers: dict[str, str] | None = None) -> str:
        self.routes[path] = (200, "application/json", json.dumps(document).encode(), headers or {})
        return self.url(path)

    def serve_bytes(self, path: str, body: bytes, content_type: str = "application/yaml") -> str:
        self.routes[path] = (200, content_type, body, {})
        return self.url(path)


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    server = Vendor()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(timeout=5)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A throwaway copy of the parts of the repository that update_specs and codegen use."""
    root = tmp_path / "repo"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", ".ruff_cache", "*.pyc")
    for folder in ("specs", "generated", "tools"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.fixture
def seed_repo(repo: Path) -> Path:
    """The repository copy as it was before the Edge Impulse lifecycle was vendored: the seed's download only."""
    seed = (FIXTURES / "edgeimpulse-seed.yaml").read_bytes()
    (repo / "specs" / "edgeimpulse.yaml").write_bytes(seed)
    path = repo / "specs" / "provenance.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = data["specs"]["edgeimpulse"]
    entry["operations"] = [op for op in entry["operations"] if op.get("pinned")]
    entry["sha256"] = hashlib.sha256(seed).hexdigest()
    entry.pop("fetched", None)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return repo


def statsig_upstream() -> dict[str, Any]:
    """What the vendor's whole-API document could look like: our operation among others."""
    document: dict[str, Any] = yaml.safe_load((REPO / "specs" / "statsig.yaml").read_text(encoding="utf-8"))
    document["paths"]["/console/v1/gates"] = {
        "get": {
            "tags": ["Gates"],
            "summary": "List gates",
            "responses": {
                "200": {
                    "description": "Gates",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gates"}}},
                }
            },
            "security": [{"STATSIG-API-KEY": []}],
        }
    }
    document.setdefault("components", {})["schemas"] = {"Gates": {"type": "array", "items": {"type": "string"}}}
    return document


def with_optional_limit(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["paths"][STATSIG_PATH]["get"]["parameters"].append(
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": "Rows at most",
            "schema": {"type": "integer"},
        }
    )
    return changed


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        name: (root / "specs" / name).read_bytes() for name in ("statsig.yaml", "edgeimpulse.yaml", "provenance.json")
    }


def edge_impulse_upstream() -> bytes:
    body = gzip.decompress(EDGE_IMPULSE_UPSTREAM.read_bytes())
    assert hashlib.sha256(body).hexdigest() == EDGE_IMPULSE_UPSTREAM_SHA256, "the fixture must stay the vendor's bytes"
    return body


def add_lifecycle(*extra: str) -> list[str]:
    return ["edgeimpulse", *(arg for op in LIFECYCLE for arg in ("--add-operation", op)), *extra]


def provenance(root: Path, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads((root / "specs" / "provenance.json").read_text(encoding="utf-8"))["specs"][name]
    return entry


def operation_text(spec_text: str, path: str) -> str:
    """The lines of one path item in a vendored spec, key line included."""
    lines = spec_text.splitlines(keepends=True)
    start = lines.index(f"  {path}:\n")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("   "))
    return "".join(lines[start:end])


def run_module(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "RUFF_NO_CACHE": "true", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=root, capture_output=True, text=True, env=full_env, timeout=300, check=False
    )


# --------------------------------------------------------------------------- end to end


def test_changed_upstream_is_vendored_reported_and_regenerates_cleanly(repo: Path, vendor: Vendor) -> None:
    url = vendor.serve_json("/statsig_openapi.json", with_optional_limit(statsig_upstream()), {"ETag": '"v2"'})

    update = run_module(repo, "tools.spec_update", "statsig", env={"USAGE_REPORTS_SPEC_UPSTREAM_STATSIG": url})

    assert update.returncode == 0, update.stdout + update.stderr
    assert "optional query parameter 'limit' added" in update.stdout
    assert "none breaking" in update.stdout
    assert "nox -s generate" in update.stdout
    vendored = yaml.safe_load((repo / "specs" / "statsig.yaml").read_text(encoding="utf-8"))
    assert list(vendored["paths"]) == [STATSIG_PATH]  # the other upstream operation is not vendored
    assert "schemas" not in vendored.get("components", {})  # nor what only it referenced
    assert [p["name"] for p in vendored["paths"][STATSIG_PATH]["get"]["parameters"]][-1] == "limit"
    entry = json.loads((repo / "specs" / "provenance.json").read_text(encoding="utf-8"))["specs"]["statsig"]
    assert entry["sha256"] == hashlib.sha256((repo / "specs" / "statsig.yaml").read_bytes()).hexdigest()
    assert entry["vendored"] == date.today().isoformat()
    assert entry["fetched"]["etag"] == '"v2"'
    assert entry["fetched"]["url"] == url  # the URL actually fetched, and how it was chosen
    assert entry["fetched"]["via"] == "$USAGE_REPORTS_SPEC_UPSTREAM_STATSIG"
    assert entry["upstream"]["url"] == "https://statsig-preview.mintlify.site/api-reference/statsig_openapi.json"
    assert "etag" not in entry["upstream"]
    assert entry["operations"][0]["source"]["url"] == url

    stale = run_module(repo, "tools.codegen", "check")
    assert stale.returncode == 1  # the stamp no longer matches: generate is required, and check says so

    generate = run_module(repo, "tools.codegen", "generate")
    assert generate.returncode == 0, generate.stdout + generate.stderr
    assert "limit" in "".join(
        p.read_text(encoding="utf-8")
        for p in (repo / "generated" / "usage_reports_clients" / "statsig" / "api").rglob("*.py")
    )

    check = run_module(repo, "tools.codegen", "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_unchanged_upstream_rewrites_nothing(repo: Path, vendor: Vendor) -> None:
    url = vendor.serve_json("/statsig.json", statsig_upstream())
    first = run_module(repo, "tools.spec_update", "statsig", "--upstream", f"statsig={url}")
    assert first.returncode == 0, first.stderr
    before = snapshot(repo)

    second = run_module(repo, "tools.spec_update", "statsig", "--upstream", f"statsig={url}", "--json")

    assert second.returncode == 0, second.stderr
    payload = json.loads(second.stdout)
    assert payload["specs"][0]["status"] == "unchanged"
    assert payload["specs"][0]["changes"] == []
    assert snapshot(repo) == before


# --------------------------------------------------------------------------- refusals


def _not_openapi(vendor: Vendor) -> str:
    broken = statsig_upstream()
    broken["paths"][STATSIG_PATH]["get"]["parameters"][1]["in"] = "body"  # not a location in OpenAPI 3
    return vendor.serve_json("/broken.json", broken)


def _not_a_document(vendor: Vendor) -> str:
    vendor.routes["/junk"] = (200, "text/html", b"<html>{ oops: [</html>", {})
    return vendor.url("/junk")


def _server_error(vendor: Vendor) -> str:
    vendor.routes["/error"] = (500, "text/plain", b"down", {})
    return vendor.url("/error")


@pytest.mark.parametrize(
    ("make_url", "reason"),
    [
        (_not_openapi, "not a valid OpenAPI document"),
        (_not_a_document, "neither JSON nor YAML"),
        (_server_error, "HTTP 500"),
    ],
)
def test_invalid_upstream_leaves_the_vendored_spec_untouched(
    repo: Path, vendor: Vendor, make_url: Any, reason: str
) -> None:
    before = snapshot(repo)
    url = make_url(vendor)

    result = run_module(repo, "tools.spec_update", "statsig", "--upstream", f"statsig={url}")

    assert result.returncode == 2
    assert "FAILED, specs/statsig.yaml left unchanged" in result.stderr
    assert reason in result.stderr
    assert snapshot(repo) == before
    assert not [p for p in (repo / "specs").iterdir() if p.name.endswith(".tmp")]


def test_recorded_operation_gone_upstream_is_breaking_and_not_written(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    document = statsig_upstream()
    del document["paths"][STATSIG_PATH]
    url = vendor.serve_json("/statsig.json", document)
    before = snapshot(repo)

    code = spec_update.main(["statsig", "--upstream", f"statsig={url}"], root=repo)

    out = capsys.readouterr().out
    assert code == 1
    assert f"GET {STATSIG_PATH}: operation removed" in out
    assert "NOT written" in out
    assert snapshot(repo) == before


def test_breaking_upstream_change_is_written_and_exits_1(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    document = statsig_upstream()
    document["components"]["securitySchemes"]["STATSIG-API-KEY"]["name"] = "STATSIG-CONSOLE-KEY"
    url = vendor.serve_json("/statsig.json", document)
    before = snapshot(repo)

    code = spec_update.main(["statsig", "--upstream", f"statsig={url}"], root=repo)

    out = capsys.readouterr().out
    assert code == 1
    assert "BREAKING" in out
    assert "'statsig-api-key' to api key in header 'statsig-console-key'" in out
    assert snapshot(repo) != before  # written, so generate and the type check can show the fallout


def test_dry_run_reports_but_writes_nothing(repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]) -> None:
    url = vendor.serve_json("/statsig.json", with_optional_limit(statsig_upstream()))
    before = snapshot(repo)

    code = spec_update.main(["statsig", "--dry-run", "--upstream", f"statsig={url}"], root=repo)

    out = capsys.readouterr().out
    assert code == 0
    assert "would update (dry run)" in out
    assert "optional query parameter 'limit' added" in out
    assert snapshot(repo) == before


def test_plain_http_to_a_remote_host_is_refused_before_any_request(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = spec_update.main(["statsig", "--upstream", "statsig=http://example.com/spec.json"], root=repo)
    assert code == 2
    assert "only https, or http on a loopback address" in capsys.readouterr().err


def test_redirect_to_plain_http_elsewhere_is_refused(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor.routes["/moved"] = (302, "text/plain", b"", {"Location": "http://example.com/spec.json"})
    before = snapshot(repo)

    code = spec_update.main(["statsig", "--upstream", f"statsig={vendor.url('/moved')}"], root=repo)

    assert code == 2
    assert "refusing to fetch 'http://example.com/spec.json'" in capsys.readouterr().err
    assert snapshot(repo) == before


def test_unknown_spec_name_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert spec_update.main(["stripe"], root=repo) == 2
    assert "unknown spec name(s) stripe" in capsys.readouterr().err


# --------------------------------------------------------------------------- pieces


def test_upstream_flag_beats_environment_which_beats_provenance(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = {"upstream": {"url": "https://vendor.example/spec.json"}}
    assert spec_update.upstream_url("statsig", entry, {}) == (
        "https://vendor.example/spec.json",
        "provenance.json upstream.url",
    )
    monkeypatch.setenv("USAGE_REPORTS_SPEC_UPSTREAM_STATSIG", "https://mirror.example/spec.json")
    assert spec_update.upstream_url("statsig", entry, {}) == (
        "https://mirror.example/spec.json",
        "$USAGE_REPORTS_SPEC_UPSTREAM_STATSIG",
    )
    assert spec_update.upstream_url("statsig", entry, {"statsig": "http://127.0.0.1:1/x"}) == (
        "http://127.0.0.1:1/x",
        "--upstream",
    )


@pytest.mark.parametrize(
    "url", ["https://example.com/a.json", "http://127.0.0.1:8000/a", "http://[::1]/a", "http://localhost/a"]
)
def test_https_and_loopback_urls_are_allowed(url: str) -> None:
    spec_update.check_url_allowed(url)


@pytest.mark.parametrize(
    "url", ["http://example.com/a", "file:///etc/passwd", "ftp://127.0.0.1/a", "http://10.0.0.1/a"]
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(SpecError, match="refusing to fetch"):
        spec_update.check_url_allowed(url)


@pytest.mark.parametrize("name", ["edgeimpulse", "altostrat", "statsig"])
def test_reducing_a_vendored_spec_is_stable(name: str) -> None:
    entry = json.loads((REPO / "specs" / "provenance.json").read_text(encoding="utf-8"))["specs"][name]
    document = yaml.safe_load((REPO / "specs" / entry["spec"]).read_text(encoding="utf-8"))
    once, missing = spec_update.reduce_document(document, entry["operations"])
    text = serialise(once)
    twice, _ = spec_update.reduce_document(yaml.safe_load(text), entry["operations"])
    assert missing == []
    assert serialise(twice) == text


def test_reduction_keeps_components_reached_through_other_components() -> None:
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Ok"}}}},
            "/b": {"get": {"responses": {"200": {"$ref": "#/components/responses/Unused"}}}},
        },
        "components": {
            "responses": {
                "Ok": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}},
                },
                "Unused": {"description": "unused"},
            },
            "schemas": {
                "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
                "B": {"type": "string"},
            },
        },
    }
    reduced, missing = spec_update.reduce_document(document, [{"method": "get", "path": "/a"}])
    assert missing == []
    assert list(reduced["paths"]) == ["/a"]
    assert reduced["components"] == {
        "responses": {"Ok": document["components"]["responses"]["Ok"]},
        "schemas": document["components"]["schemas"],
    }


# --------------------------------------------------------------------------- the real Edge Impulse document


def test_real_edge_impulse_document_dry_run_repairs_stray_bytes_reports_additions_and_writes_nothing(
    seed_repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    url = vendor.serve_bytes("/edge-impulse-openapi.yml", edge_impulse_upstream())
    before = snapshot(seed_repo)

    code = spec_update.main(add_lifecycle("--dry-run", "--upstream", f"edgeimpulse={url}"), root=seed_repo)

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"fetched 987524 bytes, sha256 {EDGE_IMPULSE_UPSTREAM_SHA256}" in out
    assert "repaired 2 character(s) the parsers refuse, none in a vendored part:" in out
    repaired = "in components/schemas/OptimizeConfig/properties/earlyStoppingWindowSize/description"
    assert f"line 20405, column 36: U+001C (INFORMATION SEPARATOR FOUR) -> U+FFFD {repaired}" in out
    assert f"line 20405, column 48: U+001D (INFORMATION SEPARATOR THREE) -> U+FFFD {repaired}" in out
    for operation_id, (method, path) in LIFECYCLE.items():
        assert f"{operation_id} ({method.upper()} {path})" in out
        assert f"{method.upper()} {path}: operation added" in out
    assert "would update (dry run)" in out
    assert snapshot(seed_repo) == before


def test_real_edge_impulse_document_is_vendored_with_the_url_fetched_and_each_operations_source(
    seed_repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    url = vendor.serve_bytes("/mirror/edge-impulse-openapi.yml", edge_impulse_upstream())
    committed = (FIXTURES / "edgeimpulse-seed.yaml").read_text(encoding="utf-8")
    note = "edgeimpulse=public mirror api-evangelist/edge-impulse@a7b9ded9"

    markdown = seed_repo / "report.md"
    code = spec_update.main(
        add_lifecycle("--upstream", f"edgeimpulse={url}", "--upstream-note", note, "--markdown", str(markdown)),
        root=seed_repo,
    )

    out = capsys.readouterr().out
    assert code == 0, out  # the mirror lacks the seed's OAuth2 alternative, which the facade never sends
    assert f"non-breaking  GET {EI_DOWNLOAD}: security OAuth2 no longer accepted" in out
    assert "why: the facade sends api key in header 'x-api-key' or api key in header 'x-jwt-token'" in out
    assert "updated: sha256 6df1c699832613deab5bad90c71606b97f1ae14dbffd617bc8aa0ead77acbe7d ->" in out
    text = (seed_repo / "specs" / "edgeimpulse.yaml").read_text(encoding="utf-8")
    vendored = yaml.safe_load(text)
    assert {(m, p) for p, item in vendored["paths"].items() for m in item} == {
        *LIFECYCLE.values(),
        ("get", EI_DOWNLOAD),
    }
    assert operation_text(text, EI_DOWNLOAD) == operation_text(committed, EI_DOWNLOAD)  # the seed's, byte for byte
    assert "x-middleware" not in operation_text(text, EI_DOWNLOAD)  # which the mirror's version has
    assert "\ufffd" not in text
    validate_document(vendored, "vendored")  # the extract is valid OpenAPI on its own
    body = markdown.read_text(encoding="utf-8")  # the scheduled job's pull request body
    assert "No breaking change: regenerate, review, merge." in body
    assert f"| non-breaking | `GET {EI_DOWNLOAD}` | security OAuth2 no longer accepted | the facade sends" in body
    assert f"| non-breaking | `POST {EI_R}` | operation added | a new generated module" in body
    assert "U+001C (INFORMATION SEPARATOR FOUR)" in body

    entry = provenance(seed_repo, "edgeimpulse")
    assert entry["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert entry["upstream"]["url"] == "https://docs.edgeimpulse.com/.assets/openapi.yaml"  # the configured one
    assert "last_modified" not in entry["upstream"]
    fetched = entry["fetched"]
    assert fetched["url"] == url
    assert fetched["via"] == "--upstream"
    assert fetched["sha256"] == EDGE_IMPULSE_UPSTREAM_SHA256
    assert fetched["note"] == "public mirror api-evangelist/edge-impulse@a7b9ded9"
    assert [(r["line"], r["found"]) for r in fetched["repairs"]] == [
        (20405, "U+001C (INFORMATION SEPARATOR FOUR)"),
        (20405, "U+001D (INFORMATION SEPARATOR THREE)"),
    ]
    sources = {op["operationId"]: (op.get("pinned", False), op["source"]) for op in entry["operations"]}
    assert sources["whitelabelAdminDownloadOrganizationUsageReport"] == (
        True,
        {"seed": "shared/seeds/000_6098d07606087fe2.txt"},
    )
    today = date.today().isoformat()
    for operation_id in LIFECYCLE:
        assert sources[operation_id] == (False, {"url": url, "sha256": EDGE_IMPULSE_UPSTREAM_SHA256, "fetched": today})


def test_second_run_against_the_same_real_document_changes_nothing(
    seed_repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    url = vendor.serve_bytes("/edge-impulse-openapi.yml", edge_impulse_upstream())
    spec_update.main(add_lifecycle("--upstream", f"edgeimpulse={url}"), root=seed_repo)
    capsys.readouterr()
    before = snapshot(seed_repo)

    code = spec_update.main(["edgeimpulse", "--upstream", f"edgeimpulse={url}", "--json"], root=seed_repo)

    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert payload["exit_code"] == 0
    assert payload["specs"][0]["status"] == "unchanged"
    assert payload["specs"][0]["changes"] == []
    assert len(payload["specs"][0]["repairs"]) == 2
    assert snapshot(seed_repo) == before


def test_the_committed_edge_impulse_spec_is_exactly_what_the_real_document_gives(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    """specs/edgeimpulse.yaml was made by this tool from this document: running it again changes no byte."""
    url = vendor.serve_bytes("/edge-impulse-openapi.yml", edge_impulse_upstream())

    code = spec_update.main(["edgeimpulse", "--dry-run", "--json", "--upstream", f"edgeimpulse={url}"], root=repo)

    payload = json.loads(capsys.readouterr().out)
    assert payload["specs"][0]["status"] == "unchanged", payload
    assert code == 0
    assert provenance(repo, "edgeimpulse")["fetched"]["sha256"] == EDGE_IMPULSE_UPSTREAM_SHA256


def test_a_refused_byte_inside_a_vendored_operation_fails_naming_where_and_writes_nothing(
    seed_repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    body = edge_impulse_upstream().replace(
        b"description: White label admin only API to get the list of all organizations.",
        b"description: White label admin only API to get the list of all \x1corganizations.",
    )
    url = vendor.serve_bytes("/edge-impulse-openapi.yml", body)
    before = snapshot(seed_repo)

    code = spec_update.main(add_lifecycle("--upstream", f"edgeimpulse={url}"), root=seed_repo)

    err = capsys.readouterr().err
    assert code == 2
    assert "FAILED, specs/edgeimpulse.yaml left unchanged" in err
    assert "inside a vendored part" in err
    assert f"U+001C (INFORMATION SEPARATOR FOUR) -> U+FFFD in paths/{EI_W}/get/description" in err
    assert snapshot(seed_repo) == before


def test_invalid_utf8_outside_the_vendored_operations_is_repaired_and_reported(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.dumps(with_optional_limit(statsig_upstream())).replace("List gates", "List g\\u00e4tes").encode()
    body = body.replace(b"g\\u00e4tes", b"g\xe4tes")  # latin-1, not UTF-8
    url = vendor.serve_bytes("/statsig.json", body, "application/json")

    code = spec_update.main(["statsig", "--upstream", f"statsig={url}"], root=repo)

    out = capsys.readouterr().out
    assert code == 0, out
    assert "invalid UTF-8 byte E4 -> U+FFFD in paths//console/v1/gates/get/summary" in out
    assert provenance(repo, "statsig")["fetched"]["repairs"][0]["found"] == "invalid UTF-8 byte E4"


def test_only_the_extracted_document_is_validated(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    document = with_optional_limit(statsig_upstream())
    document["paths"]["/console/v1/gates"]["get"]["parameters"] = [{"name": "x", "in": "body"}]  # invalid OpenAPI
    url = vendor.serve_json("/statsig.json", document)

    code = spec_update.main(["statsig", "--upstream", f"statsig={url}"], root=repo)

    assert code == 0, capsys.readouterr()
    vendored = yaml.safe_load((repo / "specs" / "statsig.yaml").read_text(encoding="utf-8"))
    assert [p["name"] for p in vendored["paths"][STATSIG_PATH]["get"]["parameters"]][-1] == "limit"


def test_a_redirect_records_the_final_url_as_each_operations_source(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    final = vendor.serve_json("/v2/statsig.json", with_optional_limit(statsig_upstream()))
    vendor.routes["/latest"] = (302, "text/plain", b"", {"Location": "/v2/statsig.json"})

    code = spec_update.main(["statsig", "--upstream", f"statsig={vendor.url('/latest')}"], root=repo)

    assert code == 0, capsys.readouterr()
    entry = provenance(repo, "statsig")
    assert entry["fetched"]["url"] == vendor.url("/latest")
    assert entry["fetched"]["final_url"] == final
    assert entry["operations"][0]["source"]["url"] == final


def test_an_unchanged_operation_keeps_its_committed_text_when_upstream_is_json(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only what changed is rewritten: the diff a reviewer reads is the vendor's change, not a reformatting."""
    committed = (repo / "specs" / "statsig.yaml").read_text(encoding="utf-8")
    url = vendor.serve_json("/statsig.json", with_optional_limit(statsig_upstream()))

    assert spec_update.main(["statsig", "--upstream", f"statsig={url}"], root=repo) == 0, capsys.readouterr()

    text = (repo / "specs" / "statsig.yaml").read_text(encoding="utf-8")
    old_lines, new_lines = committed.splitlines(), text.splitlines()
    removed = [line for line in old_lines if line not in new_lines]
    assert removed == []
    assert text.startswith(committed.split("paths:")[0])  # info, servers, security: the same bytes


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--add-operation", "whitelabelAdminGetOrganizations"], "needs exactly one spec NAME"),
        (["edgeimpulse", "statsig", "--add-operation", "x"], "needs exactly one spec NAME"),
        (["statsig", "--upstream-note", "stripe=x"], "unknown spec name(s) stripe"),
        (["statsig", "--upstream", "statsig"], "expected NAME=URL"),
    ],
)
def test_bad_usage_exits_2(repo: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert spec_update.main(argv, root=repo) == 2
    assert message in capsys.readouterr().err


def test_an_unknown_operation_id_to_add_fails_the_spec(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    url = vendor.serve_json("/statsig.json", statsig_upstream())
    code = spec_update.main(["statsig", "--upstream", f"statsig={url}", "--add-operation", "nope"], root=repo)
    assert code == 2
    assert "--add-operation nope: no operation with this operationId upstream" in capsys.readouterr().err


# --------------------------------------------------------------------------- through nox


@pytest.mark.slow
@pytest.mark.parametrize(("upstream", "expected"), [("ok", 0), ("breaking", 1), ("down", 2)])
def test_nox_session_exits_with_the_tools_own_code(repo: Path, vendor: Vendor, upstream: str, expected: int) -> None:
    """CI tells "breaking" (1) from "could not fetch or parse" (2) by nox's exit status alone."""
    shutil.copy(REPO / "noxfile.py", repo / "noxfile.py")
    document = with_optional_limit(statsig_upstream())
    if upstream == "breaking":
        document["components"]["securitySchemes"]["STATSIG-API-KEY"]["name"] = "STATSIG-CONSOLE-KEY"
    url = vendor.serve_json("/statsig.json", document) if upstream != "down" else vendor.url("/missing")
    env = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}

    result = run_module(
        repo,
        "nox",
        "--no-venv",
        "--no-install",
        "-s",
        "update_specs",
        "--",
        "statsig",
        "--dry-run",
        "--upstream",
        f"statsig={url}",
        env=env,
    )

    assert result.returncode == expected, result.stdout + result.stderr


# --------------------------------------------------------------------------- classification on real material


@functools.cache
def _real_upstream() -> Source:
    return read_source(edge_impulse_upstream(), "edge-impulse-openapi.yml")


def _second_tag(document: dict[str, Any]) -> None:
    document["paths"][EI_R]["get"]["tags"].append("Usage")


def _unused_alternative_dropped(document: dict[str, Any]) -> None:
    document["security"] = [r for r in document["security"] if "JWTAuthentication" not in r]  # the jwt cookie


def _operation_removed(document: dict[str, Any]) -> None:
    del document["paths"][EI_R]["post"]


def _media_type_changed(document: dict[str, Any]) -> None:
    content = document["paths"][EI_R]["get"]["responses"]["200"]["content"]
    content["text/csv"] = content.pop("application/json")


def _required_parameter_added(document: dict[str, Any]) -> None:
    document["paths"][EI_R]["post"]["parameters"].append(
        {"name": "timezone", "in": "query", "required": True, "schema": {"type": "string"}}
    )


def _used_auth_header_changed(document: dict[str, Any]) -> None:
    document["components"]["securitySchemes"]["ApiKeyAuthentication"]["name"] = "x-ei-api-key"


@pytest.mark.parametrize(
    ("mutate", "breaking", "kind", "message"),
    [
        (_second_tag, False, "tags-changed", f"GET {EI_R}: tag 'Usage' added"),
        (_unused_alternative_dropped, False, "security-alternative-removed", "api key in cookie 'jwt'"),
        (_operation_removed, True, "operation-removed", f"POST {EI_R}: operation removed"),
        (_media_type_changed, True, "success-media-type-changed", "from 'application/json' to 'text/csv'"),
        (_required_parameter_added, True, "required-parameter-added", "required query parameter 'timezone' added"),
        (_used_auth_header_changed, True, "security-changed", "api key in header 'x-ei-api-key'"),
    ],
    ids=lambda value: getattr(value, "__name__", None) if callable(value) else None,
)
def test_changes_to_the_real_edge_impulse_document_are_judged_by_what_the_facade_sees(
    mutate: Any, breaking: bool, kind: str, message: str
) -> None:
    upstream = copy.deepcopy(_real_upstream().data)
    mutate(upstream)
    entry = provenance(REPO, "edgeimpulse")
    committed = yaml.safe_load((REPO / "specs" / "edgeimpulse.yaml").read_text(encoding="utf-8"))
    operations = [spec_update.Operation.of(record) for record in entry["operations"]]

    reduced = spec_update.reduce_sources(upstream, operations, committed).document
    report = diff_documents(committed, reduced, load_facade_usage(REPO, "edgeimpulse"))

    changes = [c for c in report.changes if c.kind == kind]  # a global security change reaches every operation
    assert changes, report.text_lines()
    assert {c.kind for c in report.changes} == {kind}, report.text_lines()
    assert all(message in c.text() and c.why for c in changes), report.text_lines()
    assert bool(report.breaking) is breaking, report.text_lines()


@pytest.mark.slow
def test_a_second_tag_upstream_is_not_breaking_and_regenerates_identical_code(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    """The generator only uses the first tag: after the update, generated/ differs in the stamp alone."""
    anchor = b"        - Organizations\n" + b"      x-middleware:\n" + b"        - OrganizationRequiresAdmin\n"
    anchor += b"        - OrganizationRequiresWhitelabelAdmin\n      operationId: whitelabelAdminGetOrganizationUsageReports\n"
    body = edge_impulse_upstream()
    assert body.count(anchor) == 1
    url = vendor.serve_bytes(
        "/edge-impulse-openapi.yml", body.replace(anchor, b"        - Usage\n".join([anchor[:24], anchor[24:]]))
    )
    before = {p.relative_to(repo).as_posix(): p.read_bytes() for p in (repo / "generated").rglob("*") if p.is_file()}

    code = spec_update.main(["edgeimpulse", "--upstream", f"edgeimpulse={url}"], root=repo)

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"non-breaking  GET {EI_R}: tag 'Usage' added" in out
    generate = run_module(repo, "tools.codegen", "generate")
    assert generate.returncode == 0, generate.stderr
    after = {p.relative_to(repo).as_posix(): p.read_bytes() for p in (repo / "generated").rglob("*") if p.is_file()}
    assert after.keys() == before.keys()
    assert [name for name in after if after[name] != before[name]] == [
        "generated/usage_reports_clients/edgeimpulse/codegen_stamp.py"
    ]


def test_an_operation_removed_from_the_real_document_exits_1_and_writes_nothing(
    repo: Path, vendor: Vendor, capsys: pytest.CaptureFixture[str]
) -> None:
    document = copy.deepcopy(_real_upstream().data)
    _operation_removed(document)
    url = vendor.serve_bytes("/edge-impulse-openapi.json", json.dumps(document).encode(), "application/json")
    before = snapshot(repo)

    code = spec_update.main(["edgeimpulse", "--upstream", f"edgeimpulse={url}"], root=repo)

    out = capsys.readouterr().out
    assert code == 1
    assert f"BREAKING      POST {EI_R}: operation removed" in out
    assert (
        "the generated module api/organizations/whitelabel_admin_create_organization_usage_report.py is deleted" in out
    )
    assert "NOT written" in out
    assert snapshot(repo) == before


# --------------------------------------------------------------------------- rendering (unit)


def test_rendering_reuses_source_text_only_where_it_reads_back_exactly() -> None:
    """An unquoted 200: key (an int to YAML) or an alias is re-serialised; everything else keeps its bytes."""
    text = (
        "openapi: 3.0.0\n"
        "info:\n"
        "  title: >-\n"
        "    Folded\n"
        "    title\n"
        "  version: '1'\n"
        "paths:\n"
        "  /a:\n"
        "    get:\n"
        "      responses:\n"
        "        200:\n"
        "          description: &ok OK\n"
        "  /b:\n"
        "    get:\n"
        "      responses:\n"
        "        '200':\n"
        "          description: *ok\n"
    )
    source = read_source(text.encode(), "unit")
    document = {
        "openapi": "3.0.0",
        "info": source.data["info"],
        "paths": {
            "/a": {"get": {"responses": {"200": {"description": "OK"}}}},
            "/b": {"get": {"responses": {"200": {"description": "OK"}}}},
        },
    }

    rendering = spec_source.render(document, [source])

    assert rendering.text.startswith("openapi: 3.0.0\ninfo:\n  title: >-\n    Folded\n    title\n  version: '1'\n")
    assert yaml.safe_load(rendering.text) == document
    assert rendering.text.count("\n        '200':\n") == 2  # the unquoted 200: (an int) is written as a string key
    assert "paths//b/get/responses/200/description" in rendering.serialised  # an alias is not reused without its anchor
    assert "*ok" not in rendering.text
