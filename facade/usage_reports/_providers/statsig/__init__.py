"""Statsig Console API: everything the library knows of Statsig, declared in one descriptor."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import attrs

from ..._cliargs import timestamp
from ..._contract import Adapter, ConfigKey, RateLimits, VendorProvider
from ..._periods import parse_timestamp
from ._model import STATSIG_API_VERSION, STATSIG_RATE_LIMITS, Statsig, StatsigUsageReport

if TYPE_CHECKING:
    from ...testing import SimulatedVendor


def _adapter() -> Adapter[StatsigUsageReport, Statsig]:
    from ._adapter import StatsigAdapter  # loads the generated client on first use

    return StatsigAdapter()


class StatsigProvider(VendorProvider[StatsigUsageReport, Statsig]):
    name = "statsig"
    title = "Statsig"
    command = "statsig"
    summary = "one Statsig project's usage billing report (CSV)"
    credential_variables = (Statsig.ENV_CONSOLE_API_KEY,)
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        ConfigKey(
            "end", True, "end of the period, exclusive: a date (UTC midnight) or an offset datetime", "2026-11-01"
        ),
        ConfigKey("start", False, "start of the period (default: Statsig's)", "2026-10-01"),
    )

    def __init__(self) -> None:
        super().__init__(StatsigUsageReport, Statsig, _adapter)

    def with_credential(self, settings: object, kind: str, value: str) -> Statsig:
        return attrs.evolve(self.settings_of(settings), console_api_key=value)

    def rate_limits(self, settings: object) -> tuple[RateLimits, str]:
        statsig = self.settings_of(settings)
        return statsig.rate_limits, f"{statsig.base_url or ''}\n{statsig.console_api_key or ''}"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.description = (
            "DATE is an ISO date (UTC midnight) or a datetime with an offset, e.g. 2026-11-01T00:00:00+01:00."
        )
        parser.add_argument(
            "--end", type=timestamp, required=True, metavar="DATE", help="end of the period (exclusive)"
        )
        parser.add_argument("--start", type=timestamp, metavar="DATE", help="start of the period (default: Statsig's)")

    def request_from_arguments(self, args: argparse.Namespace) -> StatsigUsageReport:
        return StatsigUsageReport(end=args.end, start=args.start)

    def request_from_config(self, fields: Mapping[str, object], where: str) -> StatsigUsageReport:
        start = fields.get("start")
        return StatsigUsageReport(
            end=parse_timestamp(fields["end"], f"{where}.end"),
            start=None if start is None else parse_timestamp(start, f"{where}.start"),
        )

    def simulator(self) -> SimulatedVendor:
        from ._simulator import simulator

        return simulator()


PROVIDER = StatsigProvider()

__all__ = ["PROVIDER", "STATSIG_API_VERSION", "STATSIG_RATE_LIMITS", "Statsig", "StatsigUsageReport"]
