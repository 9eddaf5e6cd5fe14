"""Sort the differences between two OpenAPI documents into breaking or not, for this project's facade.

    python -m tools.spec_diff OLD NEW [--json] [--facade NAME]
    exit 0: nothing breaking, 1: breaking, 2: bad input

"Breaking" is judged by the effect of a change on what the facade compiles
against and sends, and every verdict says why:

- the generated package (openapi-python-client, pinned): a module that moves
  (its ``api/<first tag>/<operationId>.py`` path changes), a function whose
  signature changes (a parameter added as required, removed, renamed, retyped),
  a model that loses a field or changes a type. The generator files an
  operation under its *first* tag only and ignores ``securitySchemes`` and
  ``servers``, so a second tag or a security change alone leaves the
  generated code identical;
- what the facade uses: every vendored operation (that is why it is vendored),
  and the credentials it sends, declared per spec in specs/facade_usage.yaml.
  An authentication alternative the facade never sends may come and go; one it
  sends may not. Without a declaration (``--facade`` not given to the CLI) every
  alternative counts as used.

How: each document is first turned into a canonical model that only holds
what reaches the wire or the generated code: local ``$ref``s inlined (a
component that moved or was renamed is not a change), parameters keyed by
location and name, security resolved to the header, cookie or HTTP scheme it
puts on the request, and the path of the generated module. ``deepdiff`` then
finds every structural difference between the two models; the rules below
classify each one. A difference no rule recognises is reported as breaking so
that a human looks at it, rather than being waved through.
"""

from __future__ import annotations

import argparse
import builtins
import json
import keyword
import re
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


FACADE_USAGE = "specs/facade_usage.yaml"
ROOT = Path(__file__).resolve().parent.parent


class SpecError(Exception):
    """A document that cannot be read, parsed or validated; the message is meant for the maintainer."""


@dataclass(frozen=True)
class Change:
    """One classified difference. ``kind`` is a stable slug for tests and CI; ``message`` and ``why`` are for people."""

    severity: Severity
    kind: str
    operation: str
    message: str
    location: str = ""
    why: str = ""

    def text(self) -> str:
        label = "BREAKING" if self.severity == BREAKING else "non-breaking"
        where = f"{self.operation}: " if self.operation else ""
        return f"{label:<13} {where}{self.message}"


@dataclass(frozen=True)
class FacadeUsage:
    """What the facade puts on its requests for one spec: the credentials it can send (wire descriptions).

    ``credentials`` None means "not declared": every authentication alternative then counts as used.
    """

    credentials: frozenset[str] | None = None
    source: str = ""

    def uses(self, alternative: str) -> bool:
        """Whether the facade can authenticate with ``alternative`` ("api key in header 'x-api-key'" [+ ...])."""
        if self.credentials is None:
            return True
        needed = {part for part in alternative.split(" + ") if part != "no authentication"}
        return needed <= self.credentials

    def describe(self) -> str:
        if self.credentials is None:
            return "no facade usage declared, so every alternative counts as used"
        sends = " or ".join(sorted(self.credentials)) or "no credential"
        return f"the facade sends {sends} ({self.source})"


def credential_wire_name(declared: str) -> str:
    """``header x-api-key`` / ``cookie jwt`` / ``query key`` / ``http bearer`` in the words of the canonical model."""
    where, _, name = declared.strip().partition(" ")
    name = name.strip()
    if where in ("header", "cookie", "query") and name:
        return f"api key in {where} {(name.lower() if where == 'header' else name)!r}"
    if where == "http" and name:
        return f"HTTP {name.lower()} auth"
    if where in ("oauth2", "openidconnect") and not name:
        return "OAuth2" if where == "oauth2" else "OpenID Connect"
    raise SpecError(
        f"{FACADE_USAGE}: credential {declared!r}: expected 'header NAME', 'cookie NAME', 'query NAME' or 'http SCHEME'"
    )


