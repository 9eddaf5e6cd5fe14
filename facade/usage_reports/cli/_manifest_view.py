"""`usage-reports manifest DIR`: what fetch-all recorded in a folder, as a table or JSON, for people and monitors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from .._redact import printable
from ..batch._document import MANIFEST_NAME, Folder, epoch, is_remote, location, merge, read_manifest
from ..batch._journal import JOURNAL_NAME, read_journal
from ..batch._lock import alive_here
from ..batch._records import Record, RecordPeriod, State, Summary, summarize, to_json
from ..destinations import _storage as storage
from ._output import Output, UsageError
from ._progress import human_size


@dataclass
class Shown:
    """What `usage-reports manifest` found: the records, the last run's summary, where."""

    where: str
    entries: list[Record]
    summary: Summary


def load_for_display(target: str) -> Shown:
    """DIR (or DIR/manifest.json, or a URL) as the last run left it, a journal of a run not folded yet included."""
    folder: Folder = target
    if is_remote(target):
        folder = target[: -len(MANIFEST_NAME)].rstrip("/") if target.endswith("/" + MANIFEST_NAME) else target
        storage.resolve(folder, what="DIR", prefix=True)
    else:
        path = Path(target).expanduser()
        if path.name == MANIFEST_NAME and path.is_file():
            path = path.parent
        if path.exists() and not path.is_dir():
            raise UsageError(
                f"DIR {target}: is a file, not a folder; give the folder fetch-all wrote (its --out-dir), "
                f"or the {MANIFEST_NAME} in it"
            )
        if not path.is_dir():
            raise UsageError(f"DIR {target}: no such folder")
        folder = path
    where = str(location(folder, MANIFEST_NAME))
    manifest = read_manifest(folder)
    journal = None if is_remote(folder) else read_journal(Path(folder) / JOURNAL_NAME)
    if journal is not None:
        state: State = "interrupted" if alive_here(journal.header) is False else "running"
        return Shown(where, merge(manifest.entries, journal.records), journal.summary(state))
    if manifest.summary is None and not manifest.entries and not storage.exists(where):
        raise UsageError(f"DIR {target}: no {MANIFEST_NAME} (has fetch-all run there?)")
    summary = manifest.summary
    if summary is None:  # version 1: no summary; every record is the last run's
        started_at, finished_at = manifest.legacy.get("started_at"), manifest.legacy.get("finished_at")
        start, end = epoch(started_at), epoch(finished_at)
        summary = summarize(
            manifest.entries,
            run_id=None,
            started_at=started_at if isinstance(started_at, str) else None,
            state="finished",
            finished_at=str(finished_at),
            wall_time=end - start if start is not None and end is not None else 0.0,
        )
    return Shown(where, manifest.entries, summary)


def period_text(period: RecordPeriod | None) -> str:
    """2026-10 for a calendar month, 2026-10-01..2026-10-15 for whole days, else the instants as recorded."""
    if period is None:
        return "-"
    try:
        start = datetime.fromisoformat(str(period.start))
        end = datetime.fromisoformat(period.end)
    except ValueError:
        return f"{period.start or ''}..{period.end}"
    if start.time() != datetime.min.time() or end.time() != datetime.min.time():
        return f"{period.start}..{period.end}"
    if start.day == end.day == 1 and (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1:
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"


def render(shown: Shown, stream: IO[str]) -> None:
    """The records as a table (the last run's first), then the summary and every failure of the last run."""
    run_id = shown.summary.run_id
    rows: list[tuple[str, ...]] = [("PROVIDER", "NAME", "PERIOD", "RESULT", "SIZE", "SHA256", "FILE", "FINISHED")]
    for r in shown.entries:
        earlier = run_id is not None and r.run_id != run_id
        result = "skipped" if r.skipped else "ok" if r.ok else "FAILED"
        if r.skipped and r.written_by is not None:
            result = f"skipped (unchanged since run {r.written_by.run_id})"
        elif r.adopted:
            result = "ok (adopted)"
        rows.append(
            (
                r.provider,
                " / ".join(n for n in (r.name, r.tenant_name) if n) or "-",  # the entry's name, the tenant's name
                period_text(r.period),
                result + (" (earlier run)" if earlier else ""),
                human_size(r.size) if r.size is not None else "-",
                r.sha256[:12] if r.sha256 else "-",
                r.path or "-",
                (r.finished_at or "-")[:19].replace("T", " "),
            )
        )
    rows = [tuple(printable(cell) for cell in row) for row in rows]  # a manifest quotes vendor text: escaped
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [c.rjust(w) if i == 4 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip(), file=stream)
    s = shown.summary
    state = {"finished": "finished", "interrupted": "DID NOT FINISH", "running": "STILL RUNNING (or killed)"}
    print(
        f"\nlast run {s.started_at or '(time unknown)'}: {state[s.state]}"
        f" in {s.wall_time_seconds} s; {s.downloaded} downloaded, {s.skipped} skipped, "
        f"{s.failed} failed; {human_size(s.downloaded_bytes)} downloaded, "
        f"{human_size(s.total_bytes)} in all",
        file=stream,
    )
    for r in shown.entries:
        if not r.ok and (run_id is None or r.run_id == run_id):
            message = r.error.message if r.error is not None else ""
            line = f"FAILED {r.label or r.provider} {r.path or ''}: {message}".replace("  ", " ")
            print(printable(line), file=stream)
    print(f"manifest: {shown.where}", file=stream)


def show(target: str, out: Output) -> int:
    """`usage-reports manifest DIR`: 0 when the last run finished without a failure, 1 otherwise."""
    shown = load_for_display(target)
    code = 0 if shown.summary.ok else 1
    out.result({"ok": code == 0, "exit_code": code, "manifest": shown.where, "summary": to_json(shown.summary)})
    if not out.json and not out.quiet:
        render(shown, out.stdout)
    return code
