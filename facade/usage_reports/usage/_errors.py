"""The errors of ``usage_reports.usage`` (a branch of the library's tree, see ``usage_reports._exceptions``).

UsageReportsError
└── UsageDataError                     a run folder, a file or a rate card that cannot be used
    ├── FolderError                    a folder without a readable usage-reports manifest
    ├── RefusedFiles                   files refused (changed since the manifest, missing a
    │                                  documented column, a value that is not a number...);
    │                                  ``problems`` names each file and why
    ├── RateCardError (also ValueError)    the rate card is invalid (names the key)
    ├── UnpricedMetric (also ValueError)   a measured metric without a price and not in not_billed
    └── DataExtraMissing (also ImportError) DuckDB (or matplotlib, for a chart) is not installed
"""

from __future__ import annotations

from dataclasses import dataclass

from .._exceptions import UsageReportsError

#: The one line a user without the extra is told.
INSTALL_DATA = "pip install 'usage-reports[data]'"


class UsageDataError(UsageReportsError):
    """Base class of the usage table's and the charges' errors."""


class FolderError(UsageDataError):
    """A folder has no manifest.json, or one that is not a usage-reports manifest."""


@dataclass(frozen=True)
class FileProblem:
    """Why one file listed in a manifest was not read: ``path`` (as located) and one line of ``reason``."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class RefusedFiles(UsageDataError):
    """Files were refused; none of their rows is in the table. ``problems`` names each file and why."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class RateCardError(UsageDataError, ValueError):
    """The rate card cannot be used (the message names the file and the key)."""


class UnpricedMetric(UsageDataError, ValueError):
    """A metric in the usage has no price and is not listed in ``not_billed``: nothing is priced at zero."""


class DataExtraMissing(UsageDataError, ImportError):
    """The ``[data]`` extra is not installed."""


def require_duckdb() -> None:
    """DataExtraMissing, naming the pip command, when DuckDB cannot be imported."""
    try:
        import duckdb  # noqa: F401
    except ImportError as exc:
        raise DataExtraMissing(f"the usage table needs DuckDB ({exc}); {INSTALL_DATA}") from None
