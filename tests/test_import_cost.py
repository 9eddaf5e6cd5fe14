"""``import usage_reports`` loads what an import needs; the engine, the vendors and attrs wait for their first use.

Each check runs a fresh interpreter (the test process has loaded everything
long ago) and looks at ``sys.modules``: what it pins is which modules load,
not how long they take (B5 in BENCHMARKS.md measures that).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

#: Loaded by a call or a client, never by the import alone.
FIRST_USE_ONLY = (
    "attrs",
    "httpcore",
    "zoneinfo",
    "argparse",
    "usage_reports._engine",
    "usage_reports._drivers",
    "usage_reports.destinations._sinks",
    "usage_reports.destinations._storage",
    "usage_reports.destinations._object_stores",
    "usage_reports._ratelimit",
    "usage_reports._logging",
    "usage_reports._contract",
    "usage_reports._periods",
    "usage_reports._providers.edge_impulse",
    "usage_reports._providers.altostrat",
    "usage_reports._providers.statsig",
    "usage_reports._measures",
)


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return set(loaded)


def test_importing_the_package_loads_no_engine_vendor_or_attrs() -> None:
    loaded = _loaded_after("import usage_reports")
    assert "usage_reports._client" in loaded  # the check looks at a real import
    assert sorted(set(FIRST_USE_ONLY) & loaded) == []


def test_naming_one_vendors_request_loads_that_vendor_only() -> None:
    loaded = _loaded_after("from usage_reports import UsageReports, StatsigUsageReport")
    assert "usage_reports._providers.statsig._model" in loaded
    assert "usage_reports._providers.edge_impulse" not in loaded
    assert "usage_reports._providers.altostrat" not in loaded
    assert "usage_reports._engine" not in loaded


def test_naming_a_request_loads_neither_attrs_nor_its_descriptor_nor_the_contract() -> None:
    """B5's first line: the value classes are dataclasses (attrs alone is a sixth of ``import httpx``), and the
    descriptor (CLI, listings, adapter, measured usage) waits for the registry."""
    for request in ("StatsigUsageReport", "EdgeImpulseUsageReport", "AltostratUsagePdf"):
        loaded = _loaded_after(f"from usage_reports import UsageReports, {request}, Period")
        assert sorted(m for m in loaded if m.endswith("._provider")) == []
        assert sorted({"attrs", "attr", "usage_reports._contract", "usage_reports._measures"} & loaded) == []


def test_the_registry_loads_every_descriptor() -> None:
    code = "from usage_reports._providers import providers\nprint([p.name for p in providers()])"
    loaded = _loaded_after(code)
    assert {
        "usage_reports._providers.edge_impulse._provider",
        "usage_reports._providers.altostrat._provider",
        "usage_reports._providers.statsig._provider",
    } <= loaded


def test_every_public_name_imports_and_is_listed() -> None:
    code = (
        "import usage_reports\n"
        "from usage_reports import *\n"
        "missing = [n for n in usage_reports.__all__ if n not in globals()]\n"
        "unlisted = [n for n in usage_reports.__all__ if n not in dir(usage_reports)]\n"
        "assert not missing and not unlisted, (missing, unlisted)\n"
        "import usage_reports._periods as periods\n"
        "assert usage_reports.Period is periods.Period\n"
    )
    loaded = _loaded_after(code)
    assert {"usage_reports._providers.edge_impulse", "usage_reports._providers.statsig"} <= loaded


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    import usage_reports

    with pytest.raises(AttributeError, match="has no attribute 'NoSuchName'"):
        usage_reports.NoSuchName  # noqa: B018


def test_a_client_loads_the_engine_and_every_registered_vendor() -> None:
    loaded = _loaded_after("from usage_reports import UsageReports\nUsageReports(environ={}).close()")
    assert {
        "usage_reports._engine",
        "usage_reports._drivers",
        "usage_reports._providers.edge_impulse",
        "usage_reports._providers.altostrat",
        "usage_reports._providers.statsig",
    } <= loaded
