"""Sort the differences between two OpenAPI documents into breaking or not, for a client of this facade.

    python -m tools.spec_diff OLD NEW [--json]     exit 0: nothing breaking, 1: breaking, 2: bad input

"Breaking" means: the generated client the facade imports changes a name, a
signature or a return type, or a request the facade sends today would no
longer be understood (a header, a parameter, a status or media type it relies
on). The facade is type-checked against the generated code, so a break here
usually shows up again as a mypy error after ``nox -s generate``.

How: each document is first turned into a canonical model that only holds
what reaches the wire or the generated code: local ``$ref``s inlined (a
component that moved or was renamed is not a change), parameters keyed by
location and name, security resolved to the header, cookie or HTTP scheme it
puts on the request. ``deepdiff`` then finds every structural difference
between the two models; the rules below classify each one. A difference no
rule recognises is reported as breaking so that a human looks at it, rather
than being waved through.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from deepdiff import DeepDiff
from deepdiff.helper import notpresent

Severity = Literal["breaking", "non-breaking"]
BREAKING: Severity = "breaking"
NON_BREAKING: Severity = "non-breaking"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keys that only document: changing them changes no request, response or generated signature.
DESCRIPTIVE = frozenset({"description", "summary", "example", "examples", "title", "externalDocs", "deprecated"})
# Schema constraints the generated client does not check (see shared NOTES): they change what the
# server accepts, not the code the facade compiles against.
CONSTRAINTS = frozenset(
    {
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "multipleOf",
        "minProperties",
        "maxProperties",
        "default",
        "readOnly",
        "writeOnly",
    }
)
SERIALISATION = frozenset({"style", "explode", "allowReserved", "allowEmptyValue", "content"})


class SpecError(Exception):
    """A document that cannot be read, parsed or validated; the message is meant for the maintainer."""


@dataclass(frozen=True)
class Change:
    """One classified difference. ``kind`` is a stable slug for tests and CI; ``message`` is for people."""

    severity: Severity
    kind: str
    operation: str
    message: str
    location: str = ""

    def text(self) -> str:
        label = "BREAKING" if self.severity == BREAKING else "non-breaking"
        where = f"{self.operation}: " if self.operation else ""
        return f"{label:<13} {where}{self.message}"


@dataclass
class DiffReport:
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.severity == BREAKING]

    def to_json(self) -> dict[str, Any]:
        return {"breaking": bool(self.breaking), "changes": [asdict(c) for c in self.changes]}

    def text_lines(self) -> list[str]:
        if not self.changes:
            return ["no API change"]
        count = len(self.changes)
        broken = len(self.breaking)
        head = f"{count} change{'s' if count != 1 else ''}, " + (f"{broken} BREAKING" if broken else "none breaking")
        return [head + ":", *(f"  {c.text()}" for c in self.changes)]


# --------------------------------------------------------------------------- reading


def parse_document(text: str, source: str) -> dict[str, Any]:
    """JSON or YAML text to a mapping (JSON first: it is what most vendors publish and it is exact)."""
    try:
        data: Any = json.loads(text)
    except ValueError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"{source}: neither JSON nor YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected an OpenAPI document (a mapping), got {type(data).__name__}")
    return data


def load_document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from exc
    return parse_document(text, str(path))


def validate_document(document: Mapping[str, Any], source: str) -> None:
    """Raise SpecError when the document is not valid OpenAPI (the validator raises several unrelated types)."""
    from openapi_spec_validator import validate

    try:
        validate(dict(document))
    except Exception as exc:
        lines = str(exc).strip().splitlines()
        summary = "\n    ".join(lines[:6]) + ("\n    ..." if len(lines) > 6 else "")
        raise SpecError(f"{source}: not a valid OpenAPI document: {summary}") from exc


# --------------------------------------------------------------------------- canonical model


def lookup_ref(document: Mapping[str, Any], ref: str) -> Any:
    """The node a local JSON pointer ``#/a/b`` names; external references are not supported."""
    if not ref.startswith("#/"):
        raise SpecError(f"$ref {ref!r}: only local references (#/...) are supported")
    node: Any = document
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            raise SpecError(f"$ref {ref!r} does not resolve")
        node = node[part]
    return node


