"""Simulated vendor APIs on loopback, for testing your own jobs with no account and no network.

:class:`VendorSimulators` starts one HTTP server per vendor plus a storage
server (the target of signed download links) on 127.0.0.1, each on a free
port. The servers behave as the vendors' OpenAPI documents describe and accept
only the sandbox credentials below. Point the settings' ``base_url`` at them,
script failures with :meth:`~VendorSimulators.queue`, and inspect what your
job sent in :attr:`~VendorSimulators.requests`::

    from datetime import date
    from usage_reports import Statsig, StatsigUsageReport, UsageReports
    from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY, Reply, VendorSimulators

    def test_my_job_survives_one_rate_limit(tmp_path):
        with VendorSimulators() as sims:
            sims.queue("statsig", Reply(status=429, headers=(("Retry-After", "0"),)))
            statsig = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=sims.statsig_url)
            with UsageReports(statsig=statsig) as reports:
                report = reports.download(StatsigUsageReport(end=date(2026, 11, 1)), tmp_path / "usage.csv")
            assert report.size > 0
            first, retry = sims.requests_to("statsig")  # the 429, then the retry
            assert retry.header("STATSIG-API-KEY") == SANDBOX_STATSIG_CONSOLE_KEY

Server names (for ``queue``, ``requests_to``, ``url`` and ``base_url``) are
``"edge_impulse"``, ``"altostrat"``, ``"statsig"`` and ``"storage"``. Each
vendor's own knobs live on its simulator object: ``sims.vendor(name)``, or
typed as ``sims.edge_impulse``, ``sims.altostrat``, ``sims.statsig``. The
Edge Impulse one models the white label's tenants and the usage-report
lifecycle (create, pending for a few polls, finished or failed, paginated
listings); see ``EdgeImpulseSimulator``.

A simulator of your own implements :class:`SimulatedVendor` and is passed as
``VendorSimulators(vendors=[...])``, or registered for its provider's name with
:func:`register_simulator` (:func:`simulator_registered` for a ``with`` block):
``VendorSimulators()`` then starts it beside the built-in ones.

This package owns the simulators and their registry: the provider contract
knows nothing of them, and nothing in the library imports this package. The
built-in vendors' simulators are ``testing/_<vendor>.py`` (each follows its
vendor's vendored spec, which ``tests/test_simulators_conform_to_specs.py``
checks), registered here by name and imported only when first started.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from ._server import (
    STORAGE,
    Answer,
    RecordedRequest,
    Reply,
    SimulatedVendor,
    SimulatorContext,
    SimulatorGroup,
)

if TYPE_CHECKING:
    from ._altostrat import SANDBOX_ALTOSTRAT_TOKEN as SANDBOX_ALTOSTRAT_TOKEN
    from ._altostrat import AltostratSimulator as AltostratSimulator
    from ._edge_impulse import SANDBOX_EDGE_IMPULSE_API_KEY as SANDBOX_EDGE_IMPULSE_API_KEY
    from ._edge_impulse import SANDBOX_EDGE_IMPULSE_JWT as SANDBOX_EDGE_IMPULSE_JWT
    from ._edge_impulse import (
        SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY as SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY,
    )
    from ._edge_impulse import EdgeImpulseSimulator as EdgeImpulseSimulator
    from ._edge_impulse import SimulatedReport as SimulatedReport
    from ._edge_impulse import SimulatedTenant as SimulatedTenant
    from ._statsig import SANDBOX_STATSIG_CONSOLE_KEY as SANDBOX_STATSIG_CONSOLE_KEY
    from ._statsig import StatsigSimulator as StatsigSimulator

__all__ = [
    "SANDBOX_ALTOSTRAT_TOKEN",
    "SANDBOX_EDGE_IMPULSE_API_KEY",
    "SANDBOX_EDGE_IMPULSE_JWT",
    "SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY",
    "SANDBOX_STATSIG_CONSOLE_KEY",
    "STORAGE",
    "AltostratSimulator",
    "Answer",
    "EdgeImpulseSimulator",
    "RecordedRequest",
    "Reply",
    "SimulatedReport",
    "SimulatedTenant",
    "SimulatedVendor",
    "SimulatorContext",
    "StatsigSimulator",
    "VendorSimulators",
    "register_simulator",
    "simulator_for",
    "simulator_registered",
    "unregister_simulator",
]


class VendorSimulators(SimulatorGroup):
    """One loopback server per simulated vendor, plus storage; a context manager.

    ``vendors`` defaults to every built-in vendor simulator; ``latency`` delays
    every answer (seconds). Generic API: :meth:`url`, :meth:`base_url`,
    :meth:`vendor`, :meth:`queue`, :attr:`requests`, :meth:`requests_to`,
    :meth:`reset`, :attr:`latency`. The vendor-named properties and methods
    below are conveniences over the built-in vendors' simulator objects.
    """

    def __init__(
        self,
        *,
        vendors: Sequence[SimulatedVendor] | None = None,
        latency: float = 0.0,
        edge_impulse_report_size: int | None = None,
        statsig_json_variant: bool | None = None,
    ) -> None:
        super().__init__(_default_vendors() if vendors is None else vendors, latency=latency)
        if edge_impulse_report_size is not None:
            self.edge_impulse_report_size = edge_impulse_report_size
        if statsig_json_variant is not None:
            self.statsig_json_variant = statsig_json_variant

    # --- Vendor conveniences: each delegates to one built-in vendor's simulator object -------------------

    @property
    def edge_impulse(self) -> EdgeImpulseSimulator:
        """The Edge Impulse simulator: tenants, report lifecycle and report sizes."""
        from ._edge_impulse import EdgeImpulseSimulator

        return self.vendor("edge_impulse", EdgeImpulseSimulator)

    @property
    def altostrat(self) -> AltostratSimulator:
        from ._altostrat import AltostratSimulator

        return self.vendor("altostrat", AltostratSimulator)

    @property
    def statsig(self) -> StatsigSimulator:
        from ._statsig import StatsigSimulator

        return self.vendor("statsig", StatsigSimulator)

    @property
    def edge_impulse_url(self) -> str:
        """Edge Impulse's base URL, with the spec's ``/v1``: pass to ``EdgeImpulse(base_url=...)``."""
        return self.base_url("edge_impulse")

    @property
    def storage_url(self) -> str:
        """The storage server: another host name and another port than the vendors (a cross-origin target)."""
        return self.base_url(STORAGE)

    @property
    def altostrat_url(self) -> str:
        """Altostrat's base URL: pass to ``Altostrat(base_url=...)``."""
        return self.base_url("altostrat")

    @property
    def statsig_url(self) -> str:
        """Statsig's base URL: pass to ``Statsig(base_url=...)``."""
        return self.base_url("statsig")

    @property
    def edge_impulse_report_size(self) -> int:
        """The CSV size (bytes) of every Edge Impulse report without a size of its own; default 4096."""
        return self.edge_impulse.default_report_size

    @edge_impulse_report_size.setter
    def edge_impulse_report_size(self, size: int) -> None:
        if size < 0:
            raise ValueError("edge_impulse_report_size must not be negative")
        self.edge_impulse.default_report_size = size

    @property
    def statsig_json_variant(self) -> bool:
        """Whether Statsig answers JSON pointing at a signed CSV instead of the CSV itself."""
        return self.statsig.json_variant

    @statsig_json_variant.setter
    def statsig_json_variant(self, enabled: bool) -> None:
        self.statsig.json_variant = enabled

    def set_report_size(self, report_id: int, size: int) -> None:
        """Serve Edge Impulse report ``report_id`` at exactly ``size`` bytes."""
        self.edge_impulse.set_report_size(report_id, size)

    def report_size(self, report_id: int) -> int:
        """The size Edge Impulse report ``report_id`` is served at."""
        return self.edge_impulse.report_size(report_id)

    def report_bytes(self, report_id: int) -> bytes:
        """The exact bytes storage serves for Edge Impulse report ``report_id`` (meant for small sizes)."""
        return self.edge_impulse.report_bytes(report_id)


