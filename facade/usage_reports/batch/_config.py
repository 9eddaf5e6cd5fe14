"""The fetch-all config: a TOML file listing reports per provider, checked whole before anything is sent.

    [defaults]
    period = "last-month"            # any PERIOD; an entry's own period wins, --period wins over this
    timezone = "Europe/Berlin"       # IANA zone of the periods (default UTC); --timezone wins over this

    [[<provider name>]]              # any number of entries per provider table
    name = "project-a"               # optional: prefixes the file name
    credential_env = "MY_KEY_A"      # optional: env var holding this entry's credential
    credential_file = "team-a.key"   # optional, instead: a file holding it (relative: in $CREDENTIALS_DIRECTORY)
    credential_type = "jwt"          # optional, where a provider takes several kinds of credential
    ...                              # the provider's own keys (`usage-reports config example`)

One table per registered provider, named after it. A provider's keys are its
request's declared fields (``_fields``): their names, checks, the example and
the shapes a key may take (a list of values, or a word for all of them) all
derive from the declarations, so no provider writes config code. Unknown
tables and keys are refused; every problem of the file is reported at once,
each naming the entry and the key as the file spells them.

A key itself is never in the config (there is no ``api_key`` key): it comes
from the provider's variable, an entry's ``credential_env``, or an entry's
``credential_file`` (a Docker/Kubernetes secret, a systemd ``LoadCredential=``
file), which is refused unless it is one line, owned by the user running the
job and neither readable nor writable by anyone else (mode 600 or 400).
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from .._contract import Expansion, Flow, Provider, ReportRequest
from .._exceptions import InvalidRequest
from .._fields import FieldError, Many, OneOf, Spec, broken, given_groups, kind_of, rules_of, specs
from .._periods import Period
from .._providers import provider_named, providers

COMMON_KEYS: Final = ("name", "credential_env", "credential_file", "credential_type", "period")
#: The keys every entry may have, whatever its provider (credential_type and period: only where the provider has them).
EVERY_ENTRY_KEYS: Final = ("name", "credential_env", "credential_file")
#: systemd's ``LoadCredential=`` folder: a relative ``credential_file`` is looked up there when it is set.
CREDENTIALS_DIRECTORY: Final = "CREDENTIALS_DIRECTORY"
DEFAULTS_TABLE: Final = "defaults"
DEFAULT_KEYS: Final = ("period", "timezone")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ConfigError(Exception):
    """The config (or a command-line value) is invalid; each problem is one line naming where.

    ``problems``: every mistake as data, a list of :class:`Problem` (each also its line of text).
    """

    def __init__(self, *problems: str) -> None:
        self.problems: list[Problem] = [p if isinstance(p, Problem) else Problem(None, None, p) for p in problems]
        super().__init__("\n".join(problems))

    @classmethod
    def of(cls, problems: list[Problem]) -> ConfigError:
        """The error of structured problems (each names its entry and key)."""
        return cls(*problems)


@dataclass(frozen=True)
class Entry:
    """One report of a batch (or, until expanded at run time, several): what, with which credential, which file."""

    provider: str
    index: int  # 1-based, within its provider's list
    request: ReportRequest | Expansion
    name: str | None = None
    credential_env: str | None = None
    credential_type: str = "api_key"
    part: str | None = None  # which of the requests one table stands for, e.g. "tenant 7"
    credential_file: str | None = None  # as the config spells it (see ``read_credential_file``)
    tenant_name: str | None = None  # the vendor's name of the request's tenant, read when the batch runs

    @property
    def label(self) -> str:
        return (
            f"{self.provider}[{self.index}]"
            + (f" ({self.name})" if self.name else "")
            + (f" {self.part}" if self.part else "")
        )

    @property
    def filename(self) -> str:
        """Deterministic: the same entry always writes the same file."""
        if isinstance(self.request, Expansion):
            raise ValueError(f"{self.label} stands for {self.request.describe}: expand it first")
        suggested = self.request.suggested_filename
        return f"{self.name}-{suggested}" if self.name else suggested

    def expanded(self, requests: list[ReportRequest]) -> list[Entry]:
        """One entry per request an Expansion found (labelled by what tells them apart)."""
        return [replace(self, request=request, part=_part(request)) for request in requests]


def _part(request: ReportRequest) -> str:
    return " ".join(f"{key}={value}" for key, value in request.parameters().items() if not isinstance(value, dict))


@dataclass(frozen=True)
class Config:
    """A checked config: its entries, and the batch's period (for ``{period}`` in --out-dir), when it has one."""

    entries: list[Entry]
    period: Period | None = None
    # --- the typed API (see the end of the file) ---
    #: Where the config came from (a file's path, or "<dict>"): every message about it starts with it.
    source: str = field(default="<config>", compare=False)
    #: The document it was read from, kept to re-resolve it with other overrides (``resolved``).
    document: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    #: The overrides it was resolved with (period, timezone, as_of).
    overrides: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        period: str | None = None,
        timezone: str | None = None,
        as_of: date | datetime | None = None,
    ) -> Config:
        """Read and check a TOML config file; ConfigError (``.problems``: every mistake) when it is not valid."""
        return _load(path, period=period, timezone=timezone, as_of=as_of)

    @classmethod
    def from_dict(
        cls,
        document: Mapping[str, Any],
        *,
        source: str = "<dict>",
        period: str | None = None,
        timezone: str | None = None,
        as_of: date | datetime | None = None,
    ) -> Config:
        """Check a config built in code (the TOML file's structure as dicts and lists); ConfigError when invalid."""
        return _from_dict(document, source=source, period=period, timezone=timezone, as_of=as_of)

    def resolved(
        self, *, period: str | None = None, timezone: str | None = None, as_of: date | datetime | None = None
    ) -> Config:
        """The same config with other overrides (relative periods counted from ``as_of``); self when none is given."""
        return _resolved(self, period=period, timezone=timezone, as_of=as_of)


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"{where}: expected a string, got {kind_of(value)}")
    return value


