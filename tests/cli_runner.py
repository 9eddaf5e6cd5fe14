"""`usage-reports` as a real subprocess, with the environment a user sets pointed at the simulators.

conftest.py turns ``vendor_env`` and ``run`` into fixtures for every CLI test module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from usage_reports.testing import (
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_STATSIG_CONSOLE_KEY,
    VendorSimulators,
)

#: The config a user keeps forever: last month, every Edge Impulse tenant, a Statsig project, an Altostrat workspace.
MONTHLY_CONFIG = """\
[defaults]
period = "last-month"

[[edge_impulse]]
organization_id = 1
inner_organization_id = "all"
poll_interval = 0.01

[[statsig]]
name = "web"

[[altostrat]]
workspace_id = "ws_a1b2c3d4e5f6g7h8"
"""

VENDOR_VARIABLES = (
    "EDGE_IMPULSE_API_KEY",
    "EDGE_IMPULSE_JWT",
    "EDGE_IMPULSE_BASE_URL",
    "ALTOSTRAT_TOKEN",
    "ALTOSTRAT_BASE_URL",
    "STATSIG_CONSOLE_API_KEY",
    "STATSIG_BASE_URL",
)

Run = Callable[..., subprocess.CompletedProcess[str]]


def clean_environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in VENDOR_VARIABLES}


def vendor_environment(simulators: VendorSimulators) -> dict[str, str]:
    """Everything a real user sets, pointed at the simulators."""
    return {
        **clean_environment(),
        "EDGE_IMPULSE_BASE_URL": simulators.edge_impulse_url,
        "EDGE_IMPULSE_API_KEY": SANDBOX_EDGE_IMPULSE_API_KEY,
        "ALTOSTRAT_BASE_URL": simulators.altostrat_url,
        "ALTOSTRAT_TOKEN": SANDBOX_ALTOSTRAT_TOKEN,
        "STATSIG_BASE_URL": simulators.statsig_url,
        "STATSIG_CONSOLE_API_KEY": SANDBOX_STATSIG_CONSOLE_KEY,
    }


def runner(tmp_path: Path, vendor_env: dict[str, str]) -> Run:
    """`usage-reports ARGS...` in tmp_path, with the simulators' environment (plus `env=` changes)."""

    def run(*args: str, env: Mapping[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
        environment = dict(vendor_env)
        for key, value in (env or {}).items():
            if value is None:
                environment.pop(key, None)
            else:
                environment[key] = value
        return subprocess.run(
            [sys.executable, "-m", "usage_reports", *args],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run
