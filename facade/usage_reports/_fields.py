"""Value classes and their fields, declared once: what a field means, how it is named and checked.

A request (or a listing's parameters) is a :func:`value_object` class whose fields are made by :func:`field`.
Its ``metadata`` carries everything each surface needs:

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

A field that is no request parameter (a setting's credential, a period's bounds) is made by :func:`checked`:
a conversion, and ``secret=True`` for a value shown as ``'***'`` in the repr.

Rules over several fields (:class:`OneOf`, :class:`Requires`, :class:`Holds`)
are data too, on the class's ``rules``; their messages are templates whose
``{field}`` placeholders each surface fills with its own names.

The CLI derives its options (``cli._args.add_options``) and the config its keys,
its example and its checks (``batch._config``) from these declarations; no
vendor writes argparse or config code. This module is core: it imports no
argparse, no batch and no cli.

Why dataclasses here, where the rest of the library uses attrs: these are the classes a user names first
(``from usage_reports import UsageReports`` and a request class), and importing attrs alone costs about 12 ms,
a sixth of ``import httpx`` (BENCHMARKS.md, B5). :func:`value_object` is the standard library's frozen dataclass
plus the three things attrs gave these classes: each field checked (and converted) as the instance is made, the
class's ``rules`` checked after them, and secrets masked in the repr. The declarations' own records
(:class:`Spec`, the rules) are named tuples, for the same reason.
"""

import dataclasses
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, Final, NamedTuple, TypeVar, cast, dataclass_transform

from ._exceptions import InvalidRequest

T = TypeVar("T")

#: The key of a field's ``metadata`` holding its declaration (what :func:`specs` reads).
METADATA_KEY: Final = "usage_reports"
#: The key of a field's ``metadata`` holding the conversion of a :func:`checked` field.
CHECK_KEY: Final = "usage_reports.check"
#: The key of a field's ``metadata`` marking a secret (``'***'`` in the repr).
MASK_KEY: Final = "usage_reports.secret"
#: A field without a default.
MISSING: Final[Any] = dataclasses.MISSING

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


class Many(NamedTuple):
    """In a config, the key may hold a list of values (one request each) or ``every`` (all of them, listed each run).

    ``expand(settings, values)`` is a flow of API calls returning every value, given the entry's other
    (typed) values; ``describe`` is a template over those values (``"every project of account
    {account_id}"``). ``single`` names fields that make sense for one value only.
    """

    every: str | None = None
    expand: Callable[[object, Mapping[str, object]], Generator[Any, Any, Sequence[object]]] | None = None
    describe: str = ""
    single: tuple[str, ...] = ()


class Spec(NamedTuple):
    """A declared field, as every surface reads it."""

    name: str
    help: str
    convert: Convert
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
        return self.default is not MISSING


class _Declared(NamedTuple):
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
    default: Any = MISSING,
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
    """A field declared once for Python, the CLI and the config (see the module's docstring).

    From Python, ``convert`` checks the value (and may normalise it); ``None`` is always allowed for a field
    whose default is ``None``. ``cli=False``: a key of the config (what a batch does beside the download), with
    no command-line option.
    """
    declared = _Declared(help, convert, option, key, metavar, example, required, many, period, cli)
    return dataclasses.field(default=default, kw_only=kw_only, metadata={METADATA_KEY: declared})


def checked(
    convert: Convert,
    *,
    default: Any = MISSING,
    factory: Callable[[], Any] | None = None,
    secret: bool = False,
    kw_only: bool = False,
) -> Any:
    """A field that is no request parameter: ``convert`` checks (and may normalise) its value, as :func:`field`'s.

    ``secret=True``: the repr shows ``'***'`` for it. ``factory``: the default is made per instance.
    """
    metadata = {CHECK_KEY: convert, MASK_KEY: secret}
    if factory is not None:
        return dataclasses.field(default_factory=factory, kw_only=kw_only, metadata=metadata)
    return dataclasses.field(default=default, kw_only=kw_only, metadata=metadata)


