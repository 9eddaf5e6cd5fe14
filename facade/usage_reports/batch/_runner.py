"""The monthly job: many reports downloaded concurrently into one folder (or object-store prefix), recorded in its
manifest; ``run``/``arun`` are its typed API (the CLI's ``fetch-all`` is a shell over them).

One AsyncUsageReports serves the whole batch, so rate limits are shared by
every entry using the same key. Credentials are resolved for every
entry before anything is sent. One entry's failure is recorded and the others
go on. A file whose sha256 matches the previous manifest is not downloaded
again (unless forced); a file that does not match is never replaced silently.
In an object store the sha256 compared is the one each upload records with
the object (``x-amz-meta-sha256`` on S3), or its bytes hashed.

The folder is locked for the run, each finished entry is persisted as it
finishes, and the run's records are merged into the manifest at the end:
see ``_state``. Nothing is printed: progress goes to the caller's observer,
log records to the ``usage_reports`` logger, the outcome to a ``RunResult``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from .._client import AsyncUsageReports
from .._contract import Expansion, Provider, ProviderSettings, request_kind
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
from .._providers import provider_for_settings, provider_named
from .._redact import Redactor, printable
from .._signals import exit_status
from ..destinations import _storage as storage
from ._config import Config, ConfigError, Entry
from ._document import MANIFEST_NAME, Folder, is_remote, location, now_iso, stored_sha256
from ._errors import Names, OutDirError, using_names
from ._errors import names as wording
from ._records import Error, Record, RecordPeriod, Summary
from ._state import RunState

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_CONCURRENCY",
    "EXIT_OK",
    "MANIFEST_NAME",
    "BaseSettings",
    "EntryFinished",
    "EntryProgressed",
    "EntryStarted",
    "EntryWaiting",
    "Event",
    "Observer",
    "RunPlanned",
    "RunResult",
    "arun",
    "exit_code_of",
    "plan",
    "run",
]

logger = logging.getLogger("usage_reports")

DEFAULT_CONCURRENCY: Final = 4
EXIT_OK: Final = 0
#: The vendor, the network or the storage failed.
EXIT_FAILED: Final = 1
#: Bad input, found before anything was sent (a config, an out_dir, a folder in use).
EXIT_USAGE: Final = 2


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
    #: The vendor's name of the entry's tenant, looked up when the entry is downloaded (None: nothing to look up).
    tenant_name: Callable[[], Awaitable[str | None]] | None = None


class _Names:
    """The tenants' names of one config entry's requests: the provider's listing, read at most once per run."""

    def __init__(
        self,
        client: AsyncUsageReports,
        provider: Provider,
        settings: ProviderSettings,
        label: str,
        requests: list[object],
    ) -> None:
        self._client, self._provider, self._settings, self._label = client, provider, settings, label
        self._requests = requests
        self._found: list[str | None] | None = None
        self._lock = asyncio.Lock()  # the first download of the entry lists, the others wait for its answer

    async def name(self, position: int) -> str | None:
        async with self._lock:
            if self._found is None:
                self._found = await self._list()
        return self._found[position]

    async def _list(self) -> list[str | None]:
        listing = self._provider.names(self._settings, self._requests)
        if listing is not None:
            try:
                return list(
                    await self._client.run_flow(self._provider.name, lambda _: listing, settings=self._settings)
                )
            except UsageReportsError as exc:  # the names are the record's, never a reason to fail the download
                logger.warning("%s: the tenants' names could not be listed: %s", self._label, printable(str(exc)))
        return [None] * len(self._requests)


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


# --- what the caller sees: events while the run goes on, a result at the end ---------------------------------------


@attrs.frozen
class RunPlanned:
    """How many entries the run has: first as planned, again once entries standing for many were listed."""

    total: int


@attrs.frozen
class EntryStarted:
    """A download started (``label``: the entry as the config and the manifest name it)."""

    label: str


@attrs.frozen
class EntryProgressed:
    """Bytes of a download received so far, and its size when the server announced it."""

    label: str
    received: int
    size: int | None = None


@attrs.frozen
class EntryWaiting:
    """A download waits for the vendor to build its report: ``polls`` looks so far, ``seconds`` waited in all."""

    label: str
    polls: int
    seconds: float


@attrs.frozen
class EntryFinished:
    """An entry is done: downloaded, skipped or failed, as its record says."""

    record: Record


