"""Pull each vendored spec from its upstream, reduce it to the operations we use, vendor it, report changes.

    python -m tools.spec_update [NAME ...] [--json] [--upstream NAME=URL] [--dry-run]
    nox -s update_specs [-- NAME ...]

For each spec in specs/provenance.json: download ``upstream.url`` (overridable
with ``--upstream NAME=URL`` or the ``USAGE_REPORTS_SPEC_UPSTREAM_<NAME>``
environment variable, for tests and mirrors), check it is valid OpenAPI,
reduce it to the operations recorded in ``operations`` plus every component
they reach, validate the result again, compare it with the committed spec and
write it atomically, then record its sha256 and date in provenance.json.

Why the reduction: the vendors publish whole APIs while this project vendors
and generates only the operations the facade calls; anything else would be
churn in generated/ and noise in the report.

Exit status:
    0  every spec is up to date or was updated without a breaking change
    1  a breaking change: valid specs ARE written (so `nox -s generate` and the
       type check can show where the facade no longer fits); a spec whose
       recorded operation disappeared upstream is NOT written (see below)
    2  usage error, or a spec could not be fetched, parsed, validated or
       reduced: that spec is left untouched

A recorded operation missing upstream is reported as a breaking change and
the spec is not written: writing it would silently delete the generated
function the facade imports, and the fix is a decision (point the operation
in provenance.json at its new path, or drop it), not a regeneration.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import ipaddress
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from tools.spec_diff import (
    BREAKING,
    HTTP_METHODS,
    Change,
    DiffReport,
    SpecError,
    diff_documents,
    load_document,
    lookup_ref,
    parse_document,
    validate_document,
)

ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "USAGE_REPORTS_SPEC_UPSTREAM_"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_REDIRECTS = 5
MAX_BYTES = 32 * 1024 * 1024  # the largest vendor document is a few MiB
NEXT_STEPS = ("nox -s generate", "nox -s codegen_check typecheck tests")
TOP_LEVEL_KEPT = ("openapi", "info", "jsonSchemaDialect", "servers", "security")


# --------------------------------------------------------------------------- fetching


def check_url_allowed(url: str) -> None:
    """Only https, except plain http to a loopback address (tests, a local mirror)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return
    raise SpecError(f"refusing to fetch {url!r}: only https, or http on a loopback address, is allowed")


@dataclass(frozen=True)
class Fetched:
    text: str
    etag: str | None
    last_modified: str | None


