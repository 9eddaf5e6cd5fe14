"""Statsig Console API: everything the library knows of Statsig, declared in one descriptor.

The request's fields (``_model``) carry their own help, names and checks; the CLI and the config derive from them.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..._contract import Adapter, RateLimits, VendorProvider
from ._measured import USAGE
from ._model import Statsig, StatsigUsageReport


def _adapter() -> Adapter[StatsigUsageReport, Statsig]:
    from ._adapter import StatsigAdapter  # loads the generated client on first use

    return StatsigAdapter()


class StatsigProvider(VendorProvider[StatsigUsageReport, Statsig]):
    name = "statsig"
    title = "Statsig"
    usage = USAGE  # the numbers its files hold (usage_reports.usage reads them)
    command = "statsig"
    summary = "one Statsig project's usage billing report (CSV)"
    credential_variables = (Statsig.ENV_CONSOLE_API_KEY,)
    examples: ClassVar[tuple[tuple[str, str], ...]] = (
        ("last month's report, saved in the current folder", "usage-reports statsig --period last-month"),
        (
            "October 2026 into the folder reports/ (created if missing)",
            "usage-reports statsig --start 2026-10-01 --end 2026-11-01 -o reports/",
        ),
        (
            "last month (UTC: Statsig's dates carry no zone), streamed to stdout",
            "usage-reports statsig --period last-month -o - | head",
        ),
    )

    def __init__(self) -> None:
        super().__init__(StatsigUsageReport, Statsig, _adapter)

    def with_credential(self, settings: object, kind: str, value: str) -> Statsig:
        return dataclasses.replace(self.settings_of(settings), console_api_key=value)

    def rate_limits(self, settings: object) -> tuple[RateLimits, str]:
        statsig = self.settings_of(settings)
        return statsig.rate_limits, f"{statsig.base_url or ''}\n{statsig.console_api_key or ''}"


PROVIDER = StatsigProvider()

__all__ = ["PROVIDER"]