def load_facade_usage(root: Path, name: str) -> FacadeUsage:
    """The declared usage of spec ``name`` from specs/facade_usage.yaml (undeclared when absent)."""
    path = root / FACADE_USAGE
    if not path.exists():
        return FacadeUsage()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{FACADE_USAGE}: cannot read: {exc}") from exc
    entry = data.get(name) if isinstance(data, Mapping) else None
    if entry is None:
        return FacadeUsage()
    credentials = entry.get("credentials") if isinstance(entry, Mapping) else None
    if not isinstance(credentials, list) or not all(isinstance(c, str) for c in credentials):
        raise SpecError(f"{FACADE_USAGE}: {name}.credentials must be a list of strings")
    return FacadeUsage(frozenset(credential_wire_name(c) for c in credentials), f"{FACADE_USAGE}: {name}")


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
        lines = [head + ":"]
        for change in self.changes:
            lines.append(f"  {change.text()}")
            if change.why:
                lines.append(f"  {'':<13} why: {change.why}")
        return lines


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


_DELIMITERS = r"\. _-"
_RESERVED = frozenset((set(dir(builtins)) | {"self", "true", "false", "datetime"}) - {"id"})


def generated_identifier(value: str, prefix: str) -> str:
    """The identifier openapi-python-client 0.29 makes of a name (its strings.PythonIdentifier)."""
    safe = "".join(c for c in value if c.isidentifier() or c.isdecimal() or c in _DELIMITERS)
    leading_underscore = safe.startswith("_")
    words_source = " ".join(re.split("([A-Z]?[a-z]+)", safe)) if any(c.isupper() for c in safe) else safe
    words = re.findall(rf"[^{re.escape(_DELIMITERS)}]+", words_source)
    ident = "_".join(words).lower()
    if ident in _RESERVED or keyword.iskeyword(ident):
        ident += "_"
    if not ident.isidentifier() or leading_underscore:
        ident = f"{prefix}{ident}"
    return ident


def generated_module(path: str, method: str, operation: Mapping[str, Any]) -> str:
    """Where the generator puts an operation: api/<first tag>/<operationId, or method and path>.py."""
    tags = operation.get("tags") or ["default"]
    folder = generated_identifier(str(tags[0]), "tag")
    name = operation.get("operationId")
    if not isinstance(name, str) or not name:
        unsafe = path.replace("{", "").replace("}", "").replace("/", "_").removeprefix("_").removesuffix("_")
        name = generated_identifier(f"{method}_{unsafe}", "field_")
    return f"api/{folder}/{generated_identifier(name, 'field_')}.py"


def _operation_model(
    document: Mapping[str, Any], item: Mapping[str, Any], operation: Mapping[str, Any], path: str = "", method: str = ""
) -> dict[str, Any]:
    model: dict[str, Any] = {}
    if "operationId" in operation:
        model["operationId"] = operation["operationId"]
    model["module"] = generated_module(path, method, operation)
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
                operations[f"{method.upper()} {path}"] = _operation_model(document, item, operation, path, method)
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


# Reasons shared by several rules.
WHY_SIGNATURE = "the generated function's signature changes: the facade's call no longer type-checks"
WHY_REQUEST = "a request the facade sends today would no longer be understood by the vendor"
WHY_RESPONSE = "the generated parser, and the facade reading its result, depend on it"
WHY_MODEL = "a generated model the facade may read changes shape"
WHY_NOT_CHECKED = "the generated client does not check constraints: review the facade's own validation"
WHY_DOCS = "words only: the generated code changes in docstrings at most"
WHY_UNKNOWN = "no rule recognises this difference: review it by hand"
WHY_USED = "the facade calls every vendored operation"


