"""The fetch-all config: a TOML file listing reports per provider, checked whole before anything is sent.

    [[statsig]]                      # any number of entries per provider
    name = "project-a"               # optional: prefixes the file name
    credential_env = "STATSIG_KEY_A" # optional: env var holding this entry's credential
    start = 2026-10-01               # TOML date (UTC midnight) or offset datetime; optional
    end = 2026-11-01

    [[altostrat]]
    workspace_id = "ws_a1b2c3d4e5f6g7h8"

    [[edge_impulse]]
    organization_id = 1
    inner_organization_id = 2
    report_id = 3
    credential_type = "jwt"          # optional: credential_env holds a JWT, not an API key

Unknown tables and keys are refused; every error names the entry and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from . import AltostratUsagePdf, EdgeImpulseUsageReport, InvalidRequest, ReportRequest, StatsigUsageReport

PROVIDERS: Final = ("edge_impulse", "altostrat", "statsig")
CREDENTIAL_TYPES: Final = ("api_key", "jwt")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ConfigError(Exception):
    """The config (or a command-line value) is invalid; the message names where."""


@dataclass(frozen=True)
class Entry:
    """One report of a batch: what to fetch, with which credential, into which file."""

    provider: str
    index: int  # 1-based, within its provider's list
    request: ReportRequest
    name: str | None = None
    credential_env: str | None = None
    credential_type: str = "api_key"

    @property
    def label(self) -> str:
        return f"{self.provider}[{self.index}]" + (f" ({self.name})" if self.name else "")

    @property
    def filename(self) -> str:
        """Deterministic: the same entry always writes the same file."""
        suggested = self.request.suggested_filename
        return f"{self.name}-{suggested}" if self.name else suggested


def parse_timestamp(value: object, where: str) -> date | datetime:
    """A date (UTC midnight) or an offset datetime, from TOML or from ISO 8601 text."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError(
                f"{where}: {value!r} is not an ISO date (2026-11-01) or datetime with offset (2026-11-01T00:00:00+00:00)"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ConfigError(
                f"{where}: the datetime {value.isoformat()} has no UTC offset; add one (e.g. Z or +02:00) or give a date"
            )
        return value
    if isinstance(value, date):
        return value
    raise ConfigError(f"{where}: expected a date like 2026-11-01 or an offset datetime, got {type(value).__name__}")


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}: expected an integer, got {_kind(value)}")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {_kind(value)}")
    return value


def _kind(value: object) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _statsig(fields: dict[str, Any], where: str) -> ReportRequest:
    start = fields.get("start")
    return StatsigUsageReport(
        end=parse_timestamp(fields["end"], f"{where}.end"),
        start=None if start is None else parse_timestamp(start, f"{where}.start"),
    )


def _altostrat(fields: dict[str, Any], where: str) -> ReportRequest:
    return AltostratUsagePdf(workspace_id=_str(fields["workspace_id"], f"{where}.workspace_id"))


def _edge_impulse(fields: dict[str, Any], where: str) -> ReportRequest:
    return EdgeImpulseUsageReport(
        organization_id=_int(fields["organization_id"], f"{where}.organization_id"),
        inner_organization_id=_int(fields["inner_organization_id"], f"{where}.inner_organization_id"),
        report_id=_int(fields["report_id"], f"{where}.report_id"),
    )


_COMMON_KEYS: Final = frozenset({"name", "credential_env"})
# provider -> (required keys, optional keys, builder)
_SCHEMA: Final[Mapping[str, tuple[tuple[str, ...], frozenset[str], Callable[[dict[str, Any], str], ReportRequest]]]] = {
    "statsig": (("end",), frozenset({"start"}), _statsig),
    "altostrat": (("workspace_id",), frozenset(), _altostrat),
    "edge_impulse": (
        ("organization_id", "inner_organization_id", "report_id"),
        frozenset({"credential_type"}),
        _edge_impulse,
    ),
}


def parse_config(document: Mapping[str, Any], source: str) -> list[Entry]:
    """Every entry of a parsed TOML document, or ConfigError for the first problem found."""
    unknown = sorted(set(document) - set(PROVIDERS))
    if unknown:
        raise ConfigError(f"{source}: unknown table [[{unknown[0]}]]; expected any of [[{']], [['.join(PROVIDERS)}]]")
    entries: list[Entry] = []
    for provider, tables in document.items():  # in the order the file first names each provider
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise ConfigError(f"{source}: {provider} must be an array of tables, written [[{provider}]]")
        for index, fields in enumerate(tables, 1):
            entries.append(_entry(provider, index, fields, source))
    if not entries:
        raise ConfigError(
            f"{source}: no entries; add at least one [[statsig]], [[altostrat]] or [[edge_impulse]] table"
        )
    seen: dict[str, Entry] = {}
    for entry in entries:
        other = seen.setdefault(entry.filename, entry)
        if other is not entry:
            raise ConfigError(
                f"{source}: {entry.label} would write the same file as {other.label} ({entry.filename}); "
                "give one of them a different name"
            )
    return entries


def _entry(provider: str, index: int, fields: dict[str, Any], source: str) -> Entry:
    required, optional, build = _SCHEMA[provider]
    label = f"{provider}[{index}]"
    if isinstance(fields.get("name"), str):
        label += f" ({fields['name']})"
    where = f"{source}: {label}"
    allowed = set(required) | optional | _COMMON_KEYS
    for key in fields:
        if key not in allowed:
            raise ConfigError(f"{where}.{key}: unknown key; {provider} entries take {', '.join(sorted(allowed))}")
    for key in required:
        if key not in fields:
            raise ConfigError(f"{where}.{key}: missing (required)")

    name = fields.get("name")
    if name is not None and not _NAME.fullmatch(_str(name, f"{where}.name")):
        raise ConfigError(f"{where}.name: use 1-64 letters, digits, '.', '_' or '-' (it becomes part of a file name)")
    credential_env = fields.get("credential_env")
    if credential_env is not None and not _ENV_NAME.fullmatch(_str(credential_env, f"{where}.credential_env")):
        raise ConfigError(f"{where}.credential_env: {credential_env!r} is not an environment variable name")
    credential_type = _str(fields.get("credential_type", "api_key"), f"{where}.credential_type")
    if credential_type not in CREDENTIAL_TYPES:
        raise ConfigError(f"{where}.credential_type: expected 'api_key' or 'jwt', got {credential_type!r}")
    try:
        request = build(fields, where)
    except InvalidRequest as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return Entry(provider, index, request, name, credential_env, credential_type)


def load_config(path: Path) -> list[Entry]:
    """Read and check a config file; ConfigError names the file, the entry and the field."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror or type(exc).__name__})") from None
    return parse_config_text(raw, str(path))


def parse_config_text(raw: bytes | str, source: str) -> list[Entry]:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        document = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    return parse_config(document, source)