def inline_refs(document: Mapping[str, Any], node: Any, stack: tuple[str, ...] = ()) -> Any:
    """A copy of ``node`` with local $refs replaced by their targets; a cycle is cut with a neutral marker."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in stack:
                return {"x-circular-ref": True}
            return inline_refs(document, lookup_ref(document, ref), (*stack, ref))
        return {str(k): inline_refs(document, v, stack) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(document, v, stack) for v in node]
    return node


def _scheme_wire_name(scheme: Any, name: str) -> str:
    """What a security scheme puts on the request, in words; the component's own name does not matter."""
    if not isinstance(scheme, Mapping):
        return f"undefined security scheme {name!r}"
    kind = scheme.get("type")
    if kind == "apiKey":
        where = str(scheme.get("in", "?"))
        key = str(scheme.get("name", "?"))
        if where == "header":
            key = key.lower()  # HTTP header names are case-insensitive
        return f"api key in {where} {key!r}"
    if kind == "http":
        return f"HTTP {str(scheme.get('scheme', '?')).lower()} auth"
    if kind == "oauth2":
        return "OAuth2"
    if kind == "openIdConnect":
        return "OpenID Connect"
    return f"{kind} security"


def _security(document: Mapping[str, Any], requirements: Any) -> dict[str, Any]:
    schemes = document.get("components", {}).get("securitySchemes", {}) or {}
    alternatives: dict[str, Any] = {}
    for requirement in requirements or []:
        if not isinstance(requirement, Mapping):
            continue
        wire = {}
        for name, scopes in requirement.items():
            scheme = inline_refs(document, schemes.get(name))
            wire[_scheme_wire_name(scheme, str(name))] = sorted(str(s) for s in scopes or [])
        key = " + ".join(sorted(wire)) or "no authentication"
        alternatives[key] = {"scopes": wire}
    return alternatives


def _param_key(param: Mapping[str, Any]) -> str:
    where = str(param.get("in", "?"))
    name = str(param.get("name", "?"))
    return f"{where}:{name.lower() if where == 'header' else name}"


def _operation_model(
    document: Mapping[str, Any], item: Mapping[str, Any], operation: Mapping[str, Any]
) -> dict[str, Any]:
    model: dict[str, Any] = {}
    if "operationId" in operation:
        model["operationId"] = operation["operationId"]
    for key in ("summary", "description", "deprecated", "externalDocs"):
        if key in operation:
            model[key] = inline_refs(document, operation[key])
    model["tags"] = list(operation.get("tags") or [])
    servers = operation.get("servers") or item.get("servers") or document.get("servers") or []
    model["servers"] = {str(s.get("url")): {k: v for k, v in s.items() if k != "url"} for s in servers}
    params: dict[str, Any] = {}
    for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        param = inline_refs(document, raw)
        body = {k: v for k, v in param.items() if k not in ("name", "in")}
        body["required"] = bool(param.get("required", param.get("in") == "path"))
        params[_param_key(param)] = body  # operation-level parameters override path-level ones
    model["parameters"] = params
    if "requestBody" in operation:
        body = inline_refs(document, operation["requestBody"])
        body["required"] = bool(body.get("required", False))
        model["requestBody"] = body
    model["responses"] = {
        str(k).upper(): inline_refs(document, v) for k, v in (operation.get("responses") or {}).items()
    }
    requirements = operation["security"] if "security" in operation else document.get("security")
    model["security"] = _security(document, requirements)
    return model


