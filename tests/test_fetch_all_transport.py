"""fetch-all --transport: the batch over httpx's own transport (the default) or over aiohttp, same files either way.

Runs the month-end config (every tenant of the white label, a Statsig project, an Altostrat workspace)
against the loopback simulators, through the command line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_runner import MONTHLY_CONFIG, Run
from usage_reports.aiohttp_transport import AiohttpTransport
from usage_reports.testing import EdgeImpulseSimulator, VendorSimulators

CONFIG = MONTHLY_CONFIG
ENTRIES = 5 * 2 + 1 + 1  # the default world's tenants 2 to 6 (a report and a compute time each), Statsig, Altostrat


def _config(tmp_path: Path, simulators: VendorSimulators) -> Path:
    simulators.vendor("edge_impulse", EdgeImpulseSimulator).set_failing(6, False)
    config = tmp_path / "usage.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def _files(folder: Path) -> dict[str, str]:
    """Each recorded file's sha256, after checking every entry succeeded."""
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["entries"]
    assert [e["error"] for e in entries if not e["ok"]] == []
    return {e["path"]: e["sha256"] for e in entries}


def _use_environment(monkeypatch: pytest.MonkeyPatch, vendor_env: dict[str, str]) -> None:
    for key, value in vendor_env.items():
        monkeypatch.setenv(key, value)


def test_fetch_all_over_aiohttp_sends_every_request_through_it_and_writes_the_files_httpx_writes(
    simulators: VendorSimulators,
    vendor_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from usage_reports.cli._main import main

    config = _config(tmp_path, simulators)
    _use_environment(monkeypatch, vendor_env)
    through_aiohttp: list[str] = []
    handle = AiohttpTransport.handle_async_request

    async def counted(self: AiohttpTransport, request: httpx.Request) -> httpx.Response:
        through_aiohttp.append(request.url.path)
        return await handle(self, request)

    monkeypatch.setattr(AiohttpTransport, "handle_async_request", counted)
    base = ["fetch-all", str(config), "--as-of", "2026-11-02", "-q"]

    assert main([*base, "--out-dir", str(tmp_path / "httpx")]) == 0
    assert through_aiohttp == []  # the default is httpx's own transport
    over_httpx = len(simulators.requests)
    simulators.reset()

    assert main([*base, "--out-dir", str(tmp_path / "aiohttp"), "--transport", "aiohttp"]) == 0
    assert len(through_aiohttp) == len(simulators.requests) >= ENTRIES  # every request, the storage hops too
    assert len(simulators.requests) < over_httpx  # the reports the first run created are reused: no polling
    files = _files(tmp_path / "aiohttp")
    assert len(files) == ENTRIES
    assert files == _files(tmp_path / "httpx")


def test_transport_aiohttp_without_aiohttp_is_one_line_naming_the_option_and_nothing_is_sent(
    simulators: VendorSimulators,
    vendor_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from usage_reports.cli._main import main

    config = _config(tmp_path, simulators)
    _use_environment(monkeypatch, vendor_env)
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # what `import aiohttp` meets when it is not installed
    monkeypatch.delitem(sys.modules, "usage_reports.aiohttp_transport")
    out = tmp_path / "out"

    code = main(["fetch-all", str(config), "--out-dir", str(out), "--as-of", "2026-11-02", "--transport", "aiohttp"])

    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--transport aiohttp: aiohttp cannot be imported" in err
    assert "pip install 'usage-reports[aiohttp]'" in err
    assert simulators.requests == []
    assert not out.exists()


@pytest.mark.slow
def test_the_command_runs_the_month_over_aiohttp_and_a_rerun_downloads_nothing(
    run: Run, simulators: VendorSimulators, tmp_path: Path
) -> None:
    _config(tmp_path, simulators)
    command = ["fetch-all", "usage.toml", "--out-dir", "usage/{period}", "--as-of", "2026-11-02"]
    command += ["--transport", "aiohttp", "--concurrency", "3", "--json"]

    first = run(*command)

    assert first.returncode == 0, first.stderr
    files = _files(tmp_path / "usage" / "2026-10")
    assert len(files) == ENTRIES
    simulators.reset()
    again = run(*command)
    assert again.returncode == 0, again.stderr
    assert all(e["skipped"] for e in json.loads(again.stdout)["entries"])
    assert [r.path for r in simulators.requests if r.server == "storage"] == []
