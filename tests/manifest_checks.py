"""What the manifest tests share: reading a folder's manifest, validating it against the shipped JSON Schema."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
from usage_reports.batch._document import schema


def validate(document: object) -> None:
    """Raise jsonschema.ValidationError unless ``document`` is a valid version 2 manifest."""
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(document)


def manifest_of(folder: Path) -> dict[str, Any]:
    """The folder's manifest.json, checked against the schema."""
    document: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    validate(document)
    return document


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait for a condition another process brings about (a file it writes); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
