"""Edge Impulse white-label admin: a tenant's usage report and the listings' parameters, each field declared once.

The settings and the listings' values live in ``_settings`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any, ClassVar, Final

from ..._fields import Many, OneOf, boolean, field, positive_int, positive_seconds, value_object
from ..._periods import Period, period_value
from ._settings import EdgeImpulse, ReportInfo, ReportStatus, Tenant

#: How long a report being built is waited for, in all, by default (seconds).
DEFAULT_MAX_WAIT: Final = 600.0
#: The first pause between two polls of a pending report (then 1.5x, up to 30 s).
DEFAULT_POLL_INTERVAL: Final = 2.0


def _every_tenant(settings: object, values: Mapping[str, object]) -> Generator[Any, Any, list[int]]:
    """Every tenant of the entry's white label, listed when the job runs (a config's ``"all"``)."""
    from ._lifecycle import list_tenants

    assert isinstance(settings, EdgeImpulse)
    organization_id = values["organization_id"]
    assert isinstance(organization_id, int)
    tenants = yield from list_tenants(settings, organization_id)
    return [tenant.id for tenant in tenants]


def organization_id_field() -> Any:
    """``organization_id``, declared once: the request and the listings share it."""
    return field(
        help="id of the white-label (outer) organization your key administers",
        convert=positive_int,
        metavar="N",
        example="1",
    )


def inner_organization_id_field(many: Many | None = None) -> Any:
    return field(
        help="id of the tenant (inner organization); edge-impulse-tenants lists them",
        convert=positive_int,
        metavar="N",
        example='"all"' if many is not None else "2",
        many=many,
    )


@value_object
class EdgeImpulseUsageReport:
    """A white-label tenant's usage report (a CSV, reached through a 302): by ``report_id``, or by ``period``.

    With a period, the report is found or created, and waited for (at most
    ``max_wait`` seconds, polling from every ``poll_interval`` seconds).
    """

    organization_id: int = organization_id_field()
    inner_organization_id: int = inner_organization_id_field(
        Many(
            every="all",
            expand=_every_tenant,
            describe="every tenant of organization {organization_id}",
            single=("report_id",),
        )
    )
    report_id: int | None = field(
        default=None,
        help="instead of a period: one existing usage report (edge-impulse-reports lists them)",
        convert=positive_int,
        metavar="N",
    )
    period: Period | None = field(
        default=None, kw_only=True, period=True, help="the period of the report", convert=period_value
    )
    max_wait: float = field(
        default=DEFAULT_MAX_WAIT,
        kw_only=True,
        help="with a period: how long to wait for a report Edge Impulse is still building, in seconds",
        convert=positive_seconds,
        metavar="SECONDS",
    )
    poll_interval: float = field(
        default=DEFAULT_POLL_INTERVAL,
        kw_only=True,
        help="with a period: the first pause between two polls of a report being built, in seconds",
        convert=positive_seconds,
        metavar="SECONDS",
    )
    compute_time: bool = field(
        default=True,
        kw_only=True,
        help="with a period, in fetch-all: also save the tenant's compute time of the period (the vendor's JSON)",
        convert=boolean,
        example="false",
        cli=False,
    )

    provider: ClassVar[str] = "edge_impulse"
    kind: ClassVar[str] = "report"
    rules: ClassVar[tuple[OneOf, ...]] = (
        OneOf(
            (("report_id",), ("period",)),
            both="give exactly one of {report_id} and {period}",
            neither="give exactly one of {report_id} and {period}",
        ),
    )

    @property
    def suggested_filename(self) -> str:
        which = self.period.label if self.period is not None else str(self.report_id)
        return f"edge-impulse-usage-{self.organization_id}-{self.inner_organization_id}-{which}.csv"

    def parameters(self) -> dict[str, object]:
        parameters: dict[str, object] = {
            "organization_id": self.organization_id,
            "inner_organization_id": self.inner_organization_id,
        }
        if self.report_id is not None:
            parameters["report_id"] = self.report_id
        if self.period is not None:
            parameters["period"] = self.period.iso()
        return parameters


@value_object
class EdgeImpulseComputeTime:
    """A tenant's compute time over a period, saved as the vendor's JSON (``.../usage/computeTime``), bytes unchanged.

    The body is kept only when it is a JSON object with ``success: true``. ``reports.edge_impulse.compute_time``
    reads the same numbers as typed values; this request keeps the vendor's document as a file.
    """

    organization_id: int = organization_id_field()
    inner_organization_id: int = inner_organization_id_field()
    period: Period = field(kw_only=True, period=True, help="the period of the compute time", convert=period_value)

    provider: ClassVar[str] = "edge_impulse"
    kind: ClassVar[str] = "compute_time"

    @property
    def suggested_filename(self) -> str:
        return f"edge-impulse-compute-time-{self.organization_id}-{self.inner_organization_id}-{self.period.label}.json"

    def parameters(self) -> dict[str, object]:
        return {
            "organization_id": self.organization_id,
            "inner_organization_id": self.inner_organization_id,
            "period": self.period.iso(),
        }


@value_object
class TenantsQuery:
    """The parameters of ``edge-impulse-tenants``: one white label."""

    organization_id: int = organization_id_field()


@value_object
class ReportsQuery:
    """The parameters of ``edge-impulse-reports``: one tenant of a white label."""

    organization_id: int = organization_id_field()
    inner_organization_id: int = inner_organization_id_field()


__all__ = [
    "DEFAULT_MAX_WAIT",
    "DEFAULT_POLL_INTERVAL",
    "EdgeImpulse",
    "EdgeImpulseComputeTime",
    "EdgeImpulseUsageReport",
    "ReportInfo",
    "ReportStatus",
    "ReportsQuery",
    "Tenant",
    "TenantsQuery",
]
