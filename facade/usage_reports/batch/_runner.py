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
import contextlib
import dataclasses
import functools
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from .._client import AsyncUsageReports
from .._constants import DEFAULT_TIMEOUT
from .._contract import ApiRequest, Call, Expansion, Flow, Provider, ProviderSettings, request_kind
from .._exceptions import (
    APIError,
    ConnectionFailed,
    InvalidRequest,
    MissingCredentials,
    StorageError,
    UsageReportsError,
)
from .._logging import bind_logging_context, logger
from .._periods import Period
from .._providers import provider_for_settings, provider_named
from .._redact import Redactor, printable
from .._signals import STOP_SIGNALS, Terminated, exit_status
from ..destinations import _storage as storage
from ._config import DEFAULTS_TABLE, Config, ConfigError, CredentialFileError, Entry, read_credential_file
from ._document import MANIFEST_NAME, Folder, is_remote, location, now_iso, read_manifest, stored_sha256
from ._errors import Names, OutDirError, using_names
from ._errors import names as wording
from ._records import Error, Record, RecordPeriod, Summary, WrittenBy
from ._state import RunState

if TYPE_CHECKING:
    import httpx

    from .._models import UsageReport

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


async def _named(item: Planned) -> Planned:
    """The item with its tenant's name, looked up now (it is about to be downloaded)."""
    if item.tenant_name is None or item.entry.tenant_name is not None:
        return item
    return dataclasses.replace(item, entry=replace(item.entry, tenant_name=await item.tenant_name()))


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
        if entry.credential_file is not None:  # read now, before anything is sent (see _config.read_credential_file)
            try:
                key = read_credential_file(entry.credential_file, environ)
                settings = provider.with_credential(settings, entry.credential_type, key)
            except CredentialFileError as exc:
                problems.append(f"{where}.credential_file: {exc}")
                continue
            except InvalidRequest:
                problems.append(f"{where}.credential_file: {entry.credential_file} does not hold a valid credential")
                continue
        try:
            settings.require_credentials()
        except MissingCredentials as exc:
            problems.append(f"{where}: {exc}; or give the entry a credential_env or credential_file")
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

ResultState = Literal["finished", "failed", "interrupted", "planned"]


