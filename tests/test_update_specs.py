"""update_specs against a loopback "vendor": what is written, what is refused, what is reported.

Every test works on a copy of specs/, generated/, tools/ and pyproject.toml
in a temporary folder, so the repository's own files are never touched.
"""

from __future__ import annotations

import copy
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

from tools import spec_update
from tools.spec_diff import SpecError

REPO = Path(__file__).resolve().parent.parent
STATSIG_PATH = "/console/v1/project/usage_billing/report"


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
    return {name: (root / "specs" / name).read_bytes() for name in ("statsig.yaml", "provenance.json")}


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
    assert entry["upstream"]["etag"] == '"v2"'

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
    assert spec_update.upstream_url("statsig", entry, {}) == "https://vendor.example/spec.json"
    monkeypatch.setenv("USAGE_REPORTS_SPEC_UPSTREAM_STATSIG", "https://mirror.example/spec.json")
    assert spec_update.upstream_url("statsig", entry, {}) == "https://mirror.example/spec.json"
    assert spec_update.upstream_url("statsig", entry, {"statsig": "http://127.0.0.1:1/x"}) == "http://127.0.0.1:1/x"


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
    text = spec_update.serialise(once)
    twice, _ = spec_update.reduce_document(yaml.safe_load(text), entry["operations"])
    assert missing == []
    assert spec_update.serialise(twice) == text


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