def canonical_model(document: Mapping[str, Any]) -> dict[str, Any]:
    """What of a document a client depends on, keyed so that a diff lines up operation by operation."""
    operations: dict[str, Any] = {}
    for path, raw_item in (document.get("paths") or {}).items():
        item = inline_refs(document, raw_item)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                operations[f"{method.upper()} {path}"] = _operation_model(document, item, operation)
    info = document.get("info") or {}
    return {"info": {k: v for k, v in info.items()}, "operations": operations}


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True)
class _Raw:
    action: Literal["added", "removed", "changed"]
    path: tuple[str | int, ...]
    old: Any
    new: Any


def _raw_changes(old: Any, new: Any) -> Iterator[_Raw]:
    # threshold_to_diff_deeper=0: always report key by key, never "the whole mapping changed".
    diff = DeepDiff(old, new, ignore_order=True, view="tree", threshold_to_diff_deeper=0)
    for report_type, levels in diff.items():
        if report_type.endswith("_added"):
            action: Literal["added", "removed", "changed"] = "added"
        elif report_type.endswith("_removed"):
            action = "removed"
        else:
            action = "changed"
        for level in levels:
            t1 = None if level.t1 is notpresent else level.t1
            t2 = None if level.t2 is notpresent else level.t2
            yield _Raw(action, tuple(level.path(output_format="list")), t1, t2)


def _is_success(status: str) -> bool:
    return status[:1] in ("2", "3")


def _describe_param(key: str) -> str:
    where, _, name = key.partition(":")
    return f"{where} parameter {name!r}"


def _type_of(schema: Any) -> str:
    if not isinstance(schema, Mapping):
        return repr(schema)
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _is_descriptive(rest: Sequence[str | int]) -> bool:
    for index, part in enumerate(rest):
        if not isinstance(part, str):
            continue
        previous = rest[index - 1] if index else None
        if previous == "properties":
            continue  # a property that happens to be called "description"
        if part in DESCRIPTIVE or part.startswith("x-"):
            return True
    return False


def _schema_change(raw: _Raw, sub: tuple[str | int, ...], request: bool, where: str, op: str) -> Change:
    """Classify a difference inside a schema; ``request`` says whether the client sends or receives it."""
    loc = "/".join(str(p) for p in raw.path)
    last = sub[-1] if sub else None
    if not sub:
        return Change(BREAKING, "schema-changed", op, f"{where}: schema {raw.action}", loc)
    if len(sub) >= 2 and sub[-2] == "properties":
        if raw.action == "removed":
            return Change(BREAKING, "schema-property-removed", op, f"{where}: property {last!r} removed", loc)
        if raw.action == "added":
            return Change(NON_BREAKING, "schema-property-added", op, f"{where}: property {last!r} added", loc)
    if last in ("type", "format") or (raw.action == "changed" and type(raw.old) is not type(raw.new)):
        return Change(BREAKING, "type-changed", op, f"{where}: {last} changed from {raw.old!r} to {raw.new!r}", loc)
    if "enum" in sub:
        return Change(
            BREAKING, "enum-changed", op, f"{where}: allowed values changed (the generated enum changes)", loc
        )
    if "required" in sub:
        values = raw.new if raw.action == "added" else raw.old
        names = ", ".join(repr(v) for v in (values if isinstance(values, list) else [values]))
        stricter = (raw.action == "added") == request
        text = f"{where}: {names} {'now' if raw.action == 'added' else 'no longer'} required"
        return Change(BREAKING if stricter else NON_BREAKING, "schema-required-changed", op, text, loc)
    if last == "nullable":
        now_nullable = bool(raw.new)
        breaks = now_nullable != request  # a response may now be null, or a request may no longer be
        text = f"{where}: {'now' if now_nullable else 'no longer'} nullable"
        return Change(BREAKING if breaks else NON_BREAKING, "nullable-changed", op, text, loc)
    if isinstance(last, str) and last in CONSTRAINTS:
        text = (
            f"{where}: {last} changed from {raw.old!r} to {raw.new!r} "
            "(the generated client does not check constraints: review the facade's own validation)"
        )
        return Change(NON_BREAKING, "constraint-changed", op, text, loc)
    return Change(BREAKING, "schema-changed", op, f"{where}: schema {raw.action} at {'/'.join(map(str, sub))}", loc)


