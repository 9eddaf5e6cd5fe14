"""usage_reports.testing as a user sees it: the documented example runs, the plumbing is vendor-free."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import usage_reports.testing
from usage_reports.testing import _server

VENDOR_NAMES = re.compile(r"statsig|altostrat|edge.?impulse", re.IGNORECASE)


def docstring_example() -> str:
    """The indented code block of the module docstring (after the line ending in ``::``)."""
    doc = usage_reports.testing.__doc__
    assert doc is not None
    block = doc.split("::\n\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line[4:])
    return "\n".join(lines)


def test_the_documented_example_runs_as_written(tmp_path: Path) -> None:
    namespace: dict[str, object] = {}
    exec(compile(docstring_example(), "usage_reports.testing docstring", "exec"), namespace)  # noqa: S102
    test = namespace["test_my_job_survives_one_rate_limit"]
    assert callable(test)
    test(tmp_path)
    assert (tmp_path / "usage.csv").read_bytes().startswith(b"Date,Event Type,Name,Sources")


def test_the_generic_plumbing_names_no_vendor() -> None:
    source = Path(_server.__file__).read_text(encoding="utf-8")
    assert VENDOR_NAMES.findall(source) == []


def test_every_public_name_is_importable_and_documented() -> None:
    for name in usage_reports.testing.__all__:
        value = getattr(usage_reports.testing, name)
        if callable(value):
            assert value.__doc__, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'SANDBOX_NOBODY'"):
        _ = usage_reports.testing.SANDBOX_NOBODY  # type: ignore[attr-defined]


@pytest.mark.parametrize("vendor", ["edge_impulse", "altostrat", "statsig"])
def test_a_vendor_simulator_imported_first_is_no_import_cycle(vendor: str) -> None:
    code = (
        f"import usage_reports.testing._{vendor} as vendor\n"
        "from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY, VendorSimulators\n"
        "with VendorSimulators(vendors=[vendor.simulator()]) as sims:\n"
        "    print(sims.servers)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"('{vendor}', 'storage')\n"


def test_the_testing_module_owns_the_simulator_registry_and_the_contract_knows_none() -> None:
    from usage_reports._contract import Provider
    from usage_reports._providers import providers
    from usage_reports.testing import register_simulator, simulator_for, simulator_registered, unregister_simulator

    for removed in ("simulator", "add_arguments", "request_from_arguments", "request_from_config", "config_keys"):
        assert not hasattr(Provider, removed), removed
    for provider in providers():  # every built-in vendor has a simulator, found by its provider's name
        factory = simulator_for(provider.name)
        assert factory is not None
        assert factory().name == provider.name
    assert simulator_for("nobody") is None
    with pytest.raises(ValueError, match="a simulator for 'statsig' is registered"):
        register_simulator("statsig", lambda: None)  # type: ignore[arg-type,return-value]
    with simulator_registered("nobody", lambda: None):  # type: ignore[arg-type,return-value]
        assert simulator_for("nobody") is not None
    assert simulator_for("nobody") is None
    unregister_simulator("nobody")  # forgetting what is not there is no error
