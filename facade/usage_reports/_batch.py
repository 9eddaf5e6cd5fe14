"""fetch-all: many reports downloaded concurrently into one folder, recorded in manifest.json.

One AsyncUsageReports serves the whole batch, so rate limits are shared by
every entry using the same key. Credentials are resolved for every
entry before anything is sent. One entry's failure is recorded and the others
go on. A file whose sha256 matches the previous manifest is not downloaded
again (unless forced); a file that does not match is never replaced silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from ._client import AsyncUsageReports
from ._config import Config, ConfigError, Entry
from ._contract import Expansion, Provider, ProviderSettings
from ._exceptions import (
    APIError,
    ConnectionFailed,
    InvalidRequest,
    MissingCredentials,
    StorageError,
    UsageReportsError,
)
from ._logging import bind_logging_context
from ._output import Output, print_table, record_label
from ._periods import Period
from ._progress import Progress
from ._providers import provider_named
from ._version import __version__

MANIFEST_NAME: Final = "manifest.json"
MANIFEST_FORMAT: Final = "usage-reports manifest"
MANIFEST_VERSION: Final = 1
DEFAULT_CONCURRENCY: Final = 4
_HASH_CHUNK: Final = 1024 * 1024
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


# --- the manifest ----------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The previous run's records by file name ({} when there is none); ConfigError when it is not ours."""
    path = out_dir / MANIFEST_NAME
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigError(f"{path}: unreadable; move it away or choose another --out-dir") from None
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ConfigError(f"{path}: not a usage-reports manifest; move it away or choose another --out-dir")
    records = document.get("entries")
    if not isinstance(records, list):
        return {}
    return {r["path"]: r for r in records if isinstance(r, dict) and isinstance(r.get("path"), str)}


def write_manifest(out_dir: Path, records: list[dict[str, Any]], started_at: str) -> Path:
    """Replace DIR/manifest.json atomically."""
    path = out_dir / MANIFEST_NAME
    document = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "generator": f"usage-reports {__version__}",
        "started_at": started_at,
        "finished_at": _now(),
        "ok": all(r["ok"] for r in records),
        "entries": records,
    }
    fd, temp = tempfile.mkstemp(dir=out_dir, prefix=f".{MANIFEST_NAME}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=2, ensure_ascii=False)
            file.write("\n")
            os.fchmod(file.fileno(), 0o644)  # mkstemp's 0600 would surprise: the reports themselves are 0644
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path


# --- running ------------------------------------------------------------------------


def exit_code_of(error: BaseException) -> int:
    """2: bad input, nothing sent; 1: the vendor or the network failed (or the disk)."""
    if isinstance(error, APIError | ConnectionFailed | StorageError):
        return 1
    if isinstance(error, UsageReportsError):
        return 2
    return 1


def _record(entry: Entry, **fields: Any) -> dict[str, Any]:
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
        **fields,
    }


def _error(kind: str, message: str, exc: BaseException | None = None) -> dict[str, object]:
    """An error record; ``status_code`` when the vendor answered with one."""
    return {"type": kind, "message": message, "status_code": getattr(exc, "status_code", None)}