def _conversion(spec: dataclasses.Field[Any]) -> Convert | None:
    declared = spec.metadata.get(METADATA_KEY)
    if isinstance(declared, _Declared):
        return declared.convert
    convert: Convert | None = spec.metadata.get(CHECK_KEY)
    return convert


def check_fields(instance: object) -> None:
    """Each field's conversion, in order: InvalidRequest naming ``Class.field``; the typed value is kept."""
    for spec in dataclasses.fields(instance):  # type: ignore[arg-type]
        convert = _conversion(spec)
        value = getattr(instance, spec.name)
        if convert is None or (value is None and spec.default is None):
            continue
        try:
            converted = convert(value)
        except FieldError as exc:
            raise InvalidRequest(f"{type(instance).__name__}.{spec.name} {exc}") from None
        if converted is not value:
            object.__setattr__(instance, spec.name, converted)  # the typed value (the instance is still being made)


def _repr(self: object) -> str:
    shown = []
    for spec in dataclasses.fields(self):  # type: ignore[arg-type]
        if not spec.repr:
            continue
        value = getattr(self, spec.name)
        text = ("None" if value is None else "'***'") if spec.metadata.get(MASK_KEY) else repr(value)
        shown.append(f"{spec.name}={text}")
    return f"{type(self).__qualname__}({', '.join(shown)})"


C = TypeVar("C", bound=type)


@dataclass_transform(frozen_default=True, field_specifiers=(field, checked, dataclasses.field))
def value_object(cls: C) -> C:
    """A frozen dataclass whose fields are checked as an instance is made, then its ``rules``.

    A ``__post_init__`` of the class runs between the two (for a check over several fields that is not a rule).
    The repr masks secrets. Equality and hashing are the dataclass's (by value, same class only).
    """
    own: Callable[[Any], None] | None = cls.__dict__.get("__post_init__")

    def __post_init__(self: Any) -> None:
        check_fields(self)
        if own is not None:
            own(self)
        check_rules(self)

    __post_init__.__qualname__ = f"{cls.__qualname__}.__post_init__"
    setattr(cls, "__post_init__", __post_init__)  # noqa: B010 - a method put on the class being made
    setattr(cls, "__repr__", _repr)  # noqa: B010
    made: Any = dataclasses.dataclass(frozen=True, repr=False)(cls)
    return cast(C, made)


def specs(cls: type) -> tuple[Spec, ...]:
    """The declared fields of a value class, in order (fields made without :func:`field` are left out)."""
    found = []
    for attribute in dataclasses.fields(cls):
        declared = attribute.metadata.get(METADATA_KEY)
        if not isinstance(declared, _Declared):
            continue
        name = attribute.name
        required = declared.required if declared.required is not None else attribute.default is MISSING
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


class OneOf(NamedTuple):
    """Exactly one of these groups of fields is given (a group is given when any of its fields is)."""

    groups: tuple[tuple[str, ...], ...]
    both: str  # a template over the fields' names, e.g. "give exactly one of {report_id} and {period}"
    neither: str

    def fields(self) -> tuple[str, ...]:
        return tuple(name for group in self.groups for name in group)


class Requires(NamedTuple):
    """``field`` given needs ``needs`` given."""

    field: str
    needs: str
    message: str = "{field} needs {needs}"

    def fields(self) -> tuple[str, ...]:
        return (self.field, self.needs)


class Holds(NamedTuple):
    """``test`` of these fields' typed values holds, whenever all of them are given."""

    names: tuple[str, ...]
    test: Callable[..., bool]
    message: str

    def fields(self) -> tuple[str, ...]:
        return self.names


Rule = OneOf | Requires | Holds


class Broken(NamedTuple):
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
    """After the fields' checks (:func:`value_object`): InvalidRequest naming the class when the values break a rule."""
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
    "MISSING",
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
    "check_fields",
    "check_rules",
    "checked",
    "field",
    "kind_of",
    "positive_int",
    "positive_seconds",
    "rules_of",
    "specs",
    "takes_period",
    "value_object",
]
