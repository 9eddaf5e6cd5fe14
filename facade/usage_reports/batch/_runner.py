"""fetch-all: many reports downloaded concurrently into one folder (or object-store prefix), recorded in its manifest.

One AsyncUsageReports serves the whole batch, so rate limits are shared by
every entry using the same key. Credentials are resolved for every
entry before anything is sent. One entry's failure is recorded and the others
go on. A file whose sha256 matches the previous manifest is not downloaded
again (unless forced); a file that does not match is never replaced silently.
In an object store the sha256 compared is the one each upload records with
the object (``x-amz-meta-sha256`` on S3), or its bytes hashed.

The folder is locked for the run, each finished entry is persisted as it
finishes, and the run's records are merged into the manifest at the end:
see ``_manifest``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .._client import AsyncUsageReports
from .._contract import Expansion, Provider, ProviderSettings
from .._exceptions import (
    APIError,
    ConnectionFailed,
    InvalidRequest,
    MissingCredentials,
    StorageError,
    UsageReportsError,
)
from .._logging import bind_logging_context
from .._periods import Period
from .._providers import provider_named
from ..cli._output import Output, print_table, record_label
from ..cli._progress import Progress
from ..destinations import _storage as storage
from ._config import Config, ConfigError, Entry
from ._manifest import (
    MANIFEST_NAME,
    Folder,
    Record,
    RunInfo,
    RunState,
    is_remote,
    location,
    now_iso,
    stored_sha256,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_CONCURRENCY", "EXIT_OK", "MANIFEST_NAME", "BaseSettings", "exit_code_of", "plan", "run_batch"]

DEFAULT_CONCURRENCY: Final = 4
EXIT_OK: Final = 0


@dataclass
class BaseSettings:
    """The providers' settings a batch starts from: given ones, the rest from the environment when first used."""

    environ: Mapping[str, str]
    given: Mapping[str, ProviderSettings] = field(default_factory=dict)
    _resolved: dict[str, ProviderSettings] = field(default_factory=dict)

    def settings(self, provider: Provider) -> ProviderSettings:
        settings = self._resolved.get(provider.name)
        if settings is None:
            base = self.given.get(provider.name) or provider.default_settings()
            settings = self._resolved[provider.name] = base.with_environment(self.environ)
        return settings

    def secrets(self) -> list[str]:
        """Every credential given, resolved so far, or waiting in a provider's credential variable."""
        values = [s for settings in (*self.given.values(), *self._resolved.values()) for s in settings.secrets()]
        return [s for s in values if s]


@dataclass(frozen=True)
class Planned:
    entry: Entry
    settings: ProviderSettings


def plan(entries: list[Entry], base: BaseSettings, environ: Mapping[str, str], source: str) -> list[Planned]:
    """Each entry with its settings; one ConfigError listing every entry without a usable credential (nothing sent)."""
    planned: list[Planned] = []
    problems: list[str] = []
    for entry in entries:
        where = f"{source}: {entry.label}"
        provider = provider_named(entry.provider)
        if provider is None:
            problems.append(f"{where}: provider {entry.provider!r} is not registered")
            continue
        try:
            settings = base.settings(provider)
        except InvalidRequest as exc:
            problems.append(f"{where}: {exc}")
            continue
        if entry.credential_env is not None:
            key = environ.get(entry.credential_env, "").strip() or None
            if key is None:
                problems.append(f"{where}.credential_env: the environment variable {entry.credential_env} is not set")
                continue
            try:
                settings = provider.with_credential(settings, entry.credential_type, key)
            except InvalidRequest:
                problems.append(
                    f"{where}.credential_env: {entry.credential_env} does not hold a valid one-line credential"
                )
                continue
        try:
            settings.require_credentials()
        except MissingCredentials as exc:
            problems.append(f"{where}: {exc}; or give the entry a credential_env")
            continue
        planned.append(Planned(entry, settings))
    if problems:
        raise ConfigError(*problems)
    return planned


# --- running ------------------------------------------------------------------------


def exit_code_of(error: BaseException) -> int:
    """2: bad input, nothing sent; 1: the vendor or the network failed (or the disk)."""
    if isinstance(error, APIError | ConnectionFailed | StorageError):
        return 1
    if isinstance(error, UsageReportsError):
        return 2
    return 1


def _record(entry: Entry, run_id: str, **fields: Any) -> Record:
    """One manifest record: readable values first (label, provider, period), then what was sent and what came."""
    request = entry.request
    parameters = {} if isinstance(request, Expansion) else request.parameters()
    period = parameters.get("period")
    return {
        "label": entry.label,
        "provider": entry.provider,
        "name": entry.name,
        "period": period if isinstance(period, dict) else None,
        "parameters": parameters,
        "credential_env": entry.credential_env,
        "path": None if isinstance(request, Expansion) else entry.filename,
        "details": {},
        **fields,
        "run_id": run_id,
    }