def _classify(raw: _Raw, old_model: Mapping[str, Any]) -> Change:
    loc = "/".join(str(p) for p in raw.path)
    if raw.path[:1] == ("info",):
        return Change(NON_BREAKING, "info-changed", "", f"info {loc[5:] or ''} {raw.action}".strip(), loc)
    if raw.path[:1] != ("operations",) or len(raw.path) < 2:
        return Change(BREAKING, "unclassified", "", f"{loc} {raw.action}: review by hand", loc)
    op = str(raw.path[1])
    rest = raw.path[2:]
    if not rest:
        if raw.action == "removed":
            return Change(BREAKING, "operation-removed", op, "operation removed", loc)
        return Change(NON_BREAKING, "operation-added", op, "operation added", loc)
    if _is_descriptive(rest):
        return Change(NON_BREAKING, "documentation", op, f"{'/'.join(map(str, rest))} {raw.action}", loc)
    head = rest[0]
    if head == "operationId":
        text = f"operationId {raw.old!r} -> {raw.new!r} (the generated function's module is renamed)"
        return Change(BREAKING, "operation-renamed", op, text, loc)
    if head == "tags":
        text = f"tag {raw.old!r} -> {raw.new!r} (the generated module moves to another api/<tag>/ package)"
        return Change(BREAKING, "operation-tag-changed", op, text, loc)
    if head == "servers":
        if len(rest) == 2 and raw.action == "added":
            return Change(NON_BREAKING, "server-added", op, f"server {rest[1]!r} added", loc)
        return Change(BREAKING, "server-changed", op, f"server {rest[1] if len(rest) > 1 else ''!r} {raw.action}", loc)
    if head == "security":
        return _security_change(raw, rest, op, old_model, loc)
    if head == "parameters" and len(rest) >= 2:
        return _parameter_change(raw, rest, op, loc)
    if head == "requestBody":
        return _request_body_change(raw, rest, op, loc)
    if head == "responses" and len(rest) >= 2:
        return _response_change(raw, rest, op, loc)
    return Change(BREAKING, "unclassified", op, f"{'/'.join(map(str, rest))} {raw.action}: review by hand", loc)


def _security_change(raw: _Raw, rest: tuple[str | int, ...], op: str, old_model: Mapping[str, Any], loc: str) -> Change:
    if len(rest) == 2:
        if raw.action == "removed":
            return Change(BREAKING, "security-changed", op, f"security {rest[1]} no longer accepted", loc)
        had_auth = bool(old_model["operations"].get(op, {}).get("security"))
        if had_auth:
            return Change(NON_BREAKING, "security-alternative-added", op, f"security {rest[1]} now also accepted", loc)
        return Change(BREAKING, "security-changed", op, f"authentication now required: {rest[1]}", loc)
    return Change(BREAKING, "security-scopes-changed", op, f"security {rest[1]}: scopes changed", loc)


def _parameter_change(raw: _Raw, rest: tuple[str | int, ...], op: str, loc: str) -> Change:
    key = str(rest[1])
    what = _describe_param(key)
    if len(rest) == 2:
        if raw.action == "removed":
            return Change(BREAKING, "parameter-removed", op, f"{what} removed", loc)
        if isinstance(raw.new, Mapping) and raw.new.get("required"):
            return Change(BREAKING, "required-parameter-added", op, f"required {what} added", loc)
        return Change(NON_BREAKING, "optional-parameter-added", op, f"optional {what} added", loc)
    attribute = rest[2]
    if attribute == "required":
        if raw.new:
            return Change(BREAKING, "parameter-became-required", op, f"{what} is now required", loc)
        return Change(NON_BREAKING, "parameter-became-optional", op, f"{what} is now optional", loc)
    if attribute == "schema":
        return _schema_change(raw, rest[3:], True, what, op)
    if attribute in SERIALISATION:
        return Change(BREAKING, "parameter-serialisation-changed", op, f"{what}: {attribute} {raw.action}", loc)
    return Change(BREAKING, "unclassified", op, f"{what}: {attribute} {raw.action}: review by hand", loc)