def parse_config(
    document: Mapping[str, Any],
    source: str,
    *,
    period: str | None = None,
    timezone: str | None = None,
    as_of: date | datetime | None = None,
) -> Config:
    """Every entry of a parsed TOML document, or one ConfigError listing every problem found.

    ``period`` and ``timezone`` (from the command line) win over ``[defaults]``; relative periods count from
    ``as_of`` (default: now).
    """
    names = [p.name for p in providers()]
    problems: list[str] = []
    defaults = document.get(DEFAULTS_TABLE, {})
    if not isinstance(defaults, dict):
        problems.append(f"{source}: [{DEFAULTS_TABLE}] must be a table")
        defaults = {}
    for key in defaults:
        if key not in DEFAULT_KEYS:
            problems.append(f"{source}: [{DEFAULTS_TABLE}].{key}: unknown key; it takes {', '.join(DEFAULT_KEYS)}")
    zone_name = timezone if timezone is not None else defaults.get("timezone")
    zone_where = "--timezone" if timezone is not None else f"{source}: [{DEFAULTS_TABLE}].timezone"
    default_period: Period | None = None
    try:
        if zone_name is not None and not isinstance(zone_name, str):
            raise InvalidRequest(f"expected a string like Europe/Berlin, got {kind_of(zone_name)}")
        from .._periods import zone

        zone(zone_name)
    except InvalidRequest as exc:
        problems.append(f"{zone_where}: {exc}")
        zone_name = None
    period_text = period if period is not None else defaults.get("period")
    if period_text is not None:
        where = "--period" if period is not None else f"{source}: [{DEFAULTS_TABLE}].period"
        default_period = _period(period_text, where, zone_name, as_of, problems)
    # A default period that did not parse is reported once, above: entries relying on it are not blamed for it.
    default_failed = period_text is not None and default_period is None
    entries: list[Entry] = []
    for table, tables in document.items():  # in the order the file first names each provider
        if table == DEFAULTS_TABLE:
            continue
        provider = provider_named(table)
        if provider is None:
            problems.append(
                f"{source}: unknown table [[{table}]]; expected [{DEFAULTS_TABLE}] or any of [[{']], [['.join(names)}]]"
            )
            continue
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            problems.append(f"{source}: {table} must be an array of tables, written [[{table}]]")
            continue
        for index, fields in enumerate(tables, 1):
            try:
                entries.extend(
                    _entries(provider, index, fields, source, default_period, zone_name, as_of, default_failed)
                )
            except ConfigError as exc:
                problems.extend(exc.problems)
    if not entries and not problems:
        problems.append(f"{source}: no entries; add at least one of [[{']], [['.join(names)}]]")
    seen: dict[str, Entry] = {}
    for entry in entries:
        if isinstance(entry.request, Expansion):
            continue
        other = seen.setdefault(entry.filename, entry)
        if other is not entry:
            problems.append(
                f"{source}: {entry.label} would write the same file as {other.label} ({entry.filename}); "
                "give one of them a different name"
            )
    if problems:
        raise ConfigError(*problems)
    return Config(entries, default_period)


