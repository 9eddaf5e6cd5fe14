"""Edge Impulse's documented numbers: the compute time of a tenant for a period (whitelabel usage/computeTime).

``cpuComputeTime`` and ``gpuComputeTime`` are seconds, ``totalComputeTime``
minutes as the vendor computes it: reported as they are, never recomputed.
The usage report CSV's columns are not documented: kept as a file, listed.
"""

from __future__ import annotations

from ..._measures import JsonTotals, MeasuredUsage, Metric

USAGE = MeasuredUsage(
    service_name="Edge Impulse",
    service_category="AI and Machine Learning",
    service_subcategory="Machine Learning",
    readers=(
        JsonTotals(
            kind="compute_time",
            fields=(
                ("cpuComputeTime", Metric("cpu_compute_time", "seconds", "CPU compute time")),
                ("gpuComputeTime", Metric("gpu_compute_time", "seconds", "GPU compute time")),
                ("totalComputeTime", Metric("total_compute_time", "minutes", "total compute time")),
            ),
            account_parameter="organization_id",
            tenant_parameter="inner_organization_id",
            success_field="success",
        ),
    ),
)