def _schema_change(raw: _Raw, sub: tuple[str | int, ...], request: bool, where: str, op: str) -> Change:
    """Classify a difference inside a schema; ``request`` says whether the client sends or receives it."""
    loc = "/".join(str(p) for p in raw.path)
    last = sub[-1] if sub else None
    why_shape = WHY_SIGNATURE if request else WHY_MODEL
    if not sub:
        return Change(BREAKING, "schema-changed", op, f"{where}: schema {raw.action}", loc, why_shape)
    if len(sub) >= 2 and sub[-2] == "properties":
        if raw.action == "removed":
            why = WHY_SIGNATURE if request else "the generated model loses the attribute; code reading it breaks"
            return Change(BREAKING, "schema-property-removed", op, f"{where}: property {last!r} removed", loc, why)
        if raw.action == "added":
            why = "an optional attribute appears in the generated model; nothing existing changes"
            return Change(NON_BREAKING, "schema-property-added", op, f"{where}: property {last!r} added", loc, why)
    if last in ("type", "format") or (raw.action == "changed" and type(raw.old) is not type(raw.new)):
        text = f"{where}: {last} changed from {raw.old!r} to {raw.new!r}"
        return Change(BREAKING, "type-changed", op, text, loc, why_shape)
    if "enum" in sub:
        text = f"{where}: allowed values changed (the generated enum changes)"
        return Change(BREAKING, "enum-changed", op, text, loc, "the generated enum class changes its members")
    if "required" in sub:
        values = raw.new if raw.action == "added" else raw.old
        names = ", ".join(repr(v) for v in (values if isinstance(values, list) else [values]))
        stricter = (raw.action == "added") == request
        text = f"{where}: {names} {'now' if raw.action == 'added' else 'no longer'} required"
        if stricter:
            why = (
                WHY_SIGNATURE if request else "the generated model's attribute becomes optional (Unset): readers break"
            )
            return Change(BREAKING, "schema-required-changed", op, text, loc, why)
        why = "looser than before: code written for the old shape still works"
        return Change(NON_BREAKING, "schema-required-changed", op, text, loc, why)
    if last == "nullable":
        now_nullable = bool(raw.new)
        breaks = now_nullable != request  # a response may now be null, or a request may no longer be
        text = f"{where}: {'now' if now_nullable else 'no longer'} nullable"
        if breaks:
            return Change(BREAKING, "nullable-changed", op, text, loc, why_shape)
        return Change(NON_BREAKING, "nullable-changed", op, text, loc, "looser than before")
    if isinstance(last, str) and last in CONSTRAINTS:
        text = f"{where}: {last} changed from {raw.old!r} to {raw.new!r}"
        return Change(NON_BREAKING, "constraint-changed", op, text, loc, WHY_NOT_CHECKED)
    text = f"{where}: schema {raw.action} at {'/'.join(map(str, sub))}"
    return Change(BREAKING, "schema-changed", op, text, loc, WHY_UNKNOWN)


def _classify(raw: _Raw, old_model: Mapping[str, Any], new_model: Mapping[str, Any], usage: FacadeUsage) -> Change:
    loc = "/".join(str(p) for p in raw.path)
    if raw.path[:1] == ("info",):
        text = f"info {loc[5:] or ''} {raw.action}".strip()
        return Change(NON_BREAKING, "info-changed", "", text, loc, "document metadata: no generated code depends on it")
    if raw.path[:1] != ("operations",) or len(raw.path) < 2:
        return Change(BREAKING, "unclassified", "", f"{loc} {raw.action}: review by hand", loc, WHY_UNKNOWN)
    op = str(raw.path[1])
    rest = raw.path[2:]
    if not rest:
        if raw.action == "removed":
            module = raw.old.get("module", "?") if isinstance(raw.old, Mapping) else "?"
            why = f"{WHY_USED}; the generated module {module} is deleted"
            return Change(BREAKING, "operation-removed", op, "operation removed", loc, why)
        why = "a new generated module; nothing existing changes"
        return Change(NON_BREAKING, "operation-added", op, "operation added", loc, why)
    if _is_descriptive(rest):
        text = f"{'/'.join(map(str, rest))} {raw.action}"
        return Change(NON_BREAKING, "documentation", op, text, loc, WHY_DOCS)
    head = rest[0]
    if head == "operationId":
        text = f"operationId {raw.old!r} -> {raw.new!r} (the generated function's module is renamed)"
        module = _module_of(new_model, op)
        why = f"the generated module becomes {module}: the facade's import of the old one breaks"
        return Change(BREAKING, "operation-renamed", op, text, loc, why)
    if head == "module":
        old_tag, new_tag = _first_tag(old_model, op), _first_tag(new_model, op)
        text = f"first tag {old_tag!r} -> {new_tag!r}: the generated module moves from {raw.old} to {raw.new}"
        why = "the generator files an operation under its first tag: the facade's import of the old path breaks"
        return Change(BREAKING, "operation-tag-changed", op, text, loc, why)
    if head == "tags":
        text = f"tag {raw.old if raw.action == 'removed' else raw.new!r} {raw.action}"
        why = (
            "the generator uses only the first tag, to place the module, and that path is unchanged "
            f"({_module_of(new_model, op)}): the generated code is identical"
        )
        return Change(NON_BREAKING, "tags-changed", op, text, loc, why)
    if head == "servers":
        if len(rest) == 2 and raw.action == "added":
            why = "the facade keeps its configured base URL"
            return Change(NON_BREAKING, "server-added", op, f"server {rest[1]!r} added", loc, why)
        text = f"server {rest[1] if len(rest) > 1 else ''!r} {raw.action}"
        why = "the facade's default base URL may be the server that went away: check it"
        return Change(BREAKING, "server-changed", op, text, loc, why)
    if head == "security":
        return _security_change(raw, rest, op, old_model, loc, usage)
    if head == "parameters" and len(rest) >= 2:
        return _parameter_change(raw, rest, op, loc)
    if head == "requestBody":
        return _request_body_change(raw, rest, op, loc)
    if head == "responses" and len(rest) >= 2:
        return _response_change(raw, rest, op, loc)
    text = f"{'/'.join(map(str, rest))} {raw.action}: review by hand"
    return Change(BREAKING, "unclassified", op, text, loc, WHY_UNKNOWN)


