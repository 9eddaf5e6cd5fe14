"""Altostrat Workspaces: a workspace's organization usage PDF, and the settings to reach it."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import ClassVar, Final

from ..._exceptions import MissingCredentials
from ..._fields import FieldError, checked, field, value_object
from ..._validators import base_url_value, env_value, secret_value

MAX_WORKSPACE_ID_LENGTH: Final = 200


def _workspace_id(value: object) -> str:
    """A workspace id that cannot change the request's path."""
    if not isinstance(value, str):
        raise FieldError(f"must be a string like 'ws_a1b2c3d4e5f6g7h8', not {type(value).__name__}")
    if not value:
        raise FieldError("must not be empty")
    if value in {".", ".."}:
        raise FieldError(f"must not be {value!r}: it would change the request path")
    if len(value) > MAX_WORKSPACE_ID_LENGTH:
        raise FieldError(f"is {len(value)} characters long; at most {MAX_WORKSPACE_ID_LENGTH} are allowed")
    for ch in value:
        if ch.isspace() or unicodedata.category(ch)[0] == "C":
            raise FieldError(f"must not contain whitespace or control characters (found {ch!r})")
    return str(value)  # a plain str, also from the command line's text


@value_object
class AltostratUsagePdf:
    """An Altostrat workspace's organization usage, as a PDF."""

    workspace_id: str = field(
        help="the workspace, as Altostrat shows it, e.g. ws_a1b2c3d4e5f6g7h8",
        convert=_workspace_id,
        metavar="ID",
        example='"ws_a1b2c3d4e5f6g7h8"',
    )

    #: The UTC day the PDF is taken: it is a snapshot of the workspace's usage, with no period of its own.
    #: Set when the request is made; its name and its manifest record carry it, so each day's is its own file.
    taken_on: date = dataclasses.field(default_factory=lambda: datetime.now(UTC).date(), kw_only=True)

    provider: ClassVar[str] = "altostrat"

    @property
    def suggested_filename(self) -> str:
        safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in self.workspace_id)
        return f"altostrat-usage-{safe[:100]}-{self.taken_on.isoformat()}.pdf"

    def parameters(self) -> dict[str, object]:
        return {"workspace_id": self.workspace_id, "taken_on": self.taken_on.isoformat()}


@value_object
class Altostrat:
    """Altostrat Workspaces. The token is sent as ``Authorization: Bearer``."""

    token: str | None = checked(secret_value, default=None, secret=True)
    base_url: str | None = checked(base_url_value, default=None)

    DEFAULT_BASE_URL: ClassVar[str] = "https://v1.api.altostrat.io"
    ENV_TOKEN: ClassVar[str] = "ALTOSTRAT_TOKEN"  # noqa: S105 - a variable name, not a secret
    ENV_BASE_URL: ClassVar[str] = "ALTOSTRAT_BASE_URL"

    def with_environment(self, environ: Mapping[str, str]) -> Altostrat:
        return Altostrat(
            token=self.token or env_value(environ, self.ENV_TOKEN, secret_value),
            base_url=self.base_url or env_value(environ, self.ENV_BASE_URL, base_url_value),
        )

    def secrets(self) -> tuple[str | None, ...]:
        return (self.token,)

    def require_credentials(self) -> None:
        if not self.token:
            raise MissingCredentials(
                "altostrat",
                self.ENV_TOKEN,
                f"altostrat: no credential configured; set {self.ENV_TOKEN}",
                code_hint="or pass Altostrat(token=...)",
            )
