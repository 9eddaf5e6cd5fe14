"""Value types and help for command-line options, shared by the generic commands and every provider's subcommand.

Each type raises argparse.ArgumentTypeError, which argparse reports naming the option.
:func:`add_options` derives a command's options from a request's (or a listing's) declared fields, and
:func:`request_from_options` builds the request back, checking the class's rules in the options' names.
:func:`add_examples` ends a command's ``--help`` with real invocations (tests parse each one).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .._exceptions import InvalidRequest
from .._fields import FieldError, Spec, Text, broken, specs
from .._periods import Period, parse_timestamp
from ._output import UsageError

if TYPE_CHECKING:
    import argparse  # imported where an option is parsed: a library user never pays for it

EXAMPLES_HEADING = "examples:"


def add_examples(parser: argparse.ArgumentParser, *examples: tuple[str, str]) -> None:
    """End ``parser``'s help with ``examples``: (what it does, the command line), in this order.

    The command line is shown as written (its first word the program's name); the epilog is kept
    as laid out here, so the parser needs argparse.RawDescriptionHelpFormatter.
    """
    lines = [EXAMPLES_HEADING]
    for what, command in examples:
        lines += [f"  # {what}", f"  {command}"]
    parser.epilog = "\n".join(lines) + (f"\n\n{parser.epilog}" if parser.epilog else "")


def _rejected(message: str) -> Exception:
    """argparse's ArgumentTypeError (argparse is loaded by then: it calls these; the vendor homes do not import it)."""
    import argparse

    return argparse.ArgumentTypeError(message)


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise _rejected(f"{text!r} is not an integer") from None
        if value < minimum:
            raise _rejected(f"{text} must be {minimum} or more")
        return value

    parse.__name__ = "integer"  # argparse names the type in some messages
    return parse


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _rejected(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise _rejected("must be a positive number of seconds")
    return value


def timestamp(text: str) -> date | datetime:
    """An ISO date (UTC midnight) or a datetime with an offset."""
    try:
        return parse_timestamp(text, "date")
    except InvalidRequest as exc:
        raise _rejected(str(exc).removeprefix("date: ")) from None


def day(text: str) -> date:
    """An ISO day, 2026-11-02."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _rejected(f"{text!r} is not a day like 2026-11-02") from None


# --- options derived from declared fields ------------------------------------------------------------


def _dest(spec: Spec) -> str:
    return f"field:{spec.name}"  # never the dest of a generic option (--output, --json...)


def _from_text(spec: Spec) -> Callable[[str], object]:
    """argparse's ``type``: the field's own conversion, given the text as :class:`Text`."""

    def convert(text: str) -> object:
        try:
            return spec.convert(Text(text))
        except FieldError as exc:
            raise _rejected(str(exc)) from None

    convert.__name__ = spec.metavar.lower()  # argparse names the type in some messages
    return convert


def _help(spec: Spec) -> str:
    default = spec.default
    if spec.has_default and default is not None:
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        return f"{spec.help} (default {shown})"
    return spec.help


def add_options(parser: argparse.ArgumentParser, parameters: type) -> None:
    """One option per declared field of ``parameters`` (the period is the generic --period)."""
    for spec in specs(parameters):
        if spec.period or not spec.cli:
            continue
        parser.add_argument(
            spec.option,
            dest=_dest(spec),
            type=_from_text(spec),
            required=spec.required,
            metavar=spec.metavar,
            help=_help(spec),
        )


def option_names(parameters: type) -> dict[str, str]:
    """Each declared field's name on the command line (the period's is --period)."""
    return {spec.name: "--period" if spec.period else spec.option for spec in specs(parameters)}


def request_from_options(parameters: type, args: argparse.Namespace, command: str, period: Period | None) -> Any:
    """The ``parameters`` the parsed options describe; UsageError naming the options when a rule is broken."""
    values: dict[str, object] = {}
    for spec in specs(parameters):
        value = period if spec.period else getattr(args, _dest(spec), None)
        if value is not None:
            values[spec.name] = value
    names = option_names(parameters)
    missing = [names[spec.name] for spec in specs(parameters) if spec.required and spec.name not in values]
    if missing:  # argparse requires the options themselves: this is the period
        raise UsageError(f"{command} needs {' and '.join(missing)} (e.g. --period last-month)")
    problems = broken(parameters, values, names)
    if problems:
        raise UsageError(f"{command}: {problems[0].message}")
    return parameters(**values)