def _module_of(model: Mapping[str, Any], op: str) -> str:
    return str(model["operations"].get(op, {}).get("module", "?"))


def _first_tag(model: Mapping[str, Any], op: str) -> str | None:
    tags = model["operations"].get(op, {}).get("tags") or []
    return str(tags[0]) if tags else None


def _security_change(
    raw: _Raw, rest: tuple[str | int, ...], op: str, old_model: Mapping[str, Any], loc: str, usage: FacadeUsage
) -> Change:
    alternative = str(rest[1])
    if len(rest) == 2:
        if raw.action == "removed":
            if usage.uses(alternative):
                why = f"{usage.describe()}: requests with it would be refused"
                return Change(BREAKING, "security-changed", op, f"security {alternative} no longer accepted", loc, why)
            why = f"{usage.describe()}, never {alternative}; the generator ignores security schemes"
            text = f"security {alternative} no longer accepted"
            return Change(NON_BREAKING, "security-alternative-removed", op, text, loc, why)
        had_auth = bool(old_model["operations"].get(op, {}).get("security"))
        if had_auth:
            why = "what the facade sends is still accepted"
            text = f"security {alternative} now also accepted"
            return Change(NON_BREAKING, "security-alternative-added", op, text, loc, why)
        why = "the facade sends no credential for this operation today"
        return Change(BREAKING, "security-changed", op, f"authentication now required: {alternative}", loc, why)
    if usage.uses(alternative):
        why = f"{usage.describe()}: a token without the new scopes would be refused"
        return Change(BREAKING, "security-scopes-changed", op, f"security {alternative}: scopes changed", loc, why)
    why = f"{usage.describe()}, never {alternative}"
    return Change(NON_BREAKING, "security-scopes-changed", op, f"security {alternative}: scopes changed", loc, why)


def _parameter_change(raw: _Raw, rest: tuple[str | int, ...], op: str, loc: str) -> Change:
    key = str(rest[1])
    what = _describe_param(key)
    if len(rest) == 2:
        if raw.action == "removed":
            return Change(BREAKING, "parameter-removed", op, f"{what} removed", loc, WHY_SIGNATURE)
        if isinstance(raw.new, Mapping) and raw.new.get("required"):
            why = "the generated function gains a required argument: every call in the facade fails the type check"
            return Change(BREAKING, "required-parameter-added", op, f"required {what} added", loc, why)
        why = "the generated function gains an optional keyword argument; existing calls are unchanged"
        return Change(NON_BREAKING, "optional-parameter-added", op, f"optional {what} added", loc, why)
    attribute = rest[2]
    if attribute == "required":
        if raw.new:
            return Change(BREAKING, "parameter-became-required", op, f"{what} is now required", loc, WHY_SIGNATURE)
        why = "the argument becomes optional; existing calls still pass it"
        return Change(NON_BREAKING, "parameter-became-optional", op, f"{what} is now optional", loc, why)
    if attribute == "schema":
        return _schema_change(raw, rest[3:], True, what, op)
    if attribute in SERIALISATION:
        text = f"{what}: {attribute} {raw.action}"
        return Change(BREAKING, "parameter-serialisation-changed", op, text, loc, WHY_REQUEST)
    text = f"{what}: {attribute} {raw.action}: review by hand"
    return Change(BREAKING, "unclassified", op, text, loc, WHY_UNKNOWN)