def _error(kind: str, message: str, exc: BaseException | None = None) -> dict[str, object]:
    """An error record; ``status_code`` when the vendor answered with one."""
    return {"type": kind, "message": message, "status_code": getattr(exc, "status_code", None)}


def _failure(entry: Entry, run_id: str, error: dict[str, object], exit_code: int, started_at: str) -> Record:
    return _record(
        entry,
        run_id,
        ok=False,
        skipped=False,
        error=error,
        exit_code=exit_code,
        size=None,
        sha256=None,
        media_type=None,
        started_at=started_at,
        finished_at=now_iso(),
    )


@dataclass
class Batch:
    """Runs planned entries into ``out_dir`` (a folder or an object-store prefix); ``redact`` cleans every message."""

    client: AsyncUsageReports
    out_dir: Folder
    progress: Progress
    redact: Callable[[str], str]
    state: RunState
    concurrency: int = DEFAULT_CONCURRENCY
    force: bool = False
    _previous: dict[str, Record] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return self.state.run.run_id

    async def run(self, planned: list[Planned]) -> list[Record]:
        """Every entry's record, in the config's order; each is persisted by the run state as it finishes."""
        self._previous = self.state.previous_records()
        limit = asyncio.Semaphore(self.concurrency)
        planned, failed = await self._expand(planned, limit)
        for record in failed:
            self.state.record(record)
        if not is_remote(self.out_dir):
            names = [item.entry.filename for item in planned]
            await asyncio.to_thread(self.state.clean_stale_parts, names)
        records: list[Record | None] = [*failed, *([None] * len(planned))]
        offset = len(failed)

        async def one(position: int, item: Planned) -> None:
            async with limit:
                record = await self._one(item)
            records[offset + position] = record
            self.state.record(record)

        try:
            await asyncio.gather(*(one(i, item) for i, item in enumerate(planned)))
        finally:
            self.progress.close()
        return [r for r in records if r is not None]

    async def _expand(self, planned: list[Planned], limit: asyncio.Semaphore) -> tuple[list[Planned], list[Record]]:
        """Entries standing for requests known only at run time (every tenant...), listed now; failures recorded."""

        async def expand(item: Planned) -> list[Planned] | Record:
            expansion = item.entry.request
            bind_logging_context(label=item.entry.label, provider=item.entry.provider)  # this task's log records
            if not isinstance(expansion, Expansion):
                return [item]
            started_at = now_iso()
            try:
                async with limit:
                    requests = await self.client.run_flow(item.entry.provider, expansion.expand, settings=item.settings)
            except UsageReportsError as exc:
                self.progress.finish(item.entry.label, ok=False)
                message = self.redact(f"listing {expansion.describe}: {exc}")
                return _failure(
                    item.entry, self.run_id, _error(type(exc).__name__, message, exc), exit_code_of(exc), started_at
                )
            return [Planned(entry, item.settings) for entry in item.entry.expanded(requests)]

        results = await asyncio.gather(*(expand(item) for item in planned))
        expanded: list[Planned] = []
        failed: list[Record] = []
        names: set[str] = set()
        for result in results:
            if isinstance(result, dict):
                failed.append(result)
                continue
            for item in result:
                if item.entry.filename in names:  # "all" and an explicit entry for the same tenant: one download
                    continue
                names.add(item.entry.filename)
                expanded.append(item)
        if len(expanded) + len(failed) != self.progress.total and self.progress.total:
            self.progress.total = len(expanded) + len(failed)
        return expanded, failed

    async def _one(self, item: Planned) -> Record:
        entry, label = item.entry, item.entry.label
        bind_logging_context(label=label, provider=entry.provider)  # every log record of this task names the entry
        request = entry.request
        assert not isinstance(request, Expansion)
        target = location(self.out_dir, entry.filename)
        if not self.force:
            if isinstance(target, Path):
                present = target.exists()
            else:
                try:
                    present = await asyncio.to_thread(storage.exists, target)
                except UsageReportsError as exc:
                    self.progress.finish(label, ok=False)
                    message = self.redact(str(exc))
                    return _failure(
                        entry, self.run_id, _error(type(exc).__name__, message, exc), exit_code_of(exc), now_iso()
                    )
            if present:
                return await self._existing(entry, target, self._previous.get(entry.filename))
        started_at = now_iso()
        self.progress.start(label)
        try:
            report = await self.client.download(
                request,
                target,
                overwrite=self.force,
                settings=item.settings,
                on_progress=lambda received: self.progress.advance(label, received),
            )
        except (UsageReportsError, OSError) as exc:
            self.progress.finish(label, ok=False)
            message = self.redact(str(exc) if isinstance(exc, UsageReportsError) else f"{target}: {exc.strerror}")
            return _failure(entry, self.run_id, _error(type(exc).__name__, message, exc), exit_code_of(exc), started_at)
        self.progress.finish(label, ok=True)
        return _record(
            entry,
            self.run_id,
            ok=True,
            skipped=False,
            error=None,
            exit_code=0,
            size=report.size,
            sha256=report.sha256,
            media_type=report.media_type,
            details=dict(report.details),
            started_at=started_at,
            finished_at=now_iso(),
        )

    async def _existing(self, entry: Entry, target: Path | str, before: Record | None) -> Record:
        """Skip a finished file (its sha256 matches the manifest); refuse to touch any other."""
        if before is not None and before.get("ok") and isinstance(before.get("sha256"), str):
            try:
                sha256 = await asyncio.to_thread(stored_sha256, target)
            except (UsageReportsError, OSError) as exc:
                self.progress.finish(entry.label, ok=False)
                message = self.redact(str(exc) if isinstance(exc, UsageReportsError) else f"{target}: {exc.strerror}")
                return _failure(
                    entry, self.run_id, _error(type(exc).__name__, message, exc), exit_code_of(exc), now_iso()
                )
            if sha256 is not None and before.get("sha256") == sha256:
                self.progress.finish(entry.label, ok=True, skipped=True)
                return _record(
                    entry,
                    self.run_id,
                    ok=True,
                    skipped=True,
                    error=None,
                    exit_code=0,
                    size=before.get("size"),
                    sha256=sha256,
                    media_type=before.get("media_type"),
                    details=before.get("details") or {},
                    started_at=before.get("started_at"),
                    finished_at=before.get("finished_at"),
                )
        self.progress.finish(entry.label, ok=False)
        message = f"{target} already exists and is not the file {MANIFEST_NAME} recorded; use --force to replace it"
        return _failure(entry, self.run_id, _error("FileExists", message), 2, now_iso())


