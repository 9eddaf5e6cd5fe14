"""Edge Impulse white-label admin: everything the library knows of Edge Impulse, declared in one descriptor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar, TypeVar

from ..._contract import Adapter, Command, ConfigKey, Expansion, Flow, ReportRequest, VendorProvider
from ..._exceptions import InvalidRequest
from ..._periods import Period
from ...cli._args import add_examples, int_at_least, seconds
from ._measured import USAGE
from ._model import DEFAULT_MAX_WAIT, DEFAULT_POLL_INTERVAL, EdgeImpulse, EdgeImpulseUsageReport, ReportInfo, Tenant

if TYPE_CHECKING:
    import argparse

    from ..._client import UsageReports
    from ...testing import SimulatedVendor


T = TypeVar("T")


def _adapter() -> Adapter[EdgeImpulseUsageReport, EdgeImpulse]:
    from ._adapter import EdgeImpulseAdapter  # loads the generated client on first use

    return EdgeImpulseAdapter()


def _config_int(value: object, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest(f"{where}.{key}: expected a positive integer, got {value!r}")
    return value


def _config_seconds(fields: Mapping[str, object], key: str, where: str, default: float) -> float:
    value = fields.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidRequest(f"{where}.{key}: expected a positive number of seconds, got {value!r}")
    return float(value)


def _tenants(organization_id: int, template: EdgeImpulseUsageReport) -> Expansion:
    def expand(settings: object) -> Flow[list[ReportRequest]]:
        from ._lifecycle import list_tenants

        assert isinstance(settings, EdgeImpulse)
        tenants = yield from list_tenants(settings, organization_id)
        return [
            EdgeImpulseUsageReport(
                organization_id,
                tenant.id,
                template.report_id,
                period=template.period,
                max_wait=template.max_wait,
                poll_interval=template.poll_interval,
            )
            for tenant in tenants
        ]

    return Expansion(f"every tenant of organization {organization_id}", expand)


def _tenant_rows(client: UsageReports, args: argparse.Namespace) -> list[dict[str, object]]:
    from ._lifecycle import list_tenants

    tenants: list[Tenant] = client.run_flow("edge_impulse", lambda s: list_tenants(_ei(s), args.organization_id))
    return [{"id": t.id, "name": t.name, "created": t.created.isoformat()} for t in tenants]


def _report_rows(client: UsageReports, args: argparse.Namespace) -> list[dict[str, object]]:
    from ._lifecycle import list_reports

    reports: list[ReportInfo] = client.run_flow(
        "edge_impulse", lambda s: list_reports(_ei(s), args.organization_id, args.inner_organization_id)
    )
    return [
        {
            "id": r.id,
            "period": r.period.label,
            "start": r.period.start.isoformat(),
            "end": r.period.end.isoformat(),
            "status": r.status,
            "job_id": r.job_id,
            "created": r.created.isoformat(),
        }
        for r in reports
    ]


def _ei(settings: object) -> EdgeImpulse:
    assert isinstance(settings, EdgeImpulse)
    return settings


def _organization_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--organization-id",
        type=int_at_least(1),
        required=True,
        metavar="N",
        help="id of the white-label (outer) organization your key administers",
    )


def _tenant_arguments(parser: argparse.ArgumentParser) -> None:
    _organization_argument(parser)
    parser.add_argument(
        "--inner-organization-id",
        type=int_at_least(1),
        required=True,
        metavar="N",
        help="id of the tenant (inner organization); edge-impulse-tenants lists them",
    )


def _tenants_command(parser: argparse.ArgumentParser) -> None:
    _organization_argument(parser)
    add_examples(
        parser,
        (
            "every tenant of white-label organization 1, as a table",
            "usage-reports edge-impulse-tenants --organization-id 1",
        ),
        ("the same as JSON, for a script", "usage-reports edge-impulse-tenants --organization-id 1 --json"),
    )


def _reports_command(parser: argparse.ArgumentParser) -> None:
    _tenant_arguments(parser)
    add_examples(
        parser,
        (
            "tenant 2's usage reports, their periods and status",
            "usage-reports edge-impulse-reports --organization-id 1 --inner-organization-id 2",
        ),
        ("the same as JSON", "usage-reports edge-impulse-reports --organization-id 1 --inner-organization-id 2 --json"),
    )


class EdgeImpulseProvider(VendorProvider[EdgeImpulseUsageReport, EdgeImpulse]):
    name = "edge_impulse"
    title = "Edge Impulse"
    usage = USAGE  # the numbers its files hold (usage_reports.usage reads them)
    command = "edge-impulse"
    summary = "one Edge Impulse white-label tenant's usage report for a period (CSV)"
    credential_variables = (EdgeImpulse.ENV_API_KEY, EdgeImpulse.ENV_JWT)
    credential_kinds = ("api_key", "jwt")
    takes_period = True
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        ConfigKey("organization_id", True, "the white-label (outer) organization", "1"),
        ConfigKey(
            "inner_organization_id",
            True,
            'the tenant: an id, a list of ids, or "all" (every tenant, listed each run)',
            '"all"',
        ),
        ConfigKey("report_id", False, "instead of a period: one existing report (one tenant only)", ""),
        ConfigKey("max_wait", False, f"seconds to wait for a report being built (default {DEFAULT_MAX_WAIT:g})", ""),
        ConfigKey(
            "poll_interval", False, f"first pause between polls, seconds (default {DEFAULT_POLL_INTERVAL:g})", ""
        ),
    )
    commands: ClassVar[tuple[Command, ...]] = (
        Command(
            "edge-impulse-tenants",
            "list a white label's tenants (inner organizations)",
            _tenants_command,
            _tenant_rows,
            ("id", "name", "created"),
        ),
        Command(
            "edge-impulse-reports",
            "list a tenant's usage reports and their status",
            _reports_command,
            _report_rows,
            ("id", "period", "status", "job_id", "created"),
        ),
    )

    def __init__(self) -> None:
        super().__init__(EdgeImpulseUsageReport, EdgeImpulse, _adapter)

    def with_credential(self, settings: object, kind: str, value: str) -> EdgeImpulse:
        base = self.settings_of(settings).base_url
        if kind == "jwt":
            return EdgeImpulse(jwt=value, base_url=base)
        return EdgeImpulse(api_key=value, base_url=base)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        _tenant_arguments(parser)
        parser.add_argument(
            "--report-id",
            type=int_at_least(1),
            metavar="N",
            help="instead of --period: one existing usage report (edge-impulse-reports lists them)",
        )
        parser.add_argument(
            "--max-wait",
            type=seconds,
            default=DEFAULT_MAX_WAIT,
            metavar="SECONDS",
            help="with --period: how long to wait for a report Edge Impulse is still building "
            f"(default {DEFAULT_MAX_WAIT:g})",
        )
        add_examples(
            parser,
            (
                "last month's report of tenant 2 (reused if it exists, else created and waited for)",
                "usage-reports edge-impulse --organization-id 1 --inner-organization-id 2 --period last-month",
            ),
            (
                "one existing report, by id, into the folder reports/ (created if missing)",
                "usage-reports edge-impulse --organization-id 1 --inner-organization-id 2 --report-id 3 -o reports/",
            ),
            (
                "October 2026 in Berlin time, streamed to another program",
                "usage-reports edge-impulse --organization-id 1 --inner-organization-id 2 --period 2026-10 "
                "--timezone Europe/Berlin -o - | gzip > october.csv.gz",
            ),
        )

    def request_from_arguments(self, args: argparse.Namespace, period: Period | None) -> EdgeImpulseUsageReport:
        if (period is None) == (args.report_id is None):
            raise InvalidRequest(
                "edge-impulse needs exactly one of --period (e.g. --period last-month) and --report-id"
            )
        return EdgeImpulseUsageReport(
            args.organization_id, args.inner_organization_id, args.report_id, period=period, max_wait=args.max_wait
        )

    def request_from_config(
        self, fields: Mapping[str, object], where: str, period: Period | None
    ) -> list[ReportRequest | Expansion]:
        problems: list[str] = []

        def checked(action: Callable[[], T], default: T) -> T:
            try:
                return action()
            except InvalidRequest as exc:
                problems.append(str(exc))
                return default

        organization = checked(lambda: _config_int(fields["organization_id"], "organization_id", where), 1)
        raw_report_id = fields.get("report_id")
        report_id = None
        if raw_report_id is not None:
            report_id = checked(lambda: _config_int(raw_report_id, "report_id", where), 1)
            if "period" in fields:
                problems.append(f"{where}.report_id: give report_id or period, not both")
            period = None
        elif period is None:
            problems.append(
                f"{where}.period: missing; give the entry a period or a report_id, or set [defaults] period"
            )
        max_wait = checked(lambda: _config_seconds(fields, "max_wait", where, DEFAULT_MAX_WAIT), DEFAULT_MAX_WAIT)
        poll_interval = checked(
            lambda: _config_seconds(fields, "poll_interval", where, DEFAULT_POLL_INTERVAL), DEFAULT_POLL_INTERVAL
        )
        inner = fields["inner_organization_id"]
        tenants: list[int] = []
        if inner == "all":
            if report_id is not None:
                problems.append(f'{where}.report_id: a report id belongs to one tenant, not to "all"')
        elif isinstance(inner, list):
            if not inner:
                problems.append(f"{where}.inner_organization_id: the list is empty")
            for value in inner:
                try:
                    tenants.append(_config_int(value, "inner_organization_id", where))
                except InvalidRequest as exc:
                    problems.append(str(exc))
            if len(set(tenants)) != len(tenants):
                problems.append(f"{where}.inner_organization_id: the list names a tenant twice")
        elif isinstance(inner, str):
            problems.append(f'{where}.inner_organization_id: expected an id, a list of ids or "all", got {inner!r}')
        else:
            tenants = [checked(lambda: _config_int(inner, "inner_organization_id", where), 1)]
        if report_id is not None and len(tenants) > 1:
            problems.append(f"{where}.report_id: a report id belongs to one tenant, not to a list")
        if problems:
            raise InvalidRequest("\n".join(problems))  # every problem of the entry, one per line
        if inner == "all":
            template = EdgeImpulseUsageReport(
                organization, 1, period=period, max_wait=max_wait, poll_interval=poll_interval
            )
            return [_tenants(organization, template)]
        return [
            EdgeImpulseUsageReport(
                organization, tenant, report_id, period=period, max_wait=max_wait, poll_interval=poll_interval
            )
            for tenant in tenants
        ]

    def simulator(self) -> SimulatedVendor:
        from ._simulator import simulator

        return simulator()


PROVIDER = EdgeImpulseProvider()

__all__ = ["PROVIDER", "EdgeImpulse", "EdgeImpulseUsageReport", "ReportInfo", "Tenant"]
