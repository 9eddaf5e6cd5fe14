"""The public clients: the generic twins, plus one typed namespace per vendor with operations of its own.

``reports.edge_impulse.inner_organizations(1)``: vendor-only operations live
in the vendor's home; this module only attaches them (adding such a vendor:
one property on each twin).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .. import _client

if TYPE_CHECKING:  # a namespace is imported when first used: it loads its vendor's home and the registry
    from .edge_impulse._namespace import AsyncEdgeImpulseAPI, EdgeImpulseAPI


class UsageReports(_client.UsageReports):
    __doc__ = _client.UsageReports.__doc__

    @functools.cached_property
    def edge_impulse(self) -> EdgeImpulseAPI:
        """Edge Impulse white-label admin: tenants, and their usage reports' lifecycle."""
        from .edge_impulse._namespace import EdgeImpulseAPI

        return EdgeImpulseAPI(self)


class AsyncUsageReports(_client.AsyncUsageReports):
    __doc__ = _client.AsyncUsageReports.__doc__

    @functools.cached_property
    def edge_impulse(self) -> AsyncEdgeImpulseAPI:
        """Edge Impulse white-label admin: tenants, and their usage reports' lifecycle."""
        from .edge_impulse._namespace import AsyncEdgeImpulseAPI

        return AsyncEdgeImpulseAPI(self)


__all__ = ["AsyncUsageReports", "UsageReports"]