def _period(
    text: object, where: str, zone_name: str | None, as_of: date | datetime | None, problems: list[str]
) -> Period | None:
    if not isinstance(text, str):
        problems.append(f'{where}: expected a PERIOD string like "last-month" or "2026-10", got {kind_of(text)}')
        return None
    try:
        return Period.parse(text, as_of=as_of, tz=zone_name)
    except InvalidRequest as exc:
        problems.append(f"{where}: {exc}")
        return None


def _entries(
    provider: Provider,
    index: int,
    fields: dict[str, Any],
    source: str,
    default_period: Period | None,
    zone_name: str | None,
    as_of: date | datetime | None,
    default_failed: bool = False,
) -> list[Entry]:
    label = f"{provider.name}[{index}]"
    if isinstance(fields.get("name"), str) and _NAME.fullmatch(fields["name"]):
        label += f" ({fields['name']})"
    where = f"{source}: {label}"
    keys = {key.name: key for key in config_keys(provider)}
    allowed = set(keys) | set(EVERY_ENTRY_KEYS) | set(provider_common_keys(provider))
    problems: list[str] = []
    for given in fields:
        if given == "period" and not provider.takes_period:
            problems.append(
                f"{where}.period: {provider.name} reports have no period (they show the state when fetched)"
            )
        elif given not in allowed:
            problems.append(f"{where}.{given}: unknown key; {provider.name} entries take {', '.join(sorted(allowed))}")

    def check(action: Any) -> Any:
        try:
            return action()
        except InvalidRequest as exc:  # a provider reports every problem of an entry, one per line
            for line in str(exc).splitlines():
                problems.append(line if line.startswith(source) else f"{where}: {line}")
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
    credential_file = fields.get("credential_file")
    if credential_file is not None:
        text = check(lambda: _str(credential_file, f"{where}.credential_file"))
        if text is not None and credential_env is not None:
            problems.append(f"{where}.credential_file: give credential_file or credential_env, not both")
        elif text is not None:
            try:  # checked now, with every other problem of the file; read again when the run plans
                read_credential_file(text, os.environ)
            except CredentialFileError as exc:
                problems.append(f"{where}.credential_file: {exc}")
    credential_type = fields.get("credential_type", provider.credential_kinds[0])
    if "credential_type" in allowed:
        text = check(lambda: _str(credential_type, f"{where}.credential_type"))
        if text is not None and text not in provider.credential_kinds:
            kinds = " or ".join(repr(kind) for kind in provider.credential_kinds)
            problems.append(f"{where}.credential_type: expected {kinds}, got {text!r}")
    period = default_period if provider.takes_period else None
    period_failed = default_failed and "period" not in fields
    if "period" in fields and provider.takes_period:
        period = _period(fields["period"], f"{where}.period", zone_name, as_of, problems)
        period_failed = period is None  # reported above: its absence is not blamed again
    # The request's own keys are checked even when the keys above failed: one run shows every mistake of an entry.
    requests, found = request_from_mapping(provider.request_type, fields, where, period, period_failed=period_failed)
    problems += found
    if problems:
        raise ConfigError(*problems)
    if not requests:
        return []
    entry = Entry(
        provider.name, index, requests[0], name, credential_env, credential_type, credential_file=credential_file
    )
    if len(requests) == 1:
        return [entry]
    return [
        replace(entry, request=request, part=None if isinstance(request, Expansion) else _part(request))
        for request in requests
    ]


