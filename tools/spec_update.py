"""Pull each vendored spec from its upstream, reduce it to the operations we use, vendor it, report changes.

    python -m tools.spec_update [NAME ...] [--json] [--markdown FILE] [--dry-run] [--upstream NAME=URL]
                                [--upstream-note NAME=TEXT] [--add-operation OPERATION_ID ...]
    nox -s update_specs [-- NAME ...]

For each spec in specs/provenance.json: download ``upstream.url`` (overridable
with ``--upstream NAME=URL`` or the ``USAGE_REPORTS_SPEC_UPSTREAM_<NAME>``
environment variable, for tests and mirrors), parse it tolerantly (bytes the
parsers refuse are repaired and reported, and refused only when they sit in a
part we vendor), reduce it to the operations recorded in ``operations`` plus
every component they reach, validate that extracted document, compare it
with the committed spec and write it atomically, then record in
provenance.json its sha256, the URL actually fetched (and through which
override), that document's sha256, and per operation where it came from.

``--add-operation OPERATION_ID`` (with exactly one NAME) adds an upstream
operation to the recorded ones. An operation recorded with ``"pinned": true``
is kept exactly as the committed spec has it (its text, byte for byte), for
an operation whose best source is not the upstream (the Edge Impulse
download comes from a seed newer than the public mirror); the report shows
how the upstream's version differs, without applying it.

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

from tools.spec_diff import (
    BREAKING,
    HTTP_METHODS,
    Change,
    DiffReport,
    FacadeUsage,
    SpecError,
    diff_documents,
    load_facade_usage,
    lookup_ref,
    validate_document,
)
from tools.spec_source import (
    REPLACEMENT,
    Pointer,
    Repair,
    Source,
    iter_strings,
    read_source,
    render,
    repairs_inside,
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
    url: str  # what was asked for
    final_url: str  # where the document was in the end (after redirects)
    body: bytes
    etag: str | None
    last_modified: str | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


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
            final_url = str(response.url)
            etag = response.headers.get("etag")
            last_modified = response.headers.get("last-modified")
    except httpx.HTTPError as exc:
        raise SpecError(f"GET {url}: {type(exc).__name__}: {exc}") from exc
    return Fetched(url, final_url, b"".join(chunks), etag, last_modified)


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class Operation:
    """One recorded operation: found by method and path; ``pinned`` keeps the committed spec's version."""

    method: str
    path: str
    pinned: bool = False

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Operation:
        return cls(str(record["method"]).lower(), str(record["path"]), bool(record.get("pinned", False)))


def find_operation_id(document: Mapping[str, Any], operation_id: str) -> Operation:
    """The upstream operation carrying ``operation_id``; exactly one must."""
    hits = [
        Operation(method, str(path))
        for path, item in (document.get("paths") or {}).items()
        if isinstance(item, Mapping)
        for method in HTTP_METHODS
        if isinstance(item.get(method), Mapping) and item[method].get("operationId") == operation_id
    ]
    if not hits:
        raise SpecError(f"--add-operation {operation_id}: no operation with this operationId upstream")
    if len(hits) > 1:
        raise SpecError(f"--add-operation {operation_id}: {len(hits)} upstream operations carry it")
    return hits[0]


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


@dataclass
class Reduction:
    document: dict[str, Any]
    missing: list[str] = field(default_factory=list)  # "GET /path" of upstream operations not found
    from_upstream: list[Pointer] = field(default_factory=list)  # the parts taken from the upstream document
    operation_ids: dict[str, str] = field(default_factory=dict)  # "GET /path" -> operationId


