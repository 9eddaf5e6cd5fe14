"""Statsig's documented numbers: the usage billing CSV, documented by example.

``Date,Event Type,Name,Sources,Daily Billable Events,Project``, e.g.
``2023-01-12,check_gate,my-tracked-event,"react-client,js-client",21,My-Project``:
one row per day, event and project. Unknown columns are kept as dimensions.
"""

from __future__ import annotations

from ..._measures import CsvDaily, MeasuredUsage, Metric

USAGE = MeasuredUsage(
    service_name="Statsig",
    service_category="Developer Tools",
    service_subcategory="Developer Platforms",
    readers=(
        CsvDaily(
            kind="report",
            required=("Date", "Event Type", "Name", "Sources", "Daily Billable Events", "Project"),
            day_column="Date",
            quantity_column="Daily Billable Events",
            tenant_column="Project",
            metric=Metric("billable_events", "events", "billable events"),
            dimensions=(("Event Type", "event_type"), ("Name", "name"), ("Sources", "sources")),
        ),
    ),
)