def _edge_impulse_simulator() -> SimulatedVendor:
    from ._edge_impulse import simulator

    return simulator()


def _altostrat_simulator() -> SimulatedVendor:
    from ._altostrat import simulator

    return simulator()


def _statsig_simulator() -> SimulatedVendor:
    from ._statsig import simulator

    return simulator()


#: The built-in vendors' simulators, by provider name (each imported when first started).
_BUILT_IN: dict[str, Callable[[], SimulatedVendor]] = {
    "edge_impulse": _edge_impulse_simulator,
    "altostrat": _altostrat_simulator,
    "statsig": _statsig_simulator,
}
_registry_lock = threading.Lock()
_registered: dict[str, Callable[[], SimulatedVendor]] = {}


def register_simulator(name: str, factory: Callable[[], SimulatedVendor]) -> None:
    """Simulate provider ``name`` with ``factory()`` in ``VendorSimulators()`` (a plugin's or a test's vendor)."""
    with _registry_lock:
        if name in _registered or name in _BUILT_IN:
            raise ValueError(f"a simulator for {name!r} is registered")
        _registered[name] = factory


def unregister_simulator(name: str) -> None:
    """Forget provider ``name``'s registered simulator (the built-in ones stay)."""
    with _registry_lock:
        _registered.pop(name, None)