@attrs.frozen(kw_only=True)
class RunResult:
    """What a run did: its state, the exit code the CLI exits with, its records, where its manifest is."""

    #: finished: every entry ok or skipped; failed: the run finished, some entries failed; interrupted: stopped;
    #: planned: a dry run (each record's details say what would happen: ``would``).
    state: ResultState
    exit_code: int
    records: list[Record]
    #: The run's summary as written into the manifest (None when an interrupted run wrote none).
    summary: Summary | None
    out_dir: Path | str
    manifest_path: Path | str
    #: Why the run stopped, when it was interrupted (e.g. "terminated by SIGTERM").
    interruption: str | None = None
    #: What the caller should know although nothing failed, one line each (a period that has not ended, a
    #: snapshot that cannot be backfilled).
    warnings: list[str] = attrs.field(factory=list)

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
    state: RunState | None
    concurrency: int = DEFAULT_CONCURRENCY
    force: bool = False
    _previous: dict[str, Record] = field(default_factory=dict)
    _lookups: dict[tuple[str, int], _Names] = field(default_factory=dict)

    run_id: str = ""

    def _failed(self, entry: Entry, exc: BaseException, message: str, started_at: str | None) -> Record:
        error = _error(type(exc).__name__, self.redact(message), exc)
        return _failure(entry, self.run_id, error, exit_code_of(exc), started_at)

    async def run(self, planned: list[Planned]) -> list[Record]:
        """Every entry's record, in the config's order; each is persisted by the run state as it finishes."""
        assert self.state is not None
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
            assert self.state is not None
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
                before = self._previous.get(entry.filename)
                if isinstance(target, Path) and not _unchanged(before, None):
                    return self._refused(entry, target)  # nothing recorded to compare with
                try:
                    sha256 = await asyncio.to_thread(stored_sha256, target)
                except (UsageReportsError, OSError) as exc:
                    message = str(exc) if isinstance(exc, UsageReportsError) else f"{target}: {exc.strerror}"
                    return self._failed(entry, exc, message, now_iso())
                if sha256 is not None and _unchanged(before, sha256):
                    assert before is not None
                    return self._skipped(entry, before, sha256)
                if isinstance(target, str) and (before is None or not before.ok):
                    return await self._adopt(await _named(item), target, sha256)  # a killed run may have finished it
                return self._refused(entry, target)
        item = await _named(item)
        entry = item.entry
        started_at = now_iso()
        self.emit(EntryStarted(label))
        try:
            report = await self.client.download(
                request, target, overwrite=self.force, settings=item.settings, on_progress=self._progress(label)
            )
        except (UsageReportsError, OSError) as exc:
            message = str(exc) if isinstance(exc, UsageReportsError) else f"{target}: {exc.strerror}"
            return self._failed(entry, exc, message, started_at)
        return self._downloaded(entry, report, started_at)

    async def preview(self, planned: list[Planned], previous: dict[str, Record]) -> list[Record]:
        """A dry run: what each entry would do, learnt with read-only requests (listings, finding a report).

        Nothing that changes anything is sent (a flow stops before its first
        request that is not a GET: "a report would be created"), no file is
        written, no lock taken. Each record's details say what would happen
        (``would``: download, skip, compare, refuse).
        """
        self._previous = previous
        self.emit(RunPlanned(len(planned)))
        limit = asyncio.Semaphore(self.concurrency)
        planned, failed = await self._expand(planned, limit)

        async def one(item: Planned) -> Record:
            async with limit:
                bind_logging_context(label=item.entry.label, provider=item.entry.provider)
                record = await self._preview_one(item)
            self.emit(EntryFinished(record))
            return record

        return [*failed, *await asyncio.gather(*(one(item) for item in planned))]

    async def _preview_one(self, item: Planned) -> Record:
        entry = item.entry
        target = location(self.out_dir, entry.filename)
        before = self._previous.get(entry.filename)
        if not self.force:
            try:
                sha256 = await asyncio.to_thread(stored_sha256, target)
            except (UsageReportsError, OSError) as exc:
                message = str(exc) if isinstance(exc, UsageReportsError) else f"{target}: {exc.strerror}"
                return self._failed(entry, exc, message, None)
            if sha256 is not None:
                if before is not None and _unchanged(before, sha256):
                    return replace_details(self._skipped(entry, before, sha256), {"would": "skip"})
                if isinstance(target, Path) or (before is not None and before.ok):
                    return replace_details(self._refused(entry, target), {"would": "refuse"})
                found = await self._would_obtain(item)
                return self._planned(entry, {"would": "download and compare", **found})
        found = await self._would_obtain(item)
        return self._planned(entry, {"would": "download", **found})

    async def _would_obtain(self, item: Planned) -> dict[str, Any]:
        """How the provider would obtain the report: the details a read-only run of its resolve flow gives."""
        entry = item.entry
        request = entry.request
        assert not isinstance(request, Expansion)
        provider = provider_named(entry.provider)
        assert provider is not None
        call = provider.prepare(request, item.settings)
        if call.resolve() is None:
            return {}
        try:
            return await self.client.run_flow(
                entry.provider, lambda settings: _read_only(provider.prepare(request, settings)), settings=item.settings
            )
        except UsageReportsError as exc:
            return {"report": f"could not be looked up: {self.redact(str(exc))}"}

    def _planned(self, entry: Entry, details: dict[str, Any]) -> Record:
        return _record(
            entry,
            self.run_id,
            ok=True,
            skipped=False,
            error=None,
            exit_code=EXIT_OK,
            size=None,
            sha256=None,
            media_type=None,
            details=details,
            started_at=None,
            finished_at=None,
        )

    def _progress(self, label: str) -> Callable[[int], None]:
        def progressed(received: int) -> None:
            waiting = getattr(received, "waiting", None)
            if waiting is not None:  # the vendor is still building the report
                self.emit(EntryWaiting(label, waiting[0], waiting[1]))
                return
            announced = getattr(received, "total", None)
            self.emit(EntryProgressed(label, int(received), announced if isinstance(announced, int) else None))

        return progressed

    def _downloaded(self, entry: Entry, report: UsageReport, started_at: str, **fields: Any) -> Record:
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
            **fields,
        )

    def _skipped(self, entry: Entry, before: Record, sha256: str) -> Record:
        """The file is the one the manifest recorded: this run did nothing to it (what it obtained stays the writer's)."""
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
            details={},
            started_at=before.started_at,
            finished_at=before.finished_at,
            kind=before.kind,
            tenant_name=before.tenant_name,
            written_by=written_by(before),
        )

    def _refused(self, entry: Entry, target: Path | str, *, sent: bool = False, why: str = "") -> Record:
        message = (
            f"{target} already exists and is not the file {MANIFEST_NAME} recorded{why}; "
            f"use {wording().force} to replace it"
        )
        code = EXIT_FAILED if sent else EXIT_USAGE  # 2 says "nothing sent": not after this entry's download
        return _failure(entry, self.run_id, _error("FileExists", message), code, now_iso())

    async def _adopt(self, item: Planned, target: str, stored: str | None) -> Record:
        """An object the manifest does not record as finished: the report downloaded to a local spool and compared.

        The same sha256 as the object's (the metadata every upload records, or
        its bytes): the object is what this run would write (a killed run
        finished it), so it is kept as it is and recorded as adopted. Another
        sha256: refused, as any object the manifest does not know.
        """
        entry, label = item.entry, item.entry.label
        request = entry.request
        assert not isinstance(request, Expansion)
        started_at = now_iso()
        self.emit(EntryStarted(label))
        spool = await asyncio.to_thread(tempfile.mkdtemp, prefix="usage-reports-adopt-")
        try:
            try:
                report = await self.client.download(
                    request,
                    Path(spool) / entry.filename,
                    overwrite=True,
                    settings=item.settings,
                    on_progress=self._progress(label),
                )
            except (UsageReportsError, OSError) as exc:
                message = str(exc) if isinstance(exc, UsageReportsError) else f"{target}: {exc.strerror}"
                return self._failed(entry, exc, message, started_at)
        finally:
            await asyncio.to_thread(shutil.rmtree, spool, True)
        if stored is None or report.sha256 != stored:
            return self._refused(entry, target, sent=True, why=" nor the report the vendor serves now")
        logger.info("fetch-all: %s is the report this run downloaded (same sha256): kept as it is", target)
        return self._downloaded(entry, report, started_at, adopted=True)


