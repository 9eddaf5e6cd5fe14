"""`usage-reports fetch-all` (and the demo): a shell over ``usage_reports.batch.run``.

The batch runs with an observer that draws the progress on stderr; then the
run's records are printed (a table, or one JSON document with --json) and
every failure becomes an error line. The exit code is the batch's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..batch._config import Config
from ..batch._errors import CLI_NAMES
from ..batch._records import to_json
from ..batch._runner import DEFAULT_CONCURRENCY, BaseSettings, RunResult, replace_source, run
from ._output import Output, counts, plan_counts, print_table, record_label
from ._progress import observer

if TYPE_CHECKING:
    import httpx

    from ..batch._records import Record


def run_batch(
    config: Config,
    *,
    out: Output,
    out_dir: str | Path,
    source: str | None = None,
    base: BaseSettings | None = None,
    environ: Mapping[str, str] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    force: bool = False,
    dry_run: bool = False,
    timeout: float | None = None,
    max_retries: int | None = None,
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
) -> tuple[int, list[Record]]:
    """Run the batch, showing its progress and then its records on ``out``; the exit code and the records."""
    environ = os.environ if environ is None else environ
    config = replace_source(config, source)
    given = dict(base.given) if base is not None else {}
    # Log lines of the run are redacted by ``out``: it learns every credential the run may send.
    out.add_secrets(s for settings in given.values() for s in settings.secrets())
    out.add_secrets(environ.get(entry.credential_env) for entry in config.entries if entry.credential_env)
    progress = out.progress()
    try:
        result = run(
            config,
            out_dir=out_dir,
            concurrency=concurrency,
            force=force,
            dry_run=dry_run,
            observer=observer(progress),
            settings=given,
            environ=environ,
            timeout=timeout,
            max_retries=max_retries,
            transport=transport,
            names=CLI_NAMES,
        )
    finally:
        progress.close()
    show(result, out)
    return result.exit_code, result.records


def show(result: RunResult, out: Output) -> None:
    """Every failure as an error line (stderr), then the records: a JSON document, or a table and a count."""
    for warning in result.warnings:
        out.warning(warning)
    if result.state == "interrupted":
        out.error(result.interruption or "interrupted")
        return
    for record in result.failures:
        label = record_label(record)
        message = record.error.message if record.error is not None else "failed"
        out.error(f"{label}: {message}", label=label, provider=record.provider)
    out.result(
        {
            "ok": result.ok if result.state != "planned" else not result.failures,
            "dry_run": result.state == "planned",
            "exit_code": result.exit_code,
            "out_dir": str(result.out_dir),
            "manifest": str(result.manifest_path),
            "warnings": result.warnings,
            "summary": to_json(result.summary) if result.summary is not None else None,
            "entries": [to_json(record) for record in result.records],
        }
    )
    if not out.json and not out.quiet:
        print_table(result.records, out.stdout)
        if result.state == "planned":
            out.text(f"\ndry run: {plan_counts(result.records)}; nothing was changed or written")
        else:
            out.text(f"\n{counts(result.records)}; manifest: {result.manifest_path}")
