"""The simulated Statsig Console API (specs/statsig.yaml): the usage-billing report.

GET /console/v1/project/usage_billing/report?start=MS&end=MS  (STATSIG-API-KEY: console key)
    -> 200 text/csv, one row per event type per UTC day in [start, end), capped at 400 rows
    -> 200 application/json {"message", "data": [{"url"}]} in the JSON variant: a signed storage
       URL (another host and port) that serves the CSV without the Console key
    -> 400 JSON for a missing, malformed, reversed or out-of-range start/end
    -> 401 JSON echoing the key that was sent, as the vendor documents
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Final

from ._server import Answer, RecordedRequest, SimulatorContext, method_not_allowed

__all__ = ["SANDBOX_STATSIG_CONSOLE_KEY", "StatsigSimulator", "simulator"]

SANDBOX_STATSIG_CONSOLE_KEY: Final = "console-sandbox-key"

MAX_ROWS: Final = 400
DAY_MS: Final = 86_400_000
#: The last millisecond a calendar date can name (9999-12-31T23:59:59.999Z): later days have no date to print.
LAST_MS: Final = int(datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC).timestamp() * 1000)
_REPORT: Final = "/console/v1/project/usage_billing/report"
_STORAGE_CSV: Final = re.compile(r"/statsig/usage_billing_([0-9]{1,18})_([0-9]{1,18})\.csv")
# Longer numbers are out of range anyway (and int() refuses 4300 digits or more).
_INTEGER: Final = re.compile(r"-?[0-9]{1,18}")
_INVALID: Final = {"status": 400, "message": "Invalid request. Please check the request input and try again."}

_HEADER: Final = ("Date", "Event Type", "Name", "Sources", "Daily Billable Events", "Project")
_EVENTS: Final = (
    ("log_event", "checkout_completed", "server,client"),
    ("gate_exposure", "new_café_menu", "client"),
    ("experiment_exposure", "prix_réduits_été", "server,client,edge"),
)


def usage_csv(start: int, end: int) -> bytes:
    """Rows for each UTC day in [start, end) (unix ms), capped at 400 rows; both within year 1 to 9999."""
    if not 0 <= start <= LAST_MS or not 0 <= end <= LAST_MS + 1:
        raise ValueError("start and end must name instants between 1970 and the end of year 9999")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_HEADER)
    rows = 0
    day = start // DAY_MS * DAY_MS
    while day < end and rows < MAX_ROWS:
        date = datetime.fromtimestamp(day / 1000, tz=UTC).date().isoformat()
        for number, (event_type, name, sources) in enumerate(_EVENTS):
            if rows >= MAX_ROWS:
                break
            count = (day // DAY_MS * 7_919 + number * 104_729) % 5_000_000
            writer.writerow((date, event_type, name, sources, count, "Démo Project"))
            rows += 1
        day += DAY_MS
    return out.getvalue().encode("utf-8")


class StatsigSimulator:
    """Statsig's usage-billing report behind a Console key (the sandbox key only)."""

    name: Final = "statsig"
    spec: Final = "statsig"
    base_path: Final = ""
    credential_headers: Final = frozenset({"statsig-api-key"})
    credential_cookies: Final = frozenset[str]()

    def __init__(self, *, json_variant: bool = False) -> None:
        self.json_variant = json_variant
        """Answer with the JSON body that points at a signed CSV (as the vendor's Terraform spec has it)."""

    def report_bytes(self, start: int, end: int) -> bytes:
        """The exact CSV served for [start, end) in unix milliseconds."""
        return usage_csv(start, end)

    def handle(self, request: RecordedRequest, context: SimulatorContext) -> Answer:
        if request.path != _REPORT:
            return Answer.json(404, {"status": 404, "message": "Not Found"})
        if refused := method_not_allowed(request, "GET"):
            return refused
        key = request.header("STATSIG-API-KEY") or ""
        if key != SANDBOX_STATSIG_CONSOLE_KEY:
            message = f"This endpoint only accepts an active CONSOLE key, but an invalid key was sent. Key: {key}"
            return Answer.json(401, {"status": 401, "message": message})
        period = _period(request.params())
        if period is None:
            return Answer.json(400, _INVALID)
        start, end = period
        if self.json_variant:
            url = context.signed_url(f"/statsig/usage_billing_{start}_{end}.csv")
            return Answer.json(200, {"message": "Report URL generated successfully", "data": [{"url": url}]})
        return Answer.content(200, "text/csv", usage_csv(start, end))

    def storage(self, request: RecordedRequest, context: SimulatorContext) -> Answer | None:
        match = _STORAGE_CSV.fullmatch(request.path)
        if match is None:
            return None
        start, end = int(match.group(1)), int(match.group(2))
        return Answer.content(200, "text/csv", usage_csv(start, end))


def _period(params: dict[str, list[str]]) -> tuple[int, int] | None:
    """[start, end) from the query, or None when the vendor would answer 400."""
    end_text = params.get("end", [""])[0]
    if not _INTEGER.fullmatch(end_text) or not 0 < int(end_text) <= LAST_MS + 1:
        return None
    end = int(end_text)
    start_text = params.get("start", [None])[0]
    if start_text is None:
        start = max(0, end - 7 * DAY_MS)
    elif not _INTEGER.fullmatch(start_text) or int(start_text) < 0:
        return None
    else:
        start = int(start_text)
    return (start, end) if start < end else None


def simulator(*, json_variant: bool = False) -> StatsigSimulator:
    """A fresh simulated Statsig (``json_variant``: answer JSON pointing at a signed CSV)."""
    return StatsigSimulator(json_variant=json_variant)