@dataclass
class Batch:
    """Runs planned entries into ``out_dir``; ``redact`` cleans every message it records."""

    client: AsyncUsageReports
    out_dir: Path
    progress: Progress
    redact: Callable[[str], str]
    concurrency: int = DEFAULT_CONCURRENCY
    force: bool = False

    async def run(self, planned: list[Planned]) -> list[dict[str, Any]]:
        started_at = _now()
        previous = read_manifest(self.out_dir)
        limit = asyncio.Semaphore(self.concurrency)
        planned, failed = await self._expand(planned, limit)
        records: list[dict[str, Any] | None] = [*failed, *([None] * len(planned))]
        offset = len(failed)

        def save() -> None:
            write_manifest(self.out_dir, [r for r in records if r is not None], started_at)

        async def one(position: int, item: Planned) -> None:
            async with limit:
                records[offset + position] = await self._one(item, previous)
            save()

        try:
            await asyncio.gather(*(one(i, item) for i, item in enumerate(planned)))
        finally:
            self.progress.close()
        save()
        return [r for r in records if r is not None]

    async def _expand(
        self, planned: list[Planned], limit: asyncio.Semaphore
    ) -> tuple[list[Planned], list[dict[str, Any]]]:
        """Entries standing for requests known only at run time (every tenant...), listed now; failures recorded."""

        async def expand(item: Planned) -> list[Planned] | dict[str, Any]:
            expansion = item.entry.request
            bind_logging_context(label=item.entry.label, provider=item.entry.provider)  # this task's log records
            if not isinstance(expansion, Expansion):
                return [item]
            started_at = _now()
            try:
                async with limit:
                    requests = await self.client.run_flow(item.entry.provider, expansion.expand, settings=item.settings)
            except UsageReportsError as exc:
                self.progress.finish(item.entry.label, ok=False)
                return _record(
                    item.entry,
                    ok=False,
                    skipped=False,
                    error=_error(type(exc).__name__, self.redact(f"listing {expansion.describe}: {exc}"), exc),
                    exit_code=exit_code_of(exc),
                    size=None,
                    sha256=None,
                    media_type=None,
                    started_at=started_at,
                    finished_at=_now(),
                )
            return [Planned(entry, item.settings) for entry in item.entry.expanded(requests)]

        results = await asyncio.gather(*(expand(item) for item in planned))
        expanded: list[Planned] = []
        failed: list[dict[str, Any]] = []
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

    async def _one(self, item: Planned, previous: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
        entry, label = item.entry, item.entry.label
        bind_logging_context(label=label, provider=entry.provider)  # every log record of this task names the entry
        request = entry.request
        assert not isinstance(request, Expansion)
        target = self.out_dir / entry.filename
        if target.exists() and not self.force:
            return self._existing(entry, target, previous.get(entry.filename))
        started_at = _now()
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
            return _record(
                entry,
                ok=False,
                skipped=False,
                error=_error(type(exc).__name__, message, exc),
                exit_code=exit_code_of(exc),
                size=None,
                sha256=None,
                media_type=None,
                started_at=started_at,
                finished_at=_now(),
            )
        self.progress.finish(label, ok=True)
        return _record(
            entry,
            ok=True,
            skipped=False,
            error=None,
            exit_code=0,
            size=report.size,
            sha256=report.sha256,
            media_type=report.media_type,
            details=dict(report.details),
            started_at=started_at,
            finished_at=_now(),
        )

    def _existing(self, entry: Entry, target: Path, before: dict[str, Any] | None) -> dict[str, Any]:
        """Skip a finished file (its sha256 matches the manifest); refuse to touch any other."""
        sha256 = file_sha256(target) if target.is_file() else None
        if before is not None and before.get("ok") and sha256 is not None and before.get("sha256") == sha256:
            self.progress.finish(entry.label, ok=True, skipped=True)
            return _record(
                entry,
                ok=True,
                skipped=True,
                error=None,
                exit_code=0,
                size=target.stat().st_size,
                sha256=sha256,
                media_type=before.get("media_type"),
                details=before.get("details") or {},
                started_at=before.get("started_at"),
                finished_at=before.get("finished_at"),
            )
        self.progress.finish(entry.label, ok=False)
        now = _now()
        return _record(
            entry,
            ok=False,
            skipped=False,
            error=_error(
                "FileExists",
                f"{target} already exists and is not the file {MANIFEST_NAME} recorded; use --force to replace it",
            ),
            exit_code=2,
            size=None,
            sha256=None,
            media_type=None,
            started_at=now,
            finished_at=now,
        )


def out_dir_for(template: str, period: Period | None) -> Path:
    """--out-dir with ``{period}`` replaced by the batch's period label (2026-10, or START..END)."""
    from ._output import UsageError

    if "{period}" in template:
        if period is None:
            raise UsageError("--out-dir uses {period}, but no period is set: give --period or [defaults] period")
        template = template.replace("{period}", period.label)
    return Path(template)


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
) -> tuple[int, list[dict[str, Any]]]:
    """Plan (credentials checked, nothing sent), then download; the exit code and the manifest records."""
    from ._output import UsageError, counts

    out_dir = out_dir_for(str(out_dir), config.period)
    planned = plan(config.entries, base, environ, source)
    out.add_secrets(base.secrets())
    out.add_secrets(s for item in planned for s in item.settings.secrets())
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out-dir {out_dir} exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out-dir {out_dir}: cannot create it ({exc.strerror or type(exc).__name__})") from None

    async def download_all() -> list[dict[str, Any]]:
        options: dict[str, Any] = {} if max_retries is None else {"max_retries": max_retries}
        async with AsyncUsageReports(*base.given.values(), timeout=timeout, environ=environ, **options) as client:
            batch = Batch(
                client=client,
                out_dir=out_dir,
                progress=out.progress(total=len(planned)),
                redact=out.redact,
                concurrency=concurrency,
                force=force,
            )
            return await batch.run(planned)

    records = asyncio.run(download_all())
    code = max((record["exit_code"] for record in records), default=EXIT_OK)
    for record in records:
        if not record["ok"]:
            out.error(f"{record_label(record)}: {record['error']['message']}")
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
        out.text(f"\n{counts(records)}; manifest: {manifest}")
    return code, records
