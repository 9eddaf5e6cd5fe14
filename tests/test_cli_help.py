"""A CLI that teaches itself: examples in every --help, every option described, unknown options reported
as unknown (never abbreviated, before any missing one), messages in the user's option and key names.

In-process over the parser the registry builds; nothing here sends a request (every case fails, or
only parses, before any I/O).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import clean_environment
from usage_reports._constants import DEFAULT_MAX_RETRIES
from usage_reports._fields import specs
from usage_reports._providers import providers
from usage_reports.batch._config import ConfigError, config_keys, parse_config
from usage_reports.cli._args import EXAMPLES_HEADING
from usage_reports.cli._main import build_parser, main

SHELL_OPERATORS = {"|", ">", ">>", "&&", ";"}


@pytest.fixture(autouse=True)
def library_logger_restored() -> Iterator[None]:
    """main() configures the `usage_reports` logger; other tests in this process rely on its defaults."""
    library = logging.getLogger("usage_reports")
    saved = (list(library.handlers), library.propagate, library.level)
    yield
    library.handlers[:], library.propagate, library.level = saved


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the parser has no subcommands")


def _examples(parser: argparse.ArgumentParser) -> list[list[str]]:
    """The command lines under "examples:" in a parser's epilog, as argv lists cut at the first shell operator."""
    epilog = parser.epilog or ""
    assert EXAMPLES_HEADING in epilog, f"{parser.prog} --help has no examples"
    lines = epilog.split(EXAMPLES_HEADING, 1)[1].split("\n\n", 1)[0].splitlines()
    commands = []
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        words = shlex.split(text)
        cut = next((i for i, word in enumerate(words) if word in SHELL_OPERATORS), len(words))
        commands.append(words[:cut])
    return commands


def _parses(argv: list[str]) -> argparse.Namespace:
    """argv (without the program name) through a fresh parser; a usage error fails the test with its message."""
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exit_:
        raise AssertionError(f"`usage-reports {shlex.join(argv)}` does not parse (exit {exit_.code})") from None


def test_every_command_registered_or_generic_has_examples_that_really_parse(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    commands = _commands(parser)
    expected = {p.command for p in providers()} | {c.name for p in providers() for c in p.listings}
    assert expected | {"fetch-all", "config", "demo"} <= set(commands)

    for name, command in commands.items():
        examples = _examples(command)
        own = [argv for argv in examples if argv[1:2] == [name]]
        assert len(own) >= 2, f"{name} --help shows {len(own)} examples of itself"
        for argv in examples:
            assert argv[0] == "usage-reports", argv
            if "--help" not in argv:
                assert _parses(argv[1:]).command == argv[1]
    for argv in _examples(parser):
        assert argv[0] == "usage-reports"
        if "--help" not in argv:
            _parses(argv[1:])
    assert capsys.readouterr().err == ""


def test_every_option_and_argument_of_every_command_is_described() -> None:
    parser = build_parser()
    parsers = {"usage-reports": parser, **_commands(parser)}
    checked = 0
    for name, command in parsers.items():
        for action in command._actions:
            what = action.option_strings or [str(action.metavar or action.dest)]
            assert action.help, f"{name} {what[0]} has no help"
            assert action.help != argparse.SUPPRESS, f"{name} {what[0]} is hidden"
            checked += 1
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for choice in subcommands._choices_actions:
        assert choice.help, f"{choice.dest} has no summary"
    assert checked > 4 * len(parsers)


def test_help_shows_examples_credentials_and_the_output_forms(capsys: pytest.CaptureFixture[str]) -> None:
    provider = providers()[0]
    with pytest.raises(SystemExit, match="0"):
        main([provider.command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())

    assert "examples:" in shown
    assert f"# {provider.command}" not in shown
    assert f" usage-reports {provider.command} --" in shown
    assert all(variable in shown for variable in provider.credential_variables)
    assert "'-' streams" in shown
    assert "exit code is not 0" in shown  # the trade-off of -o -, said where the option is


def test_fetch_all_help_describes_the_config_from_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="0"):
        main(["fetch-all", "--help"])
    shown = capsys.readouterr().out

    for provider in providers():
        assert f"[[{provider.name}]]" in shown
        assert all(key.name in shown for key in config_keys(provider))
    assert "credential_env" in shown
    assert "config example" in shown


@pytest.mark.parametrize(
    ("argv", "unknown", "suggestion"),
    [
        (["statsig", "--ennd", "2026-11-01"], "--ennd 2026-11-01", "--end"),
        (["statsig", "--ennd=2026-11-01"], "--ennd=2026-11-01", "--end"),
        # a required option is missing too: the unknown one is what went wrong, and is said first
        (["altostrat", "--workspac", "ws_a"], "--workspac ws_a", "--workspace-id"),
        (
            ["edge-impulse", "--organization-id", "1", "--inner-orgnization-id", "2", "--period", "2026-10"],
            "--inner-orgnization-id 2",
            "--inner-organization-id",
        ),
        (["--ennd"], "--ennd", None),
    ],
)
def test_an_unknown_option_is_reported_as_unknown_with_the_nearest_one(
    capsys: pytest.CaptureFixture[str], argv: list[str], unknown: str, suggestion: str | None
) -> None:
    with pytest.raises(SystemExit, match="2"):
        main(argv)
    error = capsys.readouterr().err

    assert error.count("\n") == 1, error
    assert f"error: unrecognized arguments: {unknown}" in error
    assert "required" not in error
    if suggestion:
        assert f"did you mean {suggestion}?" in error
    command = "usage-reports" if argv[0].startswith("-") else f"usage-reports {argv[0]}"
    assert error.startswith(f"{command}: error: ")
    assert error.rstrip().endswith(f"(see {command} --help)")


def test_options_are_never_abbreviated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="2"):
        main(["altostrat", "--workspace", "ws_a1b2c3d4e5f6g7h8", "-o", "-"])

    assert "unrecognized arguments: --workspace ws_a1b2c3d4e5f6g7h8" in capsys.readouterr().err


