"""The `usage-reports` command line, generic over the provider registry.

    usage-reports <provider command> [options]      one report (see --help for the commands)
    usage-reports fetch-all CONFIG.toml --out-dir DIR [--concurrency N] [--transport aiohttp]
    usage-reports demo [--out-dir DIR]
    usage-reports sandbox [-- COMMAND...]

Exit codes: 0 success; 1 the vendor or the network failed (after retries);
2 bad usage, invalid input, bad config or missing credentials (nothing sent).
Every error is one line on stderr: no traceback, no secret, and in the
user's words: options and config keys, not the library's class names.
Every command's --help ends with examples; options are never abbreviated,
and an unknown one is reported before any missing one.
"""

from __future__ import annotations

import argparse
import contextvars
import difflib
import errno
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

from .._client import UsageReports
from .._constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from .._contract import Listing, Provider, ReportRequest
from .._exceptions import InvalidRequest, MissingCredentials, UsageReportsError
from .._logging import JsonLogFormatter, TextLogFormatter, json_line
from .._models import UsageReport
from .._periods import PERIOD_HELP, Period, zone
from .._providers import providers
from .._redact import printable
from .._signals import exit_status, stopping_on_signals
from .._version import __version__
from .._wording import replacing_with
from ..batch._config import (
    DEFAULT_KEYS,
    DEFAULTS_TABLE,
    EVERY_ENTRY_KEYS,
    Config,
    ConfigError,
    config_keys,
    example_config,
    provider_common_keys,
)
from ..batch._runner import DEFAULT_CONCURRENCY, exit_code_of
from ..destinations._storage import is_remote
from ._args import add_examples, add_options, day, int_at_least, request_from_options, seconds
from ._output import LOG_FORMATS, PROG, Output, UsageError, error_message, print_rows
from ._progress import human_size

if TYPE_CHECKING:
    import httpx

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
#: stdout's reader left (``| head``): 128 + SIGPIPE, what a shell reports for a tool SIGPIPE stopped.
EXIT_BROKEN_PIPE: Final = 141


_REQUIRED = "the following arguments are required"


#: Whether usage errors are JSON objects too (--log-format json is on the command line being parsed).
_json_errors: contextvars.ContextVar[bool] = contextvars.ContextVar("usage_reports_json_errors", default=False)


def _asks_json_logs(argv: Sequence[str]) -> bool:
    for position, word in enumerate(argv):
        if word == "--":
            break
        if word == "--log-format=json" or (word == "--log-format" and argv[position + 1 : position + 2] == ["json"]):
            return True
    return False


class _Probe(Exception):
    """A usage error met while looking for unknown options (see _Parser._unknown)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but stricter and more helpful.

    Options are never abbreviated (``--end`` is not ``--e``, ``--ennd`` is not ``--end``); an unknown
    option is reported as unknown, before any missing required one, with the nearest known option;
    a usage error is one line with a pointer to the command's --help, exit 2.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._given: list[str] | None = None
        self._probing = False

    def parse_known_args(  # type: ignore[override]  # typeshed overloads it; this is the one shape used
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:  # reported by the subcommand that was given them, with its options to suggest from
            command = _chosen(self, parsed)
            (command or self).error(unrecognized(command or self, extras))
        return parsed

    def error(self, message: str) -> NoReturn:
        if self._probing:
            raise _Probe(message)
        if message.startswith(_REQUIRED) and self._given is not None:
            unknown = self._unknown(self._given)
            if unknown:
                message = unrecognized(self, unknown)
        line = f"{message} (see {self.prog} --help)"
        if _json_errors.get():
            fields = {"time": _now(), "level": "error", "event": "usage", "command": self.prog, "message": line}
            self.exit(EXIT_USAGE, json_line(fields, str) + "\n")
        self.exit(EXIT_USAGE, f"{self.prog}: error: {line}\n")

    def _unknown(self, given: list[str]) -> list[str]:
        """What ``given`` holds that no option takes, found by parsing it again with nothing required."""
        required = [action for action in self._actions if action.required]
        self._probing = True
        try:
            for action in required:
                action.required = False
            _, extras = super().parse_known_args(given, argparse.Namespace())
        except _Probe:
            return []
        finally:
            for action in required:
                action.required = True
            self._probing = False
        return extras


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _chosen(parser: argparse.ArgumentParser, parsed: argparse.Namespace) -> argparse.ArgumentParser | None:
    """The subcommand's parser ``parsed`` went through, if any."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen: argparse.ArgumentParser | None = action.choices.get(getattr(parsed, action.dest, None) or "")
            return chosen
    return None


