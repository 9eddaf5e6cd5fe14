"""The `usage-reports` command line, generic over the provider registry.

    usage-reports <provider command> [options]      one report (see --help for the commands)
    usage-reports fetch-all CONFIG.toml --out-dir DIR [--concurrency N]
    usage-reports demo [--out-dir DIR]

Exit codes: 0 success; 1 the vendor or the network failed (after retries);
2 bad usage, invalid input, bad config or missing credentials (nothing sent).
Every error is one line on stderr: no traceback, no secret.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Final, NoReturn

from ._batch import DEFAULT_CONCURRENCY, BaseSettings, exit_code_of, run_batch
from ._cliargs import day, int_at_least, seconds
from ._client import UsageReports
from ._config import ConfigError, example_config, load_config
from ._constants import DEFAULT_MAX_RETRIES
from ._contract import Command, Provider, ReportRequest
from ._exceptions import InvalidRequest, MissingCredentials, UsageReportsError
from ._models import UsageReport
from ._output import PROG, Output, UsageError, print_rows
from ._periods import PERIOD_HELP, Period
from ._progress import human_size
from ._providers import providers
from ._signals import exit_status, stopping_on_signals
from ._version import __version__

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (with a pointer to --help), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


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
try it with no account and no network: {PROG} demo"""


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    group = common.add_argument_group("output and transfer")
    group.add_argument("--json", action="store_true", help="print one JSON result object on stdout instead of text")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress and no text on success")
    group.add_argument(
        "--max-retries",
        type=int_at_least(0),
        default=DEFAULT_MAX_RETRIES,
        metavar="N",
        help=f"retries of a failed request (default {DEFAULT_MAX_RETRIES})",
    )
    group.add_argument("--timeout", type=seconds, metavar="SECONDS", help="connect/read/write timeout")
    group.add_argument(
        "-v", "--verbose", action="count", default=0, help="log retries and timings to stderr (-vv: every response)"
    )

    single = _Parser(add_help=False)
    single.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file to write ('-' for stdout; a folder, or any PATH ending in '/', gets the suggested name); "
        "default: the suggested name here",
    )
    single.add_argument("--force", action="store_true", help="replace an existing file")

    parser = _Parser(
        prog=PROG,
        description="Pull usage reports from " + ", ".join(p.title for p in providers()) + ".",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, required=True)

    periods = _Parser(add_help=False)
    when = periods.add_argument_group("period", PERIOD_HELP + ".")
    when.add_argument("--period", metavar="PERIOD", help="the period of the report, e.g. last-month or 2026-10")
    when.add_argument("--timezone", metavar="TZ", help="IANA time zone of the period, e.g. Europe/Berlin (default UTC)")
    when.add_argument(
        "--as-of", type=day, metavar="DATE", help="the day relative periods count from (default: today), for backfills"
    )

    for provider in providers():
        sub = commands.add_parser(
            provider.command,
            parents=[single, *([periods] if provider.takes_period else []), common],
            help=provider.summary,
        )
        provider.add_arguments(sub)
        sub.set_defaults(handler=_single_handler(provider))
        for command in provider.commands:
            listing = commands.add_parser(command.name, parents=[common], help=command.summary)
            command.add_arguments(listing)
            listing.set_defaults(handler=_command_handler(command))

    batch = commands.add_parser(
        "fetch-all",
        parents=[common],
        help="every report a TOML config lists, concurrently, with a manifest",
        description="Download every report CONFIG lists into DIR and record them in DIR/manifest.json. "
        "A file already recorded there with the same sha256 is skipped unless --force.",
    )
    batch.add_argument("config", type=Path, metavar="CONFIG.toml")
    batch.add_argument(
        "--out-dir",
        required=True,
        metavar="DIR",
        help="where reports and manifest.json go: a folder, or an s3:// URL (usage-reports[s3]); may contain {period}",
    )
    batch.add_argument(
        "--period", metavar="PERIOD", help="replaces [defaults] period (an entry's own period still wins)"
    )
    batch.add_argument("--timezone", metavar="TZ", help="replaces [defaults] timezone")
    batch.add_argument(
        "--as-of", type=day, metavar="DATE", help="the day relative periods count from (default: today), for backfills"
    )
    _batch_options(batch)
    batch.set_defaults(handler=_fetch_all)

    manifest = commands.add_parser(
        "manifest",
        parents=[common],
        help="show what fetch-all recorded in DIR/manifest.json; exit 1 when its last run had failures",
        description="Print the manifest fetch-all keeps in DIR as a table, with the summary of the last run. "
        "Exit status for monitors: 0 the last run finished with no failure; 1 it had failures or did not finish; "
        "2 no manifest there. --json prints the summary.",
    )
    manifest.add_argument("dir", metavar="DIR", help="the --out-dir of fetch-all: a folder or an s3:// (etc.) URL")
    manifest.set_defaults(handler=_manifest)

    config = commands.add_parser(
        "config",
        help="print a commented fetch-all config to start from",
        description="`usage-reports config example > usage.toml` gives a config with every provider's keys explained.",
    )
    config.add_argument("what", choices=["example"], help="example: a commented config on stdout")
    config.set_defaults(handler=_config_example, json=False, quiet=False, verbose=0)

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="the whole product against local simulators: no account, no network",
        description="Start local simulators of every provider and run fetch-all with a built-in config.",
    )
    demo.add_argument(
        "--out-dir", type=Path, default=Path("usage-reports-demo"), metavar="DIR", help="default: ./usage-reports-demo"
    )
    _batch_options(demo)
    demo.set_defaults(handler=_demo)
    return parser


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
                period = Period.parse(args.period, as_of=args.as_of, tz=args.timezone)
            except InvalidRequest as exc:
                raise UsageError(f"--period/--timezone: {exc}") from None
        return _single(provider.request_from_arguments(args, period), args, out)

    return handle