def _request_body_change(raw: _Raw, rest: tuple[str | int, ...], op: str, loc: str) -> Change:
    if len(rest) == 1:
        if raw.action == "removed":
            return Change(BREAKING, "request-body-removed", op, "request body removed", loc)
        if isinstance(raw.new, Mapping) and raw.new.get("required"):
            return Change(BREAKING, "request-body-added", op, "required request body added", loc)
        return Change(NON_BREAKING, "request-body-added", op, "optional request body added", loc)
    if rest[1] == "required":
        severity = BREAKING if raw.new else NON_BREAKING
        return Change(severity, "request-body-required-changed", op, f"request body required: {raw.new}", loc)
    if rest[1] == "content" and len(rest) == 3:
        if raw.action == "removed":
            return Change(BREAKING, "request-media-type-removed", op, f"request media type {rest[2]!r} removed", loc)
        return Change(NON_BREAKING, "request-media-type-added", op, f"request media type {rest[2]!r} added", loc)
    if rest[1] == "content" and len(rest) > 3 and rest[3] == "schema":
        return _schema_change(raw, rest[4:], True, f"request body ({rest[2]})", op)
    return Change(BREAKING, "unclassified", op, f"request body {'/'.join(map(str, rest[1:]))} {raw.action}", loc)


def _response_change(raw: _Raw, rest: tuple[str | int, ...], op: str, loc: str) -> Change:
    status = str(rest[1])
    success = _is_success(status)
    if len(rest) == 2:
        if raw.action == "removed":
            kind = "success-status-changed" if success else "response-removed"
            return Change(BREAKING, kind, op, f"documented response {status} removed", loc)
        return Change(NON_BREAKING, "response-added", op, f"response {status} added", loc)
    attribute = rest[2]
    label = f"response {status}"
    if attribute == "content" and len(rest) <= 4:
        media = f"media type {rest[3]!r}" if len(rest) == 4 else "body"
        if raw.action == "added":
            return Change(NON_BREAKING, "response-media-type-added", op, f"{label}: {media} added", loc)
        kind = "success-media-type-changed" if success else "response-media-type-removed"
        return Change(BREAKING, kind, op, f"{label}: {media} removed", loc)
    if attribute == "content" and len(rest) > 4 and rest[4] == "schema":
        return _schema_change(raw, rest[5:], False, f"{label} ({rest[3]})", op)
    if attribute == "headers":
        if raw.action == "removed" and len(rest) == 4:
            return Change(BREAKING, "response-header-removed", op, f"{label}: header {rest[3]!r} removed", loc)
        return Change(NON_BREAKING, "response-header-changed", op, f"{label}: headers {raw.action}", loc)
    if attribute == "links":
        return Change(NON_BREAKING, "documentation", op, f"{label}: links {raw.action}", loc)
    return Change(BREAKING, "unclassified", op, f"{label}: {'/'.join(map(str, rest[2:]))} {raw.action}", loc)


# --------------------------------------------------------------------------- pairing


def _first_added(raws: Sequence[_Raw], match: Callable[[_Raw], bool]) -> _Raw | None:
    return next((c for c in raws if c.action == "added" and match(c)), None)