def fetch(url: str) -> Fetched:
    """GET with a bounded timeout, a bounded number of redirects each re-checked, and a size cap."""
    check_url_allowed(url)

    def on_request(request: httpx.Request) -> None:
        check_url_allowed(str(request.url))  # also runs for every redirect hop

    headers = {"Accept": "application/json, application/yaml, text/yaml, */*;q=0.5"}
    try:
        with (
            httpx.Client(
                timeout=TIMEOUT,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                event_hooks={"request": [on_request]},
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code != 200:
                raise SpecError(f"GET {url}: HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise SpecError(f"GET {url}: larger than {MAX_BYTES} bytes, refusing")
                chunks.append(chunk)
            etag = response.headers.get("etag")
            last_modified = response.headers.get("last-modified")
    except httpx.HTTPError as exc:
        raise SpecError(f"GET {url}: {type(exc).__name__}: {exc}") from exc
    try:
        text = b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"GET {url}: body is not UTF-8 text") from exc
    return Fetched(text, etag, last_modified)


# --------------------------------------------------------------------------- reducing


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _component_of(ref: str) -> tuple[str, str]:
    parts = ref[2:].split("/") if ref.startswith("#/") else []
    if len(parts) < 3 or parts[0] != "components":
        raise SpecError(f"$ref {ref!r}: only references into #/components/ are supported")
    return parts[1], parts[2].replace("~1", "/").replace("~0", "~")


def reduce_document(
    document: Mapping[str, Any], operations: Sequence[Mapping[str, str]]
) -> tuple[dict[str, Any], list[str]]:
    """The document cut down to ``operations`` and the components they reach; also the operations not found.

    Key order follows the upstream document, so the output is stable from one pull to the next.
    """
    reduced: dict[str, Any] = {key: copy.deepcopy(document[key]) for key in TOP_LEVEL_KEPT if key in document}
    upstream_paths = document.get("paths") or {}
    wanted: dict[str, list[str]] = {}
    for operation in operations:
        wanted.setdefault(str(operation["path"]), []).append(str(operation["method"]).lower())
    paths: dict[str, Any] = {}
    missing: list[str] = []
    for path, methods in wanted.items():
        item = upstream_paths.get(path)
        if isinstance(item, Mapping) and isinstance(item.get("$ref"), str):
            item = lookup_ref(document, item["$ref"])
        if not isinstance(item, Mapping):
            missing.extend(f"{m.upper()} {path}" for m in methods)
            continue
        kept = {k: copy.deepcopy(v) for k, v in item.items() if k not in HTTP_METHODS}
        for method in [m for m in HTTP_METHODS if m in methods]:
            if isinstance(item.get(method), Mapping):
                operation_doc = copy.deepcopy(dict(item[method]))
                if isinstance(operation_doc.get("responses"), Mapping):  # YAML may load 200: as an int
                    operation_doc["responses"] = {str(k): v for k, v in operation_doc["responses"].items()}
                kept[method] = operation_doc
            else:
                missing.append(f"{method.upper()} {path}")
        if any(m in kept for m in HTTP_METHODS):
            paths[path] = kept
    used_tags = {tag for item in paths.values() for m in HTTP_METHODS for tag in (item.get(m) or {}).get("tags", [])}
    if isinstance(document.get("tags"), list):
        reduced["tags"] = [
            copy.deepcopy(t) for t in document["tags"] if isinstance(t, Mapping) and t.get("name") in used_tags
        ]
    reduced["paths"] = paths
    components = _reachable_components(document, reduced)
    if components:
        reduced["components"] = components
    return reduced, missing


def _reachable_components(document: Mapping[str, Any], reduced: Mapping[str, Any]) -> dict[str, Any]:
    upstream = document.get("components") or {}
    wanted: set[tuple[str, str]] = set()
    scheme_names = {str(n) for req in reduced.get("security") or [] for n in req}
    for item in reduced["paths"].values():
        for method in HTTP_METHODS:
            for requirement in (item.get(method) or {}).get("security") or []:
                scheme_names.update(str(n) for n in requirement)
    wanted.update(("securitySchemes", n) for n in scheme_names if n in (upstream.get("securitySchemes") or {}))
    queue = list(_refs(reduced["paths"]))
    queue.extend(ref for section, name in list(wanted) for ref in _refs(upstream[section][name]))
    while queue:
        key = _component_of(queue.pop())
        if key in wanted:
            continue
        section, name = key
        if name not in (upstream.get(section) or {}):
            raise SpecError(f"$ref '#/components/{section}/{name}' does not resolve")
        wanted.add(key)
        queue.extend(_refs(upstream[section][name]))
    components: dict[str, Any] = {}
    for section, entries in upstream.items():
        kept = {name: copy.deepcopy(v) for name, v in (entries or {}).items() if (section, name) in wanted}
        if kept:
            components[section] = kept
    return components


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings, so a description diff in review reads like prose."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def serialise(document: Mapping[str, Any]) -> str:
    return yaml.dump(dict(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


# --------------------------------------------------------------------------- one spec


@dataclass
class SpecResult:
    name: str
    spec: str
    upstream: str
    status: str = "failed"  # unchanged | updated | would-update | not-written | failed
    report: DiffReport = field(default_factory=DiffReport)
    error: str | None = None
    old_sha256: str | None = None
    new_sha256: str | None = None
    fetched: Fetched | None = None
    new_bytes: bytes | None = None

    @property
    def breaking(self) -> bool:
        return bool(self.report.breaking)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "spec": self.spec,
            "upstream": self.upstream,
            "status": self.status,
            "error": self.error,
            "sha256": {"old": self.old_sha256, "new": self.new_sha256},
            **self.report.to_json(),
        }

    def text_lines(self) -> list[str]:
        lines = [f"{self.name}: {self.spec} <- {self.upstream}"]
        if self.error:
            lines.append(f"  FAILED, {self.spec} left unchanged: {self.error}")
            return lines
        status = {
            "unchanged": "unchanged (same bytes as committed)",
            "updated": f"updated: sha256 {self.old_sha256} -> {self.new_sha256}",
            "would-update": f"would update (dry run): sha256 {self.old_sha256} -> {self.new_sha256}",
            "not-written": f"NOT written, {self.spec} left unchanged: a recorded operation is gone upstream",
        }[self.status]
        lines.append(f"  {status}")
        lines.extend(f"  {line}" for line in self.report.text_lines())
        return lines


def upstream_url(name: str, entry: Mapping[str, Any], overrides: Mapping[str, str]) -> str:
    """--upstream beats the environment, which beats provenance.json."""
    if name in overrides:
        return overrides[name]
    env = os.environ.get(ENV_PREFIX + name.upper().replace("-", "_"))
    if env:
        return env
    url = (entry.get("upstream") or {}).get("url")
    if not isinstance(url, str) or not url:
        raise SpecError(f"specs/provenance.json: {name} has no upstream.url")
    return url


def prepare(root: Path, name: str, entry: Mapping[str, Any], url: str) -> SpecResult:
    """Fetch, validate, reduce, validate again and diff; writes nothing."""
    spec_path = root / "specs" / str(entry["spec"])
    result = SpecResult(name=name, spec=f"specs/{spec_path.name}", upstream=url)
    try:
        result.fetched = fetch(url)
        upstream = parse_document(result.fetched.text, url)
        validate_document(upstream, f"upstream {url}")
        reduced, missing = reduce_document(upstream, entry.get("operations") or [])
        text = serialise(reduced)
        validate_document(parse_document(text, f"reduced {name}"), f"{name} reduced to its recorded operations")
        committed = load_document(spec_path)
    except SpecError as exc:
        result.error = str(exc)
        return result
    result.report = diff_documents(committed, reduced)
    result.old_sha256 = hashlib.sha256(spec_path.read_bytes()).hexdigest()
    result.new_bytes = text.encode("utf-8")
    result.new_sha256 = hashlib.sha256(result.new_bytes).hexdigest()
    if missing:
        result.status = "not-written"
        for operation in missing:
            if not any(
                c.operation == operation and c.kind in ("operation-removed", "operation-moved")
                for c in result.report.changes
            ):
                result.report.changes.append(
                    Change(BREAKING, "operation-removed", operation, "operation not found upstream")
                )
    elif result.new_sha256 == result.old_sha256:
        result.status = "unchanged"
    else:
        result.status = "would-update"
    return result


def atomic_write(path: Path, data: bytes) -> None:
    """Write beside the target and os.replace it, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def commit(root: Path, results: Sequence[SpecResult]) -> None:
    """Write every spec that is ready, then provenance.json once, both atomically."""
    ready = [r for r in results if r.status == "would-update" and r.new_bytes is not None]
    if not ready:
        return
    provenance_path = root / "specs" / "provenance.json"
    provenance = json.loads(provenance_path.read_text(encoding="utf-8"))
    for result in ready:
        assert result.new_bytes is not None
        atomic_write(root / result.spec, result.new_bytes)
        entry = provenance["specs"][result.name]
        entry["sha256"] = result.new_sha256
        entry["vendored"] = date.today().isoformat()
        upstream = entry.setdefault("upstream", {})
        for key, value in (
            ("etag", result.fetched.etag if result.fetched else None),
            ("last_modified", result.fetched.last_modified if result.fetched else None),
        ):
            if value:
                upstream[key] = value
            else:
                upstream.pop(key, None)
        result.status = "updated"
    atomic_write(provenance_path, (json.dumps(provenance, indent=2) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- CLI


def _parse_overrides(values: Sequence[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not name or not url:
            raise SpecError(f"--upstream {value!r}: expected NAME=URL")
        overrides[name] = url
    return overrides


def run(root: Path, names: Sequence[str], overrides: Mapping[str, str], dry_run: bool) -> list[SpecResult]:
    entries = json.loads((root / "specs" / "provenance.json").read_text(encoding="utf-8"))["specs"]
    unknown = sorted(set(names) - set(entries)) + sorted(set(overrides) - set(entries))
    if unknown:
        raise SpecError(f"unknown spec name(s) {', '.join(unknown)}; known: {', '.join(entries)}")
    selected = list(names) or list(entries)
    results = []
    for name in selected:
        try:
            url = upstream_url(name, entries[name], overrides)
        except SpecError as exc:
            results.append(SpecResult(name=name, spec=f"specs/{entries[name]['spec']}", upstream="?", error=str(exc)))
            continue
        results.append(prepare(root, name, entries[name], url))
    if not dry_run:
        commit(root, results)
    return results


def exit_code(results: Sequence[SpecResult]) -> int:
    if any(r.error for r in results):
        return 2
    return 1 if any(r.breaking for r in results) else 0


def main(argv: Sequence[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.spec_update", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="specs to update (default: all in specs/provenance.json)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--upstream", action="append", default=[], metavar="NAME=URL", help="fetch NAME from URL instead"
    )
    parser.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        results = run(root, args.names, _parse_overrides(args.upstream), args.dry_run)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    code = exit_code(results)
    written = any(r.status == "updated" for r in results)
    if args.json:
        payload = {
            "specs": [r.to_json() for r in results],
            "breaking": any(r.breaking for r in results),
            "failed": any(r.error for r in results),
            "next": list(NEXT_STEPS) if written else [],
        }
        print(json.dumps(payload, indent=2))
    else:
        for result in results:
            print("\n".join(result.text_lines()), file=sys.stderr if result.error else sys.stdout)
        if written:
            print(f"\nNext: `{NEXT_STEPS[0]}`, then `{NEXT_STEPS[1]}`; commit specs/ and generated/ together.")
        if code == 1:
            print("\nBREAKING changes above: expect the facade's type check or tests to fail until it is adapted.")
    return code


if __name__ == "__main__":
    sys.exit(main())
