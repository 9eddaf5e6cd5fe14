"""usage_reports: one typed interface over three vendors' usage-report downloads."""

__all__: list[str] = []