def test_a_missing_required_option_is_still_named_when_nothing_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="2"):
        main(["edge-impulse", "--organization-id", "1", "--period", "2026-10"])

    error = capsys.readouterr().err
    assert "the following arguments are required: --inner-organization-id" in error
    assert "unrecognized" not in error


# --- messages in the user's words ------------------------------------------------------------------

CLASS_NAMES = [name for p in providers() for name in (p.request_type.__name__, p.settings_type.__name__)]


def _error_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        code = main(argv)
    except SystemExit as exit_:  # a value refused while parsing: argparse's usage error
        code = int(str(exit_.code))
    error = capsys.readouterr().err
    assert code == 2, error
    assert error.count("\n") == 1, error
    for name in CLASS_NAMES:
        assert not re.search(rf"\b{name}[.(:]", error), error
    return error


def test_an_invalid_value_is_named_by_its_option(capsys: pytest.CaptureFixture[str]) -> None:
    error = _error_of(["altostrat", "--workspace-id", "ws a", "-o", "-"], capsys)

    assert "--workspace-id: must not contain whitespace" in error


def test_a_request_level_problem_is_named_by_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    error = _error_of(["statsig", "--start", "2026-11-01", "--end", "2026-10-01", "-o", "-"], capsys)

    assert "error: statsig: --start must be before --end" in error


def test_a_missing_credential_names_the_variable_without_python_hints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for provider in providers():
        for variable in provider.credential_variables:
            monkeypatch.delenv(variable, raising=False)
    error = _error_of(["altostrat", "--workspace-id", "ws_a1b2c3d4e5f6g7h8", "-o", "-"], capsys)

    assert error.rstrip().endswith("no credential configured; set ALTOSTRAT_TOKEN")


def test_two_credentials_at_once_are_refused_in_the_users_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGE_IMPULSE_API_KEY", "ei-key-1234")
    monkeypatch.setenv("EDGE_IMPULSE_JWT", "ei-jwt-5678")
    argv = ["edge-impulse", "--organization-id", "1", "--inner-organization-id", "2", "--report-id", "3", "-o", "-"]
    error = _error_of(argv, capsys)

    assert "both EDGE_IMPULSE_API_KEY and EDGE_IMPULSE_JWT are set; unset one" in error
    assert "ei-key-1234" not in error