def provider_common_keys(provider: Provider) -> tuple[str, ...]:
    """The common keys only some providers' entries take: credential_type (several kinds of key), period."""
    return (("credential_type",) if len(provider.credential_kinds) > 1 else ()) + (
        ("period",) if provider.takes_period else ()
    )


# --- credential files ------------------------------------------------------------------------------------------------


class CredentialFileError(Exception):
    """A credential_file that cannot be used: the message names the file, never what it holds."""


def credential_path(name: str, environ: Mapping[str, str]) -> Path:
    """Where ``credential_file = name`` is: as given when absolute, else in $CREDENTIALS_DIRECTORY when set."""
    path = Path(name).expanduser()
    directory = environ.get(CREDENTIALS_DIRECTORY)
    if not path.is_absolute() and directory:
        return Path(directory) / path
    return path


_ACL_USER, _ACL_GROUP_OBJ, _ACL_GROUP = 0x02, 0x04, 0x08


def _acl_grants_only(fd: int, uid: int) -> bool:
    """Whether the file's POSIX ACL grants access to no group and to no user other than ``uid`` (False: no ACL)."""
    try:
        raw = os.getxattr(fd, "system.posix_acl_access")
    except (OSError, AttributeError):  # no ACL, or no xattrs here
        return False
    if len(raw) < 4 or (len(raw) - 4) % 8:
        return False
    for offset in range(4, len(raw), 8):
        tag = int.from_bytes(raw[offset : offset + 2], "little")
        permissions = int.from_bytes(raw[offset + 2 : offset + 4], "little")
        who = int.from_bytes(raw[offset + 4 : offset + 8], "little")
        if tag in (_ACL_GROUP_OBJ, _ACL_GROUP) and permissions:
            return False
        if tag == _ACL_USER and who != uid and permissions:
            return False
    return True