def out_dir_for(template: str, period: Period | None) -> Folder:
    """--out-dir with ``{period}`` replaced by the batch's period label (2026-10, or START..END); a URL stays a str."""
    from ..cli._output import UsageError

    if "{period}" in template:
        if period is None:
            raise UsageError("--out-dir uses {period}, but no period is set: give --period or [defaults] period")
        template = template.replace("{period}", period.label)
    if storage.is_remote(template):
        try:
            storage.resolve(template, what="--out-dir", prefix=True)
        except InvalidRequest as exc:
            raise UsageError(str(exc)) from None
        return template.rstrip("/")
    return Path(template)


def _prepare(folder: Folder) -> None:
    """A local --out-dir is created; a URL's bucket is checked when the lock is taken."""
    from ..cli._output import UsageError

    if isinstance(folder, str):
        return
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out-dir {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out-dir {folder}: cannot create it ({exc.strerror or type(exc).__name__})") from None


def run_batch(
    config: Config,
    *,
    source: str,
    base: BaseSettings,
    environ: Mapping[str, str],
    out_dir: str | Path,
    out: Output,
    concurrency: int = DEFAULT_CONCURRENCY,
    force: bool = False,
    timeout: float | None = None,
    max_retries: int | None = None,
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
) -> tuple[int, list[Record]]:
    """Plan (credentials checked, nothing sent), lock the folder, download; the exit code and the run's records.

    ``transport`` makes the HTTP transport of the batch's client, inside its event loop (None: httpx's own).
    """
    from ..cli._output import counts

    folder = out_dir_for(str(out_dir), config.period)
    planned = plan(config.entries, base, environ, source)
    out.add_secrets(base.secrets())
    out.add_secrets(s for item in planned for s in item.settings.secrets())
    _prepare(folder)

    with RunState(folder, RunInfo.new()) as state:

        async def download_all() -> list[Record]:
            options: dict[str, Any] = {} if max_retries is None else {"max_retries": max_retries}
            if transport is not None:
                options["transport"] = transport()  # made in the loop that uses it (aiohttp's sessions are per loop)
            async with AsyncUsageReports(*base.given.values(), timeout=timeout, environ=environ, **options) as client:
                batch = Batch(
                    client=client,
                    out_dir=folder,
                    progress=out.progress(total=len(planned)),
                    redact=out.redact,
                    state=state,
                    concurrency=concurrency,
                    force=force,
                )
                return await batch.run(planned)

        records = asyncio.run(download_all())
        summary = state.finish(records)
    code = summary["exit_code"]
    for record in records:
        if not record["ok"]:
            out.error(
                f"{record_label(record)}: {record['error']['message']}",
                label=record_label(record),
                provider=str(record["provider"]),
            )
    manifest = location(folder, MANIFEST_NAME)
    out.result(
        {
            "ok": code == EXIT_OK,
            "exit_code": code,
            "out_dir": str(folder),
            "manifest": str(manifest),
            "summary": summary,
            "entries": records,
        }
    )
    if not out.json and not out.quiet:
        print_table(records, out.stdout)
        out.text(f"\n{counts(records)}; manifest: {manifest}")
    return code, records