def test_every_declared_request_field_is_an_option_named_after_it() -> None:
    commands = _commands(build_parser())
    checked = 0
    for provider in providers():
        actions = {option: action for action in commands[provider.command]._actions for option in action.option_strings}
        for spec in specs(provider.request_type):
            if spec.period:
                assert "--period" in actions
                continue
            if not spec.cli:  # a config key only (what fetch-all saves beside the report): no option
                assert spec.option not in actions
                continue
            assert spec.option == "--" + spec.name.replace("_", "-")
            action = actions[spec.option]
            assert action.required == spec.required
            assert (action.help or "").startswith(spec.help)
            checked += 1
    assert checked >= 6


def test_a_refused_option_value_is_named_by_the_option_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    checked = 0
    for provider in providers():
        for spec in specs(provider.request_type):
            if spec.period or not spec.cli:
                continue
            with pytest.raises(SystemExit, match="2"):
                main([provider.command, spec.option, ""])  # an empty value: every declared field refuses it
            error = capsys.readouterr().err
            assert f"error: argument {spec.option}: " in error
            checked += 1
    assert checked >= 6


def test_in_a_config_a_refused_value_is_named_by_its_key() -> None:
    checked = 0
    for provider in providers():
        for spec in specs(provider.request_type):
            if spec.period:
                continue
            with pytest.raises(ConfigError) as info:
                parse_config({provider.name: [{spec.key: {}}]}, "usage.toml")  # a table: no field takes one
            assert any(p.startswith(f"usage.toml: {provider.name}[1].{spec.key}: ") for p in info.value.problems)
            checked += 1
    assert checked >= 6


# --- shell completion -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "offered", "not_offered"), [("statsig --st", "--start", "--end"), ("fet", "fetch-all", "demo")]
)
def test_shell_completion_offers_commands_and_options_when_argcomplete_is_installed(
    tmp_path: Path, line: str, offered: str, not_offered: str
) -> None:
    pytest.importorskip("argcomplete")  # optional: the shell's hook runs the program with _ARGCOMPLETE set
    answer = tmp_path / "completions"
    line = f"usage-reports {line}"
    environment = {
        **clean_environment(),
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
        "_ARGCOMPLETE_IFS": "\n",
    }

    # argcomplete takes over the process's file descriptors: a child of its own, as under a shell
    done = subprocess.run(
        [sys.executable, "-m", "usage_reports"], env=environment, capture_output=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    completions = [word.strip() for word in answer.read_text(encoding="utf-8").split("\n")]
    assert offered in completions
    assert not_offered not in completions


# --- common options before or after the command ---------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["--json", "-q", "-v", "--log-format", "json", "statsig", "--end", "2026-11-01"],
        ["statsig", "--end", "2026-11-01", "--json", "-q", "-v", "--log-format", "json"],
        ["--json", "-v", "statsig", "--end", "2026-11-01", "-q", "--log-format", "json"],
    ],
)
def test_common_options_work_before_or_after_the_command(argv: list[str]) -> None:
    args = _parses(argv)
    assert (args.json, args.quiet, args.verbose, args.log_format) == (True, True, 1, "json")


def test_common_options_left_out_keep_their_defaults_on_either_side() -> None:
    args = _parses(["statsig", "--end", "2026-11-01"])
    assert (args.json, args.quiet, args.verbose, args.log_format, args.max_retries, args.timeout) == (
        False,
        False,
        0,
        "text",
        DEFAULT_MAX_RETRIES,
        None,
    )


def test_json_before_the_command_gives_the_json_result(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATSIG_CONSOLE_API_KEY", raising=False)
    assert main(["--json", "statsig", "--end", "2026-11-01", "-o", "out.csv"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    assert document["error"]["type"] == "MissingCredentials"
    assert document["error"]["message"] == "statsig: no credential configured; set STATSIG_CONSOLE_API_KEY"
