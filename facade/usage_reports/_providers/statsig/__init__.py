"""Statsig: the Console API usage-billing report."""
