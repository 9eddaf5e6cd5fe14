"""Provider adapters: everything one vendor's API needs, and nothing another's does.

The registry maps a request type to its adapter; the engine knows only the
Adapter protocol.
"""

from __future__ import annotations

from .._requests import AltostratUsagePdf, EdgeImpulseUsageReport, StatsigUsageReport
from ._altostrat import AltostratAdapter
from ._base import Accept, Adapter, FollowLink
from ._edge_impulse import EdgeImpulseAdapter
from ._statsig import StatsigAdapter

ADAPTERS: dict[type, Adapter] = {
    EdgeImpulseUsageReport: EdgeImpulseAdapter(),
    AltostratUsagePdf: AltostratAdapter(),
    StatsigUsageReport: StatsigAdapter(),
}

__all__ = ["ADAPTERS", "Accept", "Adapter", "FollowLink"]