def replace_details(record: Record, details: dict[str, Any]) -> Record:
    return attrs.evolve(record, details={**details, **record.details})


def _read_only(call: Call) -> Flow[dict[str, Any]]:
    """A call's resolve flow, stopped before its first request that is not a GET (or HEAD): the details it found."""
    flow = call.resolve()
    assert flow is not None
    try:
        step = next(flow)
        while True:
            if isinstance(step, ApiRequest) and step.build(DEFAULT_TIMEOUT).method not in ("GET", "HEAD"):
                flow.close()
                return {"report": "would be created"}
            try:
                answer = yield step
            except Exception as exc:  # a failure thrown in by the engine: the flow handles it or ends
                step = flow.throw(exc)
                continue
            step = flow.send(answer)
    except StopIteration as done:
        found: Call = done.value
        return dict(found.details)


def _unchanged(before: Record | None, sha256: str | None) -> bool:
    """The manifest recorded this file as finished with this sha256 (None: with any): a re-run skips it."""
    if before is None or not before.ok or before.sha256 is None:
        return False
    return sha256 is None or before.sha256 == sha256


def written_by(before: Record) -> WrittenBy:
    """The run that wrote a file, and what it reported: carried unchanged by every run that skips the file."""
    if before.written_by is not None:
        return before.written_by
    return WrittenBy(run_id=before.run_id, details=dict(before.details))


def out_dir_for(template: str, period: Period | None) -> Folder:
    """out_dir with ``{period}`` replaced by the batch's period label (2026-10, or START..END); a URL stays a str."""
    option = wording().out_dir
    if template.strip() == "-":
        raise OutDirError(
            f"{option} -: reports and their manifest go to a folder or an object-store URL, not to stdout; "
            f"give a folder such as usage/{{period}}"
        )
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


