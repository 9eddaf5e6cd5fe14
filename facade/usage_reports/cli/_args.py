"""Value types and help for command-line options, shared by the generic commands and every provider's subcommand.

Each type raises argparse.ArgumentTypeError, which argparse reports naming the option.
:func:`add_examples` ends a command's ``--help`` with real invocations (tests parse each one).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from .._exceptions import InvalidRequest
from .._periods import parse_timestamp

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
