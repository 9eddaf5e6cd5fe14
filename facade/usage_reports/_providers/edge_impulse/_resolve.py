"""Resolving a request by period to one report: reused when finished, awaited when pending, else created.

Built on the lifecycle's primitives (``_lifecycle``); see its docstring for the rules.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Final

import attrs

from ..._contract import Flow, Wait
from ..._exceptions import ReportJobFailed, ReportWaitExceeded, UnexpectedResponse
from ._lifecycle import PROVIDER, create_report, get_report, list_reports
from ._model import EdgeImpulseUsageReport
from ._settings import EdgeImpulse, ReportInfo

#: The longest pause between two polls of a pending report.
MAX_POLL_INTERVAL: Final = 30.0
_POLL_GROWTH: Final = 1.5


@attrs.frozen
class _Clock:
    """The bounded total wait of one resolution, with the next poll interval, the polls made and when it began."""

    deadline: float
    interval: float
    polls: int = 0
    began: float = attrs.field(factory=time.monotonic)

    def next(self) -> tuple[Wait, _Clock] | None:
        """The pause before the next poll (a Wait telling the polls so far), or None when the wait is over."""
        now = time.monotonic()
        left = self.deadline - now
        if left <= 0:
            return None
        polls = self.polls + 1
        pause = Wait(min(self.interval, left), polls=polls, waited=now - self.began)
        return pause, _Clock(self.deadline, min(self.interval * _POLL_GROWTH, MAX_POLL_INTERVAL), polls, self.began)


def resolve(
    settings: EdgeImpulse, request: EdgeImpulseUsageReport
) -> Flow[tuple[EdgeImpulseUsageReport, dict[str, object]]]:
    """The request with a report id: reused, awaited or created (see the module docstring)."""
    period = request.period
    assert period is not None
    org, inner = request.organization_id, request.inner_organization_id
    where = f"{PROVIDER}: tenant {inner} of organization {org}, period {period.label}"
    clock = _Clock(time.monotonic() + request.max_wait, request.poll_interval)
    matching = [r for r in (yield from list_reports(settings, org, inner)) if r.period == period]
    finished = [r for r in matching if r.status == "finished"]
    if finished:
        chosen = max(finished, key=lambda r: (r.created, r.id))
        return dataclasses.replace(request, report_id=chosen.id, period=None), {
            "report_id": chosen.id,
            "report": "reused",
        }
    for pending in sorted(
        (r for r in matching if r.status == "pending"), key=lambda r: (r.created, r.id), reverse=True
    ):
        done, clock = yield from _wait_for(settings, request, pending.id, clock, where)
        if done.status == "finished":
            return dataclasses.replace(request, report_id=done.id, period=None), {
                "report_id": done.id,
                "report": "awaited",
            }
        # someone else's report failed: ignored, like any earlier failure
    job_id = yield from create_report(settings, org, inner, period)
    report_id, clock = yield from _find_by_job(settings, request, job_id, clock, where)
    done, clock = yield from _wait_for(settings, request, report_id, clock, where)
    if done.status == "failed":
        raise ReportJobFailed(
            f"{where}: the report this run created (report {report_id}, job {job_id}) failed; "
            "see the job in Edge Impulse Studio",
            provider=PROVIDER,
            status_code=None,
        )
    return dataclasses.replace(request, report_id=report_id, period=None), {"report_id": report_id, "report": "created"}


def _find_by_job(
    settings: EdgeImpulse, request: EdgeImpulseUsageReport, job_id: int, clock: _Clock, where: str
) -> Flow[tuple[int, _Clock]]:
    """The report a creation job made, from the listing (it may take a moment to appear)."""
    while True:
        reports = yield from list_reports(settings, request.organization_id, request.inner_organization_id)
        found = [r for r in reports if r.job_id == job_id]
        if found:
            _check_period(found[0], request, where)
            return found[0].id, clock
        step = clock.next()
        if step is None:
            raise _waited_too_long(where, request.max_wait, f"the report of job {job_id} never appeared")
        pause, clock = step
        yield pause


def _wait_for(
    settings: EdgeImpulse, request: EdgeImpulseUsageReport, report_id: int, clock: _Clock, where: str
) -> Flow[tuple[ReportInfo, _Clock]]:
    while True:
        report = yield from get_report(settings, request.organization_id, request.inner_organization_id, report_id)
        _check_period(report, request, where)
        if report.status != "pending":
            return report, clock
        step = clock.next()
        if step is None:
            raise _waited_too_long(where, request.max_wait, f"report {report_id} is still pending")
        pause, clock = step
        yield pause


def _check_period(report: ReportInfo, request: EdgeImpulseUsageReport, where: str) -> None:
    """A report is used only for the period it covers: never saved under another period's name."""
    if report.period != request.period:
        raise UnexpectedResponse(
            f"{where}: report {report.id} covers {report.period.iso()['start']} to {report.period.iso()['end']}, "
            "not the period asked for; it is not used",
            provider=PROVIDER,
            status_code=200,
        )


def _waited_too_long(where: str, max_wait: float, what: str) -> ReportWaitExceeded:
    return ReportWaitExceeded(
        f"{where}: {what} after waiting {max_wait:g} s (max_wait); run again later: "
        "the next run picks the report up when it is finished",
        provider=PROVIDER,
        status_code=None,
    )