Event = RunPlanned | EntryStarted | EntryProgressed | EntryWaiting | EntryFinished
#: Called in the run's event loop for every event: keep it quick (draw, count, log), never blocking.
Observer = Callable[[Event], None]

ResultState = Literal["finished", "failed", "interrupted"]


@attrs.frozen(kw_only=True)
class RunResult:
    """What a run did: its state, the exit code the CLI exits with, its records, where its manifest is."""

    #: finished: every entry ok or skipped; failed: the run finished, some entries failed; interrupted: stopped.
    state: ResultState
    exit_code: int
    records: list[Record]
    #: The run's summary as written into the manifest (None when an interrupted run wrote none).
    summary: Summary | None
    out_dir: Path | str
    manifest_path: Path | str
    #: Why the run stopped, when it was interrupted (e.g. "terminated by SIGTERM").
    interruption: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == "finished"

    @property
    def failures(self) -> list[Record]:
        return [r for r in self.records if not r.ok]


# --- running ------------------------------------------------------------------------


def exit_code_of(error: BaseException) -> int:
    """2: bad input, nothing sent; 1: the vendor or the network failed (or the disk); 128+N: stopped by signal N."""
    if isinstance(error, KeyboardInterrupt):
        return exit_status(error)
    if isinstance(error, ConfigError | InvalidRequest | MissingCredentials):
        return EXIT_USAGE
    if isinstance(error, APIError | ConnectionFailed | StorageError):
        return EXIT_FAILED
    if isinstance(error, UsageReportsError):
        return EXIT_USAGE
    return EXIT_FAILED


def _record(entry: Entry, run_id: str, **fields: Any) -> Record:
    """One manifest record: readable values first (label, provider, period), then what was sent and what came."""
    request = entry.request
    parameters = {} if isinstance(request, Expansion) else request.parameters()
    period = parameters.get("period")
    return Record(
        label=entry.label,
        provider=entry.provider,
        name=entry.name,
        period=RecordPeriod(start=period.get("start"), end=period["end"]) if isinstance(period, dict) else None,
        parameters=parameters,
        credential_env=entry.credential_env,
        path=None if isinstance(request, Expansion) else entry.filename,
        run_id=run_id,
        **{
            "details": {},
            "kind": "report" if isinstance(request, Expansion) else request_kind(request),
            "tenant_name": entry.tenant_name,
            **fields,
        },
    )


def _error(kind: str, message: str, exc: BaseException | None = None) -> Error:
    """An error record; ``status_code`` when the vendor answered with one."""
    status = getattr(exc, "status_code", None)
    return Error(type=kind, message=message, status_code=status if isinstance(status, int) else None)