def unrecognized(parser: argparse.ArgumentParser, extras: list[str]) -> str:
    """argparse's message for arguments nothing takes, with the nearest known option for a misspelt one."""
    known = [option for option in parser._option_string_actions if option.startswith("--")]
    guesses = []
    for extra in extras:
        if extra.startswith("--"):
            guesses += difflib.get_close_matches(extra.split("=", 1)[0], known, n=1, cutoff=0.6)
    hint = f" (did you mean {' or '.join(dict.fromkeys(guesses))}?)" if guesses else ""
    return f"unrecognized arguments: {' '.join(extras)}{hint}"


def _credential_variables() -> list[str]:
    return [name for provider in providers() for name in provider.credential_variables]


# --- the parser ------------------------------------------------------------------------


def _epilog() -> str:
    variables = ", ".join(_credential_variables())
    return f"""\
credentials come from the environment: {variables};
*_BASE_URL variables point a provider elsewhere.
exit codes: 0 success; 1 the vendor or the network failed (after retries);
2 bad usage, invalid input, bad config or missing credentials (nothing sent).
every command has --help, with examples: {PROG} COMMAND --help"""


def _provider_epilog(provider: Provider) -> str:
    variables = " or ".join(provider.credential_variables)
    return f"""\
credentials: {variables} in the environment.
-o forms: a file; a folder, or any PATH ending in '/', gets the suggested name (a missing
folder is created); '-' streams the report to stdout as it arrives; s3://, gs://, az://
URLs write to an object store (pip install 'usage-reports[s3]' etc.).
exit codes: 0 success; 1 the vendor, the network or the destination failed (with -o -,
stdout then holds an incomplete report: discard it); 2 bad usage or input (nothing sent)."""


def _config_help() -> str:
    """What CONFIG.toml holds, from the registry: each provider's table and keys."""
    tables = [(f"[{DEFAULTS_TABLE}]", ", ".join(DEFAULT_KEYS) + " (both optional)")]
    for provider in providers():
        declared = config_keys(provider)
        required = [key.name for key in declared if key.required]
        optional = [key.name for key in declared if not key.required]
        optional = [*provider_common_keys(provider), *optional]
        keys = ", ".join(required) + ("; " if required and optional else "")
        keys += f"optional: {', '.join(optional)}" if optional else ""
        tables.append((f"[[{provider.name}]]", keys or "no keys of its own"))
    width = max(len(table) for table, _ in tables) + 2
    lines = [f"  {table.ljust(width)}{keys}" for table, keys in tables]
    return "\n".join(
        [
            "CONFIG.toml lists the reports, one [[table]] per report:",
            *lines,
            f"  any entry may also have: {', '.join(EVERY_ENTRY_KEYS)}",
            f"'{PROG} config example > usage.toml' writes a commented config to start from.",
            "Keys never go in the config: a provider's usual variable, the variable an entry's credential_env",
            "names, or the file its credential_file names (mode 600, yours; relative: in $CREDENTIALS_DIRECTORY).",
            "Every mistake in the file is reported at once, naming the entry and key.",
        ]
    )


def _parser(commands: argparse._SubParsersAction[_Parser], name: str, **kwargs: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs
    )
    return parser


