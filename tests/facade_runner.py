"""Run the same facade call through UsageReports or AsyncUsageReports.

Every behavioural test takes the ``kind`` fixture of conftest.py ("sync", "async")
and calls ``run(kind, settings, "fetch", request)``: one test body, both twins.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from usage_reports import Altostrat, AsyncUsageReports, EdgeImpulse, Statsig, UsageReport, UsageReports
from usage_reports.testing import (
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_STATSIG_CONSOLE_KEY,
    VendorSimulators,
)


def sandbox_settings(sim: VendorSimulators, **overrides: Any) -> dict[str, Any]:
    """Client keyword arguments pointing every provider at the simulators, with sandbox credentials."""
    settings: dict[str, Any] = {
        "edge_impulse": EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_API_KEY, base_url=sim.edge_impulse_url),
        "altostrat": Altostrat(token=SANDBOX_ALTOSTRAT_TOKEN, base_url=sim.altostrat_url),
        "statsig": Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=sim.statsig_url),
        "environ": {},
        "max_retries": 0,
    }
    settings.update(overrides)
    return settings


def run(kind: str, client_kwargs: Mapping[str, Any], method: str, *args: Any, **kwargs: Any) -> UsageReport:
    """One fresh client of the given kind, one call, closed afterwards."""
    if kind == "sync":
        with UsageReports(**client_kwargs) as client:
            result: UsageReport = getattr(client, method)(*args, **kwargs)
            return result

    async def go() -> UsageReport:
        async with AsyncUsageReports(**client_kwargs) as client:
            result: UsageReport = await getattr(client, method)(*args, **kwargs)
            return result

    return asyncio.run(go())