def check_periods(config: Config, now: datetime) -> list[str]:
    """Refuse periods that have not started (ConfigError, before anything is sent); a warning for each not ended.

    A vendor has no usage for a month to come; asking would still create
    report jobs at some. A period under way is fine, but its report covers
    only up to now: said plainly, once per period.
    """
    problems: list[str] = []
    warnings: list[str] = []
    warned: set[str] = set()

    def check(start: datetime | None, end: datetime, label: str, where: str) -> None:
        if start is not None and start > now:
            problems.append(f"{where}: the period {label} has not started yet (it starts {start.isoformat()})")
        elif end > now and label not in warned:
            warned.add(label)
            warnings.append(f"the period {label} has not ended: the report covers up to now")

    batch = config.period
    if batch is not None:
        given = config.overrides.get("period") is not None
        where = wording().period if given else f"{config.source}: [{DEFAULTS_TABLE}].period"
        check(batch.start, batch.end, batch.label, where)
    for entry in config.entries:
        if isinstance(entry.request, Expansion):
            continue
        period = entry.request.parameters().get("period")
        if not isinstance(period, dict) or not isinstance(period.get("end"), str):
            continue
        start_text = period.get("start")
        try:
            start = datetime.fromisoformat(start_text) if isinstance(start_text, str) else None
            end = datetime.fromisoformat(period["end"])
        except ValueError:
            continue
        if batch is not None and start == batch.start and end == batch.end:
            continue  # said once, for the batch
        label = Period(start, end).label if start is not None else f"..{end.isoformat()}"
        check(start, end, label, f"{config.source}: {entry.label}")
    if problems:
        raise ConfigError(*[f"{p}; nothing was sent" for p in problems])
    return warnings


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
    warnings: list[str] = field(default_factory=list)


