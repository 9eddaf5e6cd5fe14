"""Temporary shim: the simulators move here (branch sim)."""

from .._simulators import (
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_EDGE_IMPULSE_JWT,
    SANDBOX_STATSIG_CONSOLE_KEY,
    RecordedRequest,
    Reply,
    VendorSimulators,
)

SimulatedVendor = object

__all__ = [
    "SANDBOX_ALTOSTRAT_TOKEN",
    "SANDBOX_EDGE_IMPULSE_API_KEY",
    "SANDBOX_EDGE_IMPULSE_JWT",
    "SANDBOX_STATSIG_CONSOLE_KEY",
    "RecordedRequest",
    "Reply",
    "SimulatedVendor",
    "VendorSimulators",
]
