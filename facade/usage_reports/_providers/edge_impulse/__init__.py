"""Edge Impulse white-label admin: everything the library knows of Edge Impulse, declared in one descriptor."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from ..._cliargs import int_at_least
from ..._contract import Adapter, ConfigKey, VendorProvider
from ..._exceptions import InvalidRequest
from ._model import EdgeImpulse, EdgeImpulseUsageReport

if TYPE_CHECKING:
    from ...testing import SimulatedVendor


def _adapter() -> Adapter[EdgeImpulseUsageReport, EdgeImpulse]:
    from ._adapter import EdgeImpulseAdapter  # loads the generated client on first use

    return EdgeImpulseAdapter()


def _config_int(fields: Mapping[str, object], key: str, where: str) -> int:
    value = fields[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{where}.{key}: expected an integer, got {type(value).__name__}")
    return value


class EdgeImpulseProvider(VendorProvider[EdgeImpulseUsageReport, EdgeImpulse]):
    name = "edge_impulse"
    title = "Edge Impulse"
    command = "edge-impulse"
    summary = "one Edge Impulse white-label tenant's usage report (CSV)"
    credential_variables = (EdgeImpulse.ENV_API_KEY, EdgeImpulse.ENV_JWT)
    credential_kinds = ("api_key", "jwt")
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        ConfigKey("organization_id", True, "the white-label (outer) organization", "1"),
        ConfigKey("inner_organization_id", True, "the tenant (inner organization)", "2"),
        ConfigKey("report_id", True, "the usage report", "3"),
    )

    def __init__(self) -> None:
        super().__init__(EdgeImpulseUsageReport, EdgeImpulse, _adapter)

    def with_credential(self, settings: object, kind: str, value: str) -> EdgeImpulse:
        base = self.settings_of(settings).base_url
        if kind == "jwt":
            return EdgeImpulse(jwt=value, base_url=base)
        return EdgeImpulse(api_key=value, base_url=base)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--organization-id", type=int_at_least(1), required=True, metavar="N", help="the white-label organization"
        )
        parser.add_argument(
            "--inner-organization-id",
            type=int_at_least(1),
            required=True,
            metavar="N",
            help="the tenant (inner organization)",
        )
        parser.add_argument("--report-id", type=int_at_least(1), required=True, metavar="N", help="the usage report")

    def request_from_arguments(self, args: argparse.Namespace) -> EdgeImpulseUsageReport:
        return EdgeImpulseUsageReport(args.organization_id, args.inner_organization_id, args.report_id)

    def request_from_config(self, fields: Mapping[str, object], where: str) -> EdgeImpulseUsageReport:
        return EdgeImpulseUsageReport(
            organization_id=_config_int(fields, "organization_id", where),
            inner_organization_id=_config_int(fields, "inner_organization_id", where),
            report_id=_config_int(fields, "report_id", where),
        )

    def simulator(self) -> SimulatedVendor:
        from ._simulator import simulator

        return simulator()


PROVIDER = EdgeImpulseProvider()

__all__ = ["PROVIDER", "EdgeImpulse", "EdgeImpulseUsageReport"]