async def arun(
    config: Config,
    *,
    out_dir: str | Path,
    period: str | None = None,
    timezone: str | None = None,
    as_of: date | datetime | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    force: bool = False,
    dry_run: bool = False,
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
        dry_run=dry_run,
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
    dry_run: bool = False,
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
        return _run_stopping_on_signals(
            _arun(
                config,
                progress,
                out_dir=out_dir,
                period=period,
                timezone=timezone,
                as_of=as_of,
                concurrency=concurrency,
                force=force,
                dry_run=dry_run,
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
            warnings=progress.warnings,
        )


def _run_stopping_on_signals(work: Coroutine[Any, Any, RunResult]) -> RunResult:
    """``asyncio.run(work)``, a stop signal cancelling it: then Terminated (a KeyboardInterrupt) is raised.

    A signal whose Python handler raises (Ctrl-C's, or ``_signals.stopping_on_signals``) would raise
    inside whichever task step is running when it lands: that task would end with the exception
    nobody retrieves ("Task exception was never retrieved" and its traceback at exit). In the main
    thread, each stop signal that has a Python handler is instead handled by the event loop: the
    run is cancelled, unwinds (downloads abort, the manifest says interrupted), and the signal is
    raised as Terminated once the loop is closed. A second signal meanwhile is ignored (the stop is
    under way); the previous handlers come back afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(work)
    previous = {
        signum: handler
        for signum in STOP_SIGNALS
        if callable(handler := signal.getsignal(signum))  # SIG_DFL and SIG_IGN stay as they are
    }
    received: list[int] = []
    main: list[asyncio.Task[RunResult]] = []

    def stop(signum: int) -> None:
        if received:
            return
        received.append(signum)
        for task in main:
            task.cancel()

    async def running() -> RunResult:
        task = asyncio.current_task()
        assert task is not None
        main.append(task)
        if received:  # a signal came before this task existed
            work.close()
            raise asyncio.CancelledError
        return await work

    try:
        with asyncio.Runner() as runner:
            loop = runner.get_loop()
            for signum in previous:
                loop.add_signal_handler(signum, stop, signum)
            try:
                return runner.run(running())
            except asyncio.CancelledError:
                if not received:
                    raise
                raise Terminated(received[0]) from None
            except BaseException:
                # A KeyboardInterrupt raised inside the run (by an observer, say) leaves the loop through the task
                # that raised it, with the run still pending: the run is cancelled and unwound here (the manifest
                # says interrupted), and its outcome retrieved, so no task is left to log "Task exception was never
                # retrieved" whenever it is collected.
                for task in main:
                    if not task.done():
                        task.cancel()
                        with contextlib.suppress(BaseException):
                            loop.run_until_complete(task)
                    if not task.cancelled():
                        task.exception()
                raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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
    dry_run: bool,
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
        warnings = progress.warnings = [
            *check_periods(config, datetime.now(UTC)),
            *backfill_warnings(config, as_of if as_of is not None else config.overrides.get("as_of")),
        ]
        base = BaseSettings(environ, _given(settings))
        planned = plan(config.entries, base, environ, config.source)
        redactor = Redactor([*base.secrets(), *(s for item in planned for s in item.settings.secrets())])
        emit: Observer = observer if observer is not None else _ignore
        options: dict[str, Any] = {} if max_retries is None else {"max_retries": max_retries}
        if dry_run:
            return await _preview(
                config,
                folder,
                planned,
                base,
                environ,
                emit,
                redactor,
                concurrency,
                force,
                timeout,
                transport,
                options,
                warnings,
            )
        await asyncio.to_thread(_prepare, folder)
        with RunState(folder) as state:
            progress.folder, progress.state = folder, state
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
                    run_id=state.run.run_id,
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
        warnings=warnings,
    )


async def _preview(
    config: Config,
    folder: Folder,
    planned: list[Planned],
    base: BaseSettings,
    environ: Mapping[str, str],
    emit: Observer,
    redactor: Redactor,
    concurrency: int,
    force: bool,
    timeout: float | None,  # noqa: ASYNC109 (each HTTP request's timeout)
    transport: Callable[[], httpx.AsyncBaseTransport] | None,
    options: dict[str, Any],
    warnings: list[str],
) -> RunResult:
    """A dry run: the plan, from read-only requests; no file written, no lock taken (the manifest only read)."""
    previous = await asyncio.to_thread(_read_previous, folder)
    if transport is not None:
        options["transport"] = transport()
    async with AsyncUsageReports(*base.given.values(), timeout=timeout, environ=environ, **options) as client:
        batch = Batch(
            client=client,
            out_dir=folder,
            emit=emit,
            redact=lambda text: printable(" ".join(redactor(text).split())),
            state=None,
            concurrency=concurrency,
            force=force,
        )
        records = await batch.preview(planned, previous)
    failed = [r for r in records if not r.ok]
    return RunResult(
        state="planned",
        exit_code=max((r.exit_code for r in failed), default=EXIT_OK),
        records=records,
        summary=None,
        out_dir=folder,
        manifest_path=location(folder, MANIFEST_NAME),
        warnings=warnings,
    )


def _read_previous(folder: Folder) -> dict[str, Record]:
    """The manifest's records by file, read only (a local folder that does not exist has none)."""
    if isinstance(folder, Path) and not folder.is_dir():
        return {}
    return read_manifest(folder).by_path()


def backfill_warnings(config: Config, as_of: date | datetime | None) -> list[str]:
    """One line when a backfill (``as_of`` or the batch's period in the past) has entries of snapshot providers.

    Their reports have no period (they show the state when fetched): what the run saves is today's.
    """
    snapshots = []
    for entry in config.entries:
        provider = provider_named(entry.provider)
        if provider is not None and not provider.takes_period and provider.title not in snapshots:
            snapshots.append(provider.title)
    if not snapshots:
        return []
    today = datetime.now(UTC).date()
    as_of_day = as_of.date() if isinstance(as_of, datetime) else as_of
    period = config.period
    past_period = False
    if period is not None:
        now = datetime.now(period.end.tzinfo)
        past_period = period.end.date() < now.date().replace(day=1)  # it ended before last month
    if not past_period and (as_of_day is None or as_of_day >= today):
        return []
    what = f"{period.label}" if period is not None else f"as of {as_of_day}"
    names = " and ".join(snapshots)
    return [
        f"{names} cannot be backfilled: {'its' if len(snapshots) == 1 else 'their'} reports are a snapshot of the "
        f"day they are fetched, so the one saved is today's ({today.isoformat()}, in its file name), not {what}'s"
    ]


def _ignore(event: Event) -> None:
    return None


def replace_source(config: Config, source: str | None) -> Config:
    """``config`` naming ``source`` in its messages (for a Config made by load_config or parse_config_text)."""
    return config if source is None or config.source == source else dataclasses.replace(config, source=source)
