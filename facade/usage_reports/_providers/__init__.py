"""Provider adapters: everything one vendor's API needs, and nothing another's does.

The registry maps a request type to the module holding its adapter; the engine
knows only the Adapter protocol. Adapters (and the generated client each one
wraps) are imported on first use, so `import usage_reports` stays cheap and a
Statsig-only job never loads the Edge Impulse client.
"""

from __future__ import annotations

import importlib
import threading

from .._requests import AltostratUsagePdf, EdgeImpulseUsageReport, StatsigUsageReport
from ._base import Accept, Adapter, FollowLink

_MODULES: dict[type, tuple[str, str]] = {
    EdgeImpulseUsageReport: ("._edge_impulse", "EdgeImpulseAdapter"),
    AltostratUsagePdf: ("._altostrat", "AltostratAdapter"),
    StatsigUsageReport: ("._statsig", "StatsigAdapter"),
}
_loaded: dict[type, Adapter] = {}
_lock = threading.Lock()


def adapter_for(request_type: type) -> Adapter | None:
    """The adapter for a request type, or None when the type is not a report request."""
    adapter = _loaded.get(request_type)
    if adapter is None and request_type in _MODULES:
        with _lock:
            adapter = _loaded.get(request_type)
            if adapter is None:
                module, name = _MODULES[request_type]
                adapter = _loaded[request_type] = getattr(importlib.import_module(module, __name__), name)()
    return adapter


__all__ = ["Accept", "Adapter", "FollowLink", "adapter_for"]