def _counterpart(removed: _Raw, raws: Sequence[_Raw]) -> tuple[_Raw, Change] | None:
    """The added change that, with ``removed``, is really one change (a move, a rename), and that change."""
    path = removed.path
    loc = "/".join(map(str, path))
    if len(path) == 2:  # an operation gone: moved if an added one carries the same operationId
        op_id = removed.old.get("operationId") if isinstance(removed.old, Mapping) else None
        if op_id is None:
            return None
        added = _first_added(raws, lambda c: len(c.path) == 2 and c.new.get("operationId") == op_id)
        if added is None:
            return None
        text = f"moved to {added.path[1]} (path or method changed; operationId {op_id!r})"
        return added, Change(BREAKING, "operation-moved", str(path[1]), text, loc)
    op, parent, section = str(path[1]), path[:-1], path[2]
    siblings = [c for c in raws if c.path[:-1] == parent]
    if len(path) == 4 and section == "parameters":
        old_in, _, old_name = str(path[3]).partition(":")
        old_schema = removed.old.get("schema") if isinstance(removed.old, Mapping) else None

        def same_param(c: _Raw) -> bool:
            new_in, _, new_name = str(c.path[-1]).partition(":")
            same_schema = isinstance(c.new, Mapping) and c.new.get("schema") == old_schema
            return (new_in == old_in and same_schema) or new_name.lower() == old_name.lower()

        added = _first_added(siblings, same_param)
        if added is None:
            return None
        new_in, _, new_name = str(added.path[-1]).partition(":")
        if new_in != old_in:
            return added, Change(
                BREAKING,
                "parameter-location-changed",
                op,
                f"parameter {old_name!r} moved from {old_in} to {new_in}",
                loc,
            )
        return added, Change(
            BREAKING, "parameter-renamed", op, f"{old_in} parameter {old_name!r} renamed to {new_name!r}", loc
        )
    if len(path) == 4 and section == "responses" and _is_success(str(path[3])):
        added = _first_added(siblings, lambda c: _is_success(str(c.path[-1])))
        if added is None:
            return None
        text = f"success status changed from {path[3]} to {added.path[3]}"
        return added, Change(BREAKING, "success-status-changed", op, text, loc)
    if len(path) == 6 and section == "responses" and path[4] == "content" and _is_success(str(path[3])):
        added = _first_added(siblings, lambda c: True)
        if added is None:
            return None
        text = f"response {path[3]}: media type changed from {path[5]!r} to {added.path[5]!r}"
        return added, Change(BREAKING, "success-media-type-changed", op, text, loc)
    if len(path) == 4 and section == "security":
        added = _first_added(siblings, lambda c: True)
        if added is None:
            return None
        return added, Change(
            BREAKING, "security-changed", op, f"security changed from {path[3]} to {added.path[3]}", loc
        )
    return None


def _paired_changes(raws: list[_Raw]) -> tuple[list[Change], list[_Raw]]:
    """Turn removed+added pairs that are one change (a rename, a move) into a single message."""
    changes: list[Change] = []
    remaining = list(raws)
    for raw in raws:
        if raw not in remaining or raw.action != "removed" or raw.path[:1] != ("operations",):
            continue
        paired = _counterpart(raw, remaining)
        if paired is not None:
            added, change = paired
            remaining.remove(raw)
            remaining.remove(added)
            changes.append(change)
    return changes, remaining


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> DiffReport:
    """Every difference between two documents that matters to a client, classified."""
    old_model, new_model = canonical_model(old), canonical_model(new)
    raws = sorted(_raw_changes(old_model, new_model), key=lambda r: [str(p) for p in r.path])
    changes, remaining = _paired_changes(raws)
    changes.extend(_classify(raw, old_model) for raw in remaining)
    changes.sort(key=lambda c: (c.operation, c.severity != BREAKING, c.location))
    return DiffReport(changes)


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.spec_diff",
        description="Classify the changes between two OpenAPI documents (exit 0: none breaking, 1: breaking, 2: bad input).",
    )
    parser.add_argument("old", type=Path, help="the committed document (YAML or JSON)")
    parser.add_argument("new", type=Path, help="the candidate document (YAML or JSON)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        documents = []
        for path in (args.old, args.new):
            document = load_document(path)
            validate_document(document, str(path))
            documents.append(document)
        report = diff_documents(documents[0], documents[1])
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print("\n".join(report.text_lines()))
    return 1 if report.breaking else 0


if __name__ == "__main__":
    sys.exit(main())