def _command_handler(command: Command) -> Callable[[argparse.Namespace, Output], int]:
    def handle(args: argparse.Namespace, out: Output) -> int:
        with UsageReports(timeout=args.timeout, max_retries=args.max_retries) as client:
            rows = command.run(client, args)
        out.result({"ok": True, "exit_code": EXIT_OK, "rows": rows})
        if not out.json:
            print_rows(rows, command.columns, out.stdout)
        return EXIT_OK

    return handle


def _destination(request: ReportRequest, output: str | None, force: bool) -> Path:
    """The file to write: ``-o`` as given, or the suggested name inside it when it is (or ends like) a folder."""
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


def _single(request: ReportRequest, args: argparse.Namespace, out: Output) -> int:
    to_stdout = args.output == "-"
    if to_stdout and out.json:
        raise UsageError("--json and -o - both want stdout; choose one")
    destination = None if to_stdout else _destination(request, args.output, args.force)
    progress = out.progress()
    label = request.suggested_filename

    def advance(received: int) -> None:
        progress.advance(label, received)

    with UsageReports(timeout=args.timeout, max_retries=args.max_retries) as client:
        progress.start(label)
        try:
            if destination is None:
                report = client.fetch(request, on_progress=advance)
            else:
                report = client.download(request, destination, overwrite=args.force, on_progress=advance)
        finally:
            progress.close()
    if destination is None:
        assert report.content is not None
        sys.stdout.buffer.write(report.content)
        sys.stdout.buffer.flush()
        if not out.quiet:
            print(f"wrote {report.size} bytes to stdout  sha256 {report.sha256}", file=out.stderr)
        return EXIT_OK
    shown = str(report.path)
    out.text(f"saved {shown}  {report.size} bytes ({human_size(report.size)})  sha256 {report.sha256}")
    out.result(_report_document(report, shown))
    return EXIT_OK


# --- batches -------------------------------------------------------------------------------


def _fetch_all(args: argparse.Namespace, out: Output) -> int:
    config = load_config(args.config, period=args.period, timezone=args.timezone, as_of=args.as_of)
    code, _ = run_batch(
        config,
        source=str(args.config),
        base=BaseSettings(os.environ),
        environ=os.environ,
        out_dir=args.out_dir,
        out=out,
        concurrency=args.concurrency,
        force=args.force,
        timeout=args.timeout,
        max_retries=args.max_retries,
    )
    return code


def _manifest(args: argparse.Namespace, out: Output) -> int:
    from ._manifest import show

    return show(args.dir, out)


def _config_example(args: argparse.Namespace, out: Output) -> int:
    out.stdout.write(example_config())
    return EXIT_OK


def _demo(args: argparse.Namespace, out: Output) -> int:
    from ._demo import run_demo  # the simulators load only for the demo

    return run_demo(out, out_dir=args.out_dir, concurrency=args.concurrency, force=args.force, timeout=args.timeout)


# --- entry point -------------------------------------------------------------------------


class _RedactingHandler(logging.StreamHandler[IO[str]]):
    def __init__(self, out: Output) -> None:
        super().__init__(out.stderr)
        self.out = out

    def format(self, record: logging.LogRecord) -> str:
        return self.out.redact(f"{PROG}: {record.levelname.lower()}: {record.getMessage()}")


def _configure_logging(verbose: int, out: Output) -> None:
    """Silent by default (errors are reported once, by main); -v shows retries, -vv every response."""
    library = logging.getLogger("usage_reports")
    library.propagate = False
    if verbose:
        library.addHandler(_RedactingHandler(out))
        library.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)
    else:
        library.addHandler(logging.NullHandler())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(json_output=args.json, quiet=args.quiet, stdout=sys.stdout, stderr=sys.stderr)
    _configure_logging(args.verbose, out)
    out.add_secrets(os.environ.get(name) for name in _credential_variables())
    handler: Callable[[argparse.Namespace, Output], int] = args.handler
    try:
        with stopping_on_signals():  # SIGTERM/SIGHUP/SIGINT unwind like Ctrl-C: downloads abort, no .part is left
            return handler(args, out)
    except KeyboardInterrupt as exc:  # _signals.Terminated too
        out.error(str(exc) or "interrupted")
        return exit_status(exc)
    except (ConfigError, UsageError, InvalidRequest, MissingCredentials) as exc:
        return out.fail(exc, EXIT_USAGE)
    except UsageReportsError as exc:
        return out.fail(exc, exit_code_of(exc))
    except OSError as exc:
        return out.fail(exc, EXIT_FAILED)
    except Exception as exc:  # a bug: still one line, never a traceback with secrets in its locals
        return out.fail(exc, EXIT_FAILED)
