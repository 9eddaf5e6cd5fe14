"""Edge Impulse: the white-label usage-report API."""