def read_credential_file(name: str, environ: Mapping[str, str]) -> str:
    """The one-line key a credential file holds; CredentialFileError when it is missing, empty, several lines,
    not the user's own, or readable or writable by group or others (as ssh and the AWS CLI refuse them)."""
    path = credential_path(name, environ)
    shown = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        where = f" (in ${CREDENTIALS_DIRECTORY})" if path != Path(name).expanduser() else ""
        raise CredentialFileError(f"{shown}: no such file{where}") from None
    except OSError as exc:
        raise CredentialFileError(f"{shown}: cannot read it ({exc.strerror or type(exc).__name__})") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise CredentialFileError(f"{shown}: not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        uid = os.geteuid()
        # systemd's LoadCredential= files are root's, mode 0400 plus an ACL letting the service's user read them:
        # with an ACL the group bits are its mask, so what the ACL grants is checked instead.
        private = not mode & 0o077 or (not mode & 0o007 and _acl_grants_only(file.fileno(), uid))
        if not private:
            raise CredentialFileError(
                f"{shown}: readable or writable by group or others (mode {mode:03o}); chmod 600 {shown}"
            )
        if info.st_uid not in (uid, 0):  # as ssh: the user's own, or root's
            raise CredentialFileError(
                f"{shown}: owned by uid {info.st_uid}, not by the user running this job (uid {uid}) or root"
            )
        raw = file.read(64 * 1024 + 1)
    if len(raw) > 64 * 1024:
        raise CredentialFileError(f"{shown}: larger than 64 KiB, not a key")
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CredentialFileError(f"{shown}: not UTF-8 text") from None
    if not text:
        raise CredentialFileError(f"{shown}: empty")
    if "\n" in text or "\r" in text:
        raise CredentialFileError(f"{shown}: holds several lines; it must hold the key alone, on one line")
    return text


# --- requests from declared fields ---------------------------------------------------------------


@dataclass(frozen=True)
class ConfigKey:
    """One key of a provider's table, derived from its request's declared field."""

    name: str
    required: bool
    help: str
    example: str | None


def _key_help(spec: Spec) -> str:
    text = spec.help
    if spec.many is not None and spec.many.every is not None:
        text += f'; or a list of them, or "{spec.many.every}" (every one, listed each run)'
    if spec.has_default and spec.default is not None:
        shown = (
            str(spec.default).lower()  # TOML spells it true/false
            if isinstance(spec.default, bool)
            else f"{spec.default:g}"
            if isinstance(spec.default, float)
            else str(spec.default)
        )
        text += f" (default {shown})"
    return text


def config_keys(provider: Provider) -> list[ConfigKey]:
    """The keys of a provider's table (besides the common ones), from its request's declared fields."""
    return [
        ConfigKey(spec.key, spec.required, _key_help(spec), spec.example)
        for spec in specs(provider.request_type)
        if not spec.period
    ]


def request_from_mapping(
    request_type: type,
    table: Mapping[str, object],
    where: str,
    period: Period | None,
    *,
    period_failed: bool = False,
) -> tuple[list[ReportRequest | Expansion], list[str]]:
    """The requests one config table describes, or every problem found (each naming ``where`` and the key).

    Generic over the request's declared fields: each key's value goes through its field's conversion; a
    ``many`` field's list gives one request per value, its ``every`` word an Expansion listed at run time.
    ``period`` (the entry's own, else the default) applies unless another alternative of the period is given;
    ``period_failed``: the default period did not parse (reported once already), so its absence is not blamed.
    """
    problems: list[str] = []
    values: dict[str, object] = {}
    failed: set[str] = set()  # fields whose value was refused: their rules are not checked on top
    spread: tuple[Spec, list[object] | None] | None = None  # a many field: its list, or None for "every"
    fields = specs(request_type)
    for spec in fields:
        if spec.period:
            continue
        if spec.key not in table:
            if spec.required:
                problems.append(f"{where}.{spec.key}: missing (required)")
            continue
        raw = table[spec.key]
        many = spec.many
        if many is not None and many.every is not None and raw == many.every:
            spread = (spec, None)
            continue
        if many is not None and isinstance(raw, list):
            spread = (spec, _list_of(spec, raw, f"{where}.{spec.key}", problems))
            continue
        try:
            values[spec.name] = spec.convert(raw)
        except FieldError as exc:
            failed.add(spec.name)
            alternatives = f' (or a list of them, or "{many.every}")' if many is not None and many.every else ""
            problems.append(f"{where}.{spec.key}: {exc}{alternatives}")
    if spread is not None:
        spec, items = spread
        many = spec.many
        assert many is not None
        for name in many.single:
            single = next(s for s in fields if s.name == name)
            if single.key in table and (items is None or len(items) > 1):
                what = f'"{many.every}"' if items is None else "a list"
                problems.append(f"{where}.{single.key}: names one {spec.key}, not {what}")
        if items:
            values[spec.name] = items[0]  # present, for the rules
    period_spec = next((s for s in fields if s.period), None)
    names = {s.name: s.key for s in fields}
    if period_spec is not None:
        names[period_spec.name] = "period"
        others = [rule for rule in rules_of(request_type) if isinstance(rule, OneOf)]
        if "period" not in table and any(
            group != (period_spec.name,) for rule in others for group in given_groups(rule, values)
        ):
            period = None  # another alternative of the period is given: the default period does not apply
        if period is not None:
            values[period_spec.name] = period
        elif period_spec.required and not period_failed:
            problems.append(f"{where}.period: missing; give the entry a period, or set [defaults] period")
    blamed_on_default = period_failed and period_spec is not None and period_spec.required and period is None
    for problem in broken(request_type, _present(values, spread), names):
        rule = problem.rule
        if failed & set(rule.fields()):
            continue
        period_group = None if period_spec is None else (period_spec.name,)
        if isinstance(rule, OneOf) and problem.how == "neither" and period_group in rule.groups:
            if period_failed:
                blamed_on_default = True
                continue
            missing_alternatives = [names[group[0]] for group in rule.groups if group != period_group]
            problems.append(
                f"{where}.period: missing; give the entry a period or {' or '.join(missing_alternatives)}, "
                "or set [defaults] period"
            )
            continue
        problems.append(f"{where}: {problem.message}")
    if problems or blamed_on_default:  # an entry relying on a default period that did not parse: reported once
        return [], problems
    try:
        if spread is None:
            return [request_type(**values)], []
        spec, items = spread
        if items is not None:
            return [request_type(**{**values, spec.name: item}) for item in items], []
        return [_expansion(request_type, spec, values)], []
    except InvalidRequest as exc:  # a rule the declarations do not state: the class's own words
        return [], [f"{where}: {exc}"]


def _present(values: dict[str, object], spread: tuple[Spec, list[object] | None] | None) -> dict[str, object]:
    if spread is not None and spread[1] is None:
        return {**values, spread[0].name: spread[0].many.every if spread[0].many else None}
    return values


def _list_of(spec: Spec, raw: Sequence[object], where: str, problems: list[str]) -> list[object]:
    if not raw:
        problems.append(f"{where}: the list is empty")
    items: list[object] = []
    for value in raw:
        try:
            items.append(spec.convert(value))
        except FieldError as exc:
            problems.append(f"{where}: {exc}")
    for value in dict.fromkeys(v for v in items if items.count(v) > 1):
        problems.append(f"{where}: the list names {value!r} twice")
    return items


def _expansion(request_type: type, spec: Spec, values: dict[str, object]) -> Expansion:
    many: Many | None = spec.many
    assert many is not None
    assert many.expand is not None
    expand_values = many.expand

    def expand(settings: object) -> Flow[list[ReportRequest]]:
        found = yield from expand_values(settings, values)
        return [request_type(**{**values, spec.name: item}) for item in found]

    return Expansion(many.describe.format_map(values), expand)


def load_config(
    path: Path, *, period: str | None = None, timezone: str | None = None, as_of: date | datetime | None = None
) -> Config:
    """Read and check a config file; ConfigError names the file, the entry and the field."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror or type(exc).__name__})") from None
    return parse_config_text(raw, str(path), period=period, timezone=timezone, as_of=as_of)


def parse_config_text(
    raw: bytes | str,
    source: str,
    *,
    period: str | None = None,
    timezone: str | None = None,
    as_of: date | datetime | None = None,
) -> Config:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        document = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    return parse_config(document, source, period=period, timezone=timezone, as_of=as_of)


def example_config() -> str:
    """A commented config with every registered provider's table, as ``usage-reports config example`` prints it."""
    lines = [
        "# usage-reports fetch-all config: write it once, run it every month:",
        "#   usage-reports fetch-all usage.toml --out-dir usage/{period}",
        "# Keys never go in this file (there is no api_key key): they come from the provider's variable,",
        "# an entry's credential_env (another variable) or credential_file (a file only you can read: chmod 600;",
        "# a relative name is looked up in $CREDENTIALS_DIRECTORY, systemd's LoadCredential=).",
        "",
        "[defaults]",
        'period = "last-month"            # last-month, month-to-date, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD',
        '# timezone = "Europe/Berlin"     # IANA zone of the periods (default UTC)',
    ]
    for provider in providers():
        lines += ["", f"[[{provider.name}]]".ljust(32) + f" # {provider.summary}"]
        lines.append('# name = "team-a"                # optional: prefixes the file name')
        variable = provider.credential_variables[0] if provider.credential_variables else "VARIABLE"
        lines.append(f'# credential_env = "{variable}_B"  # optional: this entry\'s own credential variable')
        lines.append(f'# credential_file = "{provider.name}-b.key"  # optional, instead: a file holding it')
        if len(provider.credential_kinds) > 1:
            kinds = " or ".join(f'"{kind}"' for kind in provider.credential_kinds)
            lines.append(f"# credential_type = {kinds}")
        if provider.takes_period:
            lines.append('# period = "2026-10"              # optional: this entry\'s own period')
        for key in config_keys(provider):
            if key.required:
                lines.append(f"{key.name} = {key.example}".ljust(32) + f" # {key.help}")
            else:
                lines.append(f"# {key.name} = {key.example or '...'}".ljust(32) + f" # {key.help}")
    return "\n".join(lines) + "\n"


# --- the typed API: Config.load / from_dict / resolved, and Problem ---------------------------------------------------


class Problem(str):
    """One mistake of a config: the entry (``<provider>[1]``) and the key it is about, when known, and why.

    It is also its line of text (a ``str``, as ``ConfigError.problems`` held
    before): a problem made of a message alone is that message.
    """

    entry: str | None
    key: str | None
    message: str

    def __new__(cls, entry: str | None, key: str | None, message: str) -> Problem:
        where = ".".join(part for part in (entry, key) if part)
        self = super().__new__(cls, f"{where}: {message}" if where else message)
        object.__setattr__(self, "entry", entry)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "message", message)
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Problem is immutable: cannot set {name}")

    def __getnewargs__(self) -> tuple[str | None, str | None, str]:  # type: ignore[override]
        return (self.entry, self.key, self.message)

    def __repr__(self) -> str:
        return f"Problem(entry={self.entry!r}, key={self.key!r}, message={self.message!r})"


