"""Altostrat Workspaces: everything the library knows of Altostrat, declared in one descriptor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import attrs

from ..._contract import Adapter, ConfigKey, Expansion, ReportRequest, VendorProvider
from ..._exceptions import InvalidRequest
from ..._periods import Period
from ...cli._args import add_examples
from ._model import Altostrat, AltostratUsagePdf

if TYPE_CHECKING:
    import argparse

    from ...testing import SimulatedVendor


def _adapter() -> Adapter[AltostratUsagePdf, Altostrat]:
    from ._adapter import AltostratAdapter  # loads the generated client on first use

    return AltostratAdapter()


class AltostratProvider(VendorProvider[AltostratUsagePdf, Altostrat]):
    name = "altostrat"
    title = "Altostrat"
    command = "altostrat"
    summary = "one Altostrat workspace's organization usage (PDF)"
    credential_variables = (Altostrat.ENV_TOKEN,)
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        ConfigKey("workspace_id", True, "the workspace, as Altostrat shows it", '"ws_a1b2c3d4e5f6g7h8"'),
    )

    def __init__(self) -> None:
        super().__init__(AltostratUsagePdf, Altostrat, _adapter)

    def with_credential(self, settings: object, kind: str, value: str) -> Altostrat:
        return attrs.evolve(self.settings_of(settings), token=value)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--workspace-id",
            required=True,
            metavar="ID",
            help="the workspace, as Altostrat shows it, e.g. ws_a1b2c3d4e5f6g7h8",
        )
        add_examples(
            parser,
            (
                "the workspace's usage PDF, saved in the current folder",
                "usage-reports altostrat --workspace-id ws_a1b2c3d4e5f6g7h8",
            ),
            (
                "into the folder reports/, replacing an earlier copy",
                "usage-reports altostrat --workspace-id ws_a1b2c3d4e5f6g7h8 -o reports/ --force",
            ),
            (
                "into S3 (pip install 'usage-reports[s3]'; AWS credentials as for the AWS CLI)",
                "usage-reports altostrat --workspace-id ws_a1b2c3d4e5f6g7h8 -o s3://my-bucket/usage/",
            ),
        )

    def request_from_arguments(self, args: argparse.Namespace, period: Period | None) -> AltostratUsagePdf:
        return AltostratUsagePdf(args.workspace_id)

    def request_from_config(
        self, fields: Mapping[str, object], where: str, period: Period | None
    ) -> list[ReportRequest | Expansion]:
        workspace_id = fields["workspace_id"]
        if not isinstance(workspace_id, str):
            raise InvalidRequest(f"{where}.workspace_id: expected a string, got {type(workspace_id).__name__}")
        return [AltostratUsagePdf(workspace_id=workspace_id)]

    def simulator(self) -> SimulatedVendor:
        from ._simulator import simulator

        return simulator()


PROVIDER = AltostratProvider()

__all__ = ["PROVIDER", "Altostrat", "AltostratUsagePdf"]
