"""The `usage-reports` command line, built on the public facade only.

    usage-reports edge-impulse --organization-id N --inner-organization-id N --report-id N
    usage-reports altostrat --workspace-id ID
    usage-reports statsig --end DATE [--start DATE]
    usage-reports fetch-all CONFIG.toml --out-dir DIR [--concurrency N]
    usage-reports demo [--out-dir DIR]

Exit codes: 0 success; 1 the vendor or the network failed (after retries);
2 bad usage, invalid input, bad config or missing credentials (nothing sent).
Every error is one line on stderr: no traceback, no secret.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Final, NoReturn

from . import (
    DEFAULT_MAX_RETRIES,
    Altostrat,
    AltostratUsagePdf,
    AsyncUsageReports,
    EdgeImpulse,
    EdgeImpulseUsageReport,
    InvalidRequest,
    MissingCredentials,
    ReportRequest,
    Statsig,
    StatsigUsageReport,
    UsageReport,
    UsageReports,
    UsageReportsError,
    __version__,
)
from ._batch import DEFAULT_CONCURRENCY, MANIFEST_NAME, BaseSettings, Batch, exit_code_of, plan
from ._config import ConfigError, Entry, load_config, parse_timestamp
from ._progress import Progress, human_size
from ._redact import printable
from ._signals import exit_status, stopping_on_signals

PROG: Final = "usage-reports"
EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130
_MIN_SECRET_LENGTH: Final = 4
_CREDENTIAL_VARIABLES: Final = (
    EdgeImpulse.ENV_API_KEY,
    EdgeImpulse.ENV_JWT,
    Altostrat.ENV_TOKEN,
    Statsig.ENV_CONSOLE_API_KEY,
)


class UsageError(Exception):
    """Bad usage or input found by the command line itself (exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (with a pointer to --help), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- output -------------------------------------------------------------------------


class Output:
    """Where results and errors go; scrubs known secrets from every error line."""

    def __init__(self, *, json_output: bool, quiet: bool, stdout: IO[str], stderr: IO[str]) -> None:
        self.json = json_output
        self.quiet = quiet
        self.stdout = stdout
        self.stderr = stderr
        self._secrets: set[str] = set()

    def add_secrets(self, secrets: Iterable[str | None]) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH)

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "[REDACTED]")
        return printable(" ".join(text.split()))  # one line, and no terminal escape, whatever the message held

    def progress(self, total: int = 0) -> Progress:
        return Progress.for_stream(self.stderr, quiet=self.quiet or self.json, total=total)

    def text(self, line: str = "") -> None:
        if not self.json and not self.quiet:
            print(line, file=self.stdout)

    def result(self, document: Mapping[str, Any]) -> None:
        if self.json:
            print(json.dumps(document, ensure_ascii=False), file=self.stdout)

    def error(self, message: str) -> None:
        print(f"{PROG}: error: {self.redact(message)}", file=self.stderr)

    def fail(self, error: BaseException | str, code: int) -> int:
        message = _message(error) if isinstance(error, BaseException) else error
        self.error(message)
        kind = type(error).__name__ if isinstance(error, BaseException) else "UsageError"
        self.result({"ok": False, "exit_code": code, "error": {"type": kind, "message": self.redact(message)}})
        return code


def _message(error: BaseException) -> str:
    if isinstance(error, MissingCredentials):
        return f"{error.provider}: no credential; set the {error.env_var} environment variable"
    if isinstance(error, UsageReportsError | UsageError | ConfigError):
        return str(error)
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or type(error).__name__}"
    return f"internal error ({type(error).__name__}); please report it"


# --- argument types ------------------------------------------------------------------


def _timestamp(text: str) -> date | datetime:
    try:
        return parse_timestamp(text, "date")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("date: ")) from None


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} must be {minimum} or more")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


# --- the parser ------------------------------------------------------------------------