def _from_dict(
    document: Mapping[str, Any],
    *,
    source: str,
    period: str | None,
    timezone: str | None,
    as_of: date | datetime | None,
) -> Config:
    overrides = {"period": period, "timezone": timezone, "as_of": as_of}
    try:
        config = parse_config(document, source, period=period, timezone=timezone, as_of=as_of)
    except ConfigError as exc:
        raise with_unset_credentials(exc, document, source) from None
    return replace(config, source=source, document=document, overrides=overrides)


def _load(path: str | Path, *, period: str | None, timezone: str | None, as_of: date | datetime | None) -> Config:
    path = Path(path)
    try:
        config = load_config(path, period=period, timezone=timezone, as_of=as_of)
    except ConfigError as exc:
        try:
            document = tomllib.loads(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            raise exc from None
        raise with_unset_credentials(exc, document, str(path)) from None
    document = tomllib.loads(path.read_bytes().decode("utf-8"))  # the text just checked, kept to re-resolve it
    overrides = {"period": period, "timezone": timezone, "as_of": as_of}
    return replace(config, source=str(path), document=document, overrides=overrides)


def _resolved(config: Config, *, period: str | None, timezone: str | None, as_of: date | datetime | None) -> Config:
    given = {"period": period, "timezone": timezone, "as_of": as_of}
    if all(value is None for value in given.values()):
        return config
    if config.document is None:
        raise ValueError("this Config was not made by Config.load or Config.from_dict: it cannot be re-resolved")
    kept = config.overrides
    return _from_dict(
        config.document,
        source=config.source,
        period=period if period is not None else kept.get("period"),
        timezone=timezone if timezone is not None else kept.get("timezone"),
        as_of=as_of if as_of is not None else kept.get("as_of"),
    )


def with_unset_credentials(error: ConfigError, document: Mapping[str, Any], source: str) -> ConfigError:
    """``error`` with every entry whose ``credential_env`` names an unset variable, so one run shows every mistake.

    A valid config has these checked when the run plans its entries (with the run's environment); a config with
    other mistakes is refused before that, so they are listed here, from the process's environment.
    """
    import os

    problems: list[str] = list(error.problems)
    for table, tables in document.items():
        if table == DEFAULTS_TABLE or provider_named(table) is None or not isinstance(tables, list):
            continue
        for index, fields in enumerate(tables, 1):
            variable = fields.get("credential_env") if isinstance(fields, dict) else None
            if not isinstance(variable, str) or not _ENV_NAME.fullmatch(variable):
                continue
            if os.environ.get(variable, "").strip():
                continue
            name = fields.get("name")
            label = f"{table}[{index}]" + (f" ({name})" if isinstance(name, str) and _NAME.fullmatch(name) else "")
            problems.append(f"{source}: {label}.credential_env: the environment variable {variable} is not set")
    return error if len(problems) == len(error.problems) else ConfigError(*problems)
