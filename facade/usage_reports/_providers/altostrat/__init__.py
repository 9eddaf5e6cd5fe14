"""Altostrat Workspaces: the request and settings classes a user names.

The descriptor the registry reads (``_provider.PROVIDER``: the CLI command, the listings, the adapter, the
measured usage) is imported when the registry is first asked, not by naming a class here: the usual first line,
``from usage_reports import UsageReports, AltostratUsagePdf``, loads the request's fields and
nothing of the engine or the contract (BENCHMARKS.md, B5).
"""

from __future__ import annotations

from ._model import Altostrat, AltostratUsagePdf

__all__ = ["Altostrat", "AltostratUsagePdf"]
