"""manifest.schema.json, generated from the attrs classes of ``_records``.

    python -m usage_reports.batch._schema           # rewrite the shipped file
    python -m usage_reports.batch._schema --check   # exit 1 when the shipped file differs

Each field becomes a property: its type from the annotation, its description
and any further keywords (``minimum``, a ``ref`` to a shared definition) from
the field's metadata. A field without a default is required.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any, Final, Literal, Union

import attrs

from ._document import MANIFEST_FORMAT, MANIFEST_VERSION, SCHEMA_NAME
from ._records import Error, Record, RecordPeriod, Summary, WrittenBy

#: Each class's name in ``$defs``.
DEFINITIONS: Final[dict[type, str]] = {
    Summary: "summary",
    RecordPeriod: "period",
    Error: "error",
    WrittenBy: "written_by",
    Record: "entry",
}
_SCALARS: Final[dict[type, str]] = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object"}

_DESCRIPTION: Final = (
    "What `usage-reports fetch-all` keeps in DIR/manifest.json (or beside the reports in an object store): a summary "
    "of the last run, and one record per file the folder holds. A run merges its records into the previous manifest: "
    "a record for the same file replaces the old one; records of other files (other configs, other periods) are "
    "kept. `usage-reports manifest DIR` prints it as a table and exits 1 when the last run did not finish without "
    "failures."
)
_SHARED: Final[dict[str, Any]] = {
    "timestamp": {
        "type": "string",
        "format": "date-time",
        "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
        "description": "An ISO 8601 instant with an offset (UTC, written Z, for the times the program records).",
    },
    "sha256": {
        "type": "string",
        "pattern": "^[0-9a-f]{64}$",
        "description": "Lowercase hex SHA-256 of the file's bytes.",
    },
}
#: What the types cannot say: a record that is ok has a file and no error; one that failed has an error.
_RULES: Final[dict[type, dict[str, Any]]] = {
    Record: {
        "allOf": [
            {
                "if": {"properties": {"ok": {"const": True}}},
                "then": {
                    "properties": {
                        "error": {"type": "null"},
                        "size": {"type": "integer"},
                        "sha256": {"$ref": "#/$defs/sha256"},
                        "exit_code": {"const": 0},
                        "path": {"type": "string"},
                    }
                },
                "else": {
                    "properties": {
                        "error": {"$ref": "#/$defs/error"},
                        "skipped": {"const": False},
                        "exit_code": {"minimum": 1},
                    }
                },
            }
        ]
    }
}


def _type(annotation: Any, ref: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON Schema of a field's type (``ref``: the shared definition of its non-null values)."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        value = _type(inner, ref)
        if "$ref" in value:
            return {"oneOf": [value, {"type": "null"}]}
        return {**value, "type": [value["type"], "null"]}
    if ref is not None:
        return dict(ref)
    if typing.get_origin(annotation) is Literal:
        return {"enum": list(args)}
    if attrs.has(annotation):
        return {"$ref": f"#/$defs/{DEFINITIONS[annotation]}"}
    base = typing.get_origin(annotation) or annotation
    return {"type": _SCALARS[base]}


def definition(cls: type) -> dict[str, Any]:
    """The JSON Schema of one attrs class of ``_records``."""
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        keywords = dict(field.metadata.get("schema", {}))
        ref = keywords.pop("ref", None)
        schema = _type(hints[field.name], ref)
        schema.update(keywords)
        if "description" in field.metadata:
            schema["description"] = field.metadata["description"]
        properties[field.name] = schema
        if field.default is attrs.NOTHING:
            required.append(field.name)
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    return {
        "type": "object",
        "description": " ".join(doc.split()),
        "required": required,
        "additionalProperties": False,
        "properties": properties,
        **_RULES.get(cls, {}),
    }


def generate() -> dict[str, Any]:
    """The manifest's JSON Schema (draft 2020-12)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://usage-reports.invalid/schemas/manifest-{MANIFEST_VERSION}.schema.json",
        "title": f"usage-reports manifest, version {MANIFEST_VERSION}",
        "description": _DESCRIPTION,
        "type": "object",
        "required": ["format", "version", "generator", "summary", "entries"],
        "additionalProperties": False,
        "properties": {
            "format": {
                "const": MANIFEST_FORMAT,
                "description": "Marks the file as ours: fetch-all refuses a manifest.json without it.",
            },
            "version": {
                "const": MANIFEST_VERSION,
                "description": "The document's version. Version 1 (no summary, no run_id) is still read, and "
                "rewritten as version 2 by the next run.",
            },
            "generator": {
                "type": "string",
                "description": 'The program and version that wrote the file, e.g. "usage-reports 0.1.0".',
            },
            "summary": {"$ref": "#/$defs/summary"},
            "entries": {
                "type": "array",
                "description": "The last run's records first (in the config's order), then those kept from earlier "
                "runs. At most one record per path.",
                "items": {"$ref": "#/$defs/entry"},
            },
        },
        "$defs": {**_SHARED, **{name: definition(cls) for cls, name in DEFINITIONS.items()}},
    }


def text() -> str:
    """The schema file's text."""
    return json.dumps(generate(), indent=2, ensure_ascii=False) + "\n"


def shipped_path() -> Path:
    return Path(__file__).with_name(SCHEMA_NAME)


def main(argv: list[str]) -> int:
    path = shipped_path()
    if argv == ["--check"]:
        if path.read_text(encoding="utf-8") != text():
            print(f"{path} differs from the attrs classes: run python -m usage_reports.batch._schema", file=sys.stderr)
            return 1
        return 0
    path.write_text(text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
