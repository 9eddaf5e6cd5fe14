"""The fetch-all config: a TOML file listing reports per provider, checked whole before anything is sent.

    [[<provider name>]]              # any number of entries per provider table
    name = "project-a"               # optional: prefixes the file name
    credential_env = "MY_KEY_A"      # optional: env var holding this entry's credential
    credential_type = "jwt"          # optional, where a provider takes several kinds of credential
    ...                              # the provider's own keys (`usage-reports config example`)

One table per registered provider, named after it. Unknown tables and keys
are refused; every problem of the file is reported at once, each naming the
entry and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ._contract import Provider, ReportRequest
from ._exceptions import InvalidRequest
from ._providers import provider_named, providers

COMMON_KEYS: Final = ("name", "credential_env", "credential_type")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ConfigError(Exception):
    """The config (or a command-line value) is invalid; each problem is one line naming where."""

    def __init__(self, *problems: str) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


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


def _kind(value: object) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"{where}: expected a string, got {_kind(value)}")
    return value


def parse_config(document: Mapping[str, Any], source: str) -> list[Entry]:
    """Every entry of a parsed TOML document, or one ConfigError listing every problem found."""
    names = [p.name for p in providers()]
    problems: list[str] = []
    entries: list[Entry] = []
    for table, tables in document.items():  # in the order the file first names each provider
        provider = provider_named(table)
        if provider is None:
            problems.append(f"{source}: unknown table [[{table}]]; expected any of [[{']], [['.join(names)}]]")
            continue
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            problems.append(f"{source}: {table} must be an array of tables, written [[{table}]]")
            continue
        for index, fields in enumerate(tables, 1):
            try:
                entries.append(_entry(provider, index, fields, source))
            except ConfigError as exc:
                problems.extend(exc.problems)
    if not entries and not problems:
        problems.append(f"{source}: no entries; add at least one of [[{']], [['.join(names)}]]")
    seen: dict[str, Entry] = {}
    for entry in entries:
        other = seen.setdefault(entry.filename, entry)
        if other is not entry:
            problems.append(
                f"{source}: {entry.label} would write the same file as {other.label} ({entry.filename}); "
                "give one of them a different name"
            )
    if problems:
        raise ConfigError(*problems)
    return entries


def _entry(provider: Provider, index: int, fields: dict[str, Any], source: str) -> Entry:
    label = f"{provider.name}[{index}]"
    if isinstance(fields.get("name"), str) and _NAME.fullmatch(fields["name"]):
        label += f" ({fields['name']})"
    where = f"{source}: {label}"
    keys = {key.name: key for key in provider.config_keys}
    allowed = (
        set(keys) | {"name", "credential_env"} | ({"credential_type"} if len(provider.credential_kinds) > 1 else set())
    )
    problems: list[str] = []
    for given in fields:
        if given not in allowed:
            problems.append(f"{where}.{given}: unknown key; {provider.name} entries take {', '.join(sorted(allowed))}")
    for key in keys.values():
        if key.required and key.name not in fields:
            problems.append(f"{where}.{key.name}: missing (required)")

    def check(action: Any) -> Any:
        try:
            return action()
        except InvalidRequest as exc:
            problems.append(str(exc) if str(exc).startswith(source) else f"{where}: {exc}")
            return None

    name = fields.get("name")
    if name is not None:
        text = check(lambda: _str(name, f"{where}.name"))
        if text is not None and not _NAME.fullmatch(text):
            problems.append(f"{where}.name: use 1-64 letters, digits, '.', '_' or '-' (it becomes part of a file name)")
    credential_env = fields.get("credential_env")
    if credential_env is not None:
        text = check(lambda: _str(credential_env, f"{where}.credential_env"))
        if text is not None and not _ENV_NAME.fullmatch(text):
            problems.append(f"{where}.credential_env: {text!r} is not an environment variable name")
    credential_type = fields.get("credential_type", provider.credential_kinds[0])
    if "credential_type" in allowed:
        text = check(lambda: _str(credential_type, f"{where}.credential_type"))
        if text is not None and text not in provider.credential_kinds:
            kinds = " or ".join(repr(kind) for kind in provider.credential_kinds)
            problems.append(f"{where}.credential_type: expected {kinds}, got {text!r}")
    if problems:
        raise ConfigError(*problems)
    request = check(lambda: provider.request_from_config(fields, where))
    if problems:
        raise ConfigError(*problems)
    return Entry(provider.name, index, request, name, credential_env, credential_type)


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