def _common_options(*, after_command: bool) -> _Parser:
    """--json, -q, -v, --log-format, --max-retries, --timeout: before the command, or after it.

    After it (``after_command``), an option not given leaves what was given before the command (its
    default is SUPPRESS, so the subcommand's namespace does not overwrite the value).
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if after_command else value

    common = _Parser(add_help=False)
    group = common.add_argument_group("output and transfer")
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print one JSON result object on stdout instead of text",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", default=default(False), help="no progress and no text on success"
    )
    group.add_argument(
        "--max-retries",
        type=int_at_least(0),
        default=default(DEFAULT_MAX_RETRIES),
        metavar="N",
        help=f"retries of a failed request (default {DEFAULT_MAX_RETRIES})",
    )
    group.add_argument(
        "--timeout",
        type=seconds,
        default=default(None),
        metavar="SECONDS",
        help=f"connect, read and write timeout of each request (default: {DEFAULT_TIMEOUT.connect:g} s to connect, "
        f"{DEFAULT_TIMEOUT.read:g} s to read or write)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="log each failed attempt, retry and finished report to stderr (-vv: every response too); "
        "in a batch each line names its entry",
    )
    group.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=default("text"),
        help="how -v's records and the error lines look on stderr: text (default) or json, "
        "one object per line (time, level, event, label, provider, operation, attempt, status, duration...)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(after_command=True)

    single = _Parser(add_help=False)
    single.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="where the report goes: a file; a folder, or any PATH ending in '/' (created if missing), "
        "gets the suggested name; '-' streams it to stdout as it arrives (if the transfer fails, stdout "
        "holds part of it and the exit code is not 0); an s3:// (gs://, az://) URL; "
        "default: the suggested name in the current folder",
    )
    single.add_argument("--force", action="store_true", help="replace an existing file or object")

    parser = _Parser(
        prog=PROG,
        description="Pull usage reports from " + ", ".join(p.title for p in providers()) + ".",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common_options(after_command=False)],
    )
    add_examples(
        parser,
        ("try everything on local simulators: no account, no network", f"{PROG} demo"),
        ("what one command takes, with examples", f"{PROG} {providers()[0].command} --help"),
        ("every report a config lists", f"{PROG} fetch-all usage.toml --out-dir usage/{{period}} --period last-month"),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="print the version")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, required=True, help="what to do (COMMAND --help)"
    )

    periods = _Parser(add_help=False)
    when = periods.add_argument_group("period", PERIOD_HELP + ".")
    when.add_argument("--period", metavar="PERIOD", help="the period of the report, e.g. last-month or 2026-10")
    when.add_argument("--timezone", metavar="TZ", help="IANA time zone of the period, e.g. Europe/Berlin (default UTC)")
    when.add_argument(
        "--as-of", type=day, metavar="DATE", help="the day relative periods count from (default: today), for backfills"
    )

    for provider in providers():
        sub = _parser(
            commands,
            provider.command,
            parents=[single, *([periods] if provider.takes_period else []), common],
            help=provider.summary,
            description=f"Download {provider.summary}.",
        )
        add_options(sub, provider.request_type)
        if provider.examples:
            add_examples(sub, *provider.examples)
        sub.epilog = "\n\n".join(filter(None, [sub.epilog, _provider_epilog(provider)]))
        sub.set_defaults(handler=_single_handler(provider))
        for listing in provider.listings:
            command = _parser(
                commands, listing.name, parents=[common], help=listing.summary, description=listing.summary + "."
            )
            add_options(command, listing.parameters)
            if listing.examples:
                add_examples(command, *listing.examples)
            command.set_defaults(handler=_listing_handler(provider, listing))

    batch = _parser(
        commands,
        "fetch-all",
        parents=[common],
        help="every report a TOML config lists, concurrently, with a manifest",
        description="Download every report CONFIG lists into DIR and record them in DIR/manifest.json.\n"
        "A file already recorded there with the same sha256 is skipped unless --force.\n\n" + _config_help(),
    )
    batch.add_argument("config", type=Path, metavar="CONFIG.toml", help="the config file (see above)")
    batch.add_argument(
        "--out-dir",
        required=True,
        metavar="DIR",
        help="where reports and manifest.json go: a folder (created if missing) or an s3:// (gs://, az://) "
        "URL; {period} is replaced by the period, e.g. usage/{period} -> usage/2026-10",
    )
    batch.add_argument(
        "--period", metavar="PERIOD", help="replaces [defaults] period (an entry's own period still wins)"
    )
    batch.add_argument("--timezone", metavar="TZ", help="replaces [defaults] timezone")
    batch.add_argument(
        "--as-of", type=day, metavar="DATE", help="the day relative periods count from (default: today), for backfills"
    )
    _batch_options(batch)
    batch.add_argument(
        "--dry-run",
        action="store_true",
        help="show the plan (entries, periods, files, what is skipped, which tenants, whether a report would be "
        "reused or created) without sending anything that changes anything or writing any file",
    )
    batch.add_argument(
        "--transport",
        choices=TRANSPORTS,
        default="httpx",
        help="the HTTP client under the requests (default httpx); aiohttp costs less CPU per request, which "
        "matters from a few dozen requests at once: pip install 'usage-reports[aiohttp]'",
    )
    add_examples(
        batch,
        ("start from a commented config", f"{PROG} config example > usage.toml"),
        (
            "last month's reports into usage/2026-10/ (say, run on 2026-11-01)",
            f"{PROG} fetch-all usage.toml --out-dir usage/{{period}} --period last-month",
        ),
        (
            "a backfill of September, to S3, with JSON logs naming each entry",
            f"{PROG} fetch-all usage.toml --out-dir s3://my-bucket/usage/{{period}} --period 2026-09 "
            "-v --log-format json",
        ),
        (
            "many tenants at once, over aiohttp (pip install 'usage-reports[aiohttp]')",
            f"{PROG} fetch-all usage.toml --out-dir usage/{{period}} --concurrency 64 --transport aiohttp",
        ),
    )
    batch.set_defaults(handler=_fetch_all)

    manifest = _parser(
        commands,
        "manifest",
        parents=[common],
        help="show what fetch-all recorded in DIR/manifest.json; exit 1 when its last run had failures",
        description="Print the manifest fetch-all keeps in DIR as a table, with the summary of the last run. "
        "Exit status for monitors: 0 the last run finished with no failure; 1 it had failures or did not finish; "
        "2 no manifest there. --json prints the summary.",
    )
    manifest.add_argument("dir", metavar="DIR", help="the --out-dir of fetch-all: a folder or an s3:// (etc.) URL")
    add_examples(
        manifest,
        ("what last month's run did, as a table", f"{PROG} manifest usage/2026-10"),
        ("for a monitor: exit 1 when the last run had failures", f"{PROG} manifest usage/2026-10 --json -q"),
    )
    manifest.set_defaults(handler=_manifest)

    from ._usage_commands import add_usage_commands

    add_usage_commands(commands, parents=[common])

    config = _parser(
        commands,
        "config",
        help="print a commented fetch-all config to start from",
        description=f"'{PROG} config example > usage.toml' gives a config with every provider's keys explained.",
    )
    config.add_argument(
        "what", nargs="?", choices=CONFIG_WHATS, metavar="WHAT", help="example: a commented config on stdout"
    )
    add_examples(
        config,
        ("a config to edit, with every provider's table", f"{PROG} config example > usage.toml"),
        ("just read it", f"{PROG} config example"),
    )
    config.set_defaults(handler=_config_example, json=False, quiet=False, verbose=0, log_format="text")

    demo = _parser(
        commands,
        "demo",
        parents=[common],
        help="the whole product against local simulators: no account, no network",
        description="Start local simulators of every provider and run fetch-all with a built-in config. "
        "Your environment's credentials are ignored: nothing real is sent anywhere.",
    )
    demo.add_argument(
        "--out-dir",
        type=Path,
        default=Path("usage-reports-demo"),
        metavar="DIR",
        help="where the reports and manifest.json go (default: ./usage-reports-demo)",
    )
    _batch_options(demo)
    add_examples(
        demo,
        ("download every provider's reports from the simulators", f"{PROG} demo"),
        ("again, as JSON: every file is skipped (its sha256 matches the manifest)", f"{PROG} demo --json"),
        ("with the log of every request, each line naming its entry", f"{PROG} demo --out-dir /tmp/demo -vv"),
    )
    demo.set_defaults(handler=_demo)

    sandbox = _parser(
        commands,
        "sandbox",
        parents=[common],
        help="serve the simulators on loopback and print the environment for them, or run a command against them",
        description="Start local simulators of every provider (loopback only). Alone, print the environment that "
        "points usage-reports at them (export lines; the keys are public sandbox values) and serve until Ctrl-C "
        "or SIGTERM (exit 0). With '-- COMMAND...', run that usage-reports command against them and exit with its "
        "exit code: your own config, unchanged, with every entry's credential_env or relative credential_file "
        "given the sandbox key. Your real keys are never passed on.",
    )
    sandbox.add_argument(
        "run", nargs="*", metavar="-- COMMAND", help="a usage-reports command line to run against the simulators"
    )
    add_examples(
        sandbox,
        (
            "try your own monthly config, exactly as cron runs it",
            f"{PROG} sandbox -- fetch-all usage.toml --out-dir /tmp/try",
        ),
        ("serve them; paste the printed lines into another shell", f"{PROG} sandbox"),
    )
    sandbox.set_defaults(handler=_sandbox)
    return parser


def fetch_all_config(args: Sequence[str]) -> str | None:
    """The CONFIG.toml argument of a fetch-all command line (its words after ``fetch-all``), None when it has none."""
    fetch_all = _chosen(build_parser(), argparse.Namespace(command="fetch-all"))
    if not isinstance(fetch_all, _Parser):
        return None
    fetch_all._probing = True  # a usage error raises _Probe instead of exiting: the child reports it
    try:
        parsed, _ = fetch_all.parse_known_args(list(args), argparse.Namespace())
    except _Probe:
        return None
    config = getattr(parsed, "config", None)
    return None if config is None else str(config)


def _batch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        type=int_at_least(1),
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"downloads at once (default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument("--force", action="store_true", help="download again even when a finished file is present")


# --- single reports ---------------------------------------------------------------------


def _single_handler(provider: Provider) -> Callable[[argparse.Namespace, Output], int]:
    def handle(args: argparse.Namespace, out: Output) -> int:
        period = None
        if getattr(args, "period", None) is not None:
            try:
                zone(args.timezone)
            except InvalidRequest as exc:
                raise UsageError(f"--timezone: {exc}") from None
            try:
                period = Period.parse(args.period, as_of=args.as_of, tz=args.timezone)
            except InvalidRequest as exc:
                raise UsageError(f"--period: {exc}") from None
        request = request_from_options(provider.request_type, args, provider.command, period)
        return _single(request, args, out)

    return handle


def _listing_handler(provider: Provider, listing: Listing) -> Callable[[argparse.Namespace, Output], int]:
    def handle(args: argparse.Namespace, out: Output) -> int:
        parameters = request_from_options(listing.parameters, args, listing.name, None)
        with UsageReports(timeout=args.timeout, max_retries=args.max_retries) as client:
            rows: list[dict[str, object]] = client.run_flow(
                provider.name, lambda settings: listing.rows(settings, parameters)
            )
        out.result({"ok": True, "exit_code": EXIT_OK, "rows": rows})
        if not out.json and not out.quiet:  # -q: no text on success; --json's document is the result, kept
            print_rows(rows, listing.columns, out.stdout)
        return EXIT_OK

    return handle


def _destination(request: ReportRequest, output: str | None, force: bool) -> str | Path:
    """Where to write: ``-o`` as given, or the suggested name inside it when it is (or ends like) a folder.

    An object-store URL ending in '/' is a folder too; whether its object exists is the client's
    to check (over the network, before the vendor is asked).
    """
    if output and is_remote(output):
        return output + request.suggested_filename if output.endswith("/") else output
    if not output:
        path = Path(request.suggested_filename)
    elif output.endswith(("/", os.sep)) or Path(output).is_dir():
        folder = Path(output)
        if not folder.is_dir():
            try:
                folder.mkdir(parents=True)
            except OSError as exc:
                raise UsageError(
                    f"-o {output}: cannot create the folder ({exc.strerror or type(exc).__name__})"
                ) from None
        path = folder / request.suggested_filename
    else:
        path = Path(output)
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; use --force to replace it")
    return path


def _report_document(report: UsageReport, path: str | None) -> dict[str, Any]:
    return {
        "ok": True,
        "exit_code": EXIT_OK,
        "provider": report.provider,
        "parameters": report.request.parameters(),
        "path": path,
        "size": report.size,
        "sha256": report.sha256,
        "media_type": report.media_type,
    }


class _Stdout:
    """sys.stdout's bytes, counted: after a failure, the error says how much of the report stdout holds."""

    name = "stdout"

    def __init__(self) -> None:
        self.buffer = sys.stdout.buffer
        self.written = 0

    def write(self, data: bytes, /) -> int:
        count = self.buffer.write(data)
        self.written += len(data)
        return count

    def flush(self) -> None:
        self.buffer.flush()


