"""Request fields declared once: what a field means, how it is named and checked, from Python, CLI and config.

A request (or a listing's parameters) is an attrs class whose fields are made
by :func:`field`. Its ``metadata`` carries everything each surface needs:

- ``help``: one line, for ``--help`` and the generated config example;
- ``option``: the CLI option (default ``--account-id`` for ``account_id``);
- ``key``: the config key (default: the field's name);
- ``metavar`` and ``example`` (the value shown in the config example);
- ``required`` (default: the field has no default);
- ``convert``: ONE function from a raw value to the typed value. A raw value is
  a :class:`Text` from the command line, a TOML value from a config, or a
  Python value from code. It raises :class:`FieldError` with a text that does
  NOT name the field: each surface prefixes the name its user typed
  (``--account-id: must be ...``, ``usage.toml: my_vendor[1].account_id: must be ...``,
  ``MyVendorReport.account_id must be ...``);
- ``many``: in a config only, the key may also hold a list of values (one
  request each) or a word standing for every value, found at run time.

Rules over several fields (:class:`OneOf`, :class:`Requires`, :class:`Holds`)
are data too, on the class's ``rules``; their messages are templates whose
``{field}`` placeholders each surface fills with its own names.

The CLI derives its options (``cli._args.add_options``) and the config its keys,
its example and its checks (``batch._config``) from these declarations; no
vendor writes argparse or config code. This module is core: it imports no
argparse, no batch and no cli.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, Final, TypeVar

import attrs

from ._exceptions import InvalidRequest

T = TypeVar("T")

#: The key of a field's ``metadata`` holding its :class:`Spec`.
METADATA_KEY: Final = "usage_reports"

#: A conversion: a raw value (Text from the CLI, a TOML value, a Python value) to the typed value; FieldError.
Convert = Callable[[Any], Any]


class FieldError(ValueError):
    """A value a field refuses. The text names no field: the caller prefixes the name its user knows."""


class Text(str):
    """Text typed on the command line: a conversion may parse it (``"7"`` -> 7), where a str from code stays a str."""

    __slots__ = ()


def kind_of(value: object) -> str:
    """How a config or request value's type reads in a message: "a string", "an integer"..."""
    return {
        str: "a string",
        Text: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


@attrs.frozen
class Many:
    """In a config, the key may hold a list of values (one request each) or ``every`` (all of them, listed each run).

    ``expand(settings, values)`` is a flow of API calls returning every value, given the entry's other
    (typed) values; ``describe`` is a template over those values (``"every project of account
    {account_id}"``). ``single`` names fields that make sense for one value only.
    """

    every: str | None = None
    expand: Callable[[object, Mapping[str, object]], Generator[Any, Any, Sequence[object]]] | None = attrs.field(
        default=None, repr=False
    )
    describe: str = ""
    single: tuple[str, ...] = ()


@attrs.frozen
class Spec:
    """A declared field, as every surface reads it."""

    name: str
    help: str
    convert: Convert = attrs.field(repr=False)
    option: str
    key: str
    metavar: str
    example: str | None
    required: bool
    default: object
    many: Many | None = None
    period: bool = False  # the request's period: --period, --timezone, --as-of and the config's period apply
    cli: bool = True  # False: a config (batch) key only, no command-line option

    @property
    def has_default(self) -> bool:
        return self.default is not attrs.NOTHING


@attrs.frozen
class _Declared:
    help: str
    convert: Convert
    option: str | None
    key: str | None
    metavar: str | None
    example: str | None
    required: bool | None
    many: Many | None
    period: bool
    cli: bool = True


def field(
    *,
    help: str,
    convert: Convert,
    default: Any = attrs.NOTHING,
    option: str | None = None,
    key: str | None = None,
    metavar: str | None = None,
    example: str | None = None,
    required: bool | None = None,
    many: Many | None = None,
    kw_only: bool = False,
    period: bool = False,
    cli: bool = True,
) -> Any:
    """An attrs field declared once for Python, the CLI and the config (see the module's docstring).

    From Python, ``convert`` checks the value (and may normalise it); ``None`` is always allowed for a field
    whose default is ``None``. ``cli=False``: a key of the config (what a batch does beside the download), with
    no command-line option.
    """
    declared = _Declared(help, convert, option, key, metavar, example, required, many, period, cli)
    return attrs.field(default=default, kw_only=kw_only, validator=_checked, metadata={METADATA_KEY: declared})


def _checked(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    declared: _Declared = attribute.metadata[METADATA_KEY]
    if value is None and attribute.default is None:
        return
    try:
        converted = declared.convert(value)
    except FieldError as exc:
        raise InvalidRequest(f"{type(instance).__name__}.{attribute.name} {exc}") from None
    if converted is not value:
        object.__setattr__(instance, attribute.name, converted)  # the typed value (the instance is still being made)


def specs(cls: type) -> tuple[Spec, ...]:
    """The declared fields of an attrs class, in order (fields made without :func:`field` are left out)."""
    found = []
    for attribute in attrs.fields(cls):
        declared = attribute.metadata.get(METADATA_KEY)
        if not isinstance(declared, _Declared):
            continue
        name = attribute.name
        required = declared.required if declared.required is not None else attribute.default is attrs.NOTHING
        found.append(
            Spec(
                name=name,
                help=declared.help,
                convert=declared.convert,
                option=declared.option or "--" + name.replace("_", "-"),
                key=declared.key or name,
                metavar=declared.metavar or "VALUE",
                example=declared.example,
                required=required,
                default=attribute.default,
                many=declared.many,
                period=declared.period,
                cli=declared.cli,
            )
        )
    return tuple(found)


def takes_period(cls: type) -> bool:
    return any(spec.period for spec in specs(cls))


# --- rules over several fields -----------------------------------------------------------------------


@attrs.frozen
class OneOf:
    """Exactly one of these groups of fields is given (a group is given when any of its fields is)."""

    groups: tuple[tuple[str, ...], ...]
    both: str  # a template over the fields' names, e.g. "give exactly one of {report_id} and {period}"
    neither: str

    def fields(self) -> tuple[str, ...]:
        return tuple(name for group in self.groups for name in group)


@attrs.frozen
class Requires:
    """``field`` given needs ``needs`` given."""

    field: str
    needs: str
    message: str = "{field} needs {needs}"

    def fields(self) -> tuple[str, ...]:
        return (self.field, self.needs)


@attrs.frozen
class Holds:
    """``test`` of these fields' typed values holds, whenever all of them are given."""

    names: tuple[str, ...]
    test: Callable[..., bool] = attrs.field(repr=False)
    message: str

    def fields(self) -> tuple[str, ...]:
        return self.names


Rule = OneOf | Requires | Holds


@attrs.frozen
class Broken:
    """A rule the values break: the rule, which way (for OneOf: "both" or "neither"), and the message."""

    rule: Rule
    how: str
    message: str


def rules_of(cls: type) -> tuple[Rule, ...]:
    rules: tuple[Rule, ...] = getattr(cls, "rules", ())
    return rules


def given_groups(rule: OneOf, values: Mapping[str, object]) -> list[tuple[str, ...]]:
    return [group for group in rule.groups if any(values.get(name) is not None for name in group)]


def broken(cls: type, values: Mapping[str, object], names: Mapping[str, str]) -> list[Broken]:
    """The rules of ``cls`` that ``values`` (None: not given) break, each message in the caller's ``names``."""
    words = {spec.name: spec.name for spec in specs(cls)} | dict(names)
    found: list[Broken] = []
    for rule in rules_of(cls):
        if isinstance(rule, OneOf):
            given = given_groups(rule, values)
            if len(given) > 1:
                found.append(Broken(rule, "both", rule.both.format_map(words)))
            elif not given:
                found.append(Broken(rule, "neither", rule.neither.format_map(words)))
        elif isinstance(rule, Requires):
            if values.get(rule.field) is not None and values.get(rule.needs) is None:
                found.append(Broken(rule, "", rule.message.format(field=words[rule.field], needs=words[rule.needs])))
        elif all(values.get(name) is not None for name in rule.names) and not rule.test(
            *(values[name] for name in rule.names)
        ):
            found.append(Broken(rule, "", rule.message.format_map(words)))
    return found


def check_rules(instance: object) -> None:
    """From ``__attrs_post_init__``: InvalidRequest naming the class when the values break a rule."""
    cls = type(instance)
    values = {name: getattr(instance, name) for rule in rules_of(cls) for name in rule.fields()}
    problems = broken(cls, values, {})
    if problems:
        raise InvalidRequest(f"{cls.__name__}: {problems[0].message}")


# --- conversions shared by several vendors ---------------------------------------------------------------


def positive_int(value: object) -> int:
    """A positive integer (never a bool); from the command line, its digits."""
    if isinstance(value, Text):
        try:
            value = int(value.strip())
        except ValueError:
            raise FieldError(f"must be a positive integer, got {str(value)!r}") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"must be a positive integer, not {kind_of(value)}")
    if value < 1:
        raise FieldError(f"must be a positive integer, got {value}")
    return value


def boolean(value: object) -> bool:
    """true or false (never a number); from the command line, ``true``/``false``."""
    if isinstance(value, Text):
        words = {"true": True, "false": False}
        if value.strip().lower() not in words:
            raise FieldError(f"must be true or false, got {str(value)!r}")
        return words[value.strip().lower()]
    if not isinstance(value, bool):
        raise FieldError(f"must be true or false, not {kind_of(value)}")
    return value


def positive_seconds(value: object) -> float:
    """A positive, finite number of seconds (never a bool); from the command line, its text."""
    if isinstance(value, Text):
        try:
            value = float(value.strip())
        except ValueError:
            raise FieldError(f"must be a positive number of seconds, got {str(value)!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(f"must be a positive number of seconds, not {kind_of(value)}")
    if not 0 < value < float("inf"):
        raise FieldError(f"must be a positive number of seconds, got {value!r}")
    return value


__all__ = [
    "FieldError",
    "Holds",
    "Many",
    "OneOf",
    "Requires",
    "Rule",
    "Spec",
    "Text",
    "boolean",
    "broken",
    "check_rules",
    "field",
    "kind_of",
    "positive_int",
    "positive_seconds",
    "rules_of",
    "specs",
    "takes_period",
]