def _request_body_change(raw: _Raw, rest: tuple[str | int, ...], op: str, loc: str) -> Change:
    if len(rest) == 1:
        if raw.action == "removed":
            return Change(BREAKING, "request-body-removed", op, "request body removed", loc, WHY_SIGNATURE)
        if isinstance(raw.new, Mapping) and raw.new.get("required"):
            return Change(BREAKING, "request-body-added", op, "required request body added", loc, WHY_SIGNATURE)
        why = "an optional body argument; existing calls are unchanged"
        return Change(NON_BREAKING, "request-body-added", op, "optional request body added", loc, why)
    if rest[1] == "required":
        text = f"request body required: {raw.new}"
        if raw.new:
            return Change(BREAKING, "request-body-required-changed", op, text, loc, WHY_SIGNATURE)
        return Change(NON_BREAKING, "request-body-required-changed", op, text, loc, "looser than before")
    if rest[1] == "content" and len(rest) == 3:
        if raw.action == "removed":
            text = f"request media type {rest[2]!r} removed"
            return Change(BREAKING, "request-media-type-removed", op, text, loc, WHY_REQUEST)
        text = f"request media type {rest[2]!r} added"
        return Change(NON_BREAKING, "request-media-type-added", op, text, loc, "another body the vendor also accepts")
    if rest[1] == "content" and len(rest) > 3 and rest[3] == "schema":
        return _schema_change(raw, rest[4:], True, f"request body ({rest[2]})", op)
    text = f"request body {'/'.join(map(str, rest[1:]))} {raw.action}"
    return Change(BREAKING, "unclassified", op, text, loc, WHY_UNKNOWN)


def _response_change(raw: _Raw, rest: tuple[str | int, ...], op: str, loc: str) -> Change:
    status = str(rest[1])
    success = _is_success(status)
    if len(rest) == 2:
        if raw.action == "removed":
            kind = "success-status-changed" if success else "response-removed"
            why = WHY_RESPONSE if success else "the generated parser stops recognising that answer (its model goes)"
            return Change(BREAKING, kind, op, f"documented response {status} removed", loc, why)
        why = "the generated parser recognises one more answer; existing ones are unchanged"
        return Change(NON_BREAKING, "response-added", op, f"response {status} added", loc, why)
    attribute = rest[2]
    label = f"response {status}"
    if attribute == "content" and len(rest) <= 4:
        media = f"media type {rest[3]!r}" if len(rest) == 4 else "body"
        if raw.action == "added":
            why = "another representation the vendor may send; the one parsed today stays"
            return Change(NON_BREAKING, "response-media-type-added", op, f"{label}: {media} added", loc, why)
        kind = "success-media-type-changed" if success else "response-media-type-removed"
        return Change(BREAKING, kind, op, f"{label}: {media} removed", loc, WHY_RESPONSE)
    if attribute == "content" and len(rest) > 4 and rest[4] == "schema":
        return _schema_change(raw, rest[5:], False, f"{label} ({rest[3]})", op)
    if attribute == "headers":
        if raw.action == "removed" and len(rest) == 4:
            why = "the generator ignores response headers, but the facade may read it: check"
            return Change(BREAKING, "response-header-removed", op, f"{label}: header {rest[3]!r} removed", loc, why)
        why = "the generator ignores response headers"
        return Change(NON_BREAKING, "response-header-changed", op, f"{label}: headers {raw.action}", loc, why)
    if attribute == "links":
        return Change(NON_BREAKING, "documentation", op, f"{label}: links {raw.action}", loc, WHY_DOCS)
    text = f"{label}: {'/'.join(map(str, rest[2:]))} {raw.action}"
    return Change(BREAKING, "unclassified", op, text, loc, WHY_UNKNOWN)


# --------------------------------------------------------------------------- pairing


def _first_added(raws: Sequence[_Raw], match: Callable[[_Raw], bool]) -> _Raw | None:
    return next((c for c in raws if c.action == "added" and match(c)), None)