def _silence_stdout() -> None:
    """stdout's reader is gone: point it at /dev/null so the interpreter's last flush cannot fail loudly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _not_started(request: ReportRequest, args: argparse.Namespace) -> None:
    """A period that has not started is refused before anything is sent, as fetch-all refuses it (a vendor has no
    usage for a month to come, and asking would still create report jobs at some); one not ended is said."""
    period = request.parameters().get("period")
    if not isinstance(period, dict) or not isinstance(period.get("start"), str):
        return
    start = datetime.fromisoformat(period["start"])
    option = "--period" if getattr(args, "period", None) is not None else "--start"
    if start > datetime.now(UTC):
        raise UsageError(f"{option}: the period has not started yet (it starts {start.isoformat()}); nothing was sent")


def _single(request: ReportRequest, args: argparse.Namespace, out: Output) -> int:
    _not_started(request, args)
    to_stdout = args.output == "-"
    if to_stdout and out.json:
        raise UsageError("--json and -o - both want stdout; choose one")
    stdout = _Stdout() if to_stdout else None
    destination = stdout if stdout is not None else _destination(request, args.output, args.force)
    progress = out.progress()
    label = request.suggested_filename

    def advance(received: int) -> None:
        progress.advance(label, received)

    with UsageReports(timeout=args.timeout, max_retries=args.max_retries) as client, replacing_with("use --force"):
        progress.start(label)
        try:
            report = client.download(request, destination, overwrite=args.force, on_progress=advance)
        except (UsageReportsError, OSError) as exc:
            if stdout is None:
                raise
            if getattr(exc, "errno", None) == errno.EPIPE:  # the reader left (`| head`): say so once, quietly
                _silence_stdout()
            if not stdout.written:
                raise
            return out.fail(
                f"{error_message(exc)} ({stdout.written} bytes had been written to stdout: they are not the report)",
                _exit_code(exc),
            )
        finally:
            progress.close()
    how = _how_resolved(report.details)
    if stdout is not None:
        out.note(f"wrote {report.size} bytes to stdout  sha256 {report.sha256}{how}")
        return EXIT_OK
    shown = str(report.url or report.path)
    out.text(f"saved {shown}  {report.size} bytes ({human_size(report.size)})  sha256 {report.sha256}{how}")
    out.result(_report_document(report, shown))
    return EXIT_OK


def _how_resolved(details: Mapping[str, object]) -> str:
    """What resolving the request did, as this run did it (e.g. "  (report 1002 created)"), or nothing."""
    shown = " ".join(f"{key}={value}" for key, value in details.items() if isinstance(value, str | int))
    return f"  ({printable(shown)})" if shown else ""


# --- batches -------------------------------------------------------------------------------


#: --transport: the HTTP transports fetch-all can run on.
TRANSPORTS: Final = ("httpx", "aiohttp")


def _transport(name: str) -> Callable[[], httpx.AsyncBaseTransport] | None:
    """What makes the --transport of a batch (None: httpx's own); a UsageError when its extra is not installed."""
    if name == "httpx":
        return None
    try:
        from ..aiohttp_transport import AiohttpTransport
    except ImportError as exc:
        raise UsageError(
            f"--transport aiohttp: aiohttp cannot be imported ({exc}); pip install 'usage-reports[aiohttp]'"
        ) from None
    return AiohttpTransport


def _fetch_all(args: argparse.Namespace, out: Output) -> int:
    from ._fetch_all import run_batch

    transport = _transport(args.transport)  # before the config is read or anything is sent
    config = Config.load(args.config, period=args.period, timezone=args.timezone, as_of=args.as_of)
    code, _ = run_batch(
        config,
        out_dir=args.out_dir,
        out=out,
        environ=os.environ,
        concurrency=args.concurrency,
        force=args.force,
        dry_run=args.dry_run,
        timeout=args.timeout,
        max_retries=args.max_retries,
        transport=transport,
    )
    return code


def _manifest(args: argparse.Namespace, out: Output) -> int:
    from ._manifest_view import show

    return show(args.dir, out)


#: What `usage-reports config` prints, and what each is.
CONFIG_WHATS: Final = ("example",)


def _config_example(args: argparse.Namespace, out: Output) -> int:
    if args.what is None:
        raise UsageError(
            f"{PROG} config needs WHAT to print; the choices: example (a commented fetch-all config to start from: "
            f"{PROG} config example > usage.toml)"
        )
    out.stdout.write(example_config())
    return EXIT_OK


def _demo(args: argparse.Namespace, out: Output) -> int:
    from ._demo import run_demo  # the simulators load only for the demo

    return run_demo(out, out_dir=args.out_dir, concurrency=args.concurrency, force=args.force, timeout=args.timeout)


def _sandbox(args: argparse.Namespace, out: Output) -> int:
    from ._sandbox import run_sandbox  # the simulators load only for the sandbox

    command: list[str] = args.run
    config = fetch_all_config(command[1:]) if command[:1] == ["fetch-all"] else None
    return run_sandbox(command, out, config=config)


# --- entry point -------------------------------------------------------------------------


def _exit_code(error: BaseException) -> int:
    return EXIT_USAGE if isinstance(error, InvalidRequest | MissingCredentials) else exit_code_of(error)


_HANDLER_MARK = "_usage_reports_cli"


def _configure_logging(verbose: int, out: Output) -> None:
    """Silent by default (errors are reported once, by main); -v shows retries, -vv every response.

    Lines go to stderr in --log-format text or json, redacted, each naming the entry a batch was
    working on when it was logged.
    """
    library = logging.getLogger("usage_reports")
    library.propagate = False
    for old in [h for h in library.handlers if getattr(h, _HANDLER_MARK, False)]:
        library.removeHandler(old)
    handler: logging.Handler
    if verbose:
        handler = logging.StreamHandler(out.stderr)
        handler.setFormatter(
            JsonLogFormatter(out.redact) if out.log_format == "json" else TextLogFormatter(PROG, out.redact)
        )
        library.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)
    else:
        handler = logging.NullHandler()
    setattr(handler, _HANDLER_MARK, True)
    library.addHandler(handler)