def _failure(entry: Entry, run_id: str, error: Error, exit_code: int, started_at: str | None) -> Record:
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
    emit: Observer
    redact: Callable[[str], str]
    state: RunState
    concurrency: int = DEFAULT_CONCURRENCY
    force: bool = False
    _previous: dict[str, Record] = field(default_factory=dict)
    _lookups: dict[tuple[str, int], _Names] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return self.state.run.run_id

    def _failed(self, entry: Entry, exc: BaseException, message: str, started_at: str | None) -> Record:
        error = _error(type(exc).__name__, self.redact(message), exc)
        return _failure(entry, self.run_id, error, exit_code_of(exc), started_at)

    async def run(self, planned: list[Planned]) -> list[Record]:
        """Every entry's record, in the config's order; each is persisted by the run state as it finishes."""
        self._previous = self.state.previous_records()
        self.emit(RunPlanned(len(planned)))
        limit = asyncio.Semaphore(self.concurrency)
        planned, failed = await self._expand(planned, limit)
        for record in failed:
            self.state.record(record)
        if not is_remote(self.out_dir):
            filenames = [item.entry.filename for item in planned]
            await asyncio.to_thread(self.state.clean_stale_parts, filenames)
        records: list[Record | None] = [*failed, *([None] * len(planned))]
        offset = len(failed)

        async def one(position: int, item: Planned) -> None:
            async with limit:
                record = await self._one(item)
            records[offset + position] = record
            self.state.record(record)
            self.emit(EntryFinished(record))

        await asyncio.gather(*(one(i, item) for i, item in enumerate(planned)))
        return [r for r in records if r is not None]

    async def _expand(self, planned: list[Planned], limit: asyncio.Semaphore) -> tuple[list[Planned], list[Record]]:
        """Entries standing for requests known only at run time (every tenant...), listed now; failures recorded."""

        # A config entry naming several requests (a list of tenants) became several entries: one lookup of names.
        groups: dict[tuple[str, int], list[Entry]] = {}
        for item in planned:
            if not isinstance(item.entry.request, Expansion):
                groups.setdefault((item.entry.provider, item.entry.index), []).append(item.entry)

        async def expand(item: Planned) -> list[Planned] | Record:
            expansion = item.entry.request
            bind_logging_context(label=item.entry.label, provider=item.entry.provider)  # this task's log records
            if not isinstance(expansion, Expansion):
                return self._named(item, groups[item.entry.provider, item.entry.index], only=item.entry)
            started_at = now_iso()
            try:
                async with limit:
                    requests = await self.client.run_flow(item.entry.provider, expansion.expand, settings=item.settings)
            except UsageReportsError as exc:
                record = self._failed(item.entry, exc, f"listing {expansion.describe}: {exc}", started_at)
                self.emit(EntryFinished(record))
                return record
            return self._named(item, item.entry.expanded(requests))

        results = await asyncio.gather(*(expand(item) for item in planned))
        expanded: list[Planned] = []
        failed: list[Record] = []
        seen: set[str] = set()
        for result in results:
            if isinstance(result, Record):
                failed.append(result)
                continue
            for item in result:
                if item.entry.filename in seen:  # "all" and an explicit entry for the same tenant: one download
                    continue
                seen.add(item.entry.filename)
                expanded.append(item)
        if len(expanded) + len(failed) != len(planned):
            self.emit(RunPlanned(len(expanded) + len(failed)))
        return expanded, failed

    def _named(self, item: Planned, entries: list[Entry], *, only: Entry | None = None) -> list[Planned]:
        """The entries (or ``only`` one of them), each followed by its companions (e.g. a report's compute time),
        sharing one lazy lookup of their tenants' names: the provider's listing, read once per config entry, and
        only when one of its files is downloaded (a re-run that skips everything sends nothing for names)."""
        provider = provider_named(item.entry.provider)
        if provider is None:
            return [Planned(entry, item.settings) for entry in entries if only is None or entry is only]
        key = (item.entry.provider, item.entry.index)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = _Names(self.client, provider, item.settings, item.entry.label, [e.request for e in entries])
            self._lookups[key] = lookup
        planned: list[Planned] = []
        for position, entry in enumerate(entries):
            if only is not None and entry is not only:
                continue
            name = functools.partial(lookup.name, position)
            planned.append(Planned(entry, item.settings, name))
            for companion in provider.companions(entry.request):
                part = " ".join(p for p in (entry.part, request_kind(companion)) if p)
                planned.append(Planned(replace(entry, request=companion, part=part), item.settings, name))
        return planned

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
                    return self._failed(entry, exc, str(exc), now_iso())
            if present:
                return await self._existing(entry, target, self._previous.get(entry.filename))
        if item.tenant_name is not None and entry.tenant_name is None:
            entry = replace(entry, tenant_name=await item.tenant_name())
        started_at = now_iso()
        self.emit(EntryStarted(label))

        def progressed(received: int) -> None:
            waiting = getattr(received, "waiting", None)
            if waiting is not None:  # the vendor is still building the report
                self.emit(EntryWaiting(label, waiting[0], waiting[1]))
                return
            announced = getattr(received, "total", None)
            self.emit(EntryProgressed(label, int(received), announced if isinstance(announced, int) else None))

        try:
            report = await self.client.download(
                request, target, overwrite=self.force, settings=item.settings, on_progress=progressed
            )
        except (UsageReportsError, OSError) as exc:
            message = str(exc) if isinstance(exc, UsageReportsError) else f"{target}: {exc.strerror}"
            return self._failed(entry, exc, message, started_at)
        return _record(
            entry,
            self.run_id,
            ok=True,
            skipped=False,
            error=None,
            exit_code=EXIT_OK,
            size=report.size,
            sha256=report.sha256,
            media_type=report.media_type,
            details=dict(report.details),
            started_at=started_at,
            finished_at=now_iso(),
        )

    async def _existing(self, entry: Entry, target: Path | str, before: Record | None) -> Record:
        """Skip a finished file (its sha256 matches the manifest); refuse to touch any other."""
        if before is not None and before.ok and before.sha256 is not None:
            try:
                sha256 = await asyncio.to_thread(stored_sha256, target)
            except (UsageReportsError, OSError) as exc:
                message = str(exc) if isinstance(exc, UsageReportsError) else f"{target}: {exc.strerror}"
                return self._failed(entry, exc, message, now_iso())
            if sha256 is not None and before.sha256 == sha256:
                return _record(
                    entry,
                    self.run_id,
                    ok=True,
                    skipped=True,
                    error=None,
                    exit_code=EXIT_OK,
                    size=before.size,
                    sha256=sha256,
                    media_type=before.media_type,
                    details=dict(before.details),
                    started_at=before.started_at,
                    finished_at=before.finished_at,
                    tenant_name=entry.tenant_name if entry.tenant_name is not None else before.tenant_name,
                )
        message = (
            f"{target} already exists and is not the file {MANIFEST_NAME} recorded; use {wording().force} to replace it"
        )
        return _failure(entry, self.run_id, _error("FileExists", message), EXIT_USAGE, now_iso())