def _counterpart(removed: _Raw, raws: Sequence[_Raw], usage: FacadeUsage) -> tuple[_Raw, Change] | None:
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
        why = "the generated module keeps its name but the facade's requests go to the old path"
        return added, Change(BREAKING, "operation-moved", str(path[1]), text, loc, why)
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
            text = f"parameter {old_name!r} moved from {old_in} to {new_in}"
            return added, Change(BREAKING, "parameter-location-changed", op, text, loc, WHY_REQUEST)
        text = f"{old_in} parameter {old_name!r} renamed to {new_name!r}"
        return added, Change(BREAKING, "parameter-renamed", op, text, loc, WHY_SIGNATURE)
    if len(path) == 4 and section == "responses" and _is_success(str(path[3])):
        added = _first_added(siblings, lambda c: _is_success(str(c.path[-1])))
        if added is None:
            return None
        text = f"success status changed from {path[3]} to {added.path[3]}"
        return added, Change(BREAKING, "success-status-changed", op, text, loc, WHY_RESPONSE)
    if len(path) == 6 and section == "responses" and path[4] == "content" and _is_success(str(path[3])):
        added = _first_added(siblings, lambda c: True)
        if added is None:
            return None
        text = f"response {path[3]}: media type changed from {path[5]!r} to {added.path[5]!r}"
        return added, Change(BREAKING, "success-media-type-changed", op, text, loc, WHY_RESPONSE)
    if len(path) == 4 and section == "security":
        added = _first_added(siblings, lambda c: True)
        if added is None:
            return None
        text = f"security changed from {path[3]} to {added.path[3]}"
        if usage.uses(str(path[3])):
            why = f"{usage.describe()}: requests with it would be refused"
            return added, Change(BREAKING, "security-changed", op, text, loc, why)
        why = f"{usage.describe()}, never {path[3]}; the generator ignores security schemes"
        return added, Change(NON_BREAKING, "security-alternative-removed", op, text, loc, why)
    return None


def _paired_changes(raws: list[_Raw], usage: FacadeUsage) -> tuple[list[Change], list[_Raw]]:
    """Turn removed+added pairs that are one change (a rename, a move) into a single message."""
    changes: list[Change] = []
    remaining = list(raws)
    for raw in raws:
        if raw not in remaining or raw.action != "removed" or raw.path[:1] != ("operations",):
            continue
        paired = _counterpart(raw, remaining, usage)
        if paired is not None:
            added, change = paired
            remaining.remove(raw)
            remaining.remove(added)
            changes.append(change)
    return changes, remaining


def _folded(raws: list[_Raw]) -> list[_Raw]:
    """Drop differences another one already explains: a renamed operation's module, a moved module's tags."""
    renamed = {r.path[1] for r in raws if r.path[:1] == ("operations",) and r.path[2:3] == ("operationId",)}
    moved = {r.path[1] for r in raws if r.path[:1] == ("operations",) and r.path[2:3] == ("module",)}
    kept = []
    for raw in raws:
        if raw.path[:1] == ("operations",) and len(raw.path) > 2:
            if raw.path[2] == "module" and raw.path[1] in renamed:
                continue
            if raw.path[2] == "tags" and raw.path[1] in moved | renamed:
                continue
        kept.append(raw)
    return kept


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any], usage: FacadeUsage | None = None) -> DiffReport:
    """Every difference between two documents that matters to a client, classified, each with its reason."""
    usage = usage or FacadeUsage()
    old_model, new_model = canonical_model(old), canonical_model(new)
    raws = sorted(_raw_changes(old_model, new_model), key=lambda r: [str(p) for p in r.path])
    changes, remaining = _paired_changes(_folded(raws), usage)
    changes.extend(_classify(raw, old_model, new_model, usage) for raw in remaining)
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
    parser.add_argument(
        "--facade",
        metavar="NAME",
        help=f"judge security changes by what the facade sends for spec NAME ({FACADE_USAGE})",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        usage = load_facade_usage(ROOT, args.facade) if args.facade else FacadeUsage()
        if args.facade and usage.credentials is None:
            raise SpecError(f"--facade {args.facade}: no entry in {FACADE_USAGE}")
        documents = []
        for path in (args.old, args.new):
            document = load_document(path)
            validate_document(document, str(path))
            documents.append(document)
        report = diff_documents(documents[0], documents[1], usage)
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