def _offer_completion(parser: argparse.ArgumentParser) -> None:
    """Shell completion through argcomplete, when it is installed and the shell asks (it sets _ARGCOMPLETE)."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        import argcomplete  # type: ignore[import-not-found,unused-ignore]  # optional: pip install argcomplete
    except ImportError:
        return
    argcomplete.autocomplete(parser, exit_method=sys.exit)  # completions written, the program ends here


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    _offer_completion(parser)
    token = _json_errors.set(_asks_json_logs(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
    finally:
        _json_errors.reset(token)
    out = Output(
        json_output=args.json, quiet=args.quiet, stdout=sys.stdout, stderr=sys.stderr, log_format=args.log_format
    )
    _configure_logging(args.verbose, out)
    out.add_secrets(os.environ.get(name) for name in _credential_variables())
    handler: Callable[[argparse.Namespace, Output], int] = args.handler
    try:
        with stopping_on_signals():  # SIGTERM/SIGHUP/SIGINT unwind like Ctrl-C: downloads abort, no .part is left
            code = handler(args, out)
            out.stdout.flush()  # a reader that left (`| head`) shows here, not in the interpreter's last flush
            return code
    except BrokenPipeError:  # stdout's reader left: no message, as for any Unix tool killed by SIGPIPE
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt as exc:  # _signals.Terminated too
        out.error(str(exc) or "interrupted")
        return exit_status(exc)
    except MissingCredentials as exc:
        # the command line's user sets a variable: the library's hint for Python callers is not for them
        return out.fail(MissingCredentials(exc.provider, exc.env_var, exc.setting_hint), EXIT_USAGE)
    except (ConfigError, UsageError, InvalidRequest) as exc:
        return out.fail(exc, EXIT_USAGE)
    except UsageReportsError as exc:
        return out.fail(exc, exit_code_of(exc))
    except OSError as exc:
        return out.fail(exc, EXIT_FAILED)
    except Exception as exc:  # a bug: still one line, never a traceback with secrets in its locals
        return out.fail(exc, EXIT_FAILED)
