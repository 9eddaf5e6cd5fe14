"""What the command line shows: results on stdout, errors and progress on stderr, secrets never.

Kept apart from argument parsing (``_cli``) and from the batch (``_batch``),
which both write through an ``Output``. Messages arrive in the user's words
already: each is built, where it is raised, with the option, config key or
environment variable the user typed (nothing is rewritten here). With
``--log-format json`` every stderr line is a JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any, Final

from .._logging import json_line
from .._redact import Redactor, printable
from ._progress import Progress, human_size

if TYPE_CHECKING:
    from ..batch._records import Record

PROG: Final = "usage-reports"
LOG_FORMATS: Final = ("text", "json")


class Output:
    """Where results and errors go; every error line passes the package's one redactor."""

    def __init__(
        self, *, json_output: bool, quiet: bool, stdout: IO[str], stderr: IO[str], log_format: str = "text"
    ) -> None:
        self.json = json_output
        self.quiet = quiet
        self.stdout = stdout
        self.stderr = stderr
        self.log_format = log_format
        self._redactor = Redactor()

    def add_secrets(self, secrets: Iterable[str | None]) -> None:
        self._redactor = self._redactor.with_secrets(secrets)

    def redact(self, text: str) -> str:
        return printable(" ".join(self._redactor(text).split()))  # one line, no terminal escape, whatever it held

    def progress(self, total: int = 0) -> Progress:
        """Progress on stderr: drawn on a terminal, off with --quiet, --json or JSON log lines."""
        quiet = self.quiet or self.json or self.log_format == "json"
        return Progress.for_stream(self.stderr, quiet=quiet, total=total)

    def text(self, line: str = "") -> None:
        if not self.json and not self.quiet:
            print(line, file=self.stdout)

    def result(self, document: Mapping[str, Any]) -> None:
        if self.json:
            print(json.dumps(document, ensure_ascii=False), file=self.stdout)

    def error(self, message: str, **fields: str) -> None:
        """Each line of ``message`` as an error line on stderr (a JSON object with --log-format json).

        ``fields`` (e.g. the entry's ``label`` and ``provider``) become fields of the JSON object.
        """
        for line in message.splitlines() or [""]:
            self._stderr_line("error", self.redact(line), fields)

    def warning(self, message: str) -> None:
        """A line the user should read even when all went well (``usage-reports: warning: ...``), even with -q."""
        self._stderr_line("warning", self.redact(message))

    def note(self, message: str) -> None:
        """A line of information on stderr (unless --quiet): stdout is taken, by the report itself."""
        if not self.quiet:
            self._stderr_line("info", self.redact(message))

    def _stderr_line(self, level: str, text: str, fields: dict[str, str] | None = None) -> None:
        if self.log_format == "json":
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            extra = {key: self.redact(value) for key, value in (fields or {}).items()}
            line = json_line({"time": stamp, "level": level, "event": level, **extra, "message": text}, str)
            print(line, file=self.stderr)
        else:
            print(f"{PROG}: {level}: {text}" if level != "info" else f"{PROG}: {text}", file=self.stderr)

    def fail(self, error: BaseException | str, code: int) -> int:
        message = error_message(error) if isinstance(error, BaseException) else error
        self.error(message)
        kind = type(error).__name__ if isinstance(error, BaseException) else "UsageError"
        lines = [self.redact(line) for line in message.splitlines()] or [""]
        self.result({"ok": False, "exit_code": code, "error": {"type": kind, "message": "\n".join(lines)}})
        return code


def error_message(error: BaseException) -> str:
    """The library's own message; for an OSError, the file and the reason; for a bug, no detail at all."""
    from .._exceptions import UsageReportsError
    from ..batch._config import ConfigError

    if isinstance(error, UsageReportsError | ConfigError | UsageError):
        return str(error)
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or type(error).__name__}"
    return f"internal error ({type(error).__name__}); please report it"


class UsageError(Exception):
    """Bad usage or input found by the command line itself (exit 2)."""


def record_label(record: Record) -> str:
    """The entry as the config, the logs and the manifest name it (``<provider>[2] (project-b)``)."""
    if record.label:
        return record.label
    return record.provider + (f" ({record.name})" if record.name else "") + f" {record.path}"


def counts(records: list[Record]) -> str:
    downloaded = sum(1 for r in records if r.downloaded)
    skipped = sum(1 for r in records if r.skipped)
    failed = sum(1 for r in records if r.failed)
    return f"{downloaded} downloaded, {skipped} already present (skipped), {failed} failed"


def plan_counts(records: list[Record]) -> str:
    """A dry run's plan in numbers: how many files each action concerns."""
    actions: dict[str, int] = {}
    for r in records:
        would = str(r.details.get("would", "fail"))
        actions[would] = actions.get(would, 0) + 1
    return ", ".join(f"{count} would {action}" for action, count in actions.items()) or "nothing to do"


def print_table(records: list[Record], stream: IO[str]) -> None:
    rows: list[tuple[str, ...]] = [("PROVIDER", "NAME", "RESULT", "SIZE", "SHA256", "FILE", "NOTE")]
    for r in records:
        result = "skipped" if r.skipped else "ok" if r.ok else "FAILED"
        if "would" in r.details:
            result = f"would {r.details['would']}"
        size = human_size(r.size) if r.size is not None else "-"
        sha = r.sha256[:12] if r.sha256 else "-"
        note = record_note(r)
        name = " / ".join(n for n in (r.name, r.tenant_name) if n) or "-"  # the entry's name, the tenant's name
        rows.append(tuple(printable(cell) for cell in (r.provider, name, result, size, sha, r.path or "-", note)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.rjust(width) if i == 3 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip(), file=stream)


def record_note(record: Record) -> str:
    """What this run did to obtain the file: the provider's details, or whose file a skipped one is."""
    if record.skipped:
        writer = record.written_by
        return f"unchanged since run {writer.run_id}" if writer is not None and writer.run_id else "unchanged"
    planned = "would" in record.details  # a dry run: "report would be created", "report_id=12 report reused"
    shown = {key: value for key, value in record.details.items() if key != "would"}
    note = " ".join(
        (f"report {value}" if planned else f"{value}") if key == "report" else f"{key}={value}"
        for key, value in shown.items()
    )
    if record.adopted:
        note = " ".join(filter(None, [note, "(object left by an unfinished run, same sha256: kept)"]))
    return note


def print_rows(rows: list[dict[str, object]], columns: tuple[str, ...], stream: IO[str]) -> None:
    """A plain table of ``columns`` (all keys of the first row when none are named)."""
    names = columns or tuple(rows[0]) if rows else columns
    table = [tuple(name.upper() for name in names)]
    table += [  # vendor text (a tenant's name...) escaped: no control character reaches the terminal raw
        tuple("-" if row.get(name) is None else printable(str(row.get(name))) for name in names) for row in rows
    ]
    if not names:
        return
    widths = [max(len(line[i]) for line in table) for i in range(len(names))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip(), file=stream)
