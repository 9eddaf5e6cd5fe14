"""A fourth provider, declared in tests/fourth_provider.py only, works through every generic path.

Library fetch and download (sync and async), the CLI (its own subcommand,
--period, --help) and fetch-all with a manifest: no generic module knows it.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fourth_provider import ACME, SANDBOX_ACME_KEY, SPEC, Acme, AcmeSimulator, AcmeUsage
from spec_validation import assert_matches_spec
from usage_reports import (
    AsyncUsageReports,
    AuthenticationError,
    InvalidRequest,
    MissingCredentials,
    Period,
    UsageReports,
)
from usage_reports._providers import provider_named, registered
from usage_reports.testing import VendorSimulators, simulator_registered

TESTS = Path(__file__).resolve().parent
OCTOBER = Period.month(2026, 10)
#: The CLI in a subprocess, with the fourth provider registered first (as a plugin would).
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from fourth_provider import ACME; from usage_reports._providers import register; register(ACME); "
    "from usage_reports.cli._main import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.fixture
def acme_sims() -> Iterator[VendorSimulators]:
    # the provider registry gives the simulators their vendors; the testing registry, their simulators
    with registered(ACME), simulator_registered("acme", AcmeSimulator), VendorSimulators() as sims:
        yield sims
        api_requests = sims.requests_to("acme")
        for recorded in api_requests:
            if recorded.header("X-Acme-Key"):
                assert_matches_spec(recorded, SPEC)


def test_registering_adds_and_removing_forgets_the_provider() -> None:
    assert provider_named("acme") is None
    with registered(ACME):
        assert provider_named("acme") is ACME
        with pytest.raises(ValueError, match="a provider named 'acme'"):
            registered(ACME).__enter__()
    assert provider_named("acme") is None


def test_fetch_and_download_sync_and_async(acme_sims: VendorSimulators, tmp_path: Path) -> None:
    settings = Acme(key=SANDBOX_ACME_KEY, base_url=acme_sims.base_url("acme"))
    with UsageReports(settings, environ={}) as client:
        fetched = client.fetch(AcmeUsage(7, period=OCTOBER))
        downloaded = client.download(AcmeUsage(8, period=OCTOBER), tmp_path / "a.csv")

    async def go() -> bytes | None:
        async with AsyncUsageReports(acme=settings, environ={}) as client:
            return (await client.fetch(AcmeUsage(9, period=OCTOBER))).content

    assert fetched.provider == "acme"
    assert fetched.content == b"account,from,to,units\n7,2026-10-01T00:00:00+00:00,2026-11-01T00:00:00+00:00,42\n"
    assert (tmp_path / "a.csv").read_bytes().startswith(b"account,from,to,units\n8,")
    assert downloaded.path == tmp_path / "a.csv"
    assert (asyncio.run(go()) or b"").startswith(b"account,from,to,units\n9,")
    assert len(acme_sims.requests_to("acme")) == 3


def test_settings_and_errors_are_the_library_own(acme_sims: VendorSimulators) -> None:
    with UsageReports(environ={}) as client, pytest.raises(MissingCredentials, match="set ACME_KEY"):
        client.fetch(AcmeUsage(7, period=OCTOBER))
    with UsageReports(environ={"ACME_KEY": "wrong-key", "ACME_BASE_URL": acme_sims.base_url("acme")}) as client:
        with pytest.raises(AuthenticationError, match=r"acme: HTTP 401: bad key") as info:
            client.fetch(AcmeUsage(7, period=OCTOBER))
        assert "wrong-key" not in repr(info.value)
    with pytest.raises(InvalidRequest, match="acme= takes Acme"):
        UsageReports(acme=object(), environ={})  # type: ignore[arg-type]


def _cli(sims: VendorSimulators, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "ACME_KEY": SANDBOX_ACME_KEY,
        "ACME_BASE_URL": sims.base_url("acme"),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    return subprocess.run(
        [sys.executable, "-c", BOOTSTRAP, str(TESTS), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_the_cli_gains_a_subcommand_with_periods(acme_sims: VendorSimulators, tmp_path: Path) -> None:
    helped = _cli(acme_sims, tmp_path, "--help")
    assert helped.returncode == 0
    assert "acme" in helped.stdout
    assert "one Acme account's usage for a period (CSV)" in helped.stdout
    result = _cli(acme_sims, tmp_path, "acme", "--account-id", "7", "--period", "2026-10", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["provider"] == "acme"
    assert (tmp_path / "acme-usage-7-2026-10.csv").read_bytes().startswith(b"account,from,to,units\n7,")
    bad = _cli(acme_sims, tmp_path, "acme", "--account-id", "7", "--period", "2026-13")
    assert bad.returncode == 2
    assert "--period: '2026-13' is not a month" in bad.stderr


@pytest.mark.slow
def test_fetch_all_runs_its_config_table_into_a_manifest(acme_sims: VendorSimulators, tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(
        '[defaults]\nperiod = "last-month"\n\n[[acme]]\naccount_id = 7\n\n[[acme]]\nname = "b"\naccount_id = 8\n',
        encoding="utf-8",
    )
    result = _cli(acme_sims, tmp_path, "fetch-all", "c.toml", "--out-dir", "out/{period}", "--as-of", "2026-11-02")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out" / "2026-10"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(entry["path"] for entry in manifest["entries"]) == [
        "acme-usage-7-2026-10.csv",
        "b-acme-usage-8-2026-10.csv",
    ]
    assert {entry["provider"] for entry in manifest["entries"]} == {"acme"}
    assert manifest["entries"][0]["period"] == {
        "start": "2026-10-01T00:00:00+00:00",
        "end": "2026-11-01T00:00:00+00:00",
    }
    assert len(acme_sims.requests_to("acme")) == 2


# --- CLI options and config keys for free: the provider declares fields, and writes no argparse or config code ---


def test_the_provider_module_writes_no_argparse_and_no_config_code() -> None:
    tree = ast.parse((TESTS / "fourth_provider.py").read_text(encoding="utf-8"))
    imported = {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names
    }
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    code_names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    code_names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    code_names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert "argparse" not in imported | modules
    assert not {name for name in modules if name and name.startswith(("usage_reports.cli", "usage_reports.batch"))}
    for name in ("add_argument", "add_arguments", "request_from_arguments", "request_from_config", "config_keys"):
        assert name not in code_names, name
    assert "field" in imported  # its fields are declared, once


def test_the_cli_derives_its_options_from_the_declared_fields(capsys: pytest.CaptureFixture[str]) -> None:
    from usage_reports.cli._main import main

    with registered(ACME):
        with pytest.raises(SystemExit, match="0"):
            main(["acme", "--help"])
        shown = " ".join(capsys.readouterr().out.split())
        assert "--account-id N the Acme account" in shown
        assert "--period PERIOD" in shown  # the request has a period field
        with pytest.raises(SystemExit, match="2"):
            main(["acme", "--account-id", "seven", "--period", "2026-10"])
        assert "argument --account-id: must be a positive integer, got 'seven'" in capsys.readouterr().err
        with pytest.raises(SystemExit, match="2"):
            main(["acme", "--period", "2026-10"])
        assert "the following arguments are required: --account-id" in capsys.readouterr().err
        assert main(["acme", "--account-id", "7"]) == 2
        assert "acme needs --period" in capsys.readouterr().err


def test_the_config_derives_its_keys_checks_and_example_from_the_declared_fields() -> None:
    from usage_reports.batch._config import ConfigError, config_keys, example_config, parse_config_text

    with registered(ACME):
        assert [(key.name, key.required) for key in config_keys(ACME)] == [("account_id", True)]
        example = example_config()
        assert "[[acme]]" in example
        assert "account_id = 7" in example
        config = parse_config_text("[[acme]]\naccount_id = 7\nperiod = '2026-10'\n", "c.toml")
        assert config.entries[0].request == AcmeUsage(7, period=OCTOBER)
        with pytest.raises(ConfigError) as info:
            parse_config_text("[[acme]]\naccount_id = 0\nacount = 1\n", "c.toml")
        assert info.value.problems == [  # every mistake of the entry: the unknown key hides none of the others
            "c.toml: acme[1].acount: unknown key; acme entries take account_id, credential_env, credential_file, name, period",
            "c.toml: acme[1].account_id: must be a positive integer, got 0",
            "c.toml: acme[1].period: missing; give the entry a period, or set [defaults] period",
        ]
        with pytest.raises(ConfigError) as info:
            parse_config_text("[[acme]]\naccount_id = 0\n", "c.toml")
        assert info.value.problems == [
            "c.toml: acme[1].account_id: must be a positive integer, got 0",
            "c.toml: acme[1].period: missing; give the entry a period, or set [defaults] period",
        ]