_EPILOG: Final = """\
credentials come from the environment: EDGE_IMPULSE_API_KEY (or EDGE_IMPULSE_JWT),
ALTOSTRAT_TOKEN, STATSIG_CONSOLE_API_KEY; *_BASE_URL variables point a provider elsewhere.
exit codes: 0 success; 1 the vendor or the network failed (after retries);
2 bad usage, invalid input, bad config or missing credentials (nothing sent).
try it with no account and no network: usage-reports demo"""


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    group = common.add_argument_group("output and transfer")
    group.add_argument("--json", action="store_true", help="print one JSON result object on stdout instead of text")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress and no text on success")
    group.add_argument(
        "--max-retries",
        type=_int_at_least(0),
        default=DEFAULT_MAX_RETRIES,
        metavar="N",
        help=f"retries of a failed request (default {DEFAULT_MAX_RETRIES})",
    )
    group.add_argument("--timeout", type=_seconds, metavar="SECONDS", help="connect/read/write timeout")
    group.add_argument(
        "-v", "--verbose", action="count", default=0, help="log retries and timings to stderr (-vv: every response)"
    )

    single = _Parser(add_help=False)
    single.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file to write ('-' for stdout; a folder gets the suggested name); default: the suggested name here",
    )
    single.add_argument("--force", action="store_true", help="replace an existing file")

    parser = _Parser(
        prog=PROG,
        description="Pull usage reports from Edge Impulse, Altostrat and Statsig.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, required=True)

    edge = commands.add_parser(
        "edge-impulse", parents=[single, common], help="one Edge Impulse white-label usage report (CSV)"
    )
    edge.add_argument("--organization-id", type=int, required=True, metavar="N")
    edge.add_argument("--inner-organization-id", type=int, required=True, metavar="N")
    edge.add_argument("--report-id", type=int, required=True, metavar="N")
    edge.set_defaults(handler=_edge_impulse)

    alto = commands.add_parser("altostrat", parents=[single, common], help="one Altostrat workspace usage PDF")
    alto.add_argument("--workspace-id", required=True, metavar="ID")
    alto.set_defaults(handler=_altostrat)

    stat = commands.add_parser(
        "statsig",
        parents=[single, common],
        help="one Statsig usage billing report (CSV)",
        description="DATE is an ISO date (UTC midnight) or a datetime with an offset, e.g. 2026-11-01T00:00:00+01:00.",
    )
    stat.add_argument("--end", type=_timestamp, required=True, metavar="DATE", help="end of the period (exclusive)")
    stat.add_argument("--start", type=_timestamp, metavar="DATE", help="start of the period (default: Statsig's)")
    stat.set_defaults(handler=_statsig)

    batch = commands.add_parser(
        "fetch-all",
        parents=[common],
        help="every report a TOML config lists, concurrently, with a manifest",
        description="Download every report CONFIG lists into DIR and record them in DIR/manifest.json. "
        "A file already recorded there with the same sha256 is skipped unless --force.",
    )
    batch.add_argument("config", type=Path, metavar="CONFIG.toml")
    batch.add_argument("--out-dir", type=Path, required=True, metavar="DIR")
    _batch_options(batch)
    batch.set_defaults(handler=_fetch_all)

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="the whole product against local simulators: no account, no network",
        description="Start local simulators of the three vendors and run fetch-all with a built-in config.",
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
        type=_int_at_least(1),
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"downloads at once (default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument("--force", action="store_true", help="download again even when a finished file is present")


# --- single reports ---------------------------------------------------------------------


def _edge_impulse(args: argparse.Namespace, out: Output) -> int:
    request = EdgeImpulseUsageReport(args.organization_id, args.inner_organization_id, args.report_id)
    return _single(request, args, out)


def _altostrat(args: argparse.Namespace, out: Output) -> int:
    return _single(AltostratUsagePdf(args.workspace_id), args, out)


def _statsig(args: argparse.Namespace, out: Output) -> int:
    return _single(StatsigUsageReport(end=args.end, start=args.start), args, out)


def _destination(request: ReportRequest, output: str | None, force: bool) -> Path:
    path = Path(output) if output else Path(request.suggested_filename)
    if path.is_dir():
        path = path / request.suggested_filename
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
    base = BaseSettings.from_environment(os.environ)
    out.add_secrets(base.secrets())
    progress = out.progress()
    label = request.suggested_filename

    def advance(received: int) -> None:
        progress.advance(label, received)

    with UsageReports(
        base.edge_impulse, base.altostrat, base.statsig, timeout=args.timeout, max_retries=args.max_retries
    ) as client:
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


def run_batch(
    entries: list[Entry],
    *,
    source: str,
    base: BaseSettings,
    environ: Mapping[str, str],
    out_dir: Path,
    args: argparse.Namespace,
    out: Output,
) -> tuple[int, list[dict[str, Any]]]:
    """Plan (credentials checked, nothing sent), then download; the exit code and the manifest records."""
    out.add_secrets(base.secrets())
    planned = plan(entries, base, environ, source)
    out.add_secrets(s for item in planned for s in item.settings.secrets())
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out-dir {out_dir} exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out-dir {out_dir}: cannot create it ({exc.strerror or type(exc).__name__})") from None

    async def download_all() -> list[dict[str, Any]]:
        async with AsyncUsageReports(
            base.edge_impulse,
            base.altostrat,
            base.statsig,
            timeout=args.timeout,
            max_retries=args.max_retries,
            environ=environ,
        ) as client:
            batch = Batch(
                client=client,
                out_dir=out_dir,
                progress=out.progress(total=len(planned)),
                redact=out.redact,
                concurrency=args.concurrency,
                force=args.force,
            )
            return await batch.run(planned)

    records = asyncio.run(download_all())
    code = max((record["exit_code"] for record in records), default=EXIT_OK)
    for record in records:
        if not record["ok"]:
            out.error(f"{_label(record)}: {record['error']['message']}")
    manifest = out_dir / MANIFEST_NAME
    out.result(
        {
            "ok": code == EXIT_OK,
            "exit_code": code,
            "out_dir": str(out_dir),
            "manifest": str(manifest),
            "entries": records,
        }
    )
    if not out.json and not out.quiet:
        print_table(records, out.stdout)
        counts = _counts(records)
        out.text(f"\n{counts}; manifest: {manifest}")
    return code, records


def _label(record: Mapping[str, Any]) -> str:
    return f"{record['provider']}" + (f" ({record['name']})" if record.get("name") else "") + f" {record['path']}"


def _counts(records: list[dict[str, Any]]) -> str:
    downloaded = sum(1 for r in records if r["ok"] and not r["skipped"])
    skipped = sum(1 for r in records if r["skipped"])
    failed = sum(1 for r in records if not r["ok"])
    return f"{downloaded} downloaded, {skipped} already present (skipped), {failed} failed"


def print_table(records: list[dict[str, Any]], stream: IO[str]) -> None:
    rows = [("PROVIDER", "NAME", "RESULT", "SIZE", "SHA256", "FILE")]
    for r in records:
        result = "skipped" if r["skipped"] else "ok" if r["ok"] else "FAILED"
        size = human_size(r["size"]) if r["size"] is not None else "-"
        sha = r["sha256"][:12] if r["sha256"] else "-"
        rows.append((r["provider"], r["name"] or "-", result, size, sha, r["path"]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.rjust(width) if i == 3 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip(), file=stream)


def _fetch_all(args: argparse.Namespace, out: Output) -> int:
    entries = load_config(args.config)
    base = BaseSettings.from_environment(os.environ)
    code, _ = run_batch(
        entries, source=str(args.config), base=base, environ=os.environ, out_dir=args.out_dir, args=args, out=out
    )
    return code


def _demo(args: argparse.Namespace, out: Output) -> int:
    from ._demo import run_demo  # the simulators load only for the demo

    return run_demo(args, out)


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
    out.add_secrets(os.environ.get(name) for name in _CREDENTIAL_VARIABLES)
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
