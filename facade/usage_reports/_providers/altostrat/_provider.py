"""Altostrat Workspaces: everything the library knows of Altostrat, declared in one descriptor.

The request's field (``_model``) carries its own help, names and checks; the CLI and the config derive from it.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..._contract import Adapter, VendorProvider
from ._model import Altostrat, AltostratUsagePdf


def _adapter() -> Adapter[AltostratUsagePdf, Altostrat]:
    from ._adapter import AltostratAdapter  # loads the generated client on first use

    return AltostratAdapter()


class AltostratProvider(VendorProvider[AltostratUsagePdf, Altostrat]):
    name = "altostrat"
    title = "Altostrat"
    command = "altostrat"
    summary = "one Altostrat workspace's organization usage (PDF)"
    credential_variables = (Altostrat.ENV_TOKEN,)
    examples: ClassVar[tuple[tuple[str, str], ...]] = (
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

    def __init__(self) -> None:
        super().__init__(AltostratUsagePdf, Altostrat, _adapter)

    def with_credential(self, settings: object, kind: str, value: str) -> Altostrat:
        return dataclasses.replace(self.settings_of(settings), token=value)


PROVIDER = AltostratProvider()

__all__ = ["PROVIDER"]
