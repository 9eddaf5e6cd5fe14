"""Statsig Console API: everything the library knows of Statsig, declared in one descriptor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import attrs

from ..._contract import Adapter, ConfigKey, Expansion, RateLimits, ReportRequest, VendorProvider
from ..._exceptions import InvalidRequest
from ..._periods import Period, parse_timestamp
from ...cli._args import add_examples, timestamp
from ._measured import USAGE
from ._model import STATSIG_API_VERSION, STATSIG_RATE_LIMITS, Statsig, StatsigUsageReport

if TYPE_CHECKING:
    import argparse

    from ...testing import SimulatedVendor


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
    takes_period = True
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        ConfigKey(
            "end", False, "instead of a period: its end, exclusive (a date, UTC midnight, or offset datetime)", ""
        ),
        ConfigKey("start", False, "instead of a period: its start (default: Statsig's)", ""),
    )

    def __init__(self) -> None:
        super().__init__(StatsigUsageReport, Statsig, _adapter)

    def with_credential(self, settings: object, kind: str, value: str) -> Statsig:
        return attrs.evolve(self.settings_of(settings), console_api_key=value)

    def rate_limits(self, settings: object) -> tuple[RateLimits, str]:
        statsig = self.settings_of(settings)
        return statsig.rate_limits, f"{statsig.base_url or ''}\n{statsig.console_api_key or ''}"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--end",
            type=timestamp,
            metavar="DATE",
            help="instead of --period: the end of the period, exclusive: an ISO date (UTC midnight) "
            "or a datetime with an offset, e.g. 2026-11-01T00:00:00+01:00",
        )
        parser.add_argument(
            "--start",
            type=timestamp,
            metavar="DATE",
            help="with --end: the start of the period, in the same forms (default: Statsig's own)",
        )
        add_examples(
            parser,
            ("last month's report, saved in the current folder", "usage-reports statsig --period last-month"),
            (
                "October 2026 into the folder reports/ (created if missing)",
                "usage-reports statsig --start 2026-10-01 --end 2026-11-01 -o reports/",
            ),
            (
                "a period ending at Berlin midnight, streamed to stdout",
                "usage-reports statsig --end 2026-11-01T00:00:00+01:00 -o - | head",
            ),
        )

    def request_from_arguments(self, args: argparse.Namespace, period: Period | None) -> StatsigUsageReport:
        if period is not None:
            if args.end is not None or args.start is not None:
                raise InvalidRequest("--period replaces --end and --start: give one or the other")
            return StatsigUsageReport(period=period)
        if args.end is None:
            raise InvalidRequest("statsig needs --period (e.g. --period last-month) or --end DATE")
        return StatsigUsageReport(end=args.end, start=args.start)

    def request_from_config(
        self, fields: Mapping[str, object], where: str, period: Period | None
    ) -> list[ReportRequest | Expansion]:
        if "end" in fields or "start" in fields:
            if "period" in fields:
                raise InvalidRequest(f"{where}.period: give a period, or end (and start), not both")
            if "end" not in fields:
                raise InvalidRequest(f"{where}.end: missing (start needs an end)")
            start = fields.get("start")
            return [
                StatsigUsageReport(
                    end=parse_timestamp(fields["end"], f"{where}.end"),
                    start=None if start is None else parse_timestamp(start, f"{where}.start"),
                )
            ]
        if period is None:
            raise InvalidRequest(f"{where}.period: missing; give the entry a period or end, or set [defaults] period")
        return [StatsigUsageReport(period=period)]

    def simulator(self) -> SimulatedVendor:
        from ._simulator import simulator

        return simulator()


PROVIDER = StatsigProvider()

__all__ = ["PROVIDER", "STATSIG_API_VERSION", "STATSIG_RATE_LIMITS", "Statsig", "StatsigUsageReport"]