@contextlib.contextmanager
def simulator_registered(name: str, factory: Callable[[], SimulatedVendor]) -> Iterator[None]:
    """The simulator is registered inside the block only."""
    register_simulator(name, factory)
    try:
        yield
    finally:
        unregister_simulator(name)


def simulator_for(name: str) -> Callable[[], SimulatedVendor] | None:
    """The factory of provider ``name``'s simulator, if one is registered."""
    with _registry_lock:
        factory = _registered.get(name)
    if factory is not None:
        return factory
    return _BUILT_IN.get(name)


def _default_vendors() -> list[SimulatedVendor]:
    """A fresh simulator of every registered provider that has one (the registry is the only list of vendors)."""
    from .._providers import providers

    factories = [simulator_for(provider.name) for provider in providers()]
    return [factory() for factory in factories if factory is not None]


_ALTOSTRAT_EXPORTS = frozenset({"SANDBOX_ALTOSTRAT_TOKEN", "AltostratSimulator"})
_EDGE_IMPULSE_EXPORTS = frozenset(
    {
        "SANDBOX_EDGE_IMPULSE_API_KEY",
        "SANDBOX_EDGE_IMPULSE_JWT",
        "SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY",
        "EdgeImpulseSimulator",
        "SimulatedReport",
        "SimulatedTenant",
    }
)
_STATSIG_EXPORTS = frozenset({"SANDBOX_STATSIG_CONSOLE_KEY", "StatsigSimulator"})


if not TYPE_CHECKING:  # mypy reads the imports above, and so still refuses a misspelt name

    def __getattr__(name: str) -> object:
        """The vendors' sandbox credentials and simulator types, imported on first use.

        Lazily, because each vendor's simulator imports this package's plumbing: an
        eager import here would be a cycle for whoever imports a vendor first.
        """
        value: object
        if name in _ALTOSTRAT_EXPORTS:
            from . import _altostrat as altostrat

            value = getattr(altostrat, name)
        elif name in _EDGE_IMPULSE_EXPORTS:
            from . import _edge_impulse as edge_impulse

            value = getattr(edge_impulse, name)
        elif name in _STATSIG_EXPORTS:
            from . import _statsig as statsig

            value = getattr(statsig, name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value
