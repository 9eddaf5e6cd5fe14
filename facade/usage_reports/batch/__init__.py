"""The monthly job as a typed API: config, planning, runner, manifest, journal and lock; prints nothing.

from usage_reports.batch import Config, run
config = Config.load("usage.toml")
result = run(config, out_dir="usage/{period}")
result.state, result.exit_code, result.records, result.manifest_path
"""

from ._config import Config, ConfigError, Entry, Problem
from ._document import MANIFEST_NAME, read_manifest
from ._errors import FolderInUse, Names, OutDirError
from ._records import Error, Record, RecordPeriod, Summary
from ._runner import (
    DEFAULT_CONCURRENCY,
    EntryFinished,
    EntryProgressed,
    EntryStarted,
    Event,
    Observer,
    RunPlanned,
    RunResult,
    arun,
    run,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MANIFEST_NAME",
    "Config",
    "ConfigError",
    "Entry",
    "EntryFinished",
    "EntryProgressed",
    "EntryStarted",
    "Error",
    "Event",
    "FolderInUse",
    "Names",
    "Observer",
    "OutDirError",
    "Problem",
    "Record",
    "RecordPeriod",
    "RunPlanned",
    "RunResult",
    "Summary",
    "arun",
    "read_manifest",
    "run",
]