def reduce_document(
    document: Mapping[str, Any],
    operations: Sequence[Mapping[str, Any]],
    pinned_from: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The document cut down to ``operations`` and the components they reach; also the operations not found."""
    reduction = reduce_sources(document, [Operation.of(o) for o in operations], pinned_from)
    return reduction.document, reduction.missing


def reduce_sources(
    upstream: Mapping[str, Any], operations: Sequence[Operation], pinned_from: Mapping[str, Any] | None = None
) -> Reduction:
    """Cut ``upstream`` down to ``operations``; pinned ones are taken from ``pinned_from`` (the committed spec).

    The document-level parts (openapi, info, servers, security, tags) are the
    upstream's. Paths follow the upstream's order, components too; a component
    that both documents define must be the same in both.
    """
    reduction = Reduction({key: copy.deepcopy(upstream[key]) for key in TOP_LEVEL_KEPT if key in upstream})
    reduction.from_upstream.extend((key,) for key in reduction.document)
    upstream_paths = upstream.get("paths") or {}
    order = {path: index for index, path in enumerate(upstream_paths)}
    ordered = sorted(enumerate(operations), key=lambda pair: (order.get(pair[1].path, len(order)), pair[0]))
    paths: dict[str, Any] = {}
    path_origin: dict[str, Mapping[str, Any]] = {}
    owned: dict[int, list[str]] = {}  # id(document) -> refs its operations reach
    documents: dict[int, Mapping[str, Any]] = {id(upstream): upstream}
    for _, operation in ordered:
        source = pinned_from if operation.pinned and pinned_from is not None else upstream
        documents[id(source)] = source
        item = (source.get("paths") or {}).get(operation.path)
        if isinstance(item, Mapping) and isinstance(item.get("$ref"), str):
            item = lookup_ref(source, item["$ref"])
        if not isinstance(item, Mapping) or not isinstance(item.get(operation.method), Mapping):
            if source is not upstream:
                raise SpecError(f"pinned operation {operation.key} is not in the committed spec")
            reduction.missing.append(operation.key)
            continue
        kept = paths.setdefault(operation.path, {})
        level = {k: copy.deepcopy(v) for k, v in item.items() if k not in HTTP_METHODS}
        if operation.path in path_origin and path_origin[operation.path] is not source:
            previous = {k: v for k, v in kept.items() if k not in HTTP_METHODS}
            if previous != level:
                raise SpecError(f"{operation.path}: path-level keys differ between the pinned and the upstream spec")
        else:
            kept.update(level)
            path_origin[operation.path] = source
            if source is upstream:
                reduction.from_upstream.extend(("paths", operation.path, k) for k in level)
        body = copy.deepcopy(dict(item[operation.method]))
        if isinstance(body.get("responses"), Mapping):  # YAML may load 200: as an int
            body["responses"] = {str(k): v for k, v in body["responses"].items()}
        kept[operation.method] = body
        if source is upstream:
            reduction.from_upstream.append(("paths", operation.path, operation.method))
        if isinstance(body.get("operationId"), str):
            reduction.operation_ids[operation.key] = body["operationId"]
        refs = owned.setdefault(id(source), [])
        refs.extend(_refs(level))
        refs.extend(_refs(body))
        refs.extend(_security_refs(source, body.get("security") or []))
    used_tags = {tag for item in paths.values() for m in HTTP_METHODS for tag in (item.get(m) or {}).get("tags", [])}
    if isinstance(upstream.get("tags"), list):
        reduction.document["tags"] = [
            copy.deepcopy(t) for t in upstream["tags"] if isinstance(t, Mapping) and t.get("name") in used_tags
        ]
        reduction.from_upstream.append(("tags",))
    # Methods in the usual order inside each path item, path-level keys first.
    reduction.document["paths"] = {
        path: {
            **{k: v for k, v in item.items() if k not in HTTP_METHODS},
            **{m: item[m] for m in HTTP_METHODS if m in item},
        }
        for path, item in paths.items()
    }
    owned.setdefault(id(upstream), []).extend(_security_refs(upstream, upstream.get("security") or []))
    components = _merge_components(
        [(documents[key], refs) for key, refs in owned.items()], upstream, reduction.from_upstream
    )
    if components:
        reduction.document["components"] = components
    return reduction


def _security_refs(document: Mapping[str, Any], requirements: Any) -> list[str]:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    names = {str(name) for requirement in requirements if isinstance(requirement, Mapping) for name in requirement}
    return [f"#/components/securitySchemes/{name}" for name in sorted(names) if name in schemes]


def _reachable(document: Mapping[str, Any], refs: Sequence[str]) -> set[tuple[str, str]]:
    upstream = document.get("components") or {}
    wanted: set[tuple[str, str]] = set()
    queue = list(refs)
    while queue:
        key = _component_of(queue.pop())
        if key in wanted:
            continue
        section, name = key
        if name not in (upstream.get(section) or {}):
            raise SpecError(f"$ref '#/components/{section}/{name}' does not resolve")
        wanted.add(key)
        queue.extend(_refs(upstream[section][name]))
    return wanted


def _merge_components(
    owners: Sequence[tuple[Mapping[str, Any], Sequence[str]]], upstream: Mapping[str, Any], from_upstream: list[Pointer]
) -> dict[str, Any]:
    chosen: dict[tuple[str, str], Any] = {}
    origin: dict[tuple[str, str], Mapping[str, Any]] = {}
    for document, refs in owners:
        for section, name in _reachable(document, refs):
            value = document["components"][section][name]
            if (section, name) in chosen and chosen[(section, name)] != value:
                raise SpecError(
                    f"components/{section}/{name} differs between the upstream and the committed spec "
                    "(a pinned operation uses it): unpin the operation or reconcile by hand"
                )
            if (section, name) not in origin or document is upstream:
                chosen[(section, name)] = value
                origin[(section, name)] = document
    sections: list[str] = []
    for document in [upstream, *(d for d, _ in owners)]:
        sections.extend(s for s in (document.get("components") or {}) if s not in sections)
    components: dict[str, Any] = {}
    for section in sections:
        names: list[str] = []
        for document in [upstream, *(d for d, _ in owners)]:
            entries = (document.get("components") or {}).get(section) or {}
            names.extend(n for n in entries if (section, n) in chosen and n not in names)
        if names:
            components[section] = {n: copy.deepcopy(chosen[(section, n)]) for n in names}
            from_upstream.extend(("components", section, n) for n in names if origin[(section, n)] is upstream)
    return components


# --------------------------------------------------------------------------- one spec


@dataclass
class SpecResult:
    name: str
    spec: str
    upstream: str
    via: str = ""
    status: str = "failed"  # unchanged | updated | would-update | not-written | failed
    report: DiffReport = field(default_factory=DiffReport)
    error: str | None = None
    old_sha256: str | None = None
    new_sha256: str | None = None
    fetched: Fetched | None = None
    new_bytes: bytes | None = None
    repairs: list[Repair] = field(default_factory=list)
    operations: list[dict[str, Any]] = field(default_factory=list)  # the provenance records to write
    added: list[str] = field(default_factory=list)  # "operationId (GET /path)"
    pinned: dict[str, DiffReport] = field(default_factory=dict)  # "GET /path" -> how the upstream's version differs
    note: str | None = None

    @property
    def breaking(self) -> bool:
        return bool(self.report.breaking)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "spec": self.spec,
            "upstream": self.upstream,
            "via": self.via,
            "fetched": None
            if self.fetched is None
            else {"url": self.fetched.url, "final_url": self.fetched.final_url, "sha256": self.fetched.sha256},
            "status": self.status,
            "error": self.error,
            "sha256": {"old": self.old_sha256, "new": self.new_sha256},
            "repairs": [r.to_json() for r in self.repairs],
            "added_operations": self.added,
            "pinned": {key: report.to_json() for key, report in self.pinned.items()},
            **self.report.to_json(),
        }

    def text_lines(self) -> list[str]:
        lines = [f"{self.name}: {self.spec} <- {self.upstream} ({self.via})"]
        if self.fetched is not None:
            moved = f", redirected to {self.fetched.final_url}" if self.fetched.final_url != self.fetched.url else ""
            lines.append(f"  fetched {len(self.fetched.body)} bytes, sha256 {self.fetched.sha256}{moved}")
        if self.repairs and not self.error:
            lines.append(f"  repaired {len(self.repairs)} character(s) the parsers refuse, none in a vendored part:")
            lines.extend(f"    {r.text()}" for r in self.repairs)
        if self.error:
            lines.append(f"  FAILED, {self.spec} left unchanged: {self.error}")
            return lines
        if self.added:
            lines.append(f"  adding operation(s): {', '.join(self.added)}")
        for key, report in self.pinned.items():
            if report.changes:
                lines.append(f"  pinned {key}: kept as committed; the upstream's version differs (not applied):")
                lines.extend(f"    {line}" for line in report.text_lines())
            else:
                lines.append(f"  pinned {key}: kept as committed; the upstream's version is the same")
        status = {
            "unchanged": "unchanged (same bytes as committed)",
            "updated": f"updated: sha256 {self.old_sha256} -> {self.new_sha256}",
            "would-update": f"would update (dry run): sha256 {self.old_sha256} -> {self.new_sha256}",
            "not-written": f"NOT written, {self.spec} left unchanged: a recorded operation is gone upstream",
        }[self.status]
        lines.append(f"  {status}")
        if self.note:
            lines.append(f"  note: {self.note}")
        lines.extend(f"  {line}" for line in self.report.text_lines())
        return lines


def upstream_url(name: str, entry: Mapping[str, Any], overrides: Mapping[str, str]) -> tuple[str, str]:
    """The URL to fetch and where it was given: --upstream beats the environment, which beats provenance.json."""
    if name in overrides:
        return overrides[name], "--upstream"
    variable = ENV_PREFIX + name.upper().replace("-", "_")
    env = os.environ.get(variable)
    if env:
        return env, f"${variable}"
    url = (entry.get("upstream") or {}).get("url")
    if not isinstance(url, str) or not url:
        raise SpecError(f"specs/provenance.json: {name} has no upstream.url")
    return url, "provenance.json upstream.url"


def prepare(root: Path, name: str, entry: Mapping[str, Any], url: str, via: str, add: Sequence[str] = ()) -> SpecResult:
    """Fetch, parse tolerantly, reduce, validate the extract and diff it; writes nothing."""
    spec_path = root / "specs" / str(entry["spec"])
    result = SpecResult(name=name, spec=f"specs/{spec_path.name}", upstream=url, via=via)
    try:
        result.fetched = fetch(url)
        upstream = read_source(result.fetched.body, f"upstream {url}")
        result.repairs = upstream.repairs
        committed = read_source(spec_path.read_bytes(), result.spec, tolerant=False)
        usage = load_facade_usage(root, name)
        records = [dict(r) for r in entry.get("operations") or []]
        recorded = [Operation.of(r) for r in records]
        for operation_id in add:
            operation = find_operation_id(upstream.data, operation_id)
            if any((o.method, o.path) == (operation.method, operation.path) for o in recorded):
                continue  # already vendored: nothing to add
            recorded.append(operation)
            records.append({"method": operation.method, "path": operation.path})
            result.added.append(f"{operation_id} ({operation.key})")
        reduction = reduce_sources(upstream.data, recorded, committed.data)
        _refuse_vendored_repairs(upstream, reduction)
        validate_document(reduction.document, f"{name} reduced to its recorded operations")
        rendering = render(reduction.document, [committed, upstream])
        if rendering.serialised and rendering.serialised[0].startswith("(whole"):
            result.note = "the vendored text could not be reused, so the whole spec was re-serialised"
    except (SpecError, OSError) as exc:
        result.error = str(exc)
        return result
    result.report = diff_documents(committed.data, reduction.document, usage)
    for operation in recorded:
        if operation.pinned:
            result.pinned[operation.key] = _pinned_difference(operation, committed.data, upstream.data, usage)
    for record, operation in zip(records, recorded, strict=True):
        found_id = reduction.operation_ids.get(operation.key)
        if found_id and "operationId" not in record:
            record["operationId"] = found_id
    result.operations = records
    result.old_sha256 = hashlib.sha256(spec_path.read_bytes()).hexdigest()
    result.new_bytes = rendering.text.encode("utf-8")
    result.new_sha256 = hashlib.sha256(result.new_bytes).hexdigest()
    if reduction.missing:
        result.status = "not-written"
        for operation_key in reduction.missing:
            if not any(
                c.operation == operation_key and c.kind in ("operation-removed", "operation-moved")
                for c in result.report.changes
            ):
                result.report.changes.append(
                    Change(BREAKING, "operation-removed", operation_key, "operation not found upstream")
                )
    elif result.new_sha256 == result.old_sha256:
        result.status = "unchanged"
    else:
        result.status = "would-update"
    return result


def _refuse_vendored_repairs(upstream: Source, reduction: Reduction) -> None:
    """A repaired character may stand outside what we vendor, never inside it."""
    inside = repairs_inside(upstream, reduction.from_upstream)
    if not inside and upstream.repairs and any(REPLACEMENT in s for s in iter_strings(reduction.document)):
        inside = [r for r in upstream.repairs if r.pointer is None]  # belt and braces: location unknown
    if inside:
        where = "; ".join(r.text() for r in inside)
        raise SpecError(f"the upstream document has bytes the parsers refuse inside a vendored part: {where}")


def _pinned_difference(
    operation: Operation, committed: Mapping[str, Any], upstream: Mapping[str, Any], usage: FacadeUsage
) -> DiffReport:
    """How the upstream's version of a pinned operation differs from the committed one (not applied)."""
    record = [{"method": operation.method, "path": operation.path}]
    try:
        theirs, missing = reduce_document(upstream, record)
        ours, _ = reduce_document(committed, record)
    except SpecError as exc:
        return DiffReport([Change(BREAKING, "unclassified", operation.key, f"upstream version unreadable: {exc}")])
    if missing:
        return DiffReport([Change(BREAKING, "operation-removed", operation.key, "not in the upstream document")])
    return diff_documents(ours, theirs, usage)


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


def commit(root: Path, results: Sequence[SpecResult], notes: Mapping[str, str] | None = None) -> None:
    """Write every spec that is ready, then provenance.json once, both atomically."""
    ready = [r for r in results if r.status == "would-update" and r.new_bytes is not None and r.fetched is not None]
    if not ready:
        return
    provenance_path = root / "specs" / "provenance.json"
    provenance = json.loads(provenance_path.read_text(encoding="utf-8"))
    today = date.today().isoformat()
    for result in ready:
        assert result.new_bytes is not None
        assert result.fetched is not None
        atomic_write(root / result.spec, result.new_bytes)
        entry = provenance["specs"][result.name]
        entry["sha256"] = result.new_sha256
        entry["vendored"] = today
        upstream = entry.setdefault("upstream", {})
        for legacy in ("etag", "last_modified"):  # once recorded under upstream.url even when a mirror was fetched
            upstream.pop(legacy, None)
        fetched: dict[str, Any] = {"url": result.fetched.url, "via": result.via}
        if result.fetched.final_url != result.fetched.url:
            fetched["final_url"] = result.fetched.final_url
        fetched["sha256"] = result.fetched.sha256
        fetched["date"] = today
        if result.fetched.etag:
            fetched["etag"] = result.fetched.etag
        if result.fetched.last_modified:
            fetched["last_modified"] = result.fetched.last_modified
        if notes and result.name in notes:
            fetched["note"] = notes[result.name]
        if result.repairs:
            fetched["repairs"] = [r.to_json() for r in result.repairs]
        entry["fetched"] = fetched
        source = {"url": result.fetched.final_url, "sha256": result.fetched.sha256, "fetched": today}
        operations = []
        for record in result.operations:
            record = dict(record)
            if not record.get("pinned"):
                record["source"] = dict(source)
            operations.append(record)
        entry["operations"] = operations
        result.status = "updated"
    atomic_write(provenance_path, (json.dumps(provenance, indent=2) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- CLI


def _parse_pairs(flag: str, values: Sequence[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name or not rest:
            raise SpecError(f"{flag} {value!r}: expected NAME={what}")
        pairs[name] = rest
    return pairs


def run(
    root: Path,
    names: Sequence[str],
    overrides: Mapping[str, str],
    dry_run: bool,
    add: Sequence[str] = (),
    notes: Mapping[str, str] | None = None,
) -> list[SpecResult]:
    entries = json.loads((root / "specs" / "provenance.json").read_text(encoding="utf-8"))["specs"]
    unknown = sorted(set(names) - set(entries)) + sorted((set(overrides) | set(notes or {})) - set(entries))
    if unknown:
        raise SpecError(f"unknown spec name(s) {', '.join(unknown)}; known: {', '.join(entries)}")
    if add and len(names) != 1:
        raise SpecError("--add-operation needs exactly one spec NAME (the spec the operations are added to)")
    selected = list(names) or list(entries)
    results = []
    for name in selected:
        try:
            url, via = upstream_url(name, entries[name], overrides)
        except SpecError as exc:
            results.append(SpecResult(name=name, spec=f"specs/{entries[name]['spec']}", upstream="?", error=str(exc)))
            continue
        results.append(prepare(root, name, entries[name], url, via, add))
    if not dry_run:
        commit(root, results, notes)
    return results


def markdown_report(results: Sequence[SpecResult], code: int) -> str:
    """The change report as Markdown: the body of the scheduled job's pull request."""
    verdict = {
        0: "No breaking change: regenerate, review, merge.",
        1: "**BREAKING changes**: the facade must be adapted before this is merged.",
        2: "**A spec could not be updated** (see below); the others are reported as usual.",
    }[code]
    lines = ["## Vendored specs: what changed upstream", "", verdict, ""]
    for result in results:
        lines.append(f"### `{result.spec}` ({result.name})")
        lines.append("")
        lines.append(f"- upstream: {result.upstream} ({result.via})")
        if result.fetched is not None:
            lines.append(f"- fetched: {len(result.fetched.body)} bytes, sha256 `{result.fetched.sha256}`")
        if result.error:
            lines.extend([f"- **FAILED**, left unchanged: {result.error}", ""])
            continue
        lines.append(f"- status: {result.status}" + (f", sha256 `{result.new_sha256}`" if result.new_sha256 else ""))
        if result.repairs:
            lines.append(f"- repaired outside the vendored parts: {len(result.repairs)} character(s)")
            lines.extend(f"  - {r.text()}" for r in result.repairs)
        if result.added:
            lines.append(f"- operations added: {', '.join(result.added)}")
        for key, report in result.pinned.items():
            if report.changes:
                lines.append(f"- pinned `{key}` kept as committed; the upstream's version differs (not applied):")
                lines.extend(f"  - {_markdown_change(c)}" for c in report.changes)
        lines.append("")
        if result.report.changes:
            lines.append("| verdict | operation | change | why |")
            lines.append("|---|---|---|---|")
            lines.extend(
                "| {} | `{}` | {} | {} |".format(
                    "**BREAKING**" if c.severity == BREAKING else "non-breaking",
                    c.operation or "-",
                    _cell(c.message),
                    _cell(c.why),
                )
                for c in result.report.changes
            )
        else:
            lines.append("No API change.")
        lines.append("")
    lines.append("Made by `nox -s update_specs -- --markdown FILE`; see docs/MAINTAINING.md for the review.")
    return "\n".join(lines) + "\n"


def _markdown_change(change: Change) -> str:
    label = "**BREAKING**" if change.severity == BREAKING else "non-breaking"
    return f"{label} {change.message} (why: {change.why})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


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
    parser.add_argument(
        "--upstream-note",
        action="append",
        default=[],
        metavar="NAME=TEXT",
        help="record TEXT with the fetch in provenance.json (what a mirror is a copy of)",
    )
    parser.add_argument(
        "--add-operation",
        action="append",
        default=[],
        metavar="OPERATION_ID",
        help="vendor this upstream operation too (with exactly one NAME); recorded in provenance.json",
    )
    parser.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write the report as Markdown to FILE (a pull request body)"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        results = run(
            root,
            args.names,
            _parse_pairs("--upstream", args.upstream, "URL"),
            args.dry_run,
            args.add_operation,
            _parse_pairs("--upstream-note", args.upstream_note, "TEXT"),
        )
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    code = exit_code(results)
    written = any(r.status == "updated" for r in results)
    if args.markdown:
        args.markdown.write_text(markdown_report(results, code), encoding="utf-8")
    if args.json:
        payload = {
            "specs": [r.to_json() for r in results],
            "breaking": any(r.breaking for r in results),
            "failed": any(r.error for r in results),
            "exit_code": code,
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