def out_dir_for(template: str, period: Period | None) -> Folder:
    """out_dir with ``{period}`` replaced by the batch's period label (2026-10, or START..END); a URL stays a str."""
    option = wording().out_dir
    if "{period}" in template:
        if period is None:
            raise OutDirError(
                f"{option} uses {{period}}, but no period is set: give {wording().period} or [defaults] period"
            )
        template = template.replace("{period}", period.label)
    try:
        template.format()  # any other placeholder is a mistake, not a folder name
    except (KeyError, IndexError, ValueError):
        raise OutDirError(f"{option} {template}: the only placeholder it takes is {{period}}") from None
    if storage.is_remote(template):
        try:
            storage.resolve(template, what=option, prefix=True)
        except InvalidRequest as exc:
            raise OutDirError(str(exc)) from None
        return template.rstrip("/")
    return Path(template)


def _prepare(folder: Folder) -> None:
    """A local out_dir is created; a URL's bucket is checked when the lock is taken."""
    if isinstance(folder, str):
        return
    option = wording().out_dir
    if folder.exists() and not folder.is_dir():
        raise OutDirError(f"{option} {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutDirError(f"{option} {folder}: cannot create it ({exc.strerror or type(exc).__name__})") from None


def _given(settings: Mapping[str, ProviderSettings] | Iterable[ProviderSettings]) -> dict[str, ProviderSettings]:
    if isinstance(settings, Mapping):
        return dict(settings)
    return {provider_for_settings(s).name: s for s in settings}


@dataclass
class _Progress:
    """What a run got to, for the result of a run that was stopped."""

    folder: Folder | None = None
    state: RunState | None = None


async def arun(
    config: Config,
    *,
    out_dir: str | Path,
    period: str | None = None,
    timezone: str | None = None,
    as_of: date | datetime | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    force: bool = False,
    observer: Observer | None = None,
    settings: Mapping[str, ProviderSettings] | Iterable[ProviderSettings] = (),
    environ: Mapping[str, str] | None = None,
    timeout: float | None = None,  # noqa: ASYNC109 (each HTTP request's timeout, not a deadline of the call)
    max_retries: int | None = None,
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
    names: Names | None = None,
) -> RunResult:
    """Run the monthly job in the running event loop: see :func:`run`.

    A cancelled run records what it finished (``state: "interrupted"`` in the
    manifest) and lets the cancellation go on.
    """
    return await _arun(
        config,
        _Progress(),
        out_dir=out_dir,
        period=period,
        timezone=timezone,
        as_of=as_of,
        concurrency=concurrency,
        force=force,
        observer=observer,
        settings=settings,
        environ=environ,
        timeout=timeout,
        max_retries=max_retries,
        transport=transport,
        names=names,
    )


def run(
    config: Config,
    *,
    out_dir: str | Path,
    period: str | None = None,
    timezone: str | None = None,
    as_of: date | datetime | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    force: bool = False,
    observer: Observer | None = None,
    settings: Mapping[str, ProviderSettings] | Iterable[ProviderSettings] = (),
    environ: Mapping[str, str] | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
    names: Names | None = None,
) -> RunResult:
    """Download every report of ``config`` into ``out_dir`` and record them in its manifest.json.

    ``out_dir``: a folder or an object-store URL; ``{period}`` in it becomes
    the config's period (2026-10). ``period``, ``timezone`` and ``as_of``
    override the config's ``[defaults]`` (relative periods count from
    ``as_of``). ``settings``: providers' settings to start from (credentials,
    base URLs), the rest from ``environ`` (default ``os.environ``).
    ``observer`` receives the run's events. ``transport`` makes the HTTP
    transport of the batch's client, inside its event loop.

    Bad input (the config, ``out_dir``, a missing credential, a folder another
    run holds) raises :class:`ConfigError` before anything is sent. Every other
    failure is an entry's, in its record. Prints nothing: log records go to
    the ``usage_reports`` logger. Stopped by Ctrl-C or a signal turned into
    KeyboardInterrupt, it returns ``state="interrupted"`` with what it finished.
    """
    progress = _Progress()
    try:
        return asyncio.run(
            _arun(
                config,
                progress,
                out_dir=out_dir,
                period=period,
                timezone=timezone,
                as_of=as_of,
                concurrency=concurrency,
                force=force,
                observer=observer,
                settings=settings,
                environ=environ,
                timeout=timeout,
                max_retries=max_retries,
                transport=transport,
                names=names,
            )
        )
    except KeyboardInterrupt as exc:  # _signals.Terminated too
        state, folder = progress.state, progress.folder
        if state is None or folder is None:  # stopped before the folder was taken: nothing to tell
            raise
        return RunResult(
            state="interrupted",
            exit_code=exit_code_of(exc),
            records=list(state.records),
            summary=state.summary,
            out_dir=folder,
            manifest_path=location(folder, MANIFEST_NAME),
            interruption=str(exc) or "interrupted",
        )


async def _arun(
    config: Config,
    progress: _Progress,
    *,
    out_dir: str | Path,
    period: str | None,
    timezone: str | None,
    as_of: date | datetime | None,
    concurrency: int,
    force: bool,
    observer: Observer | None,
    settings: Mapping[str, ProviderSettings] | Iterable[ProviderSettings],
    environ: Mapping[str, str] | None,
    timeout: float | None,  # noqa: ASYNC109 (each HTTP request's timeout)
    max_retries: int | None,
    transport: Callable[[], httpx.AsyncBaseTransport] | None,
    names: Names | None,
) -> RunResult:
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    environ = os.environ if environ is None else environ
    with using_names(names or Names()):
        config = config.resolved(period=period, timezone=timezone, as_of=as_of)
        folder = out_dir_for(str(out_dir), config.period)
        base = BaseSettings(environ, _given(settings))
        planned = plan(config.entries, base, environ, config.source)
        redactor = Redactor([*base.secrets(), *(s for item in planned for s in item.settings.secrets())])
        await asyncio.to_thread(_prepare, folder)
        emit: Observer = observer if observer is not None else _ignore
        with RunState(folder) as state:
            progress.folder, progress.state = folder, state
            options: dict[str, Any] = {} if max_retries is None else {"max_retries": max_retries}
            if transport is not None:
                options["transport"] = transport()  # made in the loop that uses it (aiohttp's sessions are per loop)
            async with AsyncUsageReports(*base.given.values(), timeout=timeout, environ=environ, **options) as client:
                batch = Batch(
                    client=client,
                    out_dir=folder,
                    emit=emit,
                    redact=lambda text: printable(" ".join(redactor(text).split())),
                    state=state,
                    concurrency=concurrency,
                    force=force,
                )
                records = await batch.run(planned)
            summary = state.finish(records)
    code = summary.exit_code if summary.exit_code is not None else EXIT_FAILED
    return RunResult(
        state="finished" if summary.ok else "failed",
        exit_code=code,
        records=records,
        summary=summary,
        out_dir=folder,
        manifest_path=location(folder, MANIFEST_NAME),
    )


def _ignore(event: Event) -> None:
    return None


def replace_source(config: Config, source: str | None) -> Config:
    """``config`` naming ``source`` in its messages (for a Config made by load_config or parse_config_text)."""
    return config if source is None or config.source == source else dataclasses.replace(config, source=source)
