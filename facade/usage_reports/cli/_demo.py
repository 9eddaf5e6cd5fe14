"""`usage-reports demo`: the whole product against local simulators, with no account and no network.

The three vendors are simulated on loopback ports (Edge Impulse answering 302
to a separate storage server, Altostrat a multi-page PDF, Statsig a CSV with
quoted fields); the built-in config below then runs through exactly the code
path `fetch-all` uses. The simulators produce the same bytes every time, so a
second run skips every file by its sha256.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from .. import Altostrat, EdgeImpulse, Statsig
from ..batch._config import parse_config_text
from ..batch._runner import EXIT_OK, BaseSettings
from ..testing import (
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_STATSIG_CONSOLE_KEY,
    VendorSimulators,
)
from ._fetch_all import run_batch
from ._output import Output
from ._usage_commands import demo_usage

#: Large enough to show progress on a terminal, small enough to finish in well under a second.
DEMO_EDGE_IMPULSE_REPORT_SIZE: Final = 2 * 1024 * 1024
DEMO_LATENCY: Final = 0.05

#: The monthly job a user writes once and runs from cron on the 2nd of every month: no report id, no dates.
DEMO_CONFIG: Final = """\
[defaults]
period = "last-month"            # relative to the day it runs (or --as-of DATE)

[[edge_impulse]]                 # every tenant of white label 1, listed when the job runs;
organization_id = 1              # each tenant's report for the period is reused, or created and awaited
inner_organization_id = "all"
poll_interval = 0.2              # (the simulated report jobs finish after two polls)

[[statsig]]
name = "web"

[[statsig]]
name = "mobile"
credential_env = "DEMO_STATSIG_MOBILE_KEY"   # this project's own key

[[altostrat]]
workspace_id = "ws_a1b2c3d4e5f6g7h8"
"""

#: The only environment the demo reads: the user's own variables are never used (nor sent to the simulators).
DEMO_ENVIRONMENT: Final = {
    "DEMO_STATSIG_MOBILE_KEY": SANDBOX_STATSIG_CONSOLE_KEY,
}


def run_demo(out: Output, *, out_dir: Path, concurrency: int, force: bool = False, timeout: float | None = None) -> int:
    config = parse_config_text(DEMO_CONFIG, "built-in demo config")
    out.text("Starting local simulators of Edge Impulse, Altostrat and Statsig (loopback only, no network)...")
    out.text(f"The monthly job for {config.period}: every Edge Impulse tenant, two Statsig projects, one workspace.")
    with VendorSimulators(latency=DEMO_LATENCY, edge_impulse_report_size=DEMO_EDGE_IMPULSE_REPORT_SIZE) as sim:
        sim.edge_impulse.set_failing(6, False)  # the simulated world has a failing tenant; the demo shows success
        base = BaseSettings(
            DEMO_ENVIRONMENT,
            {
                "edge_impulse": EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_API_KEY, base_url=sim.edge_impulse_url),
                "altostrat": Altostrat(token=SANDBOX_ALTOSTRAT_TOKEN, base_url=sim.altostrat_url),
                "statsig": Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=sim.statsig_url),
            },
        )
        code, _ = run_batch(
            config,
            source="built-in demo config",
            base=base,
            environ=DEMO_ENVIRONMENT,
            out_dir=out_dir,
            out=out,
            concurrency=concurrency,
            force=force,
            timeout=timeout,
        )
    if code == EXIT_OK:
        demo_usage(out_dir, out)  # the numbers: usage month over month, and charges priced by an example rate card
        out.text(f"\nThe reports are in {out_dir.resolve()}/ (run the demo again: every file is skipped).")
        out.text("Real use: set EDGE_IMPULSE_API_KEY, ALTOSTRAT_TOKEN and STATSIG_CONSOLE_API_KEY, write a config")
        out.text(
            "once (`usage-reports config example > usage.toml` gives one to edit), and on the 2nd of every month run:"
        )
        out.text("  usage-reports fetch-all usage.toml --out-dir usage/{period}")
    return code
